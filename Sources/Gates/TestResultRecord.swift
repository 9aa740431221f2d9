package import Evidence
package import Foundation

/// The run's verdict as in-toto's Test Results predicate
/// (https://in-toto.io/attestation/test-result/v0.1), which a policy engine checks without
/// knowing attest: each gate by name in `passedTests`, `warnedTests` or `failedTests`, `result`
/// PASSED when the verdict passes and FAILED otherwise. Derived from the gate records when a run
/// is sealed, and again by `TestResultPolicy` when a bundle is verified.
package enum TestResultRecord {
    package static let passed = "PASSED"
    package static let failed = "FAILED"

    /// The lists and result the gates' statuses give.
    package struct Derived: Equatable, Sendable {
        package var result: String
        package var passedTests: [String]
        package var warnedTests: [String]
        package var failedTests: [String]
    }

    /// passed → passedTests; inconclusive and not_shown (the measurement could not decide) →
    /// warnedTests; failed and invalid → failedTests. `result` is PASSED only when the verdict
    /// the same statuses give passes (exit status 0).
    package static func derive(_ statuses: [(kind: GateKind, status: GateStatus)]) -> Derived {
        var derived = Derived(result: failed, passedTests: [], warnedTests: [], failedTests: [])
        var byKind: [GateKind: GateStatus] = [:]
        for (kind, status) in statuses.sorted(by: { $0.kind < $1.kind }) {
            byKind[kind] = status
            switch status {
            case .passed: derived.passedTests.append(kind.name)
            case .inconclusive, .notShown: derived.warnedTests.append(kind.name)
            case .failed, .invalid: derived.failedTests.append(kind.name)
            }
        }
        derived.result = Verdict.derive(from: byKind).exitCode == 0 ? passed : failed
        return derived
    }

    /// A configuration entry: an in-toto ResourceDescriptor naming a file by its SHA-256.
    package static func resource(name: String, sha256: String) -> JSONValue {
        .object(["name": .string(name), "digest": .object(["sha256": .string(sha256)])])
    }

    /// The attest executable that ran (its SHA-256) and, for an external run, each command's
    /// executable and the files its arguments name, with their SHA-256.
    package static func configuration(executable: URL, commands: [CommandTarget]) throws -> [JSONValue] {
        var resources = [resource(name: "attest", sha256: SHA256Digest.hex(try Data(contentsOf: executable)))]
        var seen: Set<String> = []
        for command in commands {
            for (name, digest) in [(command.executableResolved, command.executableSHA256)] + command.argumentFiles.map({ ($0.path, $0.sha256) })
            where seen.insert(name + "\u{0}" + digest).inserted {
                resources.append(resource(name: name, sha256: digest))
            }
        }
        return resources
    }

    /// The executable of this process (/proc/self/exe: argv[0] may be a bare name found on PATH).
    package static var runningExecutable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// The predicate of the record, timestamps included so the chain's times stay ordered.
    package static func predicate(_ derived: Derived, configuration: [JSONValue], at time: Date) -> [String: JSONValue] {
        [
            "result": .string(derived.result),
            "configuration": .array(configuration),
            "passedTests": .array(derived.passedTests.map(JSONValue.string)),
            "warnedTests": .array(derived.warnedTests.map(JSONValue.string)),
            "failedTests": .array(derived.failedTests.map(JSONValue.string)),
            "startedAt": .string(Timestamp.format(time)),
            "finishedAt": .string(Timestamp.format(time)),
        ]
    }
}

/// Re-derives a bundle's Test Results record from its gate records' statuses (whose agreement
/// with their measurements `GateVerdictPolicy` checks): a record whose result or lists disagree
/// is a finding, and so is a second one. A bundle without one (written before attest wrote them,
/// or a reproduction bundle) is not.
package struct TestResultPolicy: RecordPolicy {
    package init() {}

    package var predicateMembersNotInspected: Set<String> {
        ["system", "git", "gitUnavailable", "parameters", "measurements", "criteria", "configuration"]
    }

    package enum Inspection: Sendable {
        case gate(GateKind, GateStatus?)
        case testResult(TestResultRecord.Derived?)
    }

    package func inspect(_ statement: VerifiedStatement) -> Inspection? {
        switch statement.predicateType {
        case PredicateType.gate:
            let gate = statement.predicate["gate"]
            guard let number = gate?["number"]?.intValue, let kind = GateKind(rawValue: number), kind.name == gate?["name"]?.stringValue else {
                return nil
            }
            return .gate(kind, statement.predicate["result"]?["status"]?.stringValue.flatMap(GateStatus.init(rawValue:)))
        case PredicateType.testResult:
            let predicate = statement.predicate
            func names(_ key: String) -> [String]? {
                guard let array = predicate[key]?.arrayValue else { return nil }
                let strings = array.compactMap(\.stringValue)
                return strings.count == array.count ? strings : nil
            }
            guard let result = predicate["result"]?.stringValue, let passed = names("passedTests"), let warned = names("warnedTests"),
                  let failed = names("failedTests"), predicate["configuration"]?.arrayValue != nil else {
                return .testResult(nil)
            }
            return .testResult(TestResultRecord.Derived(result: result, passedTests: passed, warnedTests: warned, failedTests: failed))
        default:
            return nil
        }
    }

    package func check(statements: [VerifiedStatement], inspections: RecordInspections<Inspection>) -> [Finding] {
        var statuses: [GateKind: GateStatus] = [:]
        var records: [(index: Int, derived: TestResultRecord.Derived?)] = []
        for (index, inspection) in inspections {
            switch inspection {
            case .gate(let kind, let status): statuses[kind] = status ?? .failed
            case .testResult(let derived): records.append((index, derived))
            }
        }
        var findings: [Finding] = []
        for extra in records.dropFirst() {
            findings.append(Finding(code: "test-result.duplicate", message: "the bundle holds \(records.count) Test Results records; a run writes one",
                                    recordIndex: extra.index))
        }
        guard let record = records.first else { return findings }
        guard let claimed = record.derived else {
            findings.append(Finding(code: "test-result.unreadable",
                                    message: "the Test Results record lacks result, configuration or the passedTests/warnedTests/failedTests lists of strings",
                                    recordIndex: record.index))
            return findings
        }
        let expected = TestResultRecord.derive(statuses.map { ($0.key, $0.value) })
        if claimed != expected {
            func describe(_ value: TestResultRecord.Derived) -> String {
                "\(value.result), passed [\(value.passedTests.joined(separator: ", "))], warned [\(value.warnedTests.joined(separator: ", "))], failed [\(value.failedTests.joined(separator: ", "))]"
            }
            findings.append(Finding(code: "test-result.mismatch",
                                    message: "the Test Results record says \(describe(claimed)); the gate records give \(describe(expected))",
                                    recordIndex: record.index))
        }
        return findings
    }
}
