import Foundation
import Testing
import Evidence
@testable import Gates

/// The Test Results record: derived from the gates when a run is sealed, re-derived by
/// `attest verify`; a record that disagrees with the gate records is a finding even re-signed.
@Suite("in-toto Test Results record")
struct TestResultTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let configuration = [TestResultRecord.resource(name: "attest", sha256: String(repeating: "0f", count: 32))]

    /// A signed bundle: one gate-2 record whose measurements pass, then a Test Results record
    /// (derived from it, or `claimed`), then the seal.
    static func bundle(claimed: TestResultRecord.Derived? = nil, subject: Subject = .gitCommit(name: "t", commit: String(repeating: "1", count: 40)),
                       twice: Bool = false) throws -> EvidenceBundle {
        let builder = try BundleBuilder(signingKey: RederivationTests.key, subject: subject, runID: String(repeating: "b", count: 32))
        try builder.append(gate: GateRecordContent(
            gate: GateIdentity(number: 2, name: "concurrency_proof", title: "Concurrency proof", critical: true),
            startedAt: start, finishedAt: start, durationSeconds: 1, system: RederivationTests.system,
            git: .unavailable(reason: .notARepository, message: "test"),
            parameters: try JSONValue(encoding: CriteriaTests.parameters),
            measurements: try JSONValue(encoding: CriteriaTests.measurements(parallelWall: 2.05)),
            criteria: try JSONValue(encoding: ConcurrencyProof.Criteria.standard),
            result: GateResultRecord(status: "passed", passed: true, summary: "passed")))
        let derived = claimed ?? TestResultRecord.derive([(.concurrencyProof, .passed)])
        for _ in 0..<(twice ? 2 : 1) {
            try builder.append(predicateType: PredicateType.testResult,
                               predicate: TestResultRecord.predicate(derived, configuration: configuration, at: start))
        }
        return try builder.seal(
            gates: [GateSummaryEntry(number: 2, name: "concurrency_proof", status: "passed", passed: true)],
            verdict: Verdict.minimal.rawValue, startedAt: start, finishedAt: start.addingTimeInterval(1), system: RederivationTests.system,
            git: .unavailable(reason: .notARepository, message: "test"))
    }

    static func codes(_ bundle: EvidenceBundle) -> Set<String> {
        let report = Verifier(trustedKeys: [RederivationTests.key.publicKey], policies: [GateVerdictPolicy(), TestResultPolicy()])
            .verify(bundleData: bundle.encoded())
        return Set(report.allFindings.map(\.code))
    }

    @Test("statuses map to the lists (inconclusive and not_shown warn, invalid fails); PASSED only when the verdict passes")
    func derivation() {
        let derived = TestResultRecord.derive([(.threadCount, .inconclusive), (.concurrencyProof, .passed), (.codeAudit, .failed),
                                               (.cpuUtilization, .notShown), (.baselineComparison, .invalid)])
        #expect(derived == TestResultRecord.Derived(result: "PASSED", passedTests: ["concurrency_proof"],
                                                    warnedTests: ["thread_count", "cpu_utilization"],
                                                    failedTests: ["code_audit", "comparison"]))
        #expect(TestResultRecord.derive([(.codeAudit, .passed), (.concurrencyProof, .failed)]).result == "FAILED")
    }

    @Test("a derived record verifies; the summary's recordCount counts it")
    func honest() throws {
        let bundle = try Self.bundle()
        #expect(Self.codes(bundle).isEmpty)
        #expect(bundle.records.count == 3)
    }

    @Test("a re-signed record whose result or lists disagree with the gate records is a finding", arguments: [
        TestResultRecord.Derived(result: "FAILED", passedTests: ["concurrency_proof"], warnedTests: [], failedTests: []),
        TestResultRecord.Derived(result: "PASSED", passedTests: [], warnedTests: [], failedTests: ["concurrency_proof"]),
        TestResultRecord.Derived(result: "PASSED", passedTests: ["concurrency_proof", "thread_count"], warnedTests: [], failedTests: []),
        TestResultRecord.Derived(result: "PASSED", passedTests: [], warnedTests: ["concurrency_proof"], failedTests: []),
    ])
    func disagreeing(_ claimed: TestResultRecord.Derived) throws {
        #expect(Self.codes(try Self.bundle(claimed: claimed)) == ["test-result.mismatch"])
    }

    @Test("two Test Results records are a finding")
    func duplicate() throws {
        #expect(Self.codes(try Self.bundle(twice: true)) == ["test-result.duplicate"])
    }

    @Test("the configuration names attest's executable and each command's executable and script by SHA-256")
    func configurationEntries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-tr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let executable = folder.appendingPathComponent("attest")
        try Data("binary".utf8).write(to: executable)
        let target = CommandTarget(kind: CommandTarget.kindValue, role: "parallel", command: "python3 work.py", shell: false,
                                   argv: ["python3", "work.py"], argvSHA256: "", executable: "python3", executableResolved: "/usr/bin/python3.11",
                                   executableSHA256: String(repeating: "aa", count: 32),
                                   argumentFiles: [.init(argument: "work.py", path: "/w/work.py", sha256: String(repeating: "bb", count: 32))],
                                   cwd: "/w", environment: [:], redactedVariables: [])
        let resources = try TestResultRecord.configuration(executable: executable, commands: [target, target])
        #expect(resources == [
            TestResultRecord.resource(name: "attest", sha256: SHA256Digest.hex(Data("binary".utf8))),
            TestResultRecord.resource(name: "/usr/bin/python3.11", sha256: String(repeating: "aa", count: 32)),
            TestResultRecord.resource(name: "/w/work.py", sha256: String(repeating: "bb", count: 32)),
        ])
    }
}
