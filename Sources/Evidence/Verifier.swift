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
}

/// A check on the content of a bundle's records, beyond format and signatures (for example the
/// Gates target's re-derivation of every verdict).
public protocol RecordPolicy: Sendable {
    func check(statements: [VerifiedStatement]) -> [Finding]
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
    /// Statements decoded from the records, for callers (replay, report).
    public var statements: [VerifiedStatement]

    public var allFindings: [Finding] { bundleFindings + records.flatMap(\.findings) }
    public var isVerified: Bool { allFindings.isEmpty && !records.isEmpty }

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

/// Verifies bundles against trusted keys only, reporting every finding rather than the first.
public struct Verifier: Sendable {
    public let trustedKeys: [PublicKey]
    public let policies: [any RecordPolicy]
    public let limits: StrictJSON.Limits

    public init(trustedKeys: [PublicKey], policies: [any RecordPolicy] = [], limits: StrictJSON.Limits = .standard) {
        self.trustedKeys = trustedKeys
        self.policies = policies
        self.limits = limits
    }

    public func verify(bundleData: Data) -> VerificationReport {
        var report = VerificationReport(records: [], bundleFindings: [], trustedKeyIDs: trustedKeys.map(\.keyID),
                                        runID: nil, subject: nil, verdict: nil, statements: [])
        if trustedKeys.isEmpty {
            report.bundleFindings.append(Finding(code: "key.none-trusted", message: "no trusted key was given"))
        }
        let root: JSONValue
        switch StrictJSON.parse(bundleData, limits: limits) {
        case .failure(let violation):
            report.bundleFindings.append(Finding(code: violation.kind.rawValue, message: "the bundle is not acceptable JSON: \(violation)"))
            return report
        case .success(let value):
            root = value
        }
        guard let object = root.objectValue else {
            report.bundleFindings.append(Finding(code: "bundle.shape", message: "the bundle is not a JSON object"))
            return report
        }
        let mediaType = object["mediaType"]?.stringValue
        if mediaType != FormatConstants.bundleMediaType {
            // Another format or version: nothing else in it can be read with confidence.
            report.bundleFindings.append(Finding(code: "bundle.media-type",
                                                 message: "mediaType is \(mediaType.map { "\"\($0)\"" } ?? "missing"), expected \"\(FormatConstants.bundleMediaType)\""))
            return report
        }
        let known: Set<String> = ["mediaType", "records", "verificationMaterial"]
        for key in object.keys where !known.contains(key) {
            report.bundleFindings.append(Finding(code: "bundle.unknown-field", message: "unknown top-level field \"\(key)\""))
        }
        guard let records = object["records"]?.arrayValue else {
            report.bundleFindings.append(Finding(code: "bundle.shape", message: "the bundle has no \"records\" array"))
            return report
        }
        if records.isEmpty {
            report.bundleFindings.append(Finding(code: "bundle.empty", message: "the bundle holds no records: there is nothing to verify"))
            return report
        }

        // Records are independent until the chain check: decode, verify signatures and parse
        // payloads on every core, each result into its own slot.
        let results = ParallelMap.map(records) { index, record -> (VerificationReport.RecordEntry, VerifiedStatement?) in
            var entry = VerificationReport.RecordEntry(index: index, predicateType: nil, label: "record \(index)", signedBy: [], findings: [])
            let statement = checkRecord(record, index: index, entry: &entry)
            return (entry, statement)
        }
        report.records = results.map(\.0)
        let statements = results.compactMap(\.1)
        checkChain(statements: statements, recordCount: records.count, report: &report)
        for policy in policies {
            for finding in policy.check(statements: statements) {
                if let index = finding.recordIndex, index < report.records.count {
                    report.records[index].findings.append(finding)
                } else {
                    report.bundleFindings.append(finding)
                }
            }
        }
        report.statements = statements
        return report
    }

    private func add(_ entry: inout VerificationReport.RecordEntry, _ code: String, _ message: String) {
        entry.findings.append(Finding(code: code, message: message, recordIndex: entry.index))
    }

    /// Checks one envelope: shape, base64, payloadType, signatures, statement. Returns the decoded
    /// statement when the payload could be read.
    private func checkRecord(_ record: JSONValue, index: Int, entry: inout VerificationReport.RecordEntry) -> VerifiedStatement? {
        guard let envelope = record.objectValue else {
            add(&entry, "record.shape", "the record is not a JSON object")
            return nil
        }
        let payloadType = envelope["payloadType"]?.stringValue
        if payloadType != FormatConstants.payloadType {
            add(&entry, "record.payload-type", "payloadType is \(payloadType.map { "\"\($0)\"" } ?? "missing"), expected \"\(FormatConstants.payloadType)\"")
        }
        guard let payloadText = envelope["payload"]?.stringValue else {
            add(&entry, "record.shape", "the record has no \"payload\" string")
            return nil
        }
        guard let payload = Base64.decode(payloadText) else {
            add(&entry, "record.base64", "the payload is not valid base64")
            return nil
        }
        // Signatures are over PAE(payloadType as written, payload bytes).
        let pae = DSSE.pae(payloadType: payloadType ?? "", payload: payload)
        let signatures = envelope["signatures"]?.arrayValue ?? []
        if signatures.isEmpty {
            add(&entry, "signature.missing", "the record carries no signature")
        }
        var foundIDs: [String] = []
        for (position, signature) in signatures.enumerated() {
            guard let keyid = signature["keyid"]?.stringValue ?? Optional(""), let sigText = signature["sig"]?.stringValue else {
                add(&entry, "signature.shape", "signature \(position) has no \"sig\" string")
                continue
            }
            foundIDs.append(keyid)
            guard let sig = Base64.decode(sigText) else {
                add(&entry, "signature.base64", "signature \(position) is not valid base64")
                continue
            }
            // keyid is only a hint: try the named key first, then every trusted key.
            let ordered = trustedKeys.sorted { ($0.keyID == keyid ? 0 : 1) < ($1.keyID == keyid ? 0 : 1) }
            if let signer = ordered.first(where: { $0.verify(signature: sig, message: pae) }), !entry.signedBy.contains(signer.keyID) {
                entry.signedBy.append(signer.keyID)
            }
        }
        if entry.signedBy.isEmpty, !signatures.isEmpty {
            let trusted = trustedKeys.map(\.keyID)
            if !foundIDs.contains(where: trusted.contains) {
                add(&entry, "signature.untrusted-key",
                    "no signature by a trusted key: expected key id \(trusted.isEmpty ? "(none trusted)" : trusted.joined(separator: " or ")), found \(foundIDs.map { $0.isEmpty ? "(empty)" : $0 }.joined(separator: ", "))")
            } else {
                add(&entry, "signature.invalid", "the signature by key \(foundIDs.joined(separator: ", ")) does not verify: the record was changed after signing")
            }
        }

        let statement: JSONValue
        switch StrictJSON.parse(Data(payload), limits: limits) {
        case .failure(let violation):
            add(&entry, "payload." + violation.kind.rawValue, "the payload is not acceptable JSON: \(violation)")
            return nil
        case .success(let value):
            statement = value
        }
        if statement["_type"]?.stringValue != FormatConstants.statementType {
            add(&entry, "statement.type", "_type is \(statement["_type"]?.stringValue ?? "missing"), expected \(FormatConstants.statementType)")
        }
        let predicateType = statement["predicateType"]?.stringValue ?? ""
        entry.predicateType = predicateType
        if !PredicateType.all.contains(predicateType) {
            add(&entry, "statement.predicate-type", "unknown predicateType \"\(predicateType)\"")
        }
        guard let predicate = statement["predicate"], predicate.objectValue != nil else {
            add(&entry, "statement.shape", "the statement has no predicate object")
            return nil
        }
        let subjects = statement["subject"]?.arrayValue ?? []
        if subjects.count != 1 || subjects.first?["digest"]?.objectValue?.isEmpty ?? true {
            add(&entry, "statement.subject", "the statement must name exactly one subject with a digest")
        }
        if let gate = predicate["gate"], let number = gate["number"]?.intValue {
            entry.label = "gate \(number) \(gate["name"]?.stringValue ?? "")"
        } else if predicateType == PredicateType.summary {
            entry.label = "summary"
        } else if predicateType == PredicateType.reproduction {
            entry.label = "reproduction"
        } else if predicateType == PredicateType.scaling {
            entry.label = "scaling"
        }
        for field in ["startedAt", "finishedAt"] {
            if let value = predicate[field] {
                if value.stringValue.flatMap(Timestamp.parse) == nil {
                    add(&entry, "timestamp.format", "\(field) \(value.serialized()) is not an RFC 3339 timestamp")
                }
            } else if predicateType != PredicateType.reproduction {
                add(&entry, "timestamp.missing", "\(field) is missing")
            }
        }
        return VerifiedStatement(index: index, predicateType: predicateType, predicate: predicate,
                                 subject: subjects.first ?? .null, payload: Data(payload), signedBy: entry.signedBy)
    }

    /// The chain: one run id, indexes 0..N-1 in order, each `previous` the hash of the prior
    /// payload, the same subject everywhere, non-decreasing timestamps, one summary, last, whose
    /// recordCount and head are right.
    private func checkChain(statements: [VerifiedStatement], recordCount: Int, report: inout VerificationReport) {
        func add(_ index: Int, _ code: String, _ message: String) {
            report.records[index].findings.append(Finding(code: code, message: message, recordIndex: index))
        }
        let byIndex = Dictionary(statements.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        let runIDs = statements.compactMap { $0.predicate["chain"]?["runId"]?.stringValue }
        let runID = Statistics.mostCommon(runIDs)
        report.runID = runID
        let subject = Statistics.mostCommon(statements.map { $0.subject.serialized() })
        if let subjectValue = statements.first(where: { $0.subject.serialized() == subject })?.subject,
           let name = subjectValue["name"]?.stringValue, let digest = subjectValue["digest"]?.objectValue?.first {
            report.subject = "\(name)@\(digest.key):\(digest.value.stringValue ?? "")"
        }
        var lastTime: Date?
        for index in 0..<recordCount {
            guard let statement = byIndex[index] else { continue }
            guard let chain = statement.predicate["chain"]?.objectValue else {
                add(index, "chain.missing", "the predicate has no chain")
                continue
            }
            let recordRun = chain["runId"]?.stringValue
            if recordRun != runID {
                add(index, "chain.run-id", "runId \(recordRun ?? "missing") differs from the bundle's run \(runID ?? "?"): a record from another run")
            }
            let position = chain["index"]?.intValue
            if position != index {
                add(index, "chain.index", "chain.index is \(position.map(String.init) ?? "missing"), expected \(index) (records reordered, dropped or duplicated)")
            }
            let expectedPrevious: String? = index == 0 ? nil : byIndex[index - 1].map { SHA256Digest.hex($0.payload) }
            let previous = chain["previous"]
            if index == 0 {
                if previous != .null {
                    add(index, "chain.previous-mismatch", "the first record's previous must be null, found \(previous?.serialized() ?? "missing")")
                }
            } else if let expectedPrevious, previous?.stringValue != expectedPrevious {
                add(index, "chain.previous-mismatch", "previous is \(previous?.serialized() ?? "missing"), expected \(expectedPrevious) (SHA-256 of record \(index - 1)'s payload)")
            }
            if statement.subject.serialized() != subject {
                add(index, "subject.mismatch", "the subject \(statement.subject.serialized()) differs from the bundle's \(subject ?? "?")")
            }
            for field in ["startedAt", "finishedAt"] {
                if let time = statement.predicate[field]?.stringValue.flatMap(Timestamp.parse) {
                    if let lastTime, time < lastTime {
                        add(index, "timestamp.order", "\(field) \(statement.predicate[field]?.stringValue ?? "") is earlier than the previous record's")
                    }
                    lastTime = max(lastTime ?? time, time)
                }
            }
            let isSummary = statement.predicateType == PredicateType.summary
            if isSummary && index != recordCount - 1 {
                add(index, "summary.not-last", "a summary record at index \(index) is not the last record")
            }
        }
        let summaries = statements.filter { $0.predicateType == PredicateType.summary }
        guard let last = byIndex[recordCount - 1], last.predicateType == PredicateType.summary else {
            report.bundleFindings.append(Finding(code: "summary.missing",
                                                 message: "the last record is not a summary: the bundle is truncated or unsealed"))
            return
        }
        if summaries.count > 1 {
            report.bundleFindings.append(Finding(code: "summary.duplicate", message: "the bundle holds \(summaries.count) summaries; exactly one is allowed"))
        }
        report.verdict = last.predicate["verdict"]?.stringValue
        let count = last.predicate["recordCount"]?.intValue
        if count != recordCount {
            add(recordCount - 1, "summary.record-count", "the summary's recordCount is \(count.map(String.init) ?? "missing"), but the bundle holds \(recordCount) records")
        }
        let head = last.predicate["head"]?.stringValue
        let expectedHead = recordCount >= 2 ? byIndex[recordCount - 2].map { SHA256Digest.hex($0.payload) } : nil
        if let expectedHead, head != expectedHead {
            add(recordCount - 1, "summary.head", "the summary's head is \(head ?? "missing"), expected \(expectedHead)")
        }
    }
}

/// Maps independent work over the available cores (Dispatch suits this: a fixed pool as wide as
/// the machine, unlike the swarm, which must own its OS threads).
public enum ParallelMap {
    /// `transform` applied to every element, spread over the cores; results in input order.
    public static func map<Element: Sendable, Result>(_ elements: [Element], _ transform: @Sendable (Int, Element) -> Result) -> [Result] {
        guard elements.count > 1 else { return elements.enumerated().map { transform($0.offset, $0.element) } }
        var results = [Result?](repeating: nil, count: elements.count)
        let workers = max(1, min(elements.count, ProcessInfo.processInfo.activeProcessorCount))
        let chunk = (elements.count + workers - 1) / workers
        results.withUnsafeMutableBufferPointer { slots in
            // Each worker writes only its own slots.
            nonisolated(unsafe) let output = slots
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = worker * chunk
                let end = min(elements.count, start + chunk)
                guard start < end else { return }
                for index in start..<end { output[index] = transform(index, elements[index]) }
            }
        }
        return results.compactMap { $0 }
    }
}

enum Statistics {
    static func mostCommon(_ values: [String]) -> String? {
        var counts: [String: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return values.first { counts[$0] == counts.values.max() }
    }
}
