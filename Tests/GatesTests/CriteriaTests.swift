import Testing
@testable import Gates

/// Synthetic measurements: the criteria are pure functions, so they are tested on exact numbers.
@Suite("Gate criteria and verdict")
struct CriteriaTests {
    static func task(_ index: Int, cpu: Double, digest: String = "", thread: Int32 = 100, cpus: [Int] = [0]) -> ConcurrencyProof.TaskMeasurement {
        ConcurrencyProof.TaskMeasurement(
            index: index, seed: "\(index)", iterations: 1000, digest: digest.isEmpty ? "digest-\(index)" : digest,
            threadID: thread, cpuSeconds: cpu, procStatCPUSeconds: cpu, runQueueWaitSeconds: 0, cpusSeen: cpus,
            voluntarySwitches: 1, involuntarySwitches: 1, startSeconds: 0, endSeconds: cpu)
    }

    static func configuration(wall: Double, taskCPU: Double, workers: Int = 4, foreign: Double? = 0) -> ConcurrencyProof.ConfigurationMeasurement {
        ConcurrencyProof.ConfigurationMeasurement(
            wallSeconds: wall, processCPUSeconds: taskCPU * Double(workers),
            tasks: (0..<workers).map { task($0, cpu: taskCPU, thread: Int32(100 + $0), cpus: [$0 % 2]) },
            foreignCPUs: foreign, stealCPUs: 0)
    }

    static let parameters = ConcurrencyProof.Parameters(
        workers: 4, taskSeconds: 1, rounds: 3, warmupRounds: 1, iterationsPerTask: 1000,
        seeds: ["0", "1", "2", "3"], mode: "threaded", seedDerivation: "test")

    static func measurements(parallelWall: Double, parallelForeign: Double? = 0, available: Int = 2,
                             controls: [ConcurrencyProof.Control]? = nil) -> ConcurrencyProof.Measurements {
        let rounds = (0..<3).map { index in
            ConcurrencyProof.Round(index: index, order: ["sequential", "parallel"],
                                   sequential: configuration(wall: 4, taskCPU: 1),
                                   parallel: configuration(wall: parallelWall, taskCPU: 1, foreign: parallelForeign))
        }
        let defaultControls = [
            ConcurrencyProof.Control(name: "pinned_one_cpu", description: "", sequential: nil, parallel: configuration(wall: 4, taskCPU: 1)),
            ConcurrencyProof.Control(name: "sleep_only", description: "", sequential: configuration(wall: 4, taskCPU: 0),
                                     parallel: configuration(wall: 1, taskCPU: 0)),
        ]
        var measurements = ConcurrencyProof.Measurements(
            availableParallelism: available, availableParallelismDerivation: "test",
            calibration: .init(targetSeconds: 1, iterations: 1000, trialSeconds: [1], trialIterations: 100),
            warmup: [], rounds: rounds, controls: controls ?? defaultControls)
        // The run records its analysis of the rounds; an honest fixture carries the one they give.
        measurements.analysis = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: .standard).figures?.analysis
        return measurements
    }

    @Test("two CPUs, parallel twice as fast with the CPU to show for it: passed")
    func passes() {
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 2.05), criteria: .standard)
        #expect(judgement.outcome.status == .passed, "\(judgement.outcome.summary)")
        #expect(judgement.figures?.expectedParallelism == 2)
        #expect(judgement.controls.allSatisfy { $0.failedAsExpected })
    }

    @Test("serialised work (GIL-like): failed, with the lock diagnosis")
    func serialised() {
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 4), criteria: .standard)
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.diagnosis.contains { $0.contains("one task at a time") })
    }

    @Test("one CPU: not shown, never passed")
    func oneCPU() {
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 4, available: 1), criteria: .standard)
        #expect(judgement.outcome.status == .notShown)
    }

    @Test("a failure under foreign load is inconclusive; a pass stays a pass")
    func foreignLoad() {
        let failing = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 3.5, parallelForeign: 1.0), criteria: .standard)
        #expect(failing.outcome.status == .inconclusive)
        let passing = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 2.05, parallelForeign: 1.0), criteria: .standard)
        #expect(passing.outcome.status == .passed)
    }

    @Test("a negative control that passes makes the gate invalid; no controls too")
    func controls() {
        let broken = [ConcurrencyProof.Control(name: "pinned_one_cpu", description: "", sequential: nil, parallel: Self.configuration(wall: 2, taskCPU: 1))]
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 2.05, controls: broken), criteria: .standard)
        #expect(judgement.outcome.status == .invalid)
        let none = ConcurrencyProof.judge(parameters: Self.parameters, measurements: Self.measurements(parallelWall: 2.05, controls: []), criteria: .standard)
        #expect(none.outcome.status == .invalid)
    }

    @Test("different outputs between configurations fail the proof")
    func digestsDiffer() {
        var measurements = Self.measurements(parallelWall: 2.05)
        measurements.rounds[1].parallel.tasks[2].digest = "something else"
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters, measurements: measurements, criteria: .standard)
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.figures?.digestsEqual == false)
    }

    @Test("verdict rule", arguments: [
        ([GateKind.codeAudit: GateStatus.passed, .concurrencyProof: .passed, .threadCount: .passed, .cpuUtilization: .passed, .baselineComparison: .failed], Verdict.full),
        ([.codeAudit: .passed, .concurrencyProof: .passed, .threadCount: .passed, .cpuUtilization: .failed], .partial),
        ([.codeAudit: .passed, .concurrencyProof: .passed], .minimal),
        ([.codeAudit: .passed, .concurrencyProof: .inconclusive, .threadCount: .passed, .cpuUtilization: .passed, .baselineComparison: .passed], .inconclusive),
        ([.codeAudit: .passed, .concurrencyProof: .failed, .threadCount: .passed], .failed),
        ([.concurrencyProof: .invalid], .failed),
    ])
    func verdict(statuses: [GateKind: GateStatus], expected: Verdict) {
        #expect(Verdict.derive(from: statuses) == expected)
    }

    @Test("under the first (median) rule an inconclusive gate 2 made the verdict FAILED, and still does for those bundles")
    func firstRuleVerdict() {
        #expect(Verdict.derive(from: [.concurrencyProof: .inconclusive], firstRule: true) == .failed)
        #expect(Verdict.inconclusive.exitCode == 4 && Verdict.failed.exitCode == 3 && Verdict.minimal.exitCode == 0)
    }

    @Test("verify's last line and exit status tell authenticity from the claim", arguments: [
        ("VERIFIED (FULL)", Int32(0), "VERIFIED: "), ("MINIMAL", 0, "VERIFIED: "), ("FAILED", 3, "AUTHENTIC, CLAIM FAILED: "),
        ("INCONCLUSIVE", 4, "AUTHENTIC, CLAIM INCONCLUSIVE: "), ("REPRODUCED", 0, "VERIFIED: "), ("NOT REPRODUCED", 3, "AUTHENTIC, CLAIM NOT REPRODUCED: "),
    ])
    func claim(verdict: String, exitCode: Int32, prefix: String) {
        let claim = ClaimAssessment(verdict: verdict, records: 3)
        #expect(claim.exitCode == exitCode)
        #expect(claim.line.hasPrefix(prefix), "\(claim.line)")
    }

    @Test("gate 4 counts only cores loaded by this process, against 0.8·P")
    func cpuUtilization() {
        let samples = (0..<5).map { second in
            CPUUtilization.Sample(seconds: Double(second), cores: [
                .init(cpu: 0, own: 0.9, total: 0.95, steal: 0),
                .init(cpu: 1, own: 0.05, total: 0.9, steal: 0),  // busy, but with someone else's work
            ])
        }
        let measurements = CPUUtilization.Measurements(availableParallelism: 2, availableParallelismDerivation: "test",
                                                       affinityCPUs: [0, 1], samples: samples, wallSeconds: 5)
        #expect(CPUUtilization.figures(measurements: measurements, criteria: .standard).coresUsed == 1)
        #expect(CPUUtilization.evaluate(measurements: measurements, criteria: .standard).status == .failed)
    }

    @Test("gate 5 needs three improvements")
    func comparison() {
        let threaded = BaselineComparison.ModeMeasurement(mode: "threaded", wallSeconds: 2, taskCPUSeconds: 4, peakThreadCount: 7,
                                                          threadsBeforeSpawn: 3, coresUsed: 2, digests: ["a", "b"])
        let cooperative = BaselineComparison.ModeMeasurement(mode: "cooperative", wallSeconds: 4, taskCPUSeconds: 4, peakThreadCount: 4,
                                                             threadsBeforeSpawn: 3, coresUsed: 1, digests: ["a", "b"])
        #expect(BaselineComparison.evaluate(measurements: .init(candidate: threaded, baseline: cooperative), criteria: .standard).status == .passed)
        #expect(BaselineComparison.evaluate(measurements: .init(candidate: cooperative, baseline: cooperative), criteria: .standard).status == .failed)
    }
}
