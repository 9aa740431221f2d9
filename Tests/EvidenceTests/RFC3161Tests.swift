import Foundation
import Testing
@testable import Evidence

/// RFC 3161 timestamps on the seal, against a TSA the test makes and serves on 127.0.0.1.
@Suite(.serialized) struct RFC3161Tests {
    /// Retries without pauses: the tests count attempts, not seconds.
    static var requester: TimestampRequester {
        var requester = TimestampRequester()
        requester.retryDelays = [0, 0]
        requester.connectTimeout = 5
        requester.totalTimeout = 20
        return requester
    }

    static func bundleData(_ bundle: EvidenceBundle) -> Data { bundle.encoded() }

    /// A bundle with one token from `path` of the TSA added, and the token.
    static func stamped(_ tsa: LocalTSA, path: String = "ok", bundle: EvidenceBundle) throws -> (data: Data, token: [UInt8], seal: SealReference) {
        let data = bundle.encoded()
        let seal = try BundleTimestamps.seal(bundleData: data, path: "fixture")
        let granted = try requester.requestToken(url: tsa.url(path), signature: seal.signature)
        let stamped = try BundleTimestamps.adding([TimestampEntry(record: seal.index, token: granted.token)], to: data, path: "fixture")
        return (stamped, granted.token, seal)
    }

    @Test func aTokenFromTheTSAVerifiesWithAttestAndWithOpenSSLAlone() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let (data, token, seal) = try Self.stamped(tsa, bundle: Fixtures.bundle())
        let report = TimestampVerification.verify(bundleData: data, trustedCAs: [try tsa.caPEM], requireTimestamp: true)
        #expect(report.findings == [])
        #expect(report.tokenCount == 1)
        let trusted = try #require(report.verified.first)
        #expect(trusted.record == seal.index)
        #expect(trusted.tsaName == "CN = attest test TSA, O = attest tests")
        #expect(trusted.accuracySeconds == 1)
        #expect(trusted.sentence.hasPrefix("sealed no later than 20"))
        #expect(trusted.sentence.hasSuffix("by CN = attest test TSA, O = attest tests"))
        // The TSA's time is now, within the time the test took.
        let genTime = try #require(report.trustedTime)
        #expect(abs(genTime.timeIntervalSinceNow) < 120)

        // The bundle verifier accepts the unsigned member, and the signed records are unchanged.
        let verified = Verifier(trustedKeys: [Fixtures.signingKey.publicKey]).verify(bundleData: data)
        #expect(verified.allFindings == [])
        #expect(verified.isVerified)

        // openssl ts -verify on its own, with the digest of the seal's signature.
        let folder = try Fixtures.temporaryFolder("tsr")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(token).write(to: folder.appendingPathComponent("token.der"))
        let ok = try Fixtures.run("openssl", ["ts", "-verify", "-token_in", "-in", "token.der", "-digest", Hex.encode(seal.imprint),
                                                     "-CAfile", tsa.folder.appendingPathComponent("ca.pem").path], in: folder)
        #expect(ok.status == 0)
        #expect(ok.output.contains("Verification: OK"))
        let other = try Fixtures.run("openssl", ["ts", "-verify", "-token_in", "-in", "token.der", "-digest", String(repeating: "00", count: 32),
                                                        "-CAfile", tsa.folder.appendingPathComponent("ca.pem").path], in: folder)
        #expect(other.status != 0)
    }

    @Test func aTokenMovedToAnotherBundleIsRejected() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let (_, token, _) = try Self.stamped(tsa, bundle: Fixtures.bundle())
        let another = try Fixtures.bundle(runID: "ffeeddccbbaa99887766554433221100").encoded()
        let seal = try BundleTimestamps.seal(bundleData: another, path: "another")
        let moved = try BundleTimestamps.adding([TimestampEntry(record: seal.index, token: token)], to: another, path: "another")
        let report = TimestampVerification.verify(bundleData: moved, trustedCAs: [try tsa.caPEM], requireTimestamp: false)
        #expect(report.verified.isEmpty)
        #expect(report.findings.map(\.code) == ["rfc3161.imprint"])
        #expect(report.findings.first?.message.contains(Hex.encode(seal.imprint)) == true)
        // With --require-timestamp the rejected token leaves none.
        let required = TimestampVerification.verify(bundleData: moved, trustedCAs: [try tsa.caPEM], requireTimestamp: true)
        #expect(required.findings.map(\.code) == ["rfc3161.imprint", "rfc3161.missing"])
    }

    @Test func aTokenFromATSAUnderAnotherCAIsRejected() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let (data, _, _) = try Self.stamped(tsa, path: "other", bundle: Fixtures.bundle())
        let report = TimestampVerification.verify(bundleData: data, trustedCAs: [try tsa.caPEM], requireTimestamp: false)
        #expect(report.verified.isEmpty)
        #expect(report.findings.map(\.code) == ["rfc3161.untrusted"])
        #expect(report.findings.first?.message.contains("unable to get local issuer certificate") == true, "\(report.findings)")
        // Its own CA accepts it: the rejection is the CA's, not a broken token.
        let own = TimestampVerification.verify(bundleData: data, trustedCAs: [try tsa.otherCAPEM], requireTimestamp: false)
        #expect(own.findings == [])
        #expect(own.verified.first?.tsaName == "CN = another TSA, O = attest tests")
    }

    /// Every byte of the token, one at a time, flipped. CMS leaves a few fields outside the
    /// signature (the SignedData version, algorithm parameters, the SignerInfo's signature
    /// algorithm OID): OpenSSL, and `openssl ts -verify` alike, accept a token changed there, and
    /// such a token still asserts the same time over the same imprint by the same TSA. Every other
    /// change, and every change to what the TSA signed, is a finding.
    @Test func aChangedByteInWhatTheTSASignedIsAFinding() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let bundle = try Fixtures.bundle()
        let (_, token, seal) = try Self.stamped(tsa, bundle: bundle)
        let data = bundle.encoded()
        let original = try #require(TimeStampBackend.content(token: token))
        func range(of needle: [UInt8]) -> Range<Int>? {
            token.indices.first { token[$0...].starts(with: needle) }.map { $0..<($0 + needle.count) }
        }
        // What the TSA signed and what its signature is: the imprint, genTime, and the signature
        // value (the token's last bytes).
        let signedParts = [try #require(range(of: seal.imprint)), try #require(range(of: Array(original.genTimeText.utf8))),
                           (token.count - 64)..<token.count]
        var codes: Set<String> = []
        var accepted: [Int] = []
        for offset in token.indices {
            var altered = token
            altered[offset] ^= 0x01
            let stamped = try BundleTimestamps.adding([TimestampEntry(record: seal.index, token: altered)], to: data, path: "fixture")
            let report = TimestampVerification.verify(bundleData: stamped, trustedCAs: [try tsa.caPEM], requireTimestamp: false)
            if report.verified.isEmpty {
                #expect(report.findings.count == 1)
                codes.formUnion(report.findings.map(\.code))
            } else {
                accepted.append(offset)
                #expect(!signedParts.contains { $0.contains(offset) }, "byte \(offset) of what the TSA signed changed and the token still verified")
                let content = TimeStampBackend.content(token: altered)
                #expect(content?.genTime == original.genTime && content?.imprint == original.imprint
                        && content?.serialHex == original.serialHex && content?.tsaName == original.tsaName)
            }
        }
        #expect(accepted.count < 16, "\(accepted)")
        #expect(codes.isSubset(of: ["rfc3161.malformed", "rfc3161.imprint", "rfc3161.untrusted"]))
        #expect(codes.contains("rfc3161.untrusted"))
    }

    @Test func aTokenOnAnotherRecordOrOfTheWrongShapeIsAFinding() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let bundle = try Fixtures.bundle()
        let (_, token, seal) = try Self.stamped(tsa, bundle: bundle)
        let onGate = try BundleTimestamps.adding([TimestampEntry(record: 0, token: token)], to: bundle.encoded(), path: "fixture")
        let report = TimestampVerification.verify(bundleData: onGate, trustedCAs: [try tsa.caPEM], requireTimestamp: false)
        #expect(report.findings.map(\.code) == ["rfc3161.record"])
        #expect(report.findings.first?.message.contains("expected the seal, record \(seal.index)") == true)

        guard case .object(var object) = try StrictJSON.parse(bundle.encoded()).get() else { Issue.record("not an object"); return }
        object["timestamps"] = .array([.object(["record": .number(3.5), "rfc3161": .string("AAAA")]), .string("x")])
        let malformed = TimestampVerification.verify(bundleData: Data(JSONValue.object(object).serializedBytes()), trustedCAs: [try tsa.caPEM],
                                                     requireTimestamp: false)
        #expect(malformed.findings.map(\.code) == ["rfc3161.shape", "rfc3161.shape"])
        object["timestamps"] = .array([.object(["record": .number(Double(seal.index)), "rfc3161": .string("AAAA")])])
        let notDER = TimestampVerification.verify(bundleData: Data(JSONValue.object(object).serializedBytes()), trustedCAs: [try tsa.caPEM],
                                                  requireTimestamp: false)
        #expect(notDER.findings.map(\.code) == ["rfc3161.malformed"])
        // A valid token with a byte appended is not DER of one token.
        let trailing = try BundleTimestamps.adding([TimestampEntry(record: seal.index, token: token + [0])], to: bundle.encoded(), path: "fixture")
        #expect(TimestampVerification.verify(bundleData: trailing, trustedCAs: [try tsa.caPEM], requireTimestamp: false).findings.map(\.code)
                == ["rfc3161.malformed"])
    }

    @Test func aSealClaimingATimeAfterTheTSAsIsFlagged() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        // A signer whose clock says 2040: its seal claims a time the TSA had not reached.
        let builder = try BundleBuilder(signingKey: Fixtures.signingKey, subject: .gitCommit(name: "attest", commit: String(repeating: "ab", count: 20)),
                                        clock: Fixtures.FixedClock(date: Date(timeIntervalSince1970: 2_218_000_000)), runID: "00112233445566778899aabbccddeeff")
        let future = try builder.seal(gates: [], verdict: "TEST", startedAt: Fixtures.start, system: Fixtures.system, git: Fixtures.git)
        let (data, _, _) = try Self.stamped(tsa, bundle: future)
        let report = TimestampVerification.verify(bundleData: data, trustedCAs: [try tsa.caPEM], requireTimestamp: false)
        #expect(report.verified.count == 1)
        #expect(report.findings.map(\.code) == ["rfc3161.seal-after-tsa-time"])
        #expect(report.findings.first?.message.contains("2040-04-14") == true)
    }

    @Test func withoutACATokensAreNotedAndARequiredTimestampIsMissing() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let (data, _, _) = try Self.stamped(tsa, bundle: Fixtures.bundle())
        let unchecked = TimestampVerification.verify(bundleData: data, trustedCAs: [], requireTimestamp: false)
        #expect(unchecked.findings == [])
        #expect(unchecked.notes == ["1 RFC 3161 timestamp not checked: pass the TSA's CA with --timestamp-ca"])
        let required = TimestampVerification.verify(bundleData: data, trustedCAs: [], requireTimestamp: true)
        #expect(required.findings.map(\.code) == ["rfc3161.missing"])
        let none = TimestampVerification.verify(bundleData: try Fixtures.bundle().encoded(), trustedCAs: [try tsa.caPEM], requireTimestamp: true)
        #expect(none.findings.map(\.message) == ["a verified timestamp is required (--require-timestamp): the bundle has no RFC 3161 timestamp"])
    }

    @Test func theTSADownOrRefusingLeavesTheBundleAsItWas() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let folder = try Fixtures.temporaryFolder("tsa-down")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bundle.json")
        let original = try Fixtures.bundle().encoded()
        try original.write(to: file)
        let closed = "http://127.0.0.1:\(LocalTSA.closedPort())/ok"
        let outcome = try BundleTimestamper.timestamp(files: [file], urls: [closed, tsa.url("http500"), tsa.url("reject")], requester: Self.requester)
        #expect(outcome.granted.isEmpty)
        #expect(outcome.files.isEmpty)
        #expect(try Data(contentsOf: file) == original)
        guard outcome.failures.count == 3 else { Issue.record("failures: \(outcome.failures)"); return }
        guard case .unreachable(let url, _, let attempts) = outcome.failures[0] else { Issue.record("\(outcome.failures[0])"); return }
        #expect(url == closed && attempts == 3)
        #expect(outcome.failures[1] == .httpStatus(url: tsa.url("http500"), status: 500, attempts: 3))
        #expect(outcome.failures[2] == .rejected(url: tsa.url("reject"), status: 2, failures: ["badAlg"]))
        // 5xx is asked again (bounded); a refusal is final.
        #expect(tsa.requests("http500") == 3)
        #expect(tsa.requests("reject") == 1)
        for failure in outcome.failures { #expect(failure.hint?.contains("attest timestamp BUNDLE") == true) }
        #expect(outcome.json["failed"]?.arrayValue?.count == 3)
    }

    @Test func oneTSAFailingDoesNotStopAnother() throws {
        let tsa = try LocalTSA()
        defer { tsa.stop() }
        let folder = try Fixtures.temporaryFolder("tsa-two")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [folder.appendingPathComponent("a.json"), folder.appendingPathComponent("b.json"), folder.appendingPathComponent("c.json")]
        try Fixtures.bundle().encoded().write(to: files[0])
        try Fixtures.bundle().encoded().write(to: files[1])
        try Fixtures.bundle(runID: "ffeeddccbbaa99887766554433221100").encoded().write(to: files[2])
        let outcome = try BundleTimestamper.timestamp(files: files, urls: [tsa.url("reject"), tsa.url("ok")], requester: Self.requester)
        #expect(outcome.granted.count == 1)
        #expect(outcome.failures.count == 1)
        // The archived copy with the same seal gets the token; another bundle does not.
        #expect(outcome.files == [files[0], files[1]])
        let report = TimestampVerification.verify(bundleData: try Data(contentsOf: files[1]), trustedCAs: [try tsa.caPEM], requireTimestamp: true)
        #expect(report.findings == [])
        #expect(report.verified.count == 1)
        // Timestamping again appends a second token; the first stays.
        _ = try BundleTimestamper.timestamp(files: [files[0]], urls: [tsa.url("ok")], requester: Self.requester)
        let twice = TimestampVerification.verify(bundleData: try Data(contentsOf: files[0]), trustedCAs: [try tsa.caPEM], requireTimestamp: true)
        #expect(twice.verified.count == 2)
        #expect(Verifier(trustedKeys: [Fixtures.signingKey.publicKey]).verify(bundleData: try Data(contentsOf: files[0])).isVerified)
    }

    /// A TSA that accepts the connection and never answers ends in libcurl's total timeout (1 s
    /// here, per attempt: the test waits about 2 s), not in a hung run.
    @Test func aTSAThatNeverAnswersTimesOut() throws {
        let (socket, port) = LocalTSA.silentListener()
        defer { close(socket) }
        var requester = Self.requester
        requester.totalTimeout = 1
        requester.retryDelays = [0]
        #expect {
            _ = try requester.requestToken(url: "http://127.0.0.1:\(port)/ok", signature: [1, 2, 3])
        } throws: { error in
            guard case .unreachable(_, let reason, let attempts) = error as? TimestampError else { return false }
            return attempts == 2 && reason.contains("timed out")
        }
    }

    @Test func retriesAreBoundedAndOnlyForNoAnswerOr5xx() throws {
        final class Counter: @unchecked Sendable { var calls = 0; var pauses: [Double] = [] }
        let counter = Counter()
        var requester = TimestampRequester()
        requester.retryDelays = [0.5, 2]
        requester.sleep = { counter.pauses.append($0) }
        requester.post = { _, _, _ in
            counter.calls += 1
            return counter.calls < 3 ? .failure(HTTPFailure(code: 7, message: "refused")) : .success(HTTPAnswer(status: 200, contentType: nil, body: [1]))
        }
        #expect(try requester.exchange(url: "http://x", query: []).body == [1])
        #expect(counter.calls == 3)
        #expect(counter.pauses == [0.5, 2])
        requester.post = { _, _, _ in
            counter.calls += 1
            return .success(HTTPAnswer(status: 404, contentType: nil, body: []))
        }
        counter.calls = 0
        #expect(throws: TimestampError.httpStatus(url: "http://x", status: 404, attempts: 1)) { try requester.exchange(url: "http://x", query: []) }
        #expect(counter.calls == 1)
    }

    @Test func maxAgeUsesTheTSATime() {
        let genTime = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(TimestampVerification.ageFindings(trustedTime: genTime, maximumAge: 3600, now: genTime.addingTimeInterval(3000)) == [])
        let old = TimestampVerification.ageFindings(trustedTime: genTime, maximumAge: 3600, now: genTime.addingTimeInterval(7200))
        #expect(old.map(\.code) == ["binding.too-old"])
        #expect(old.first?.message.contains("the TSA's time says the bundle was sealed 2.0 hours ago") == true)
    }

    @Test(arguments: [
        ("20261206184205Z", 1_796_582_525.0), ("20261206184205.25Z", 1_796_582_525.25), ("19700101000000Z", 0),
    ]) func generalizedTimeParses(_ text: String, _ seconds: Double) {
        #expect(GeneralizedTime.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["20261206184205", "2026120618420Z", "20261306184205Z", "20261206184205.Z", "20261206184205+0100"])
    func malformedGeneralizedTimeIsRefused(_ text: String) {
        #expect(GeneralizedTime.parse(text) == nil)
    }
}
