import Foundation
import Testing
@testable import Evidence

@Suite("Bundles: verification and tampering")
struct BundleVerificationTests {
    static let verifier = Verifier(trustedKeys: [Fixtures.signingKey.publicKey])

    static func object(_ bundle: EvidenceBundle) -> [String: JSONValue] {
        bundle.json.objectValue ?? [:]
    }

    static func data(_ value: JSONValue) -> Data { Data(value.serialized().utf8) }

    static func records(_ bundle: EvidenceBundle) -> [JSONValue] {
        object(bundle)["records"]?.arrayValue ?? []
    }

    static func with(records: [JSONValue], from bundle: EvidenceBundle) -> Data {
        var root = object(bundle)
        root["records"] = .array(records)
        return data(.object(root))
    }

    struct MissingField: Error {}

    /// Decodes a base64 string field, failing the test when it is absent or malformed.
    static func base64(_ text: String?) throws -> [UInt8] {
        guard let text, let bytes = Base64.decode(text) else { throw MissingField() }
        return bytes
    }

    static func codes(_ report: VerificationReport) -> Set<String> {
        Set(report.allFindings.map(\.code))
    }

    @Test("a library-written bundle verifies, with no finding")
    func verifies() throws {
        let bundle = try Fixtures.bundle()
        let report = Self.verifier.verify(bundleData: bundle.encoded())
        #expect(report.isVerified, "\(report.allFindings)")
        #expect(report.records.count == 4)
        #expect(report.verdict == "TEST")
        #expect(report.runID == "00112233445566778899aabbccddeeff")
        #expect(report.subject == "attest@gitCommit:" + String(repeating: "ab", count: 20))
    }

    @Test("a bundle verifies with the openssl CLI alone, following FORMAT.md's four steps")
    func opensslAlone() throws {
        guard Fixtures.commandExists("openssl") else {
            Issue.record("skipped: the openssl CLI is not installed")
            return
        }
        let folder = try Fixtures.temporaryFolder("openssl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundle = try Fixtures.bundle()
        try Fixtures.signingKey.publicKey.pem.write(to: folder.appendingPathComponent("attest.pub"), atomically: true, encoding: .utf8)
        let records = Self.records(bundle)
        var previousDigest: String?
        for (index, record) in records.enumerated() {
            // 1. payload.bin; 2. pae.bin; 3. openssl pkeyutl -verify; 4. sha256sum against the chain.
            let payload = try Self.base64(record["payload"]?.stringValue)
            let signature = try Self.base64(record["signatures"]?.arrayValue?.first?["sig"]?.stringValue)
            try Data(payload).write(to: folder.appendingPathComponent("payload.bin"))
            try Data(signature).write(to: folder.appendingPathComponent("sig.bin"))
            let script = """
            TYPE=application/vnd.in-toto+json
            { printf 'DSSEv1 %d %s %d ' "${#TYPE}" "$TYPE" "$(stat -c %s payload.bin)"; cat payload.bin; } > pae.bin
            openssl pkeyutl -verify -pubin -inkey attest.pub -rawin -in pae.bin -sigfile sig.bin
            """
            let verified = try Fixtures.run("bash", ["-c", script], in: folder)
            #expect(verified.status == 0, "record \(index): \(verified.output)")
            #expect(verified.output.contains("Signature Verified Successfully"))
            let hash = try Fixtures.run("sha256sum", ["payload.bin"], in: folder)
            let digest = String(hash.output.prefix(64))
            let statement = try JSONDecoder().decode(JSONValue.self, from: Data(payload))
            let previous = statement["predicate"]?["chain"]?["previous"]
            if let previousDigest {
                #expect(previous?.stringValue == previousDigest, "record \(index)'s chain.previous")
            } else {
                #expect(previous == .null)
            }
            previousDigest = digest
        }
        // And a tampered payload fails with openssl too.
        var payload = try Data(contentsOf: folder.appendingPathComponent("payload.bin"))
        payload[10] ^= 0x01
        try payload.write(to: folder.appendingPathComponent("payload.bin"))
        let tampered = try Fixtures.run("bash", ["-c", """
            TYPE=application/vnd.in-toto+json
            { printf 'DSSEv1 %d %s %d ' "${#TYPE}" "$TYPE" "$(stat -c %s payload.bin)"; cat payload.bin; } > pae.bin
            openssl pkeyutl -verify -pubin -inkey attest.pub -rawin -in pae.bin -sigfile sig.bin
            """], in: folder)
        #expect(tampered.status != 0)
    }

    @Test("any changed byte of a payload or a signature is rejected")
    func changedBytes() throws {
        let bundle = try Fixtures.bundle()
        var records = Self.records(bundle)
        for field in ["payload", "sig"] {
            for position in [0, 17, 40] {
                var copy = records
                guard var envelope = copy[1].objectValue else { continue }
                var bytes: [UInt8]
                if field == "payload" {
                    bytes = try Self.base64(envelope["payload"]?.stringValue)
                    bytes[position] ^= 0x20
                    envelope["payload"] = .string(Base64.encode(bytes))
                } else {
                    var signature = try #require(envelope["signatures"]?.arrayValue?.first?.objectValue)
                    bytes = try Self.base64(signature["sig"]?.stringValue)
                    bytes[position] ^= 0x01
                    signature["sig"] = .string(Base64.encode(bytes))
                    envelope["signatures"] = .array([.object(signature)])
                }
                copy[1] = .object(envelope)
                let report = Self.verifier.verify(bundleData: Self.with(records: copy, from: bundle))
                #expect(!report.isVerified, "\(field) byte \(position)")
                #expect(report.records[1].findings.contains { $0.code == "signature.invalid" || $0.code.hasPrefix("payload.") }, "\(report.allFindings)")
            }
        }
        records.removeAll()
    }

    @Test("keeping only the summary finds exactly what keeping every statement finds")
    func retention() throws {
        let bundle = try Fixtures.bundle()
        let records = Self.records(bundle)
        var swapped = records
        swapped.swapAt(0, 1)
        let light = Verifier(trustedKeys: [Fixtures.signingKey.publicKey], retention: .summaryOnly)
        for data in [bundle.encoded(), Self.with(records: swapped, from: bundle), Self.with(records: Array(records.dropLast()), from: bundle)] {
            let whole = Self.verifier.verify(bundleData: data)
            let kept = light.verify(bundleData: data)
            #expect(whole.allFindings == kept.allFindings)
            #expect(whole.verdict == kept.verdict && whole.runID == kept.runID && whole.subject == kept.subject)
            #expect(kept.statements.allSatisfy { $0.predicateType == PredicateType.summary })
            #expect(kept.statements.count <= 1)
        }
        #expect(Self.verifier.verify(bundleData: bundle.encoded()).statements.count == records.count)
    }

    /// Records, per record index, whether `inspect` saw the predicate's "system" member.
    struct SystemWatcher: RecordPolicy {
        func inspect(_ statement: VerifiedStatement) -> Bool? { statement.predicate["system"] != nil }
        func check(statements: [VerifiedStatement], inspections: RecordInspections<Bool>) -> [Finding] {
            inspections.map { Finding(code: $0.inspection ? "saw.system" : "no.system", message: "", recordIndex: $0.index) }
        }
    }

    @Test("a large bundle: every finding, the chain's before the policies'")
    func concurrentJudgement() throws {
        let bundle = try Fixtures.bundle(gates: 1000)
        var records = Self.records(bundle)
        records.insert(records[500], at: 501)
        let report = Verifier(trustedKeys: [Fixtures.signingKey.publicKey], policies: [SystemWatcher()], retention: .summaryOnly)
            .verify(bundleData: Self.with(records: records, from: bundle))
        #expect(report.records.count == 1000 + 2)
        #expect(report.records.allSatisfy { $0.findings.last?.code == "saw.system" })
        #expect(report.records[..<501].allSatisfy { $0.findings.map(\.code) == ["saw.system"] })
        // The copy of record 500 starts before record 500 finished.
        #expect(report.records[501].findings.map(\.code) == ["chain.index", "chain.previous-mismatch", "timestamp.order", "saw.system"])
        #expect(report.records[502...].dropLast().allSatisfy { $0.findings.map(\.code) == ["chain.index", "saw.system"] })
        // The summary's times (the run's start, the clock's start + 100 s) are earlier than the 1,000th gate's.
        #expect(report.records.last?.findings.map(\.code) == ["chain.index", "timestamp.order", "timestamp.order", "summary.record-count", "saw.system"])
        #expect(report.bundleFindings.isEmpty)
    }

    @Test("records share a subject only when its bytes are the same: a canonically equivalent one is still a mismatch")
    func subjectBytes() throws {
        // Enough records that each core's slice holds several, so a subject could be reused.
        let composed = try Fixtures.bundle(gates: 99, subjectName: "caf\u{E9}")
        let decomposed = try Fixtures.bundle(gates: 99, subjectName: "cafe\u{301}")
        #expect("caf\u{E9}" == "cafe\u{301}")  // equal as Swift strings, not as bytes
        var records = Self.records(composed)
        records[50] = Self.records(decomposed)[50]
        let report = Self.verifier.verify(bundleData: Self.with(records: records, from: composed))
        #expect(report.records[50].findings.map(\.code).contains("subject.mismatch"))
        #expect(report.records.enumerated().allSatisfy { $0.offset == 50 || $0.offset == 51 || $0.element.findings.isEmpty })
    }

    @Test("input that is not a bundle at all says so, with a hint; a bundle that breaks a rule is a failed verification")
    func notABundle() throws {
        for text in ["not json", "[1]", #"{"mediaType": "other"}"#, #"{"mediaType": "\#(FormatConstants.bundleMediaType)", "records": []}"#,
                     #"{"mediaType": "\#(FormatConstants.bundleMediaType)"}"#, "\u{FF}"] {
            let report = Self.verifier.verify(bundleData: Data(text.utf8))
            #expect(report.notABundle != nil, "\(text)")
            #expect(report.notABundle?.message == report.bundleFindings.last?.message)
        }
        #expect(Self.verifier.verify(bundleData: Data(#"{"a": 1, "a": 2}"#.utf8)).notABundle == nil)
        #expect(Self.verifier.verify(bundleData: try Fixtures.bundle().encoded()).notABundle == nil)
    }

    @Test("unknown top-level fields are each a finding, in the same order every time (found by fuzzing)")
    func unknownFields() throws {
        let bundle = try Fixtures.bundle()
        var root = Self.object(bundle)
        let extra = ["zeta", "alpha", "Mid", "records2", "é", "_x", "verificaotinMaterial"]
        for key in extra { root[key] = .number(1) }
        let data = Self.data(.object(root))
        let expected = extra.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { "unknown top-level field \"\($0)\"" }
        // Each verification parses the document into new dictionaries, whose order differs.
        for _ in 0..<20 {
            let report = Self.verifier.verify(bundleData: data)
            #expect(report.bundleFindings.filter { $0.code == "bundle.unknown-field" }.map(\.message) == expected)
        }
    }

    @Test("reordered, dropped and duplicated records are each rejected by the chain")
    func reorderDropDuplicate() throws {
        let bundle = try Fixtures.bundle()
        let records = Self.records(bundle)
        var swapped = records
        swapped.swapAt(0, 1)
        #expect(Self.codes(Self.verifier.verify(bundleData: Self.with(records: swapped, from: bundle))).contains("chain.index"))
        var dropped = records
        dropped.remove(at: 1)
        let droppedCodes = Self.codes(Self.verifier.verify(bundleData: Self.with(records: dropped, from: bundle)))
        #expect(droppedCodes.contains("chain.index"))
        #expect(droppedCodes.contains("summary.record-count"))
        var duplicated = records
        duplicated.insert(records[1], at: 2)
        #expect(Self.codes(Self.verifier.verify(bundleData: Self.with(records: duplicated, from: bundle))).contains("chain.previous-mismatch"))
    }

    @Test("a dropped summary (truncation) is rejected")
    func truncated() throws {
        let bundle = try Fixtures.bundle()
        let records = Array(Self.records(bundle).dropLast())
        let report = Self.verifier.verify(bundleData: Self.with(records: records, from: bundle))
        #expect(Self.codes(report).contains("summary.missing"))
    }

    @Test("a record spliced in from another run is rejected")
    func spliced() throws {
        let bundle = try Fixtures.bundle()
        let other = try Fixtures.bundle(runID: "ffeeddccbbaa99887766554433221100")
        var records = Self.records(bundle)
        records[1] = Self.records(other)[1]
        let report = Self.verifier.verify(bundleData: Self.with(records: records, from: bundle))
        #expect(Self.codes(report).contains("chain.run-id"))
        // The bundle's run is the one most records name, not the first record's.
        #expect(report.runID == "00112233445566778899aabbccddeeff")
        records[0] = Self.records(other)[0]
        records[2] = Self.records(other)[2]
        #expect(Self.verifier.verify(bundleData: Self.with(records: records, from: bundle)).runID == "ffeeddccbbaa99887766554433221100")
    }

    @Test("a signature from another key, and a bundle whose only signer is untrusted, are rejected with expected and found ids")
    func otherKeys() throws {
        let foreign = try Fixtures.bundle(key: Fixtures.otherKey)
        let report = Self.verifier.verify(bundleData: foreign.encoded())
        #expect(!report.isVerified)
        let finding = try #require(report.allFindings.first { $0.code == "signature.untrusted-key" })
        #expect(finding.message.contains(Fixtures.signingKey.publicKey.keyID))
        #expect(finding.message.contains(Fixtures.otherKey.publicKey.keyID))

        // One record re-signed by another key inside an otherwise good bundle.
        let bundle = try Fixtures.bundle()
        var records = Self.records(bundle)
        records[2] = Self.records(foreign)[2]
        let mixed = Self.verifier.verify(bundleData: Self.with(records: records, from: bundle))
        #expect(mixed.records[2].findings.contains { $0.code == "signature.untrusted-key" })
    }

    @Test("the bundle's own key material is never trusted")
    func embeddedKeyNotTrusted() throws {
        let foreign = try Fixtures.bundle(key: Fixtures.otherKey)
        #expect(foreign.signerPublicKeyPEM != nil)
        let report = Verifier(trustedKeys: []).verify(bundleData: foreign.encoded())
        #expect(!report.isVerified)
        #expect(Self.codes(report).contains("key.none-trusted"))
    }

    @Test("a summary whose recordCount or head lies is rejected, even when re-signed")
    func lyingSummary() throws {
        let key = Fixtures.signingKey
        for field in ["recordCount", "head"] {
            let bundle = try Fixtures.bundle()
            var records = Self.records(bundle)
            let last = records.count - 1
            let payload = try Self.base64(records[last]["payload"]?.stringValue)
            var statement = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(payload)).objectValue)
            var predicate = try #require(statement["predicate"]?.objectValue)
            predicate[field] = field == "head" ? .string(String(repeating: "0", count: 64)) : .number(99)
            statement["predicate"] = .object(predicate)
            let newPayload = Array(JSONValue.object(statement).serialized().utf8)
            let signature = try key.sign(DSSE.pae(payloadType: FormatConstants.payloadType, payload: newPayload))
            records[last] = DSSEEnvelope(payloadType: FormatConstants.payloadType, payload: Base64.encode(newPayload),
                                         signatures: [DSSESignature(keyid: key.publicKey.keyID, sig: Base64.encode(signature))]).json
            let codes = Self.codes(Self.verifier.verify(bundleData: Self.with(records: records, from: bundle)))
            #expect(codes.contains(field == "head" ? "summary.head" : "summary.record-count"), "\(field): \(codes)")
        }
    }

    /// Record `index` with its predicate's chain changed by `change`, and signed again.
    static func rechained(_ records: [JSONValue], _ index: Int, _ change: (inout [String: JSONValue]) -> Void) throws -> JSONValue {
        let key = Fixtures.signingKey
        let payload = try base64(records[index]["payload"]?.stringValue)
        var statement = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(payload)).objectValue)
        var predicate = try #require(statement["predicate"]?.objectValue)
        var chain = try #require(predicate["chain"]?.objectValue)
        change(&chain)
        predicate["chain"] = .object(chain)
        statement["predicate"] = .object(predicate)
        let newPayload = Array(JSONValue.object(statement).serialized().utf8)
        let signature = try key.sign(DSSE.pae(payloadType: FormatConstants.payloadType, payload: newPayload))
        return DSSEEnvelope(payloadType: FormatConstants.payloadType, payload: Base64.encode(newPayload),
                            signatures: [DSSESignature(keyid: key.publicKey.keyID, sig: Base64.encode(signature))]).json
    }

    @Test("previous must be the prior payload's digest exactly as attest writes it: uppercase hex, another type or a non-null first previous is a mismatch")
    func previousAsWritten() throws {
        let bundle = try Fixtures.bundle()
        let records = Self.records(bundle)
        let digest = SHA256Digest.hex(try Self.base64(records[0]["payload"]?.stringValue))
        let cases: [(index: Int, previous: JSONValue, shown: String)] = [
            (1, .string(digest.uppercased()), "\"\(digest.uppercased())\""),
            (1, .number(5), "5"),
            (1, .null, "null"),
            (0, .string(""), "\"\""),
        ]
        for (index, previous, shown) in cases {
            var changed = records
            changed[index] = try Self.rechained(records, index) { $0["previous"] = previous }
            let report = Self.verifier.verify(bundleData: Self.with(records: changed, from: bundle))
            let finding = try #require(report.records[index].findings.first { $0.code == "chain.previous-mismatch" }, "\(shown)")
            #expect(finding.message.contains(index == 0 ? "found \(shown)" : "previous is \(shown), expected \(digest)"), "\(finding.message)")
        }
        // The same digest in lowercase, signed again, is the original chain: nothing to find.
        var same = records
        same[1] = try Self.rechained(records, 1) { $0["previous"] = .string(digest) }
        #expect(!Self.codes(Self.verifier.verify(bundleData: Self.with(records: same, from: bundle))).contains("chain.previous-mismatch"))
        var missing = records
        missing[1] = try Self.rechained(records, 1) { $0["previous"] = nil }
        let report = Self.verifier.verify(bundleData: Self.with(records: missing, from: bundle))
        #expect(report.records[1].findings.contains { $0.code == "chain.previous-mismatch" && $0.message.contains("previous is missing") })
    }

    /// A clock that moves one millisecond each time it is read.
    final class SteppingClock: @unchecked Sendable {
        private let lock = NSLock()
        private var nanoseconds: UInt64 = 0
        func read() -> UInt64 {
            lock.lock()
            defer { lock.unlock() }
            nanoseconds += 1_000_000
            return nanoseconds
        }
    }

    @Test("each step's time comes from the clock between the steps; a refused document has none")
    func timings() throws {
        let clock = SteppingClock()
        let verifier = Verifier(trustedKeys: [Fixtures.signingKey.publicKey], policies: [], limits: .standard, retention: .all,
                                clock: { clock.read() })
        let report = verifier.verify(bundleData: try Fixtures.bundle().encoded())
        #expect(report.isVerified)
        #expect(report.timings.parseSeconds == 0.001 && report.timings.recordsSeconds == 0.001)
        #expect(report.timings.chainSeconds == 0.001 && report.timings.policiesSeconds == 0.001)
        #expect(verifier.verify(bundleData: Data("not json".utf8)).timings == VerificationTimings())
        // The report's JSON does not carry them: it depends on the bundle alone.
        let encoded = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!encoded.contains("Seconds") && !encoded.contains("timings"))
    }

    @Test("a policy's inspections come in record order, without the records it passed over")
    func recordInspections() {
        let inspections = RecordInspections<String>(byRecord: [nil, "b", nil, nil, "e", "f"])
        #expect(inspections.map(\.index) == [1, 4, 5])
        #expect(inspections.map(\.inspection) == ["b", "e", "f"])
        #expect(inspections.indices == [1, 4, 5])
        #expect(inspections[4] == "e" && inspections[0] == nil && inspections[6] == nil && inspections[-1] == nil)
        #expect(Array(RecordInspections<Int>(byRecord: [nil, nil])).isEmpty)
    }

    @Test("a digest held as a value reads back as the hex digest; only 64 lowercase hex characters parse")
    func digestValues() {
        for text in ["", "abc", String(repeating: "ab", count: 100)] {
            let data = Data(text.utf8)
            #expect(SHA256Digest.value(data).description == SHA256Digest.hex(data))
            #expect(DigestValue(lowercaseHex: SHA256Digest.hex(data)) == SHA256Digest.value(data))
        }
        let hex = SHA256Digest.hex(Data("x".utf8))
        #expect(DigestValue(lowercaseHex: hex.uppercased()) == nil)
        #expect(DigestValue(lowercaseHex: String(hex.dropLast())) == nil)
        #expect(DigestValue(lowercaseHex: hex + "0") == nil)
        #expect(DigestValue(lowercaseHex: String(hex.dropLast()) + "g") == nil)
        #expect(Hex.encode([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test("wrong mediaType, not JSON, wrong shape and bad base64 each give their own finding")
    func shapes() throws {
        let bundle = try Fixtures.bundle()
        var root = Self.object(bundle)
        root["mediaType"] = .string("application/json")
        #expect(Self.codes(Self.verifier.verify(bundleData: Self.data(.object(root)))).contains("bundle.media-type"))
        #expect(Self.codes(Self.verifier.verify(bundleData: Data("not json".utf8))).contains("json.syntax"))
        #expect(Self.codes(Self.verifier.verify(bundleData: Data("[1]".utf8))).contains("bundle.shape"))
        var records = Self.records(bundle)
        var envelope = try #require(records[0].objectValue)
        envelope["payload"] = .string("!!not base64!!")
        records[0] = .object(envelope)
        #expect(Self.codes(Self.verifier.verify(bundleData: Self.with(records: records, from: bundle))).contains("record.base64"))
    }

    @Test("URL-safe base64 is accepted as DSSE requires")
    func urlSafeBase64() throws {
        let bytes: [UInt8] = [0xfb, 0xff, 0xfe, 0x00, 0x10]
        let standard = Base64.encode(bytes)
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(Base64.decode(urlSafe) == bytes)
        #expect(Base64.decode(standard) == bytes)
    }

    @Test("a subject that changes along the chain is rejected")
    func subjectMismatch() throws {
        let bundle = try Fixtures.bundle()
        let other = try Fixtures.bundle(subjectCommit: String(repeating: "cd", count: 20))
        var records = Self.records(bundle)
        records[0] = Self.records(other)[0]
        let report = Self.verifier.verify(bundleData: Self.with(records: records, from: bundle))
        #expect(report.records[0].findings.contains { $0.code == "subject.mismatch" })
        #expect(report.subject == "attest@gitCommit:" + String(repeating: "ab", count: 20))
    }

    @Test("bundles are written atomically and archives never overwritten")
    func atomicWrites() throws {
        let folder = try Fixtures.temporaryFolder("atomic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("b.json")
        let bundle = try Fixtures.bundle()
        try bundle.write(to: file)
        try bundle.write(to: file)
        #expect(throws: AtomicFileError.self) { try bundle.write(to: file, exclusive: true) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        #expect(Self.verifier.verify(bundleData: try Data(contentsOf: file)).isVerified)
    }
}
