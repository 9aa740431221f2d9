package import Evidence

/// The verifier's second opinion: re-derives every gate's status from the raw measurements and
/// criteria recorded in its record, and the verdict from those statuses, and reports any record
/// whose signed result disagrees. A signature proves who wrote a result, not that it follows.
package struct GateVerdictPolicy: RecordPolicy {
    package init() {}

    /// The re-derivation reads a gate's parameters, measurements, criteria and result (and a
    /// scaling record's own fields), never the environment every record also describes.
    package var predicateMembersNotInspected: Set<String> { ["system", "git", "gitUnavailable"] }

    /// The parts of a gate predicate the re-derivation reads, taken straight from the parsed
    /// value (no re-encoding of the whole record: verification of large bundles depends on it).
    struct GatePredicate {
        struct Gate {
            var number: Int
            var name: String
        }
        struct Result {
            var status: String
            var passed: Bool
        }
        var gate: Gate
        var parameters: JSONValue
        var measurements: JSONValue
        var criteria: JSONValue
        var result: Result

        struct Missing: Error, CustomStringConvertible {
            var field: String
            var description: String { "the field \(field) is missing or of the wrong type" }
        }

        init(_ predicate: JSONValue) throws {
            // Each member looked up once: a lookup hashes its key, and this runs for every record.
            let gateValue = predicate["gate"]
            let resultValue = predicate["result"]
            guard let number = gateValue?["number"]?.intValue else { throw Missing(field: "gate.number") }
            guard let name = gateValue?["name"]?.stringValue else { throw Missing(field: "gate.name") }
            guard let status = resultValue?["status"]?.stringValue else { throw Missing(field: "result.status") }
            guard case .bool(let passed)? = resultValue?["passed"] else { throw Missing(field: "result.passed") }
            guard let parameters = predicate["parameters"] else { throw Missing(field: "parameters") }
            guard let measurements = predicate["measurements"] else { throw Missing(field: "measurements") }
            guard let criteria = predicate["criteria"] else { throw Missing(field: "criteria") }
            gate = Gate(number: number, name: name)
            result = Result(status: status, passed: passed)
            self.parameters = parameters
            self.measurements = measurements
            self.criteria = criteria
        }
    }

    struct SummaryPredicate: Decodable {
        struct Entry: Decodable {
            var number: Int
            var name: String
            var status: String
            var passed: Bool
        }
        var gates: [Entry]
        var verdict: String
    }

    /// Re-derives one gate's outcome from its recorded parameters, measurements and criteria.
    static func rederive(_ predicate: GatePredicate) throws -> GateOutcome {
        try rederiveWithClaims(predicate).outcome
    }

    /// The outcome, and what in the record's claimed statistics does not follow from its rounds.
    static func rederiveWithClaims(_ predicate: GatePredicate) throws -> (outcome: GateOutcome, claimProblems: [String]) {
        guard GateKind(rawValue: predicate.gate.number) == .concurrencyProof else { return (try rederiveOutcome(predicate), []) }
        let judgement = CommandTarget.isExternal(predicate.parameters)
            ? ExternalProof.judge(
                parameters: try predicate.parameters.decode(ExternalProof.Parameters.self),
                measurements: try predicate.measurements.decode(ExternalProof.Measurements.self),
                criteria: try predicate.criteria.decode(ConcurrencyProof.Criteria.self))
            : ConcurrencyProof.judge(
                parameters: try predicate.parameters.decode(ConcurrencyProof.Parameters.self),
                measurements: try predicate.measurements.decode(ConcurrencyProof.Measurements.self),
                criteria: try predicate.criteria.decode(ConcurrencyProof.Criteria.self))
        return (judgement.outcome, judgement.claimProblems)
    }

    static func rederiveOutcome(_ predicate: GatePredicate) throws -> GateOutcome {
        guard let kind = GateKind(rawValue: predicate.gate.number), kind.name == predicate.gate.name else {
            throw RederivationError.unknownGate(predicate.gate.number, predicate.gate.name)
        }
        // An external command's records (parameters.target.kind "external_command") carry their
        // own schema for gates 2 and 3; gates 1, 4 and 5 share the built-in measurements' shape.
        let external = CommandTarget.isExternal(predicate.parameters)
        switch kind {
        case .codeAudit:
            return CodeAudit.evaluate(try predicate.measurements.decode(CodeAudit.Measurements.self))
        case .concurrencyProof where external:
            return ExternalProof.judge(
                parameters: try predicate.parameters.decode(ExternalProof.Parameters.self),
                measurements: try predicate.measurements.decode(ExternalProof.Measurements.self),
                criteria: try predicate.criteria.decode(ConcurrencyProof.Criteria.self)).outcome
        case .threadCount where external:
            return ExternalThreadCount.evaluate(
                parameters: try predicate.parameters.decode(ExternalThreadCount.Parameters.self),
                measurements: try predicate.measurements.decode(ExternalThreadCount.Measurements.self))
        case .concurrencyProof:
            return ConcurrencyProof.judge(
                parameters: try predicate.parameters.decode(ConcurrencyProof.Parameters.self),
                measurements: try predicate.measurements.decode(ConcurrencyProof.Measurements.self),
                criteria: try predicate.criteria.decode(ConcurrencyProof.Criteria.self)).outcome
        case .threadCount:
            return ThreadCount.evaluate(
                parameters: try predicate.parameters.decode(ThreadCount.Parameters.self),
                measurements: try predicate.measurements.decode(ThreadCount.Measurements.self))
        case .cpuUtilization:
            return CPUUtilization.evaluate(
                measurements: try predicate.measurements.decode(CPUUtilization.Measurements.self),
                criteria: try predicate.criteria.decode(CPUUtilization.Criteria.self))
        case .baselineComparison:
            return BaselineComparison.evaluate(
                measurements: try predicate.measurements.decode(BaselineComparison.Measurements.self),
                criteria: try predicate.criteria.decode(BaselineComparison.Criteria.self))
        }
    }

    enum RederivationError: Error, CustomStringConvertible {
        case unknownGate(Int, String)
        var description: String {
            switch self {
            case .unknownGate(let number, let name): "unknown gate \(number) '\(name)'"
            }
        }
    }

    /// One gate record's re-derivation: its findings, and the status its measurements give.
    package struct Inspection: Sendable {
        var findings: [Finding]
        var derived: (kind: GateKind, status: GateStatus)?
        /// A scaling record (checked, but never part of the verdict) rather than a gate record.
        var isScaling = false
        /// A gate-2 record judged by the first (median) rule, under which inconclusive meant FAILED.
        var firstRule = false
    }

    /// Re-derives a gate record's status, or a scaling record's figures, on whichever core
    /// verified it; nil for other records.
    package func inspect(_ statement: VerifiedStatement) -> Inspection? {
        switch statement.predicateType {
        case PredicateType.gate: Self.check(gate: statement)
        case PredicateType.scaling: Inspection(findings: Self.check(scaling: statement), derived: nil, isScaling: true)
        default: nil
        }
    }

    /// One scaling record: readable, its counts follow the cap rule, its figures follow from its measurements.
    static func check(scaling statement: VerifiedStatement) -> [Finding] {
        do {
            return Scaling.check(try statement.predicate.decode(Scaling.Record.self), recordIndex: statement.index)
        } catch {
            return [Finding(code: "scaling.unreadable", message: "the scaling record cannot be read for re-derivation: \(error)",
                            recordIndex: statement.index)]
        }
    }

    static func check(gate statement: VerifiedStatement) -> Inspection {
        let predicate: GatePredicate
        do {
            predicate = try GatePredicate(statement.predicate)
        } catch {
            return Inspection(findings: [Finding(code: "verdict.unreadable-gate", message: "the gate record cannot be read for re-derivation: \(error)", recordIndex: statement.index)], derived: nil)
        }
        let outcome: GateOutcome
        let claimProblems: [String]
        do {
            (outcome, claimProblems) = try rederiveWithClaims(predicate)
        } catch {
            return Inspection(findings: [Finding(code: "verdict.unreadable-measurements", message: "gate \(predicate.gate.number)'s measurements or criteria cannot be read: \(error)", recordIndex: statement.index)], derived: nil)
        }
        var findings = claimProblems.map {
            Finding(code: "verdict.analysis-mismatch", message: "gate \(predicate.gate.number) (\(predicate.gate.name)): \($0)",
                    recordIndex: statement.index)
        }
        if outcome.status.rawValue != predicate.result.status || outcome.status.passed != predicate.result.passed {
            findings.append(Finding(
                code: "verdict.gate-mismatch",
                message: "gate \(predicate.gate.number) (\(predicate.gate.name)) claims \(predicate.result.status) but its measurements give \(outcome.status.rawValue): \(outcome.summary)",
                recordIndex: statement.index))
        }
        return Inspection(findings: findings, derived: GateKind(rawValue: predicate.gate.number).map { ($0, outcome.status) },
                          firstRule: predicate.gate.number == GateKind.concurrencyProof.rawValue
                              && (predicate.criteria["version"]?.intValue ?? 1) < 2)
    }

    package func check(statements: [VerifiedStatement], inspections: RecordInspections<Inspection>) -> [Finding] {
        var findings: [Finding] = []
        // The last status each gate kind's records give, by kind: an array, not a dictionary,
        // since this runs once per record of bundles of thousands.
        var lastStatus = [GateStatus?](repeating: nil, count: (GateKind.allCases.map(\.rawValue).max() ?? 0) + 1)
        var gateCount = 0
        var scalings: [Int] = []
        var firstRule = false
        for (index, inspection) in inspections {
            if inspection.derived?.kind == .concurrencyProof { firstRule = inspection.firstRule }
            if !inspection.findings.isEmpty { findings += inspection.findings }
            if let (kind, status) = inspection.derived { lastStatus[kind.rawValue] = status }
            if inspection.isScaling { scalings.append(index) } else { gateCount += 1 }
        }
        var derived: [GateKind: GateStatus] = [:]
        for kind in GateKind.allCases { derived[kind] = lastStatus[kind.rawValue] }
        // Scaling records inform and never feed the verdict, but their figures must follow from
        // their measurements like a gate's status does.
        if scalings.count > 1, let second = scalings.dropFirst().first {
            findings.append(Finding(code: "scaling.duplicate", message: "the bundle holds \(scalings.count) scaling records; a run writes at most one",
                                    recordIndex: second))
        }
        // A reproduction bundle holds one reproduction record and no gate record; its summary's
        // verdict must be the reproduction's own. A bundle mixing both is refused, so a
        // reproduction record can never switch off the re-derivation of gate verdicts.
        let reproductions = statements.filter { $0.predicateType == PredicateType.reproduction }
        if !reproductions.isEmpty, let summary = statements.last, summary.predicateType == PredicateType.summary {
            if gateCount > 0 || !scalings.isEmpty || reproductions.count > 1 {
                findings.append(Finding(code: "verdict.mixed-bundle",
                                        message: "a bundle holds either gate (and scaling) records or one reproduction record, not \(gateCount) gate, \(scalings.count) scaling and \(reproductions.count) reproduction records",
                                        recordIndex: summary.index))
            }
            let claimed = summary.predicate["verdict"]?.stringValue
            let recorded = reproductions.first?.predicate["verdict"]?.stringValue
            if claimed != recorded || recorded.flatMap(ReplayVerdict.init(rawValue:)) == nil {
                findings.append(Finding(code: "verdict.mismatch",
                                        message: "the summary claims \(claimed ?? "nothing"); the reproduction record says \(recorded ?? "nothing")",
                                        recordIndex: summary.index))
            }
            return findings
        }
        if let summary = statements.last, summary.predicateType == PredicateType.summary {
            do {
                let predicate = try summary.predicate.decode(SummaryPredicate.self)
                for entry in predicate.gates {
                    if let kind = GateKind(rawValue: entry.number), let status = derived[kind], status.rawValue != entry.status {
                        findings.append(Finding(code: "verdict.summary-gate-mismatch",
                                                message: "the summary lists gate \(entry.number) as \(entry.status); its record's measurements give \(status.rawValue)",
                                                recordIndex: summary.index))
                    }
                }
                let expected = Verdict.derive(from: derived, firstRule: firstRule)
                if predicate.verdict != expected.rawValue {
                    findings.append(Finding(code: "verdict.mismatch",
                                            message: "the summary claims \(predicate.verdict); the recorded measurements give \(expected.rawValue)",
                                            recordIndex: summary.index))
                }
            } catch {
                findings.append(Finding(code: "verdict.unreadable-summary", message: "the summary cannot be read for re-derivation: \(error)", recordIndex: summary.index))
            }
        }
        return findings
    }
}
