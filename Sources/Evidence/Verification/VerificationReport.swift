package import Foundation

/// One thing verification found wrong, with a stable code, the expected and found values in its
/// message, and the record it concerns (nil for the bundle as a whole).
package struct Finding: Sendable, Equatable, Codable {
    package var code: String
    package var message: String
    package var recordIndex: Int?

    package init(code: String, message: String, recordIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.recordIndex = recordIndex
    }
}

/// A record whose payload decoded, handed to policies. Its signature may or may not have
/// verified: policies judge content; the report judges signatures.
package struct VerifiedStatement: Sendable {
    package var index: Int
    package var predicateType: String
    package var predicate: JSONValue
    package var subject: JSONValue
    /// The exact signed payload bytes.
    package var payload: Data
    /// Key ids of trusted keys whose signature verified.
    package var signedBy: [String]

    package init(index: Int, predicateType: String, predicate: JSONValue, subject: JSONValue, payload: Data, signedBy: [String]) {
        self.index = index
        self.predicateType = predicateType
        self.predicate = predicate
        self.subject = subject
        self.payload = payload
        self.signedBy = signedBy
    }
}

/// Every finding of one verification.
package struct VerificationReport: Sendable, Encodable {
    package struct RecordEntry: Sendable, Encodable {
        package var index: Int
        package var predicateType: String?
        package var label: String
        package var signedBy: [String]
        package var findings: [Finding]
        package var ok: Bool { findings.isEmpty }

        enum CodingKeys: String, CodingKey { case index, predicateType, label, signedBy, findings, ok }
        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(predicateType, forKey: .predicateType)
            try container.encode(label, forKey: .label)
            try container.encode(signedBy, forKey: .signedBy)
            try container.encode(findings, forKey: .findings)
            try container.encode(ok, forKey: .ok)
        }
    }

    package var records: [RecordEntry]
    /// Findings about the bundle as a whole (shape, chain length, seal, missing summary).
    package var bundleFindings: [Finding]
    package var trustedKeyIDs: [String]
    package var runID: String?
    package var subject: String?
    package var verdict: String?
    /// Statements decoded from the records and kept for callers (replay, report), in record
    /// order: all of them, or only the summary and reproduction records (`StatementRetention`).
    package var statements: [VerifiedStatement]
    /// Set when the input is not an attest bundle at all (not JSON, not an object, another media
    /// type, no records): a usage error rather than a failed verification.
    package var notABundle: NotABundle?
    /// The steps' durations (not part of the encoded report, which depends only on the bundle).
    package var timings = VerificationTimings()

    package var allFindings: [Finding] { bundleFindings + records.flatMap(\.findings) }
    /// How many findings there are, without gathering them (thousands of records, nearly all clean).
    package var findingCount: Int { records.reduce(bundleFindings.count) { $0 + $1.findings.count } }
    package var isVerified: Bool { bundleFindings.isEmpty && !records.isEmpty && records.allSatisfy { $0.findings.isEmpty } }

    enum CodingKeys: String, CodingKey { case verified, records, bundleFindings, trustedKeyIDs, runID, subject, verdict }
    package func encode(to encoder: any Encoder) throws {
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
package struct VerificationTimings: Sendable, Equatable {
    /// Parsing the bundle: its size, UTF-8 and grammar, the value tree built.
    package var parseSeconds: Double = 0
    /// Every record on every core: its signatures, payload, statement, inspections and chain link.
    package var recordsSeconds: Double = 0
    /// The chain check, in record order.
    package var chainSeconds: Double = 0
    /// The policies' judgements of the bundle from what their inspections found.
    package var policiesSeconds: Double = 0

    package init() {}
}

/// Why an input is not an attest bundle, and what to give instead.
package struct NotABundle: Sendable, Equatable {
    package var message: String
    package var hint: String

    static func refusing(_ finding: Finding) -> NotABundle {
        let hint = switch finding.code {
        case "bundle.media-type": "attest reads bundles of media type \(FormatConstants.bundleMediaType), written by `attest run`"
        case StrictJSON.Violation.Kind.tooLarge.rawValue: "bundles are far smaller; check that this is the right file"
        default: "pass a bundle written by `attest run`, such as .checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        }
        return NotABundle(message: finding.message, hint: hint)
    }
}
