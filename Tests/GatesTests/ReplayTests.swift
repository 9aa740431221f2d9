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
