import Foundation
import Testing
import Evidence
@testable import Gates

@Suite("Replay")
struct ReplayTests {
    @Test("recorded digests that the work does not produce fail the digest check, naming the task")
    func inventedDigests() throws {
        // A signed bundle whose gate-2 record claims digests "digest-0"… for seeds 0…3: consistent
        // enough to verify, but not what the work kernel produces.
        let data = try RederivationTests.bundle(parallelWall: 2.05, claimedStatus: .passed, claimedVerdict: .minimal)
        let report = RederivationTests.verify(data)
        #expect(report.isVerified, "\(report.allFindings)")
        let result = try Replay.run(statements: report.statements)
        #expect(result.verdict == .notReproduced)
        #expect(result.findings.count == 4)
        let first = try #require(result.findings.first)
        #expect(first.code == "replay.digest-mismatch")
        #expect(first.message.contains("task 0") && first.message.contains("recorded digest digest-0"))
        #expect(result.replay == nil, "no timing is done once the work is shown to differ")
    }

    @Test("a bundle without a gate 2 record cannot be replayed")
    func noProof() throws {
        #expect(throws: Replay.Failure.self) { try Replay.run(statements: []) }
    }
}

@Suite("Reproduction bundles and the verdict policy")
struct ReproductionPolicyTests {
    /// A bundle with gate records plus a reproduction record: the reproduction must not switch off
    /// the gates' re-derivation.
    @Test("a reproduction record inside a gate bundle is refused, and the lying gate is still caught")
    func mixed() throws {
        let key = RederivationTests.key
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "t", commit: String(repeating: "1", count: 40)),
                                        runID: String(repeating: "c", count: 32))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try builder.append(gate: GateRecordContent(
            gate: GateIdentity(number: 2, name: "concurrency_proof", title: "Concurrency proof", critical: true),
            startedAt: start, finishedAt: start, durationSeconds: 1, system: RederivationTests.system,
            git: .unavailable(reason: .notARepository, message: "test"),
            parameters: try JSONValue(encoding: CriteriaTests.parameters),
            measurements: try JSONValue(encoding: CriteriaTests.measurements(parallelWall: 4)),
            criteria: try JSONValue(encoding: ConcurrencyProof.Criteria.standard),
            result: GateResultRecord(status: "passed", passed: true, summary: "lie")))
        try builder.append(predicateType: PredicateType.reproduction, predicate: [
            "startedAt": .string(Timestamp.format(start)), "finishedAt": .string(Timestamp.format(start)),
            "verdict": .string("REPRODUCED"),
        ])
        let bundle = try builder.seal(gates: [GateSummaryEntry(number: 2, name: "concurrency_proof", status: "passed", passed: true)],
                                      verdict: "REPRODUCED", startedAt: start, finishedAt: start, system: RederivationTests.system,
                                      git: .unavailable(reason: .notARepository, message: "test"))
        let codes = Set(RederivationTests.verify(bundle.encoded()).allFindings.map(\.code))
        #expect(codes.contains("verdict.mixed-bundle"))
        #expect(codes.contains("verdict.gate-mismatch"))
    }
}
