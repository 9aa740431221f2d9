import Foundation
import Evidence
@testable import Gates

/// A small signed bundle with every gate and a scaling record, made of synthetic measurements
/// whose statuses are the ones verify re-derives: the report's charts are checked against it.
enum ReportFixtures {
    static let key: SigningKey = {
        guard let key = SigningKey(seed: [UInt8](repeating: 9, count: 32)) else { preconditionFailure("fixed test key") }
        return key
    }()

    static let otherKey: SigningKey = {
        guard let key = SigningKey(seed: [UInt8](repeating: 10, count: 32)) else { preconditionFailure("fixed test key") }
        return key
    }()

    static let system = SystemInfo(
        osName: "Debian GNU/Linux", osVersion: "12", kernelRelease: "6.1.0", cpuModel: "Test CPU <fixture>", logicalCPUsOnline: 2,
        affinityCPUs: [0, 1], cgroupCPUQuota: nil, totalMemoryBytes: 1 << 30, loadAverage: [0.5, 0.4, 0.3],
        attestVersion: "0.1.0", opensslVersion: "OpenSSL 3.0", swiftCompilerVersion: "6.3",
        availableParallelism: 2, availableParallelismDerivation: "affinity 2, no cgroup quota, 2 physical cores → 2")

    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let git = GitReading.repository(GitState(repository: "attest", commit: commit, branch: "report", detached: false,
                                                    dirty: false, modified: 0, staged: 0, untracked: 0))
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func task(_ index: Int, cpu: Double, cpus: [Int]) -> ConcurrencyProof.TaskMeasurement {
        ConcurrencyProof.TaskMeasurement(
            index: index, seed: "\(index)", iterations: 1000, digest: "digest-\(index)", threadID: Int32(200 + index),
            cpuSeconds: cpu, procStatCPUSeconds: cpu, runQueueWaitSeconds: 0, cpusSeen: cpus,
            voluntarySwitches: 1, involuntarySwitches: 0, startSeconds: 0, endSeconds: cpu)
    }

    /// W tasks; task i used `cpu[i]` seconds on CPU i mod 2.
    static func configuration(wall: Double, cpu: [Double]) -> ConcurrencyProof.ConfigurationMeasurement {
        ConcurrencyProof.ConfigurationMeasurement(
            wallSeconds: wall, processCPUSeconds: cpu.reduce(0, +),
            tasks: cpu.enumerated().map { task($0.offset, cpu: $0.element, cpus: [$0.offset % 2]) }, foreignCPUs: 0.05, stealCPUs: 0)
    }

    /// Gate 2 at `workers` workers on 2 CPUs: sequential walls `sequential[r]`, parallel `parallel[r]`.
    static func proof(workers: Int, sequential: [Double], parallel: [Double]) -> (ConcurrencyProof.Parameters, ConcurrencyProof.Measurements) {
        let parameters = ConcurrencyProof.Parameters(
            workers: workers, taskSeconds: 1, rounds: sequential.count, warmupRounds: 1, iterationsPerTask: 1000,
            seeds: (0..<workers).map(String.init), mode: "threaded", seedDerivation: "fixture")
        let cpu = (0..<workers).map { 1.0 + Double($0) * 0.01 }
        let rounds = zip(sequential, parallel).enumerated().map { offset, walls in
            ConcurrencyProof.Round(index: offset + 1, order: ["sequential", "parallel"],
                                   sequential: configuration(wall: walls.0, cpu: cpu),
                                   parallel: configuration(wall: walls.1, cpu: cpu.map { $0 + 0.02 * Double(offset) }))
        }
        var measurements = ConcurrencyProof.Measurements(
            availableParallelism: 2, availableParallelismDerivation: system.availableParallelismDerivation,
            calibration: .init(targetSeconds: 1, iterations: 1000, trialSeconds: [0.1], trialIterations: 100),
            warmup: [], rounds: rounds,
            controls: [
                .init(name: "pinned_one_cpu", description: "pinned", sequential: nil, parallel: configuration(wall: sequential[0], cpu: cpu)),
                .init(name: "sleep_only", description: "sleep", sequential: configuration(wall: 0.5, cpu: cpu.map { _ in 0 }),
                      parallel: configuration(wall: 0.25, cpu: cpu.map { _ in 0 })),
            ])
        // The run records its analysis of the rounds: the one they give.
        measurements.analysis = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: .standard).figures?.analysis
        return (parameters, measurements)
    }

    static let gate2 = proof(workers: 4, sequential: [4.0, 4.2, 3.9], parallel: [2.05, 2.1, 2.0])

    static let gate3: (ThreadCount.Parameters, ThreadCount.Measurements) = (
        ThreadCount.Parameters(bots: 4, sampleSeconds: 3, sampleHz: 1, mode: "threaded"),
        ThreadCount.Measurements(threadsBeforeSpawn: 2, botThreadIDs: [301, 302, 303, 304], distinctBotThreads: 4,
                                 samples: [0, 1, 2, 3].map { ThreadCount.Sample(seconds: Double($0), threadCount: 6 + $0 % 2, botsAlive: 4) },
                                 threadsAfterJoin: 2))

    static let gate4: (CPUUtilization.Parameters, CPUUtilization.Measurements) = (
        CPUUtilization.Parameters(bots: 4, sampleSeconds: 3, sampleHz: 1, iterationsPerBot: 1000, busyThreshold: 0.2, mode: "threaded"),
        CPUUtilization.Measurements(availableParallelism: 2, availableParallelismDerivation: system.availableParallelismDerivation, affinityCPUs: [0, 1],
                                    samples: [1, 2, 3].map { second in
                                        CPUUtilization.Sample(seconds: Double(second), cores: [
                                            .init(cpu: 0, own: 0.9 + 0.01 * Double(second), total: 0.97, steal: 0),
                                            .init(cpu: 1, own: 0.8 - 0.1 * Double(second), total: 0.95, steal: 0),
                                        ])
                                    }, wallSeconds: 3))

    static let gate5 = BaselineComparison.Measurements(
        candidate: .init(mode: "threaded", wallSeconds: 2, taskCPUSeconds: 4, peakThreadCount: 7, threadsBeforeSpawn: 3, coresUsed: 2, digests: ["a", "b"]),
        baseline: .init(mode: "cooperative", wallSeconds: 4, taskCPUSeconds: 4, peakThreadCount: 4, threadsBeforeSpawn: 3, coresUsed: 1, digests: ["a", "b"]))

    static func gate1(path: String) -> CodeAudit.Measurements {
        CodeAudit.Measurements(files: [
            .init(path: path, language: "swift", sha256: String(repeating: "c", count: 64), role: "bot", threadLines: 3, asyncLines: 0,
                  threadLineNumbers: [1, 2, 3], asyncLineNumbers: []),
            .init(path: "Swarm.swift", language: "swift", sha256: String(repeating: "d", count: 64), role: "manager", threadLines: 2, asyncLines: 0,
                  threadLineNumbers: [4, 5], asyncLineNumbers: []),
        ], note: "fixture")
    }

    static let scaling: Scaling.Record = {
        let points = [(1, [1.0, 1.02, 0.99], [1.01, 1.0, 1.0]), (2, [2.0, 2.1, 2.05], [1.1, 1.12, 1.08])].map { workers, sequential, parallel in
            let (parameters, measurements) = proof(workers: workers, sequential: sequential, parallel: parallel)
            return Scaling.Point(workers: workers, parameters: parameters, measurements: measurements)
        }
        let parameters = Scaling.Parameters(
            requestedCounts: [1, 2, 4, 8], availableParallelism: 2, availableParallelismDerivation: system.availableParallelismDerivation,
            capRule: Scaling.capRule, counts: [1, 2], taskSeconds: 1, rounds: 3, iterationsPerTask: 1000, mode: "threaded")
        return Scaling.Record(parameters: parameters, criteria: .standard, points: points, figures: Scaling.figures(points: points, criteria: .standard))
    }()

    /// The signed bundle. `summaryText` is gate 1's signed summary (untrusted text), `auditedPath` its first file.
    static func bundle(summaryText: String = "fixture audit", auditedPath: String = "Bot.swift") throws -> Data {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "attest", commit: commit), runID: String(repeating: "e", count: 32))
        var statuses: [GateKind: GateStatus] = [:]
        var entries: [GateSummaryEntry] = []
        var time = start
        func append(_ kind: GateKind, _ parameters: some Encodable, _ measurements: some Encodable, _ criteria: some Encodable,
                    _ outcome: GateOutcome, summary: String? = nil) throws {
            time = time.addingTimeInterval(1)
            try builder.append(gate: GateRecordContent(
                gate: GateIdentity(number: kind.rawValue, name: kind.name, title: kind.title, critical: kind.isCritical),
                startedAt: time, finishedAt: time, durationSeconds: 1, system: system, git: git,
                parameters: try JSONValue(encoding: parameters), measurements: try JSONValue(encoding: measurements),
                criteria: try JSONValue(encoding: criteria),
                result: GateResultRecord(status: outcome.status.rawValue, passed: outcome.status.passed, summary: summary ?? outcome.summary)))
            statuses[kind] = outcome.status
            entries.append(GateSummaryEntry(number: kind.rawValue, name: kind.name, status: outcome.status.rawValue, passed: outcome.status.passed))
        }
        let audit = gate1(path: auditedPath)
        try append(.codeAudit, CodeAudit.Parameters(auditPath: "Sources", languages: ["swift"], botRole: "bot", managerRole: "swarm"),
                   audit, CodeAudit.Criteria.standard, CodeAudit.evaluate(audit), summary: summaryText)
        try append(.concurrencyProof, gate2.0, gate2.1, ConcurrencyProof.Criteria.standard,
                   ConcurrencyProof.judge(parameters: gate2.0, measurements: gate2.1, criteria: .standard).outcome)
        guard case .object(var predicate) = try JSONValue(encoding: scaling) else { throw CocoaError(.coderInvalidValue) }
        time = time.addingTimeInterval(1)
        predicate["startedAt"] = .string(Timestamp.format(time))
        predicate["finishedAt"] = .string(Timestamp.format(time))
        try builder.append(predicateType: PredicateType.scaling, predicate: predicate)
        try append(.threadCount, gate3.0, gate3.1, ThreadCount.Criteria.standard, ThreadCount.evaluate(parameters: gate3.0, measurements: gate3.1))
        try append(.cpuUtilization, gate4.0, gate4.1, CPUUtilization.Criteria.standard, CPUUtilization.evaluate(measurements: gate4.1, criteria: .standard))
        try append(.baselineComparison, BaselineComparison.Parameters(workers: 2, iterationsPerTask: 1000, candidateMode: "threaded", baselineMode: "cooperative"),
                   gate5, BaselineComparison.Criteria.standard, BaselineComparison.evaluate(measurements: gate5, criteria: .standard))
        return try builder.seal(gates: entries, verdict: Verdict.derive(from: statuses).rawValue, startedAt: start,
                                finishedAt: time.addingTimeInterval(1), system: system, git: git).encoded()
    }

    /// The bundle with one byte of record `index`'s signed payload changed (signature now invalid).
    static func tampered(_ data: Data, record index: Int) throws -> Data {
        guard var root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var records = root["records"] as? [[String: Any]], let payload = records[index]["payload"] as? String,
              var bytes = Data(base64Encoded: payload) else { throw CocoaError(.coderInvalidValue) }
        // Make the parallel run look faster: "wallSeconds":2.05 becomes "wallSeconds":1.05.
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"wallSeconds\":2.05", with: "\"wallSeconds\":1.05")
        bytes = Data(text.utf8)
        records[index]["payload"] = bytes.base64EncodedString()
        root["records"] = records
        return try JSONSerialization.data(withJSONObject: root)
    }
}
