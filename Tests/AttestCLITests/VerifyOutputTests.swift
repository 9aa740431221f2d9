import Evidence
import Foundation
import Testing

/// The report `attest verify` prints, line by line, for a bundle of more records than one digit.
@Suite("attest verify's report")
struct VerifyOutputTests {
    /// 12 records, and 600: a bundle over 1 MB, whose memory is given back while the report prints.
    @Test("every record gets its line, numbered in decimal, with its label and signer, in order; then the verdict", arguments: [12, 600])
    func everyRecordLine(recordCount: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try #require(SigningKey(seed: [UInt8](repeating: 7, count: 32)))
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "demo", commit: String(repeating: "cd", count: 20)),
                                        runID: String(repeating: "e", count: 32))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let system = SystemInfo(
            osName: "test", osVersion: "1", kernelRelease: "6", cpuModel: "cpu", logicalCPUsOnline: 2, affinityCPUs: [0, 1],
            cgroupCPUQuota: nil, totalMemoryBytes: 1 << 30, loadAverage: [0, 0, 0], attestVersion: AttestBuild.version,
            opensslVersion: AttestBuild.opensslVersion, swiftCompilerVersion: AttestBuild.swiftCompilerVersion,
            availableParallelism: 2, availableParallelismDerivation: "test")
        let git = GitReading.unavailable(reason: .notARepository, message: "test")
        // Code-audit records that found nothing to audit: verify re-derives "failed" for each.
        for _ in 0..<(recordCount - 1) {
            try builder.append(gate: GateRecordContent(
                gate: GateIdentity(number: 1, name: "code_audit", title: "Code audit", critical: false),
                startedAt: start, finishedAt: start, durationSeconds: 0.001, system: system, git: git,
                parameters: .object([:]), measurements: .object(["files": .array([]), "note": .string("test")]),
                criteria: .object(["rule": .string("test")]),
                result: GateResultRecord(status: "failed", passed: false, summary: "no Swift or Python sources found to audit")))
        }
        let bundle = try builder.seal(gates: [], verdict: "FAILED", startedAt: start, finishedAt: start, system: system, git: git)
        let encoded = bundle.encoded()
        #expect((encoded.count >= 1 << 20) == (recordCount > 100))
        try encoded.write(to: folder.appendingPathComponent("bundle.json"))
        try key.publicKey.pem.write(to: folder.appendingPathComponent("signer.pub"), atomically: true, encoding: .utf8)

        let outcome = try CLI.run(["verify", "bundle.json", "--key", "signer.pub"], in: folder)
        // Authentic, but the claimed verdict FAILED: exit 3, and a last line that does not read as success.
        #expect(outcome.status == 3, "\(outcome.stdout)\n\(outcome.stderr)")
        let signer = " (signed by \(key.publicKey.keyID.prefix(16)))"
        let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expected = (0..<(recordCount - 1)).map { "✓ \($0): gate 1 code_audit" + signer } + ["✓ \(recordCount - 1): summary" + signer]
        // bundle, subject, tree, run, trusted keys; then the records.
        #expect(lines.dropFirst(2).first == "tree unknown: test")
        #expect(Array(lines.dropFirst(5).prefix(recordCount)) == expected)
        #expect(lines.dropFirst(5 + recordCount).first == "AUTHENTIC, CLAIM FAILED: \(recordCount) records, signatures, chain, seal and verdicts check out, but the verdict they prove is FAILED — not a pass (exit 3)")
        #expect(lines.first == "bundle bundle.json")
    }
}
