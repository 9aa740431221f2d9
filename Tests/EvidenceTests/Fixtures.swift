import Foundation
@testable import Evidence

/// Fixed keys, clocks and builders so every test is deterministic.
enum Fixtures {
    /// RFC 8032 §7.1 TEST 1's secret key: a fixed signing key.
    static let signingKey: SigningKey = {
        guard let key = SigningKey(seed: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") ?? []) else {
            preconditionFailure("the RFC 8032 test key must load")
        }
        return key
    }()

    /// TEST 2's key: "another key".
    static let otherKey: SigningKey = {
        guard let key = SigningKey(seed: Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb") ?? []) else {
            preconditionFailure("the RFC 8032 test key must load")
        }
        return key
    }()

    struct FixedClock: WallClock {
        var date: Date
        func now() -> Date { date }
    }

    static let system = SystemInfo(
        osName: "Debian GNU/Linux 12", osVersion: "12", kernelRelease: "6.1.0", cpuModel: "Test CPU", logicalCPUsOnline: 2,
        affinityCPUs: [0, 1], cgroupCPUQuota: nil, totalMemoryBytes: 1 << 30, loadAverage: [0.1, 0.2, 0.3],
        attestVersion: AttestBuild.version, opensslVersion: "OpenSSL 3.0", swiftCompilerVersion: "6.3",
        availableParallelism: 2, availableParallelismDerivation: "affinity 2, no cgroup quota, 2 physical cores → 2")

    static let git = GitReading.repository(GitState(repository: "attest", commit: String(repeating: "ab", count: 20), branch: "main",
                                                    detached: false, dirty: false, modified: 0, staged: 0, untracked: 0))

    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// A bundle of `gates` gate records and a summary, signed by `key`.
    static func bundle(key: SigningKey = signingKey, runID: String = "00112233445566778899aabbccddeeff", gates: Int = 3,
                       subjectCommit: String = String(repeating: "ab", count: 20), subjectName: String = "attest") throws -> EvidenceBundle {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: subjectName, commit: subjectCommit),
                                        clock: FixedClock(date: start.addingTimeInterval(100)), runID: runID)
        var entries: [GateSummaryEntry] = []
        for number in 1...max(1, gates) {
            let content = GateRecordContent(
                gate: GateIdentity(number: number, name: "gate\(number)", title: "Gate \(number)", critical: number == 2),
                startedAt: start.addingTimeInterval(Double(number)), finishedAt: start.addingTimeInterval(Double(number) + 0.5),
                durationSeconds: 0.5, system: system, git: git,
                parameters: .object(["n": .number(Double(number))]), measurements: .object(["values": .array([.number(1.5)])]),
                criteria: .object(["rule": .string("test")]),
                result: GateResultRecord(status: "passed", passed: true, summary: "fixture"))
            try builder.append(gate: content)
            entries.append(GateSummaryEntry(number: number, name: "gate\(number)", status: "passed", passed: true))
        }
        return try builder.seal(gates: entries, verdict: "TEST", startedAt: start, system: system, git: git)
    }

    static func temporaryFolder(_ label: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs a command; returns its exit status and output. Standard input is closed, so a
    /// program that tries to prompt fails instead of hanging.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func commandExists(_ name: String) -> Bool {
        (try? run("which", [name]).status) == 0
    }
}
