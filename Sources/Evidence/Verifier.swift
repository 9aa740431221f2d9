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

/// A check on the content of a bundle's records, beyond format and signatures (for example the
/// Gates target's re-derivation of every verdict).
///
/// A policy works in two steps so that large bundles verify on every core and in bounded memory:
/// `inspect` sees each record once, while its statement is at hand (on any core, in any order),
/// and `check` then judges the bundle from what the inspections found and the statements the
/// verifier kept (see `StatementRetention`).
public protocol RecordPolicy: Sendable {
    /// What `inspect` learns from one record.
    associatedtype Inspection: Sendable

    /// Looks at one record; nil when the record does not concern this policy.
    func inspect(_ statement: VerifiedStatement) -> Inspection?

    /// Judges the bundle. `statements` are those the verifier kept, in record order (always the
    /// summary and any reproduction record); `inspections` are in record order, by record index.
    func check(statements: [VerifiedStatement], inspections: RecordInspections<Inspection>) -> [Finding]

    /// Members of a predicate that `inspect` never reads. When every policy names a member and the
    /// verifier keeps only the summary (`StatementRetention.summaryOnly`), the statements `inspect`
    /// sees for records that are not kept lack it: it is still checked as strictly as the rest of
    /// the payload, but not built. Empty by default: a policy sees whole predicates unless it says so.
    var predicateMembersNotInspected: Set<String> { get }
}

extension RecordPolicy {
    public var predicateMembersNotInspected: Set<String> { [] }
}

extension RecordPolicy {
    /// Slots for this policy's inspections of `count` records, typed: the verifier holds policies
    /// of different types, and a cast per record back from `any Sendable` would cost more than
    /// many an inspection.
    func makeInspections(count: Int) -> any PolicyInspections {
        TypedInspections(policy: self, count: count)
    }
}

/// One policy's inspections during a verification, one slot per record.
protocol PolicyInspections: AnyObject, Sendable {
    /// Inspects record `index`; called once per index, from any core, on distinct indexes.
    func inspect(_ statement: VerifiedStatement, index: Int)
    /// The policy's findings once every record is inspected; called once.
    func check(statements: [VerifiedStatement]) -> [Finding]
}

private final class TypedInspections<Policy: RecordPolicy>: PolicyInspections, @unchecked Sendable {
    let policy: Policy
    /// Written in place by `inspect`, each slot by exactly one core, and read only once every
    /// core is done (the verifier's parallel step ends before `check`).
    let slots: UnsafeMutableBufferPointer<Policy.Inspection?>

    init(policy: Policy, count: Int) {
        self.policy = policy
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func inspect(_ statement: VerifiedStatement, index: Int) {
        slots[index] = policy.inspect(statement)
    }

    /// Hands the inspections over to the policy, moved rather than copied (a copy would retain
    /// and later release what each of thousands holds); the slots are empty afterwards.
    func check(statements: [VerifiedStatement]) -> [Finding] {
        let count = slots.count
        let inspections = [Policy.Inspection?](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let target = buffer.baseAddress, let source = slots.baseAddress {
                target.moveInitialize(from: source, count: count)
                slots.initialize(repeating: nil)
                initialized = count
            }
        }
        return policy.check(statements: statements, inspections: RecordInspections(byRecord: inspections))
    }
}

/// What a policy's `inspect` returned for each record, in record order: the records it returned
/// nil for are absent.
public struct RecordInspections<Inspection>: Sequence {
    /// One slot per record of the bundle.
    private let byRecord: [Inspection?]

    /// `byRecord[i]` is record i's inspection, nil where there is none.
    public init(byRecord: [Inspection?]) {
        self.byRecord = byRecord
    }

    /// Record `index`'s inspection; nil when there is none (or no such record).
    public subscript(index: Int) -> Inspection? {
        byRecord.indices.contains(index) ? byRecord[index] : nil
    }

    /// The indexes of the records that have an inspection, in order.
    public var indices: [Int] { byRecord.indices.filter { byRecord[$0] != nil } }

    public struct Iterator: IteratorProtocol {
        fileprivate let byRecord: [Inspection?]
        fileprivate var position = 0

        public mutating func next() -> (index: Int, inspection: Inspection)? {
            while position < byRecord.count {
                defer { position += 1 }
                if let inspection = byRecord[position] { return (position, inspection) }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(byRecord: byRecord) }
}

extension RecordInspections: Sendable where Inspection: Sendable {}

/// Which decoded statements a verification keeps for its caller once every record is checked.
public enum StatementRetention: Sendable {
    /// Every statement, whole: for callers that read gate measurements (replay, report).
    case all
    /// Only the summary and any reproduction record: what archive, binding and reproduction
    /// checks read. A bundle of many records then verifies in memory close to its own size.
    case summaryOnly
}

/// How long each step of one verification took (`attest verify --timings`): what the sequential
/// steps cost next to the parallel one is what bounds verification on a machine of few cores.
public struct VerificationTimings: Sendable, Equatable {
    /// Finding the records: the document's size and UTF-8, its structure, its other members.
    public var scanSeconds: Double = 0
    /// Every record on every core: its JSON, signatures, statement, inspections and chain link.
    public var recordsSeconds: Double = 0
    /// The chain check, in record order.
    public var chainSeconds: Double = 0
    /// The policies' judgements of the bundle from what their inspections found.
    public var policiesSeconds: Double = 0
    /// The chain check and the judgements together, findings gathered: the two run at once for a
    /// large bundle (`chainAndPoliciesAtOnce`), one after the other for a small one.
    public var chainAndPoliciesSeconds: Double = 0
    public var chainAndPoliciesAtOnce = false

    public init() {}
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

/// Verifies bundles against trusted keys only, reporting every finding rather than the first.
public struct Verifier: Sendable {
    public let trustedKeys: [PublicKey]
    public let policies: [any RecordPolicy]
    public let limits: StrictJSON.Limits
    public let retention: StatementRetention
    /// Predicate members neither the verifier nor any policy reads in a record it does not keep:
    /// validated, not built (see `RecordPolicy.predicateMembersNotInspected`); nil when none.
    let unreadMembers: StrictJSON.SkippedMembers?
    /// The predicate's timestamps, in the order the chain check reads them.
    private static let timeFields: [ChainLink.TimeField] = [.startedAt, .finishedAt]
    /// `[keyID]` for each trusted key, in order: a record's `signedBy` when that key alone signed it.
    let soleSigners: [[String]]
    /// Monotonic nanoseconds, for `VerificationReport.timings` (tests pass their own).
    let clock: @Sendable () -> UInt64

    public init(trustedKeys: [PublicKey], policies: [any RecordPolicy] = [], limits: StrictJSON.Limits = .standard,
                retention: StatementRetention = .all) {
        self.init(trustedKeys: trustedKeys, policies: policies, limits: limits, retention: retention,
                  clock: { DispatchTime.now().uptimeNanoseconds })
    }

    init(trustedKeys: [PublicKey], policies: [any RecordPolicy], limits: StrictJSON.Limits, retention: StatementRetention,
         clock: @escaping @Sendable () -> UInt64) {
        self.clock = clock
        self.trustedKeys = trustedKeys
        self.policies = policies
        self.limits = limits
        self.retention = retention
        soleSigners = trustedKeys.map { [$0.keyID] }
        var unread = policies.first?.predicateMembersNotInspected ?? []
        for policy in policies.dropFirst() { unread.formIntersection(policy.predicateMembersNotInspected) }
        // What the verifier itself reads of every predicate: the chain, the times, the gate's name.
        unread.subtract(["chain", "startedAt", "finishedAt", "gate"])
        unreadMembers = retention == .summaryOnly && !unread.isEmpty
            ? StrictJSON.SkippedMembers(paths: unread.sorted().map { ["predicate", $0] }) : nil
    }

    public func verify(bundleData: Data) -> VerificationReport {
        var report = VerificationReport(records: [], bundleFindings: [], trustedKeyIDs: trustedKeys.map(\.keyID),
                                        runID: nil, subject: nil, verdict: nil, statements: [])
        var lapStart = clock()
        /// Seconds since the last lap.
        func lap() -> Double {
            let now = clock()
            defer { lapStart = now }
            return Double(now &- lapStart) / 1e9
        }
        if trustedKeys.isEmpty {
            report.bundleFindings.append(Finding(code: "key.none-trusted", message: "no trusted key was given"))
        }
        func refuse(_ violation: StrictJSON.Violation) -> VerificationReport {
            report.bundleFindings.append(Finding(code: violation.kind.rawValue, message: "the bundle is not acceptable JSON: \(violation)"))
            return report
        }
        // The records are found by a structural scan and parsed later, each on its own core.
        let document: StrictJSON.DeferredObject
        switch StrictJSON.parseObject(bundleData, deferring: "records", limits: limits) {
        case .failure(let violation): return refuse(violation)
        case .success(let value): document = value
        }
        guard document.isObject else {
            report.bundleFindings.append(Finding(code: "bundle.shape", message: "the bundle is not a JSON object"))
            return report
        }
        let object = document.members
        let mediaType = object["mediaType"]?.stringValue
        if mediaType != FormatConstants.bundleMediaType {
            // Another format or version: nothing else in it can be read with confidence.
            report.bundleFindings.append(Finding(code: "bundle.media-type",
                                                 message: "mediaType is \(mediaType.map { "\"\($0)\"" } ?? "missing"), expected \"\(FormatConstants.bundleMediaType)\""))
            return report
        }
        let known: Set<String> = ["mediaType", "records", "verificationMaterial", BundleTimestamps.member]
        // In the keys' byte order: a dictionary's own order differs from one instance to the next,
        // and a report lists its findings in the same order every time.
        for key in object.keys.sorted(by: JSONValue.utf8Precedes) where !known.contains(key) {
            report.bundleFindings.append(Finding(code: "bundle.unknown-field", message: "unknown top-level field \"\(key)\""))
        }
        guard let ranges = document.elementRanges else {
            report.bundleFindings.append(Finding(code: "bundle.shape", message: "the bundle has no \"records\" array"))
            return report
        }
        if ranges.isEmpty {
            report.bundleFindings.append(Finding(code: "bundle.empty", message: "the bundle holds no records: there is nothing to verify"))
            return report
        }

        // Records are independent until the chain check: parse, decode, verify signatures, parse
        // payloads and run the policies' per-record inspections on every core, each result into
        // its own slot. Only what the chain check and the caller need outlives this step.
        let count = ranges.count
        report.timings.scanSeconds = lap()
        let results = checkRecords(bundleData, ranges: ranges, key: document.key)
        report.timings.recordsSeconds = lap()
        // The first record that is not acceptable JSON makes the whole bundle unacceptable,
        // exactly as if the document had been parsed in one piece.
        if let violation = results.violations.first(where: { $0 != nil }) ?? nil {
            return refuse(violation)
        }
        report.records = results.entries
        report.statements = results.kept.compactMap { $0 }
        // The chain check and the policies' judgements read what the records left and nothing of
        // each other's: a large bundle has both at once. Each policy finding is added after the
        // chain's, in the same order either way.
        let statements = report.statements
        func judge() -> (findings: [[Finding]], seconds: Double) {
            let start = clock()
            let findings = results.inspections.map { $0.check(statements: statements) }
            return (findings, Double(clock() &- start) / 1e9)
        }
        let judged: (findings: [[Finding]], seconds: Double)
        if count >= Self.concurrentJudgementCount {
            var chainSeconds = 0.0
            (chainSeconds, judged) = ParallelMap.both({ () -> Double in
                let start = clock()
                checkChain(links: results.links, texts: results.texts, recordCount: count, report: &report)
                return Double(clock() &- start) / 1e9
            }, judge)
            report.timings.chainSeconds = chainSeconds
            report.timings.chainAndPoliciesAtOnce = true
        } else {
            checkChain(links: results.links, texts: results.texts, recordCount: count, report: &report)
            report.timings.chainSeconds = lap()
            judged = judge()
        }
        for finding in judged.findings.joined() {
            if let index = finding.recordIndex, index < report.records.count {
                report.records[index].findings.append(finding)
            } else {
                report.bundleFindings.append(finding)
            }
        }
        report.timings.policiesSeconds = judged.seconds
        // Since the records were checked (one after the other: since the chain was).
        report.timings.chainAndPoliciesSeconds = (report.timings.chainAndPoliciesAtOnce ? 0 : report.timings.chainSeconds) + lap()
        return report
    }

    /// From this many records on, the chain check and the policies' judgements run at once (for
    /// fewer, handing work to another core costs more than it saves).
    static let concurrentJudgementCount = 1000

    /// What checking every record leaves, one slot per record (the chain check and policies read
    /// it in record order afterwards).
    private struct RecordResults {
        var entries: [VerificationReport.RecordEntry]
        var links: [ChainLink?]
        /// The texts the links refer to.
        var texts: ChainTexts
        /// Statements kept for the caller (see `StatementRetention`).
        var kept: [VerifiedStatement?]
        /// Why a record is not acceptable JSON, where it is not.
        var violations: [StrictJSON.Violation?]
        /// Each policy's inspections, in the order of `policies`.
        var inspections: [any PolicyInspections]
    }

    /// Parses and checks every record on every core: its JSON, signatures, statement, the
    /// policies' inspections and its chain link. Each record's results go straight into its own
    /// slots, written by the core that checked it: no per-record object to gather and free on one
    /// core afterwards.
    private func checkRecords(_ bundleData: Data, ranges: [Range<Int>], key: String) -> RecordResults {
        let count = ranges.count
        var entries = [VerificationReport.RecordEntry](
            repeating: VerificationReport.RecordEntry(index: 0, predicateType: nil, label: "", signedBy: [], findings: []), count: count)
        var links = [ChainLink?](repeating: nil, count: count)
        var kept = [VerifiedStatement?](repeating: nil, count: count)
        var violations = [StrictJSON.Violation?](repeating: nil, count: count)
        let found = policies.map { $0.makeInspections(count: count) }
        var workers: [RecordWorker] = []
        entries.withUnsafeMutableBufferPointer { entrySlots in
            links.withUnsafeMutableBufferPointer { linkSlots in
                kept.withUnsafeMutableBufferPointer { keptSlots in
                    violations.withUnsafeMutableBufferPointer { violationSlots in
                        // Every index is written by exactly one core.
                        nonisolated(unsafe) let slots = (entrySlots, linkSlots, keptSlots, violationSlots)
                        // Each worker reads the document through a pointer and the skipped members
                        // from its own copy: nothing it touches per record is shared (see `RecordWorker`).
                        bundleData.withUnsafeBytes { raw in
                        nonisolated(unsafe) let document = raw.bindMemory(to: UInt8.self)
                        workers = ParallelMap.forEach(count: count, context: { number in
                            RecordWorker(texts: SharedTexts(worker: number), unreadMembers: unreadMembers?.privateCopy())
                        }) { worker, index in
                            // An envelope of the usual shape is read as byte ranges, nothing built;
                            // any other is parsed. Either way the base64 payload, thousands of
                            // characters, stays in the document's bytes and is decoded from there.
                            let envelope: EnvelopeFields
                            if let plain = StrictJSON.plainEnvelope(document: document, range: ranges[index], limits: limits) {
                                envelope = EnvelopeFields(plain, document: document)
                            } else {
                                switch StrictJSON.parseElement(document: document, range: ranges[index], key: key, index: index, limits: limits,
                                                               leavingStringAsBytes: "payload") {
                                case .failure(let violation):
                                    slots.3[index] = violation
                                    return
                                case .success(let parsed):
                                    envelope = EnvelopeFields(parsed.value, payloadCharacters: parsed.bytes)
                                }
                            }
                            var entry = VerificationReport.RecordEntry(index: index, predicateType: nil, label: "", signedBy: [], findings: [])
                            var times: (startedAt: ChainLink.Time?, finishedAt: ChainLink.Time?) = (nil, nil)
                            let statement = checkRecord(envelope, document: document, index: index, entry: &entry, times: &times, worker: &worker)
                            if entry.label.isEmpty { entry.label = "record \(index)" }
                            if let statement {
                                for inspections in found { inspections.inspect(statement, index: index) }
                                slots.1[index] = ChainLink(statement, startedAt: times.startedAt, finishedAt: times.finishedAt, texts: &worker.texts)
                                if retention == .all || statement.predicateType == PredicateType.summary
                                    || statement.predicateType == PredicateType.reproduction {
                                    slots.2[index] = statement
                                }
                            }
                            slots.0[index] = entry
                        }
                        }
                    }
                }
            }
        }
        return RecordResults(entries: entries, links: links, texts: ChainTexts(tables: workers.map(\.texts.table)), kept: kept,
                             violations: violations, inspections: found)
    }

    private func add(_ entry: inout VerificationReport.RecordEntry, _ code: String, _ message: String) {
        entry.findings.append(Finding(code: code, message: message, recordIndex: entry.index))
    }

    /// Checks one envelope: shape, base64, payloadType, signatures, statement. Returns the decoded
    /// statement when the payload could be read, and its timestamps (read once, for the chain too).
    /// `document`: the bundle's bytes, where the envelope's texts given as ranges are.
    private func checkRecord(_ envelope: EnvelopeFields, document: UnsafeBufferPointer<UInt8>, index: Int,
                             entry: inout VerificationReport.RecordEntry,
                             times: inout (startedAt: ChainLink.Time?, finishedAt: ChainLink.Time?),
                             worker: inout RecordWorker) -> VerifiedStatement? {
        guard envelope.isObject else {
            add(&entry, "record.shape", "the record is not a JSON object")
            return nil
        }
        let payloadType = envelope.payloadType
        if payloadType != FormatConstants.payloadType {
            add(&entry, "record.payload-type", "payloadType is \(payloadType.map { "\"\($0)\"" } ?? "missing"), expected \"\(FormatConstants.payloadType)\"")
        }
        // Signatures are over PAE(payloadType as written, payload bytes): the payload is decoded
        // straight into that message, and read from there.
        let decoded: (message: [UInt8], payloadStart: Int)?
        switch envelope.payload {
        case .characters(let range)?:
            decoded = DSSE.pae(payloadType: payloadType ?? "", base64Payload: UnsafeBufferPointer(rebasing: document[range]))
        case .string(let payloadText)?:
            decoded = Base64.decode(payloadText).map { payload in
                let message = DSSE.pae(payloadType: payloadType ?? "", payload: payload)
                return (message, message.count - payload.count)
            }
        case nil:
            add(&entry, "record.shape", "the record has no \"payload\" string")
            return nil
        }
        guard let (pae, payloadStart) = decoded else {
            add(&entry, "record.base64", "the payload is not valid base64")
            return nil
        }
        let signatures = envelope.signatures
        if signatures.isEmpty {
            add(&entry, "signature.missing", "the record carries no signature")
        }
        for (position, signature) in signatures.enumerated() {
            guard let sigText = signature.sig else {
                add(&entry, "signature.shape", "signature \(position) has no \"sig\" string")
                continue
            }
            guard let sig = sigText.base64Decoded(in: document) else {
                add(&entry, "signature.base64", "signature \(position) is not valid base64")
                continue
            }
            // keyid is only a hint: try the named key first, then every other trusted key.
            let keyid = signature.keyid
            guard let signer = trustedKeys.firstIndex(where: { EnvelopeFields.names(keyid, $0.keyID, in: document) && $0.verify(signature: sig, message: pae) })
                ?? trustedKeys.firstIndex(where: { !EnvelopeFields.names(keyid, $0.keyID, in: document) && $0.verify(signature: sig, message: pae) }) else { continue }
            if entry.signedBy.isEmpty {
                // The usual case, one signer: share its list rather than make one per record.
                entry.signedBy = soleSigners[signer]
            } else if !entry.signedBy.contains(trustedKeys[signer].keyID) {
                entry.signedBy.append(trustedKeys[signer].keyID)
            }
        }
        if entry.signedBy.isEmpty, !signatures.isEmpty {
            // The key ids of the signatures that have a "sig" string (an absent keyid counts as empty).
            let foundIDs = signatures.compactMap { $0.sig == nil ? nil : $0.keyid?.string(in: document) ?? "" }
            let trusted = trustedKeys.map(\.keyID)
            if !foundIDs.contains(where: trusted.contains) {
                add(&entry, "signature.untrusted-key",
                    "no signature by a trusted key: expected key id \(trusted.isEmpty ? "(none trusted)" : trusted.joined(separator: " or ")), found \(foundIDs.map { $0.isEmpty ? "(empty)" : $0 }.joined(separator: ", "))")
            } else {
                add(&entry, "signature.invalid", "the signature by key \(foundIDs.joined(separator: ", ")) does not verify: the record was changed after signing")
            }
        }

        let payloadData = pae.withUnsafeBufferPointer { Data(buffer: UnsafeBufferPointer(rebasing: $0[payloadStart...])) }
        var statement: JSONValue
        let parsed = pae.withUnsafeBufferPointer { message in
            StrictJSON.parse(bytes: UnsafeBufferPointer(rebasing: message[payloadStart...]), limits: limits, skipping: worker.unreadMembers)
        }
        switch parsed {
        case .failure(let violation):
            add(&entry, "payload." + violation.kind.rawValue, "the payload is not acceptable JSON: \(violation)")
            return nil
        case .success(let value):
            statement = value
        }
        let writtenType = statement["predicateType"]?.stringValue ?? ""
        // A statement the verifier keeps for its caller is kept whole (one or two per bundle).
        if worker.unreadMembers != nil, writtenType == PredicateType.summary || writtenType == PredicateType.reproduction,
           case .success(let whole) = StrictJSON.parse(payloadData, limits: limits) {
            statement = whole
        }
        let statementType = statement["_type"]?.stringValue
        if statementType != FormatConstants.statementType {
            add(&entry, "statement.type", "_type is \(statementType ?? "missing"), expected \(FormatConstants.statementType)")
        }
        // A known type is kept as the constant itself, not as one more copy per record.
        let predicateType = PredicateType.known(writtenType) ?? writtenType
        entry.predicateType = predicateType
        if PredicateType.known(writtenType) == nil {
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
            entry.label = worker.texts.gateLabel(number: number, name: gate["name"]?.stringValue ?? "")
        } else if predicateType == PredicateType.summary {
            entry.label = "summary"
        } else if predicateType == PredicateType.reproduction {
            entry.label = "reproduction"
        } else if predicateType == PredicateType.scaling {
            entry.label = "scaling"
        } else if predicateType == PredicateType.testResult {
            entry.label = "test result"
        }
        for field in Self.timeFields {
            if let value = predicate[field.name] {
                if let text = value.stringValue, let date = Timestamp.parse(text) {
                    let time = ChainLink.Time(field: field, text: InlineText(text, texts: &worker.texts), date: date)
                    if field == .startedAt { times.startedAt = time } else { times.finishedAt = time }
                } else {
                    add(&entry, "timestamp.format", "\(field.name) \(value.serialized()) is not an RFC 3339 timestamp")
                }
            } else if predicateType != PredicateType.reproduction {
                add(&entry, "timestamp.missing", "\(field.name) is missing")
            }
        }
        return VerifiedStatement(index: index, predicateType: predicateType, predicate: predicate,
                                 subject: subjects.first ?? .null, payload: payloadData, signedBy: entry.signedBy)
    }

    /// The chain: one run id, indexes 0..N-1 in order, each `previous` the hash of the prior
    /// payload, the same subject everywhere, non-decreasing timestamps, one summary, last, whose
    /// recordCount and head are right.
    /// `byIndex` holds each record's link at its index, nil where the record could not be read.
    /// Texts are compared by their numbers in `texts` (the same number: the same bytes).
    private func checkChain(links byIndex: [ChainLink?], texts: ChainTexts, recordCount: Int, report: inout VerificationReport) {
        func add(_ index: Int, _ code: String, _ message: String) {
            report.records[index].findings.append(Finding(code: code, message: message, recordIndex: index))
        }
        let runNumber = Statistics.mostCommon(byIndex.lazy.compactMap { $0?.runID.map(texts.number) }, distinct: texts.texts.count)
        let runID = runNumber.map { texts.text(number: $0) }
        report.runID = runID
        let subjectNumber = Statistics.mostCommon(byIndex.lazy.compactMap { $0.map { texts.number($0.subject) } }, distinct: texts.texts.count)
        let subject = subjectNumber.map { texts.text(number: $0) }
        if let subject, case .success(let value) = StrictJSON.parse(Data(subject.utf8), limits: limits),
           let name = value["name"]?.stringValue, let digest = value["digest"]?.objectValue?.first {
            report.subject = "\(name)@\(digest.key):\(digest.value.stringValue ?? "")"
        }
        var lastTime: Date?
        for index in 0..<recordCount {
            guard index < byIndex.count, let link = byIndex[index] else { continue }
            guard link.hasChain else {
                add(index, "chain.missing", "the predicate has no chain")
                continue
            }
            if link.runID.map(texts.number) != runNumber {
                add(index, "chain.run-id", "runId \(link.runID.map(texts.text) ?? "missing") differs from the bundle's run \(runID ?? "?"): a record from another run")
            }
            let position = link.chainIndex
            if position != index {
                add(index, "chain.index", "chain.index is \(position.map(String.init) ?? "missing"), expected \(index) (records reordered, dropped or duplicated)")
            }
            if index == 0 {
                if case .null = link.previous {} else {
                    add(index, "chain.previous-mismatch", "the first record's previous must be null, found \(link.previous.text(in: texts))")
                }
            } else if let expectedPrevious = byIndex[index - 1]?.payloadDigest {
                if case .digest(let previous) = link.previous, previous == expectedPrevious {} else {
                    add(index, "chain.previous-mismatch", "previous is \(link.previous.text(in: texts)), expected \(expectedPrevious) (SHA-256 of record \(index - 1)'s payload)")
                }
            }
            if texts.number(link.subject) != subjectNumber {
                add(index, "subject.mismatch", "the subject \(texts.text(link.subject)) differs from the bundle's \(subject ?? "?")")
            }
            link.forEachTime { time in
                if let lastTime, time.date < lastTime {
                    add(index, "timestamp.order", "\(time.field.name) \(time.text.text(in: texts)) is earlier than the previous record's")
                }
                lastTime = max(lastTime ?? time.date, time.date)
            }
            if link.isSummary && index != recordCount - 1 {
                add(index, "summary.not-last", "a summary record at index \(index) is not the last record")
            }
        }
        let summaryCount = byIndex.reduce(0) { $0 + ($1?.isSummary == true ? 1 : 0) }
        guard recordCount >= 1, recordCount <= byIndex.count, let last = byIndex[recordCount - 1], last.isSummary,
              let summary = report.statements.last, summary.index == recordCount - 1 else {
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
        let expectedHead = recordCount >= 2 ? byIndex[recordCount - 2]?.payloadDigest.description : nil
        if let expectedHead, head != expectedHead {
            add(recordCount - 1, "summary.head", "the summary's head is \(head ?? "missing"), expected \(expectedHead)")
        }
    }
}

/// What the verifier reads of a record's DSSE envelope. Its texts are strings when the envelope
/// was parsed, or the ranges of their characters in the document when it was read without
/// building a value (`StrictJSON.plainEnvelope`): a record then costs no string and no dictionary.
struct EnvelopeFields {
    enum Text {
        case string(String)
        case characters(Range<Int>)

        func string(in document: UnsafeBufferPointer<UInt8>) -> String {
            switch self {
            case .string(let text): text
            case .characters(let range): String(decoding: UnsafeBufferPointer(rebasing: document[range]), as: UTF8.self)
            }
        }

        func base64Decoded(in document: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
            switch self {
            case .string(let text): Base64.decode(text)
            case .characters(let range): Base64.decode(bytes: UnsafeBufferPointer(rebasing: document[range]))
            }
        }
    }

    struct Signature {
        var sig: Text?
        var keyid: Text?
    }

    /// False when the record is not a JSON object (then nothing else is set).
    var isObject: Bool
    var payloadType: String?
    var payload: Text?
    /// Empty when "signatures" is missing or not an array; a signature that is not an object has
    /// neither text.
    var signatures: [Signature]

    /// From a parsed envelope; `payloadCharacters`, where the parse left the payload as bytes.
    init(_ record: JSONValue, payloadCharacters: Range<Int>?) {
        guard let envelope = record.objectValue else {
            self.init(isObject: false, payloadType: nil, payload: nil, signatures: [])
            return
        }
        let payload = payloadCharacters.map(Text.characters) ?? envelope["payload"]?.stringValue.map(Text.string)
        let signatures = (envelope["signatures"]?.arrayValue ?? []).map { signature in
            Signature(sig: signature["sig"]?.stringValue.map(Text.string), keyid: signature["keyid"]?.stringValue.map(Text.string))
        }
        self.init(isObject: true, payloadType: envelope["payloadType"]?.stringValue, payload: payload, signatures: signatures)
    }

    /// From an envelope read as byte ranges. The usual payload type is the format's constant
    /// itself, not a copy per record.
    init(_ plain: StrictJSON.PlainEnvelope, document: UnsafeBufferPointer<UInt8>) {
        let typeBytes = UnsafeBufferPointer(rebasing: document[plain.payloadType])
        let payloadType = typeBytes.elementsEqual(FormatConstants.payloadType.utf8)
            ? FormatConstants.payloadType : String(decoding: typeBytes, as: UTF8.self)
        self.init(isObject: true, payloadType: payloadType, payload: .characters(plain.payload),
                  signatures: plain.signatures.map { Signature(sig: .characters($0.sig), keyid: .characters($0.keyid)) })
    }

    private init(isObject: Bool, payloadType: String?, payload: Text?, signatures: [Signature]) {
        self.isObject = isObject
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// Whether `keyid` (absent: empty) names the key `keyID`. Compared as bytes: key ids are
    /// lowercase hex, ASCII, and an ASCII text equals (as Swift compares strings) only the text
    /// of the same bytes, so this is `==` on the strings without making one per record.
    static func names(_ keyid: Text?, _ keyID: String, in document: UnsafeBufferPointer<UInt8>) -> Bool {
        switch keyid {
        case nil: keyID.isEmpty
        case .string(let text)?: text == keyID
        case .characters(let range)?: UnsafeBufferPointer(rebasing: document[range]).elementsEqual(keyID.utf8)
        }
    }
}

/// What one worker of `Verifier.checkRecords` keeps for the records it checks.
struct RecordWorker {
    var texts: SharedTexts
    /// The verifier's `unreadMembers`, in storage of this worker's own.
    let unreadMembers: StrictJSON.SkippedMembers?
}

/// A text one worker kept for the chain check (see `SharedTexts`): whose table, and where in it.
struct TextReference: Sendable, Equatable {
    var worker: Int32
    var index: Int32
}

/// Texts consecutive records nearly always repeat (a run's id, its subject, a gate's label), kept
/// by each worker for the records it checks (see `ParallelMap.forEach`): they then hold one copy of
/// each, not one apiece, and the subject is serialised once rather than once per record.
/// A text is reused only for the same bytes: String's `==` also equates canonically equivalent
/// texts ("é" composed or not), which records must not be taken to share.
///
/// The chain check's texts stay in this worker's `table`, and its links refer to them by number:
/// links then hold no reference-counted value, so thousands of them are copied and freed with no
/// reference count changed (see `ChainTexts`).
struct SharedTexts {
    let worker: Int32
    private(set) var table: [String] = []
    private var lastRunID: (text: String, reference: TextReference)?
    private var lastSubject: (value: JSONValue, reference: TextReference)?
    private var lastGateLabel: (number: Int, name: String, label: String)?

    init(worker: Int) {
        self.worker = Int32(truncatingIfNeeded: worker)
    }

    /// `text`, added to the table.
    mutating func add(_ text: String) -> TextReference {
        table.append(text)
        return TextReference(worker: worker, index: Int32(truncatingIfNeeded: table.count - 1))
    }

    /// `runID`, or the text of the same bytes kept for the last record.
    mutating func runID(_ runID: String) -> TextReference {
        if let lastRunID, lastRunID.text.hasSameBytes(as: runID) { return lastRunID.reference }
        let reference = add(runID)
        lastRunID = (runID, reference)
        return reference
    }

    /// The subject in canonical JSON.
    mutating func subject(_ subject: JSONValue) -> TextReference {
        if let lastSubject, lastSubject.value.isIdentical(to: subject) { return lastSubject.reference }
        let reference = add(subject.serialized())
        lastSubject = (subject, reference)
        return reference
    }

    /// "gate N name", as the report labels a gate record.
    mutating func gateLabel(number: Int, name: String) -> String {
        if let lastGateLabel, lastGateLabel.number == number, lastGateLabel.name.hasSameBytes(as: name) { return lastGateLabel.label }
        let label = "gate \(number) \(name)"
        lastGateLabel = (number, name, label)
        return label
    }
}

/// Every worker's texts once the records are checked, each distinct byte sequence given one
/// number: the chain check compares numbers, and reads the texts only for its messages.
struct ChainTexts {
    /// By worker, by index in its table: the number of that text.
    private let numbers: [[Int32]]
    /// By number.
    let texts: [String]

    init(tables: [[String]]) {
        var numberOf: [[UInt8]: Int32] = [:]
        var texts: [String] = []
        numbers = tables.map { table in
            table.map { text in
                let bytes = Array(text.utf8)
                if let number = numberOf[bytes] { return number }
                let number = Int32(truncatingIfNeeded: texts.count)
                numberOf[bytes] = number
                texts.append(text)
                return number
            }
        }
        self.texts = texts
    }

    /// The number of a kept text; -1 for a reference to no table (none is made so).
    func number(_ reference: TextReference) -> Int32 {
        let worker = Int(reference.worker), index = Int(reference.index)
        guard numbers.indices.contains(worker), numbers[worker].indices.contains(index) else { return -1 }
        return numbers[worker][index]
    }

    func text(_ reference: TextReference) -> String { text(number: number(reference)) }

    func text(number: Int32) -> String {
        texts.indices.contains(Int(number)) ? texts[Int(number)] : ""
    }
}

/// A short text kept without heap storage: up to 32 bytes of UTF-8 inline, beyond that in a
/// worker's table (see `SharedTexts`).
struct InlineText: Sendable {
    static let capacity = 32
    private var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count = 0
    /// Where the text is when it is longer than `capacity` bytes.
    private var long: TextReference?

    init(_ text: String, texts: inout SharedTexts) {
        var text = text
        let fits = text.withUTF8 { utf8 -> Bool in
            guard utf8.count <= Self.capacity else { return false }
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(utf8)) }
            count = utf8.count
            return true
        }
        if !fits { long = texts.add(text) }
    }

    func text(in texts: ChainTexts) -> String {
        if let long { return texts.text(long) }
        return withUnsafeBytes(of: bytes) { String(decoding: $0.prefix(count), as: UTF8.self) }
    }
}

/// What the chain check needs of one record, taken while its statement is at hand so the
/// statement itself need not be kept. Plain values only (texts by reference, see `SharedTexts`):
/// bundles hold thousands of records, and their links are copied and freed on one core.
private struct ChainLink: Sendable {
    enum TimeField: Sendable {
        case startedAt, finishedAt

        var name: String {
            switch self {
            case .startedAt: "startedAt"
            case .finishedAt: "finishedAt"
            }
        }
    }

    struct Time: Sendable {
        var field: TimeField
        /// As written.
        var text: InlineText
        var date: Date
    }

    /// `previous` as written.
    enum Previous: Sendable {
        case absent
        case null
        /// 64 lowercase hex characters, the only form that can equal a payload's digest.
        case digest(DigestValue)
        /// Anything else, in JSON form (for messages).
        case other(TextReference)

        func text(in texts: ChainTexts) -> String {
            switch self {
            case .absent: "missing"
            case .null: "null"
            case .digest(let digest): "\"\(digest)\""
            case .other(let text): texts.text(text)
            }
        }
    }

    let hasChain: Bool
    let runID: TextReference?
    let chainIndex: Int?
    let previous: Previous
    /// The subject in canonical JSON: records agree on it when these bytes are equal.
    let subject: TextReference
    let startedAt: Time?
    let finishedAt: Time?
    let payloadDigest: DigestValue
    let isSummary: Bool

    init(_ statement: VerifiedStatement, startedAt: Time?, finishedAt: Time?, texts: inout SharedTexts) {
        let chain = statement.predicate["chain"]?.objectValue
        hasChain = chain != nil
        runID = chain?["runId"]?.stringValue.map { texts.runID($0) }
        chainIndex = chain?["index"]?.intValue
        switch chain?["previous"] {
        case nil: previous = .absent
        case .null?: previous = .null
        case .string(let text)?:
            previous = DigestValue(lowercaseHex: text).map { .digest($0) } ?? .other(texts.add(JSONValue.string(text).serialized()))
        case let value?: previous = .other(texts.add(value.serialized()))
        }
        subject = texts.subject(statement.subject)
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        payloadDigest = SHA256Digest.value(statement.payload)
        isSummary = statement.predicateType == PredicateType.summary
    }

    /// Both timestamps, in the order records give them.
    func forEachTime(_ body: (Time) -> Void) {
        if let startedAt { body(startedAt) }
        if let finishedAt { body(finishedAt) }
    }
}

extension ParallelMap {
    /// Runs `body` for every index in 0..<count, spread over the cores in short runs (see `IndexQueue`).
    public static func forEach(count: Int, _ body: @Sendable (Int) -> Void) {
        forEach(count: count, context: { _ in () }) { _, index in body(index) }
    }

    /// `forEach`, with a context each worker makes for itself with `makeContext` (given the
    /// worker's number, 0 up) and hands to `body` for each of its indexes, in increasing order
    /// (what nearby indexes share, for one). Returns the contexts as the workers left them, by
    /// worker number.
    @discardableResult
    static func forEach<Context>(count: Int, context makeContext: @Sendable (Int) -> Context,
                                 _ body: @Sendable (inout Context, Int) -> Void) -> [Context] {
        guard count > 1 else {
            var context = makeContext(0)
            for index in 0..<count { body(&context, index) }
            return [context]
        }
        let workers = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
        let queue = IndexQueue(count: count, workers: workers)
        let finished = UnsafeMutableBufferPointer<Context?>.allocate(capacity: workers)
        finished.initialize(repeating: nil)
        defer {
            _ = finished.deinitialize()
            finished.deallocate()
        }
        // Each worker writes only its own slot, read once every worker is done.
        nonisolated(unsafe) let slots = finished
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var context = makeContext(worker)
            while let indexes = queue.next() {
                for index in indexes { body(&context, index) }
            }
            slots[worker] = context
        }
        return finished.compactMap { $0 }
    }
}

/// Hands out 0..<count in short runs of consecutive indexes to workers, one per core, each
/// taking the next run when it finishes one: the workers end within about one run of each other
/// however unevenly another process slows them. Fixed slices, one per 1/32 of the work, ended
/// unevenly whenever a core was slowed: with 10,000 signature checks a slice took 41 ms, and one
/// core sat idle for up to that long (18.5 ms measured) while the other finished its last slice.
final class IndexQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private let workers: Int
    /// Indexes per run: short enough that workers end close together (16 signature checks take
    /// about 2 ms), with at least 64 runs per worker, so taking the lock costs nothing beside the work.
    let run: Int

    init(count: Int, workers: Int) {
        self.count = count
        self.workers = max(1, workers)
        run = max(1, min(16, count / max(1, workers * 64)))
    }

    /// The next run of indexes, nil once every index has been handed out. Near the end runs
    /// shrink to half of each worker's share of what is left, down to one index: the workers
    /// then end within about one index of each other rather than one run (2 ms of signatures).
    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        let start = nextIndex
        let length = max(1, min(run, (count - start) / (2 * workers)))
        nextIndex = start + length
        return start..<nextIndex
    }
}

extension ParallelMap {
    /// `first` and `second` at once, on two cores when the machine has two; both results. They
    /// must not touch the same mutable state.
    public static func both<First, Second>(_ first: () -> First, _ second: () -> Second) -> (First, Second) {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return (first(), second()) }
        let firstResult = UnsafeMutablePointer<First>.allocate(capacity: 1)
        let secondResult = UnsafeMutablePointer<Second>.allocate(capacity: 1)
        defer {
            firstResult.deallocate()
            secondResult.deallocate()
        }
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                // Each result is written once, by the part that makes it, and read after both end.
                nonisolated(unsafe) let work = (first: first, second: second, firstResult: firstResult, secondResult: secondResult)
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    if part == 0 { work.firstResult.initialize(to: work.first()) } else { work.secondResult.initialize(to: work.second()) }
                }
            }
        }
        return (firstResult.move(), secondResult.move())
    }
}

/// Maps independent work over the available cores (Dispatch suits this: a fixed pool as wide as
/// the machine, unlike the swarm, which must own its OS threads).
public enum ParallelMap {
    /// `transform` applied to every element, spread over the cores; results in input order.
    public static func map<Element: Sendable, Result>(_ elements: [Element], _ transform: @Sendable (Int, Element) -> Result) -> [Result] {
        guard elements.count > 1 else { return elements.enumerated().map { transform($0.offset, $0.element) } }
        let count = elements.count
        let workers = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
        let queue = IndexQueue(count: count, workers: workers)
        // Each result is built straight into its slot (no optional per slot, no copy afterwards);
        // every slot is written exactly once, since the queue hands out each index once.
        return [Result](unsafeUninitializedCapacity: count) { slots, initialized in
            nonisolated(unsafe) let output = slots
            elements.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    guard let base = output.baseAddress else { return }
                    while let indexes = queue.next() {
                        for index in indexes { (base + index).initialize(to: transform(index, input[index])) }
                    }
                }
            }
            initialized = count
        }
    }
}

enum Statistics {
    /// The number given most often (the first of those tied), for numbers 0..<distinct; nil for none.
    static func mostCommon(_ numbers: some Sequence<Int32>, distinct: Int) -> Int32? {
        var counts = [Int](repeating: 0, count: distinct)
        var highest = 0
        for number in numbers where counts.indices.contains(Int(number)) {
            counts[Int(number)] += 1
            highest = max(highest, counts[Int(number)])
        }
        return numbers.first { counts.indices.contains(Int($0)) && counts[Int($0)] == highest }
    }
}
