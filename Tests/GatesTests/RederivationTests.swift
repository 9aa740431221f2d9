import Foundation
import Testing
import Evidence
@testable import Gates

/// `attest verify` re-derives every gate's status and the verdict from the recorded raw
/// measurements: a record edited to claim a pass is caught even when it is re-signed.
@Suite("Verdict re-derivation")
struct RederivationTests {
    static let key: SigningKey = {
        guard let key = SigningKey(seed: [UInt8](repeating: 7, count: 32)) else { preconditionFailure("fixed test key") }
        return key
    }()

    static let system = SystemInfo(
        osName: "test", osVersion: "1", kernelRelease: "6", cpuModel: "cpu", logicalCPUsOnline: 2, affinityCPUs: [0, 1],
        cgroupCPUQuota: nil, totalMemoryBytes: 1, loadAverage: [], attestVersion: "0", opensslVersion: "3", swiftCompilerVersion: "6",
        availableParallelism: 2, availableParallelismDerivation: "test")

    /// A bundle with one gate-2 record made of synthetic measurements, claiming `claimedStatus`.
    static func bundle(parallelWall: Double, claimedStatus: GateStatus, claimedVerdict: Verdict) throws -> Data {
        try gate2Bundle(parameters: JSONValue(encoding: CriteriaTests.parameters),
                        measurements: JSONValue(encoding: CriteriaTests.measurements(parallelWall: parallelWall)),
                        claimedStatus: claimedStatus, claimedVerdict: claimedVerdict)
    }

    /// A signed, sealed bundle with one gate-2 record holding these parameters and measurements.
    static func gate2Bundle(parameters: JSONValue, measurements: JSONValue, criteria: ConcurrencyProof.Criteria = .standard,
                            claimedStatus: GateStatus, claimedVerdict: Verdict,
                            runID: String = String(repeating: "a", count: 32)) throws -> Data {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "t", commit: String(repeating: "1", count: 40)),
                                        runID: runID)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try builder.append(gate: GateRecordContent(
            gate: GateIdentity(number: 2, name: "concurrency_proof", title: "Concurrency proof", critical: true),
            startedAt: start, finishedAt: start, durationSeconds: 1, system: system,
            git: .unavailable(reason: .notARepository, message: "test"),
            parameters: parameters, measurements: measurements,
            criteria: try JSONValue(encoding: criteria),
            result: GateResultRecord(status: claimedStatus.rawValue, passed: claimedStatus.passed, summary: "claimed")))
        let bundle = try builder.seal(
            gates: [GateSummaryEntry(number: 2, name: "concurrency_proof", status: claimedStatus.rawValue, passed: claimedStatus.passed)],
            verdict: claimedVerdict.rawValue, startedAt: start, finishedAt: start.addingTimeInterval(1), system: system,
            git: .unavailable(reason: .notARepository, message: "test"))
        return bundle.encoded()
    }

    static func verify(_ data: Data) -> VerificationReport {
        Verifier(trustedKeys: [key.publicKey], policies: [GateVerdictPolicy()]).verify(bundleData: data)
    }

    @Test("an honest bundle re-derives to the same results")
    func honest() throws {
        let report = Self.verify(try Self.bundle(parallelWall: 2.05, claimedStatus: .passed, claimedVerdict: .minimal))
        #expect(report.isVerified, "\(report.allFindings)")
    }

    @Test("a failed proof edited to claim a pass, and re-signed, is flagged")
    func editedClaim() throws {
        let report = Self.verify(try Self.bundle(parallelWall: 4, claimedStatus: .passed, claimedVerdict: .minimal))
        #expect(!report.isVerified)
        let codes = Set(report.allFindings.map(\.code))
        #expect(codes.contains("verdict.gate-mismatch"))
        #expect(codes.contains("verdict.summary-gate-mismatch"))
        #expect(codes.contains("verdict.mismatch"))
        // The signatures themselves are fine: only the re-derivation catches it.
        #expect(!codes.contains("signature.invalid"))
    }

    @Test("a verdict that does not follow from the gates is flagged")
    func wrongVerdict() throws {
        let report = Self.verify(try Self.bundle(parallelWall: 2.05, claimedStatus: .passed, claimedVerdict: .full))
        #expect(Set(report.allFindings.map(\.code)) == ["verdict.mismatch"])
    }
}
