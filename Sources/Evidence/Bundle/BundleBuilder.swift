package import Foundation

/// Wall-clock time for timestamps; injectable so tests are deterministic. Durations never come
/// from here: they come from a monotonic clock.
package protocol WallClock: Sendable {
    func now() -> Date
}

package struct SystemWallClock: WallClock {
    package init() {}
    package func now() -> Date { Date() }
}

/// A gate's identity in its record.
package struct GateIdentity: Sendable, Equatable {
    package var number: Int
    package var name: String
    package var title: String
    package var critical: Bool

    package init(number: Int, name: String, title: String, critical: Bool) {
        self.number = number
        self.name = name
        self.title = title
        self.critical = critical
    }
}

/// A gate's signed result.
package struct GateResultRecord: Sendable, Equatable {
    package var status: String
    package var passed: Bool
    package var summary: String

    package init(status: String, passed: Bool, summary: String) {
        self.status = status
        self.passed = passed
        self.summary = summary
    }
}

/// Everything one gate record holds.
package struct GateRecordContent: Sendable {
    package var gate: GateIdentity
    package var startedAt: Date
    package var finishedAt: Date
    package var durationSeconds: Double
    package var system: SystemInfo
    package var git: GitReading
    package var parameters: JSONValue
    package var measurements: JSONValue
    package var criteria: JSONValue
    package var result: GateResultRecord

    package init(gate: GateIdentity, startedAt: Date, finishedAt: Date, durationSeconds: Double, system: SystemInfo,
                git: GitReading, parameters: JSONValue, measurements: JSONValue, criteria: JSONValue, result: GateResultRecord) {
        self.gate = gate
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.system = system
        self.git = git
        self.parameters = parameters
        self.measurements = measurements
        self.criteria = criteria
        self.result = result
    }
}

/// One entry of the summary's per-gate list.
package struct GateSummaryEntry: Sendable, Equatable {
    package var number: Int
    package var name: String
    package var status: String
    package var passed: Bool

    package init(number: Int, name: String, status: String, passed: Bool) {
        self.number = number
        self.name = name
        self.status = status
        self.passed = passed
    }
}

/// A signed bundle: the records of one run, chained and sealed.
package struct EvidenceBundle: Sendable, Equatable {
    package var records: [DSSEEnvelope]
    /// The signer's public key, as a convenience for readers. Never trusted by the verifier.
    package var signerPublicKeyPEM: String?
    package var signerKeyID: String?

    package var json: JSONValue {
        var object: [String: JSONValue] = [
            "mediaType": .string(FormatConstants.bundleMediaType),
            "records": .array(records.map(\.json)),
        ]
        if let signerPublicKeyPEM, let signerKeyID {
            object["verificationMaterial"] = .object(["publicKey": .string(signerPublicKeyPEM), "keyid": .string(signerKeyID)])
        }
        return .object(object)
    }

    /// The bundle file's bytes: indented JSON with sorted keys and a final newline.
    package func encoded() -> Data {
        var bytes = json.serializedBytes(pretty: true)
        bytes.append(UInt8(ascii: "\n"))
        return Data(bytes)
    }

    package func write(to url: URL, exclusive: Bool = false) throws {
        try AtomicFile.write(encoded(), to: url, exclusive: exclusive)
    }
}

/// Builds one run's bundle: each appended record is chained to the previous one's payload hash,
/// signed (and the signature checked) at once; `seal` adds the summary record last.
package final class BundleBuilder {
    package let runID: String
    package let subject: Subject
    private let signingKey: SigningKey
    private let clock: any WallClock
    private var records: [DSSEEnvelope] = []
    private var previousDigest: String?
    private var sealed = false
    /// The last system record's JSON and its bytes: a run records the same machine in every record.
    private var systemCache: (SystemInfo, JSONValue, [UInt8])?

    private func systemJSON(_ system: SystemInfo) -> (json: JSONValue, bytes: [UInt8]) {
        if let cache = systemCache, cache.0 == system { return (cache.1, cache.2) }
        let json = system.json
        let bytes = json.serializedBytes()
        systemCache = (system, json, bytes)
        return (json, bytes)
    }

    /// The git state's JSON and bytes, likewise the same in every record of a run.
    private var gitCache: (GitReading, git: JSONValue, unavailable: JSONValue, bytes: [String: [UInt8]])?

    private func gitJSON(_ git: GitReading) -> (git: JSONValue, unavailable: JSONValue, bytes: [String: [UInt8]]) {
        if let cache = gitCache, cache.0 == git { return (cache.git, cache.unavailable, cache.bytes) }
        let json = git.json
        let bytes = ["git": json.git.serializedBytes(), "gitUnavailable": json.unavailable.serializedBytes()]
        gitCache = (git, json.git, json.unavailable, bytes)
        return (json.git, json.unavailable, bytes)
    }

    package init(signingKey: SigningKey, subject: Subject, clock: any WallClock = SystemWallClock(), runID: String? = nil) throws {
        self.signingKey = signingKey
        self.subject = subject
        self.clock = clock
        self.runID = try runID ?? Hex.encode(SecureRandom.bytes(16))
    }

    private var chain: JSONValue {
        .object([
            "runId": .string(runID),
            "index": .number(Double(records.count)),
            "previous": previousDigest.map(JSONValue.string) ?? .null,
        ])
    }

    /// Signs `predicate` as the next record; returns the payload bytes that were signed.
    @discardableResult
    /// `fragments`: bytes already serialised for members of the predicate (see
    /// `JSONValue.serializedBytes(fragments:)`); the payload is the same as without them.
    private func appendStatement(predicateType: String, fragments: [String: [UInt8]] = [:],
                                 predicate: [String: JSONValue]) throws -> Data {
        var predicate = predicate
        predicate["chain"] = chain
        let statement = JSONValue.object([
            "_type": .string(FormatConstants.statementType),
            "subject": .array([subject.json]),
            "predicateType": .string(predicateType),
            "predicate": .object(predicate),
        ])
        let payload = fragments.isEmpty ? statement.serializedBytes()
            : statement.serializedBytes(fragments: ["predicate": JSONValue.object(predicate).serializedBytes(fragments: fragments)])
        let signature = try signingKey.sign(DSSE.pae(payloadType: FormatConstants.payloadType, payload: payload))
        records.append(DSSEEnvelope(
            payloadType: FormatConstants.payloadType, payload: Base64.encode(payload),
            signatures: [DSSESignature(keyid: signingKey.publicKey.keyID, sig: Base64.encode(signature))]))
        previousDigest = SHA256Digest.hex(payload)
        return Data(payload)
    }

    /// Appends one gate's record; returns its signed payload bytes.
    @discardableResult
    package func append(gate content: GateRecordContent) throws -> Data {
        precondition(!sealed, "a sealed bundle takes no more records")
        let git = gitJSON(content.git)
        let system = systemJSON(content.system)
        var fragments = git.bytes
        fragments["system"] = system.bytes
        return try appendStatement(predicateType: PredicateType.gate, fragments: fragments, predicate: [
            "gate": .object([
                "number": .number(Double(content.gate.number)), "name": .string(content.gate.name),
                "title": .string(content.gate.title), "critical": .bool(content.gate.critical),
            ]),
            "startedAt": .string(Timestamp.format(content.startedAt)),
            "finishedAt": .string(Timestamp.format(content.finishedAt)),
            "durationSeconds": .number(content.durationSeconds),
            "system": system.json,
            "git": git.git,
            "gitUnavailable": git.unavailable,
            "parameters": content.parameters,
            "measurements": content.measurements,
            "criteria": content.criteria,
            "result": .object([
                "status": .string(content.result.status), "passed": .bool(content.result.passed),
                "summary": .string(content.result.summary),
            ]),
        ])
    }

    /// Appends any other predicate (e.g. a reproduction); returns its signed payload bytes.
    @discardableResult
    package func append(predicateType: String, predicate: [String: JSONValue]) throws -> Data {
        precondition(!sealed, "a sealed bundle takes no more records")
        return try appendStatement(predicateType: predicateType, predicate: predicate)
    }

    /// Adds the summary record and returns the finished bundle.
    package func seal(gates: [GateSummaryEntry], verdict: String, startedAt: Date, finishedAt: Date? = nil,
                     system: SystemInfo, git: GitReading, extra: [String: JSONValue] = [:]) throws -> EvidenceBundle {
        precondition(!sealed, "a bundle is sealed once")
        let gitValues = gitJSON(git)
        var predicate: [String: JSONValue] = extra
        predicate["recordCount"] = .number(Double(records.count + 1))
        predicate["head"] = previousDigest.map(JSONValue.string) ?? .null
        // The seal's own timestamps keep the chain's times non-decreasing; the run's span is kept apart.
        let sealedAt = Timestamp.format(finishedAt ?? clock.now())
        predicate["startedAt"] = .string(sealedAt)
        predicate["finishedAt"] = .string(sealedAt)
        predicate["runStartedAt"] = .string(Timestamp.format(startedAt))
        predicate["gates"] = .array(gates.map {
            .object(["number": .number(Double($0.number)), "name": .string($0.name), "status": .string($0.status), "passed": .bool($0.passed)])
        })
        predicate["verdict"] = .string(verdict)
        predicate["system"] = systemJSON(system).json
        predicate["git"] = gitValues.git
        predicate["gitUnavailable"] = gitValues.unavailable
        try appendStatement(predicateType: PredicateType.summary, predicate: predicate)
        sealed = true
        return EvidenceBundle(records: records, signerPublicKeyPEM: signingKey.publicKey.pem, signerKeyID: signingKey.publicKey.keyID)
    }
}
