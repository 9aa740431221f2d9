package import Foundation

/// What a TSA granted: the token and what it says.
package struct GrantedTimestamp: Sendable, Equatable {
    package var url: String
    package var token: [UInt8]
    package var genTime: Date
    package var genTimeText: String
    package var tsaName: String?
}

/// Asks RFC 3161 Time-Stamp Authorities for a token over a seal's signature: an HTTP POST of a
/// DER TimeStampReq (SHA-256 imprint, a fresh nonce, certReq) with timeouts and a bounded retry.
package struct TimestampRequester: Sendable {
    /// Seconds to wait for a connection, and for the whole exchange, per attempt.
    package var connectTimeout: Double = 10
    package var totalTimeout: Double = 30
    /// The pauses between attempts: one attempt more than there are pauses. Only a TSA that did
    /// not answer or answered 5xx/429 is asked again; a refusal is final.
    package var retryDelays: [Double] = [1, 3]
    /// A reply larger than this is refused (a token with its certificate chain is a few KiB).
    package var maximumReplyBytes = 1 << 20

    /// The POST, injectable for tests of the retry logic.
    var post: @Sendable (_ url: String, _ body: [UInt8], _ requester: TimestampRequester) -> Result<HTTPAnswer, HTTPFailure> = { url, body, requester in
        CurlPost.post(url: url, contentType: "application/timestamp-query", accept: "application/timestamp-reply", body: body,
                      connectTimeout: requester.connectTimeout, totalTimeout: requester.totalTimeout,
                      maximumAnswerBytes: requester.maximumReplyBytes)
    }
    var sleep: @Sendable (Double) -> Void = { seconds in
        if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
    }

    package init() {}

    /// A token from the TSA at `url` over SHA-256 of `signature`, checked to answer this request
    /// (the same imprint and nonce). Its signature is not checked here: that needs the TSA's CA,
    /// which `attest verify --timestamp-ca` is given.
    package func requestToken(url: String, signature: [UInt8]) throws -> GrantedTimestamp {
        let imprint = SHA256Digest.bytes(signature)
        var nonce = try SecureRandom.bytes(8)
        nonce[0] |= 0x40  // a leading zero byte would shorten the INTEGER: the nonce compares by value.
        let query = try TimeStampBackend.query(sha256: imprint, nonce: nonce)
        let answer = try exchange(url: url, query: query)
        guard let reply = TimeStampBackend.reply(der: answer.body) else {
            throw TimestampError.notAReply(url: url, contentType: answer.contentType)
        }
        guard reply.status == 0 || reply.status == 1, let token = reply.token else {
            throw TimestampError.rejected(url: url, status: reply.status, failures: reply.failures)
        }
        guard let content = TimeStampBackend.content(token: token) else {
            throw TimestampError.notAReply(url: url, contentType: answer.contentType)
        }
        guard content.imprintAlgorithm == "SHA256", content.imprint == imprint else {
            throw TimestampError.mismatchedReply(url: url, what: "imprint \(content.imprintAlgorithm) \(Hex.encode(content.imprint)), expected SHA256 \(Hex.encode(imprint))")
        }
        guard content.nonce == nonce else {
            throw TimestampError.mismatchedReply(url: url, what: "nonce \(content.nonce.map { Hex.encode($0) } ?? "absent"), expected \(Hex.encode(nonce))")
        }
        return GrantedTimestamp(url: url, token: token, genTime: content.genTime, genTimeText: content.genTimeText, tsaName: content.tsaName)
    }

    /// The POST with its bounded retry; a 200 answer, or the last failure as a typed error.
    func exchange(url: String, query: [UInt8]) throws(TimestampError) -> HTTPAnswer {
        var attempts = 0
        while true {
            attempts += 1
            let retryable: TimestampError
            switch post(url, query, self) {
            case .success(let answer) where answer.status == 200:
                return answer
            case .success(let answer):
                let error = TimestampError.httpStatus(url: url, status: answer.status, attempts: attempts)
                guard answer.status >= 500 || answer.status == 429 else { throw error }
                retryable = error
            case .failure(let failure):
                retryable = .unreachable(url: url, reason: failure.message, attempts: attempts)
            }
            guard attempts <= retryDelays.count else { throw retryable }
            sleep(retryDelays[attempts - 1])
        }
    }
}

/// What timestamping a written bundle did, TSA by TSA.
package struct TimestampingOutcome: Sendable {
    package var granted: [GrantedTimestamp] = []
    package var failures: [TimestampError] = []
    /// The files the tokens were added to.
    package var files: [URL] = []

    package init() {}

    /// The `timestamping` note of `attest run --json` and `attest timestamp --json`.
    package var json: JSONValue {
        .object([
            "added": .array(granted.map {
                .object(["url": .string($0.url), "genTime": .string(Timestamp.format($0.genTime)),
                         "tsa": $0.tsaName.map(JSONValue.string) ?? .null])
            }),
            "failed": .array(failures.map {
                .object(["error": .string($0.message), "hint": $0.hint.map(JSONValue.string) ?? .null])
            }),
            "files": .array(files.map { .string($0.path) }),
        ])
    }
}

/// Adds RFC 3161 timestamps to bundles already written and signed.
package enum BundleTimestamper {
    /// Asks every TSA in `urls` for a token over the seal of the bundle in `files[0]`, and adds the
    /// tokens granted to each file in `files` that has the same seal (a run's bundle and its archived
    /// copy), each rewritten atomically. A TSA that fails is a failure in the outcome, never a
    /// thrown error: the bundle stays as it was, valid without that timestamp.
    package static func timestamp(files: [URL], urls: [String], requester: TimestampRequester = TimestampRequester()) throws -> TimestampingOutcome {
        var outcome = TimestampingOutcome()
        guard let first = files.first else { return outcome }
        let seal = try BundleTimestamps.seal(bundleData: JSONLines.document(FileReader.read(first, what: "bundle")), path: first.path)
        for url in urls {
            do {
                outcome.granted.append(try requester.requestToken(url: url, signature: seal.signature))
            } catch let error as TimestampError {
                outcome.failures.append(error)
            }
        }
        guard !outcome.granted.isEmpty else { return outcome }
        let entries = outcome.granted.map { TimestampEntry(record: seal.index, token: $0.token) }
        for file in files {
            let data = try FileReader.read(file, what: "bundle")
            guard (try? BundleTimestamps.seal(bundleData: JSONLines.document(data), path: file.path)) == seal else { continue }
            if JSONLines.isJSONLines(data) {
                // A JSON Lines file holds envelopes only: its tokens go in the sidecar beside it.
                let sidecar = JSONLines.timestampsFile(for: file)
                let existing = FileManager.default.fileExists(atPath: sidecar.path) ? try FileReader.read(sidecar, what: "timestamps") : Data("{}".utf8)
                try AtomicFile.write(BundleTimestamps.adding(entries, to: existing, path: sidecar.path), to: sidecar)
                outcome.files.append(sidecar)
            } else {
                try AtomicFile.write(BundleTimestamps.adding(entries, to: data, path: file.path), to: file)
                outcome.files.append(file)
            }
        }
        return outcome
    }
}
