public import Foundation

/// One thing verification found wrong, with a stable code, the expected and found values in its
/// message, and the record it concerns (nil for the bundle as a whole).
public struct Finding: Sendable, Equatable, Codable {
    public var code: String
    public var message: String
    public var recordIndex: Int?

    public init(code: String, message: String, recordIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.recordIndex = recordIndex
    }
}

/// A record whose payload decoded, handed to policies. Its signature may or may not have
/// verified: policies judge content; the report judges signatures.
public struct VerifiedStatement: Sendable {
    public var index: Int
    public var predicateType: String
    public var predicate: JSONValue
    public var subject: JSONValue
    /// The exact signed payload bytes.
    public var payload: Data
    /// Key ids of trusted keys whose signature verified.
    public var signedBy: [String]

    public init(index: Int, predicateType: String, predicate: JSONValue, subject: JSONValue, payload: Data, signedBy: [String]) {
        self.index = index
        self.predicateType = predicateType
        self.predicate = predicate
        self.subject = subject
        self.payload = payload
        self.signedBy = signedBy
    }
}

/// Every finding of one verification.
public struct VerificationReport: Sendable, Encodable {
    public struct RecordEntry: Sendable, Encodable {
        public var index: Int
        public var predicateType: String?
        public var label: String
        public var signedBy: [String]
        public var findings: [Finding]
        public var ok: Bool { findings.isEmpty }

        enum CodingKeys: String, CodingKey { case index, predicateType, label, signedBy, findings, ok }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(predicateType, forKey: .predicateType)
            try container.encode(label, forKey: .label)
            try container.encode(signedBy, forKey: .signedBy)
            try container.encode(findings, forKey: .findings)
            try container.encode(ok, forKey: .ok)
        }
    }

    public var records: [RecordEntry]
    /// Findings about the bundle as a whole (shape, chain length, seal, missing summary).
    public var bundleFindings: [Finding]
    public var trustedKeyIDs: [String]
    public var runID: String?
    public var subject: String?
    public var verdict: String?
    /// Statements decoded from the records and kept for callers (replay, report), in record
    /// order: all of them, or only the summary and reproduction records (`StatementRetention`).
    public var statements: [VerifiedStatement]
    /// Set when the input is not an attest bundle at all (not JSON, not an object, another media
    /// type, no records): a usage error rather than a failed verification.
    public var notABundle: NotABundle?
    /// The steps' durations (not part of the encoded report, which depends only on the bundle).
    public var timings = VerificationTimings()

    public var allFindings: [Finding] { bundleFindings + records.flatMap(\.findings) }
    /// How many findings there are, without gathering them (thousands of records, nearly all clean).
    public var findingCount: Int { records.reduce(bundleFindings.count) { $0 + $1.findings.count } }
    public var isVerified: Bool { bundleFindings.isEmpty && !records.isEmpty && records.allSatisfy { $0.findings.isEmpty } }

    enum CodingKeys: String, CodingKey { case verified, records, bundleFindings, trustedKeyIDs, runID, subject, verdict }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isVerified, forKey: .verified)
        try container.encode(records, forKey: .records)
        try container.encode(bundleFindings, forKey: .bundleFindings)
        try container.encode(trustedKeyIDs, forKey: .trustedKeyIDs)
        try container.encode(runID, forKey: .runID)
        try container.encode(subject, forKey: .subject)
        try container.encode(verdict, forKey: .verdict)
    }
}


/// How long each step of one verification took (`attest verify --timings`).
public struct VerificationTimings: Sendable, Equatable {
    /// Parsing the bundle: its size, UTF-8 and grammar, the value tree built.
    public var parseSeconds: Double = 0
    /// Every record on every core: its signatures, payload, statement, inspections and chain link.
    public var recordsSeconds: Double = 0
    /// The chain check, in record order.
    public var chainSeconds: Double = 0
    /// The policies' judgements of the bundle from what their inspections found.
    public var policiesSeconds: Double = 0

    public init() {}
}

/// Why an input is not an attest bundle, and what to give instead.
public struct NotABundle: Sendable, Equatable {
    public var message: String
    public var hint: String

    static func refusing(_ finding: Finding) -> NotABundle {
        let hint = switch finding.code {
        case "bundle.media-type": "attest reads bundles of media type \(FormatConstants.bundleMediaType), written by `attest run`"
        case StrictJSON.Violation.Kind.tooLarge.rawValue: "bundles are far smaller; check that this is the right file"
        default: "pass a bundle written by `attest run`, such as .checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        }
        return NotABundle(message: finding.message, hint: hint)
    }
}
