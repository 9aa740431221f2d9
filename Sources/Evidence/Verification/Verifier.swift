package import Foundation

/// What a verification applies besides the trusted keys and policies; grows with the formats
/// and checks the verifier learns.
package struct VerificationOptions: Sendable {
    package var limits: StrictJSON.Limits
    package var retention: StatementRetention

    package init(limits: StrictJSON.Limits = .standard, retention: StatementRetention = .all) {
        self.limits = limits
        self.retention = retention
    }
}

/// Verifies bundles against trusted keys only, reporting every finding rather than the first.
///
/// The bundle is parsed once, by `StrictJSON`; everything after reads the value tree it built.
package struct Verifier: Sendable {
    package let trustedKeys: [PublicKey]
    package let policies: [any RecordPolicy]
    package let options: VerificationOptions
    package var limits: StrictJSON.Limits { options.limits }
    package var retention: StatementRetention { options.retention }
    /// Monotonic nanoseconds, for `VerificationReport.timings` (tests pass their own).
    let clock: @Sendable () -> UInt64

    package init(trustedKeys: [PublicKey], policies: [any RecordPolicy] = [], options: VerificationOptions) {
        self.init(trustedKeys: trustedKeys, policies: policies, options: options, clock: { DispatchTime.now().uptimeNanoseconds })
    }

    package init(trustedKeys: [PublicKey], policies: [any RecordPolicy] = [], limits: StrictJSON.Limits = .standard,
                retention: StatementRetention = .all) {
        self.init(trustedKeys: trustedKeys, policies: policies, options: VerificationOptions(limits: limits, retention: retention))
    }

    init(trustedKeys: [PublicKey], policies: [any RecordPolicy], options: VerificationOptions, clock: @escaping @Sendable () -> UInt64) {
        self.trustedKeys = trustedKeys
        self.policies = policies
        self.options = options
        self.clock = clock
    }

    init(trustedKeys: [PublicKey], policies: [any RecordPolicy], limits: StrictJSON.Limits, retention: StatementRetention,
         clock: @escaping @Sendable () -> UInt64) {
        self.init(trustedKeys: trustedKeys, policies: policies, options: VerificationOptions(limits: limits, retention: retention), clock: clock)
    }

    /// Parses `bundleData` strictly and verifies the bundle it holds.
    package func verify(bundleData: Data) -> VerificationReport {
        let start = clock()
        let parsed = StrictJSON.parse(bundleData, limits: limits)
        let parseSeconds = Double(clock() &- start) / 1e9
        var report = verify(parsed: parsed)
        if case .success = parsed { report.timings.parseSeconds = parseSeconds }
        return report
    }

    /// Verifies what `StrictJSON.parse` made of a bundle's bytes: a caller that parses first can
    /// let go of the bytes before the records are checked.
    package func verify(parsed: Result<JSONValue, StrictJSON.Violation>) -> VerificationReport {
        switch parsed {
        case .failure(let violation):
            var report = emptyReport()
            report.refuse(Finding(code: violation.kind.rawValue, message: "the bundle is not acceptable JSON: \(violation)"),
                          notABundle: [.syntax, .invalidUTF8, .tooLarge].contains(violation.kind))
            return report
        case .success(let bundle):
            return verify(bundle: bundle)
        }
    }

    private func emptyReport() -> VerificationReport {
        var report = VerificationReport(records: [], bundleFindings: [], trustedKeyIDs: trustedKeys.map(\.keyID),
                                        runID: nil, subject: nil, verdict: nil, statements: [])
        if trustedKeys.isEmpty {
            report.bundleFindings.append(Finding(code: "key.none-trusted", message: "no trusted key was given"))
        }
        return report
    }

    /// Verifies a bundle already parsed by `StrictJSON` (the one grammar: a caller that reads
    /// the bundle's bytes some other way must not hand its own value tree here).
    package func verify(bundle: JSONValue) -> VerificationReport {
        var report = emptyReport()
        guard let object = bundle.objectValue else {
            report.refuse(Finding(code: "bundle.shape", message: "the bundle is not a JSON object"))
            return report
        }
        let mediaType = object["mediaType"]?.stringValue
        if mediaType != FormatConstants.bundleMediaType {
            // Another format or version: nothing else in it can be read with confidence.
            report.refuse(Finding(code: "bundle.media-type",
                                  message: "mediaType is \(mediaType.map { "\"\($0)\"" } ?? "missing"), expected \"\(FormatConstants.bundleMediaType)\""))
            return report
        }
        let known: Set<String> = ["mediaType", "records", "verificationMaterial", BundleTimestamps.member]
        // In the keys' byte order: a report lists its findings in the same order every time.
        for key in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !known.contains(key) {
            report.bundleFindings.append(Finding(code: "bundle.unknown-field", message: "unknown top-level field \"\(key)\""))
        }
        guard let records = object["records"]?.arrayValue else {
            report.refuse(Finding(code: "bundle.shape", message: "the bundle has no \"records\" array"))
            return report
        }
        if records.isEmpty {
            report.refuse(Finding(code: "bundle.empty", message: "the bundle holds no records: there is nothing to verify"))
            return report
        }

        // Records are independent until the chain check: signatures, payloads and the policies'
        // inspections run on every core. Only what the chain check and the caller need outlives this step.
        var lapStart = clock()
        func lap() -> Double {
            let now = clock()
            defer { lapStart = now }
            return Double(now &- lapStart) / 1e9
        }
        let checked = ParallelMap.map(records) { index, record in check(record: record, index: index) }
        report.timings.recordsSeconds = lap()
        report.records = checked.map(\.entry)
        report.statements = checked.compactMap(\.kept)
        let links = checked.map(\.link)
        checkChain(links: links, report: &report)
        report.timings.chainSeconds = lap()
        for (number, policy) in policies.enumerated() {
            let inspections = checked.map { $0.inspections.indices.contains(number) ? $0.inspections[number] : nil }
            for finding in policy.erasedCheck(statements: report.statements, inspections: inspections) {
                if let index = finding.recordIndex, index < report.records.count {
                    report.records[index].findings.append(finding)
                } else {
                    report.bundleFindings.append(finding)
                }
            }
        }
        report.timings.policiesSeconds = lap()
        return report
    }

    /// What checking one record leaves for the chain check, the policies and the caller.
    private struct CheckedRecord: Sendable {
        var entry: VerificationReport.RecordEntry
        var link: ChainLink?
        /// Kept for the caller (see `StatementRetention`).
        var kept: VerifiedStatement?
        /// One per policy, in the order of `policies`; empty when the payload could not be read.
        var inspections: [(any Sendable)?]
    }

    private func check(record: JSONValue, index: Int) -> CheckedRecord {
        var entry = VerificationReport.RecordEntry(index: index, predicateType: nil, label: "", signedBy: [], findings: [])
        var link: ChainLink?
        var kept: VerifiedStatement?
        var inspections: [(any Sendable)?] = []
        if let statement = checkEnvelope(record, entry: &entry, link: &link) {
            inspections = policies.map { $0.erasedInspection(statement) }
            if retention == .all || statement.predicateType == PredicateType.summary || statement.predicateType == PredicateType.reproduction {
                kept = statement
            }
        }
        if entry.label.isEmpty { entry.label = "record \(index)" }
        return CheckedRecord(entry: entry, link: link, kept: kept, inspections: inspections)
    }

    private func add(_ entry: inout VerificationReport.RecordEntry, _ code: String, _ message: String) {
        entry.findings.append(Finding(code: code, message: message, recordIndex: entry.index))
    }

    /// Checks one DSSE envelope: shape, base64, payloadType, signatures, statement. Returns the
    /// decoded statement when the payload could be read, and its chain link.
    private func checkEnvelope(_ record: JSONValue, entry: inout VerificationReport.RecordEntry, link: inout ChainLink?) -> VerifiedStatement? {
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
        let message = DSSE.pae(payloadType: payloadType ?? "", payload: payload)
        checkSignatures(envelope["signatures"]?.arrayValue ?? [], message: message, entry: &entry)

        let statement: JSONValue
        switch StrictJSON.parse(bytes: payload, limits: limits) {
        case .failure(let violation):
            add(&entry, "payload." + violation.kind.rawValue, "the payload is not acceptable JSON: \(violation)")
            return nil
        case .success(let value):
            statement = value
        }
        let statementType = statement["_type"]?.stringValue
        if statementType != FormatConstants.statementType {
            add(&entry, "statement.type", "_type is \(statementType ?? "missing"), expected \(FormatConstants.statementType)")
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
        } else if predicateType == PredicateType.testResult {
            entry.label = "test result"
        }
        var times: [ChainLink.Time] = []
        for field in ["startedAt", "finishedAt"] {
            if let value = predicate[field] {
                if let text = value.stringValue, let date = Timestamp.parse(text) {
                    times.append(ChainLink.Time(field: field, text: text, date: date))
                } else {
                    add(&entry, "timestamp.format", "\(field) \(value.serialized()) is not an RFC 3339 timestamp")
                }
            } else if predicateType != PredicateType.reproduction {
                add(&entry, "timestamp.missing", "\(field) is missing")
            }
        }
        let payloadData = Data(payload)
        let subject = subjects.first ?? .null
        link = ChainLink(predicate: predicate, subject: subject, times: times, payload: payloadData,
                         isSummary: predicateType == PredicateType.summary)
        return VerifiedStatement(index: entry.index, predicateType: predicateType, predicate: predicate,
                                 subject: subject, payload: payloadData, signedBy: entry.signedBy)
    }

    /// Which trusted keys signed `message`, into `entry.signedBy`; a finding when none did.
    private func checkSignatures(_ signatures: [JSONValue], message: [UInt8], entry: inout VerificationReport.RecordEntry) {
        if signatures.isEmpty {
            add(&entry, "signature.missing", "the record carries no signature")
            return
        }
        // The key ids of the signatures that have a "sig" string (an absent keyid counts as empty).
        var foundIDs: [String] = []
        for (position, signature) in signatures.enumerated() {
            guard let sigText = signature["sig"]?.stringValue else {
                add(&entry, "signature.shape", "signature \(position) has no \"sig\" string")
                continue
            }
            let keyid = signature["keyid"]?.stringValue ?? ""
            foundIDs.append(keyid)
            guard let sig = Base64.decode(sigText) else {
                add(&entry, "signature.base64", "signature \(position) is not valid base64")
                continue
            }
            // keyid is only a hint: try the named key first, then every other trusted key.
            let named = trustedKeys.filter { $0.keyID.utf8.elementsEqual(keyid.utf8) }
            let others = trustedKeys.filter { !$0.keyID.utf8.elementsEqual(keyid.utf8) }
            guard let signer = (named + others).first(where: { $0.verify(signature: sig, message: message) }) else { continue }
            if !entry.signedBy.contains(signer.keyID) { entry.signedBy.append(signer.keyID) }
        }
        guard entry.signedBy.isEmpty else { return }
        let trusted = trustedKeys.map(\.keyID)
        if !foundIDs.contains(where: trusted.contains) {
            add(&entry, "signature.untrusted-key",
                "no signature by a trusted key: expected key id \(trusted.isEmpty ? "(none trusted)" : trusted.joined(separator: " or ")), found \(foundIDs.map { $0.isEmpty ? "(empty)" : $0 }.joined(separator: ", "))")
        } else {
            add(&entry, "signature.invalid", "the signature by key \(foundIDs.joined(separator: ", ")) does not verify: the record was changed after signing")
        }
    }

    /// The chain: one run id, indexes 0..N-1 in order, each `previous` the hash of the prior
    /// payload, the same subject everywhere, non-decreasing timestamps, one summary, last, whose
    /// recordCount and head are right. `links` holds each record's link at its index, nil where
    /// the record could not be read. Texts are compared as bytes.
    private func checkChain(links: [ChainLink?], report: inout VerificationReport) {
        let recordCount = links.count
        func add(_ index: Int, _ code: String, _ message: String) {
            report.records[index].findings.append(Finding(code: code, message: message, recordIndex: index))
        }
        let runID = mostCommon(links.compactMap { $0?.runIDBytes })
        report.runID = runID.map { String(decoding: $0, as: UTF8.self) }
        let subject = mostCommon(links.compactMap { $0?.subjectBytes })
        let subjectText = subject.map { String(decoding: $0, as: UTF8.self) }
        if let subject, case .success(let value) = StrictJSON.parse(bytes: subject, limits: limits),
           let name = value["name"]?.stringValue, let digest = value["digest"]?.objectValue?.first {
            report.subject = "\(name)@\(digest.key):\(digest.value.stringValue ?? "")"
        }
        var lastTime: Date?
        for (index, link) in links.enumerated() {
            guard let link else { continue }
            guard link.hasChain else {
                add(index, "chain.missing", "the predicate has no chain")
                continue
            }
            if link.runIDBytes != runID {
                add(index, "chain.run-id", "runId \(link.runID ?? "missing") differs from the bundle's run \(report.runID ?? "?"): a record from another run")
            }
            if link.chainIndex != index {
                add(index, "chain.index", "chain.index is \(link.chainIndex.map(String.init) ?? "missing"), expected \(index) (records reordered, dropped or duplicated)")
            }
            // As written, for a message only.
            func previous() -> String { link.previous.map { $0.serialized() } ?? "missing" }
            if index == 0 {
                if link.previous != JSONValue.null {
                    add(index, "chain.previous-mismatch", "the first record's previous must be null, found \(previous())")
                }
            } else if let expected = links[index - 1]?.payloadDigest {
                if link.previous?.stringValue.flatMap(DigestValue.init(lowercaseHex:)) != expected {
                    add(index, "chain.previous-mismatch", "previous is \(previous()), expected \(expected) (SHA-256 of record \(index - 1)'s payload)")
                }
            }
            if link.subjectBytes != subject {
                add(index, "subject.mismatch", "the subject \(String(decoding: link.subjectBytes, as: UTF8.self)) differs from the bundle's \(subjectText ?? "?")")
            }
            for time in link.times {
                if let lastTime, time.date < lastTime {
                    add(index, "timestamp.order", "\(time.field) \(time.text) is earlier than the previous record's")
                }
                lastTime = max(lastTime ?? time.date, time.date)
            }
            if link.isSummary && index != recordCount - 1 {
                add(index, "summary.not-last", "a summary record at index \(index) is not the last record")
            }
        }
        let summaryCount = links.filter { $0?.isSummary == true }.count
        guard let last = links.last ?? nil, last.isSummary, let summary = report.statements.last, summary.index == recordCount - 1 else {
            report.bundleFindings.append(Finding(code: "summary.missing",
                                                 message: "the last record is not a summary: the bundle is truncated or unsealed"))
            return
        }
        if summaryCount > 1 {
            report.bundleFindings.append(Finding(code: "summary.duplicate", message: "the bundle holds \(summaryCount) summaries; exactly one is allowed"))
        }
        report.verdict = summary.predicate["verdict"]?.stringValue
        let count = summary.predicate["recordCount"]?.intValue
        if count != recordCount {
            add(recordCount - 1, "summary.record-count", "the summary's recordCount is \(count.map(String.init) ?? "missing"), but the bundle holds \(recordCount) records")
        }
        let head = summary.predicate["head"]?.stringValue
        let expectedHead = recordCount >= 2 ? links[recordCount - 2]?.payloadDigest.description : nil
        if let expectedHead, head != expectedHead {
            add(recordCount - 1, "summary.head", "the summary's head is \(head ?? "missing"), expected \(expectedHead)")
        }
    }

    /// The byte string given most often (the first of those tied); nil for none.
    private func mostCommon(_ values: [[UInt8]]) -> [UInt8]? {
        var counts: [[UInt8]: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        guard let highest = counts.values.max() else { return nil }
        return values.first { counts[$0] == highest }
    }
}

extension VerificationReport {
    /// Adds a finding that ends verification before any record is read; the input is then not a
    /// bundle at all unless `notABundle` says otherwise (JSON that breaks a rule attest adds,
    /// such as a duplicate key, is a bundle that fails).
    mutating func refuse(_ finding: Finding, notABundle: Bool = true) {
        bundleFindings.append(finding)
        if notABundle, self.notABundle == nil { self.notABundle = .refusing(finding) }
    }
}

/// What the chain check needs of one record, taken while its statement is at hand so that the
/// statement itself need not be kept.
private struct ChainLink: Sendable {
    struct Time: Sendable {
        var field: String
        /// As written.
        var text: String
        var date: Date
    }

    let hasChain: Bool
    let runID: String?
    /// `runID`'s bytes, which records must agree on.
    let runIDBytes: [UInt8]?
    let chainIndex: Int?
    /// As written; nil when absent.
    let previous: JSONValue?
    /// The subject in canonical JSON: records agree on it when these bytes are equal.
    let subjectBytes: [UInt8]
    /// The timestamps, in the order records give them.
    let times: [Time]
    let payloadDigest: DigestValue
    let isSummary: Bool

    init(predicate: JSONValue, subject: JSONValue, times: [Time], payload: Data, isSummary: Bool) {
        let chain = predicate["chain"]?.objectValue
        hasChain = chain != nil
        runID = chain?["runId"]?.stringValue
        runIDBytes = runID.map { Array($0.utf8) }
        chainIndex = chain?["index"]?.intValue
        previous = chain?["previous"]
        subjectBytes = subject.serializedBytes()
        self.times = times
        payloadDigest = SHA256Digest.value(payload)
        self.isSummary = isSummary
    }
}
