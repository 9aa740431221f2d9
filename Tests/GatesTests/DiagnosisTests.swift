import Testing
@testable import Gates

/// Each named case from a fixture of recorded-style rounds (k = 2, four tasks of 1 CPU-second,
/// 4 s one after another), judged as `attest verify` judges them.
@Suite("Diagnosis: what was seen, by name")
struct DiagnosisTests {
    static func judge(parallelWall: Double, parallelCPUPerTask: Double, sequentialCPUPerTask: Double = 1,
                      foreign: Double = 0) -> ConcurrencyProof.Judgement {
        var measurements = CriteriaTests.measurements(parallelWall: parallelWall)
        measurements.rounds = (1...3).map { index in
            ConcurrencyProof.Round(index: index, order: ["sequential", "parallel"],
                                   sequential: CriteriaTests.configuration(wall: 4, taskCPU: sequentialCPUPerTask),
                                   parallel: CriteriaTests.configuration(wall: parallelWall * (1 + 0.01 * Double(index)),
                                                                         taskCPU: parallelCPUPerTask, foreign: foreign))
        }
        return ConcurrencyProof.judge(parameters: CriteriaTests.parameters, measurements: measurements, criteria: .standard)
    }

    static func names(_ judgement: ConcurrencyProof.Judgement) -> [String] {
        judgement.diagnosis.filter { $0.hasPrefix("seen: ") }.map { String($0.dropFirst(6).prefix { $0 != "—" }).trimmingCharacters(in: .whitespaces) }
    }

    @Test("not parallel: CPU/wall ≈ 1 and S ≈ 1")
    func notParallel() {
        let judgement = Self.judge(parallelWall: 4, parallelCPUPerTask: 1)
        #expect(judgement.outcome.status == .failed)
        #expect(Self.names(judgement) == ["not parallel"], "\(judgement.diagnosis)")
    }

    @Test("spinning: CPU/wall ≈ k, S ≈ 1, CPU per task ≈ k×")
    func spinning() {
        let judgement = Self.judge(parallelWall: 4, parallelCPUPerTask: 2)
        #expect(judgement.outcome.status == .failed)
        #expect(Self.names(judgement) == ["spinning"], "\(judgement.diagnosis)")
    }

    @Test("waiting: CPU/wall ≪ 1")
    func waiting() {
        let judgement = Self.judge(parallelWall: 2, parallelCPUPerTask: 0.1)
        #expect(judgement.outcome.status == .failed)
        #expect(Self.names(judgement) == ["waiting"], "\(judgement.diagnosis)")
    }

    @Test("parallel but contended: CPU/wall ≈ k, outputs equal, 1.3× the CPU per task, S between 1 and 0.75·k")
    func contended() {
        let judgement = Self.judge(parallelWall: 3.2, parallelCPUPerTask: 1.3)
        #expect(!judgement.outcome.status.passed)
        #expect(Self.names(judgement) == ["parallel but contended"], "\(judgement.diagnosis)")
    }

    @Test("noisy host: other processes' load during a failing run")
    func noisyHost() {
        let judgement = Self.judge(parallelWall: 3.2, parallelCPUPerTask: 1.3, foreign: 1.0)
        #expect(judgement.outcome.status == .inconclusive)
        #expect(Self.names(judgement).contains("noisy host"), "\(judgement.diagnosis)")
    }

    @Test("under other tenants' load a failure is inconclusive, unless the load cannot explain it (waiting, spinning)")
    func loadCannotExplain() {
        #expect(Self.judge(parallelWall: 3.2, parallelCPUPerTask: 1.0, foreign: 1.0).outcome.status == .inconclusive)
        #expect(Self.judge(parallelWall: 2, parallelCPUPerTask: 0.1, foreign: 1.0).outcome.status == .failed)
        #expect(Self.judge(parallelWall: 4, parallelCPUPerTask: 2, foreign: 1.0).outcome.status == .failed)
    }

    @Test("a baseline that waited (CPU/wall well below 1) is named: it inflates S")
    func baselineWaited() {
        let judgement = Self.judge(parallelWall: 4, parallelCPUPerTask: 0.5, sequentialCPUPerTask: 0.5)
        #expect(Self.names(judgement).contains("baseline waited"), "\(judgement.diagnosis)")
    }

    @Test("oversubscribed: more workers than CPUs, waiting for a CPU as long as running")
    func oversubscribed() {
        let seen = Diagnosis.Evidence(speedup: 1.4, parallelCPUPerWall: 1.9, cpuPerTaskRatio: 1.0, expectedParallelism: 2, workers: 8,
                                      available: 2, digestsEqual: true, runQueueWaitPerCPU: 1.2, foreignCPUs: 0, stealCPUs: 0,
                                      disturbedRounds: 0, baselineCPUPerWall: 1)
        #expect(Diagnosis.names(seen, criteria: .standard).map(\.0) == [.oversubscribed])
    }

    @Test("a passing gate names nothing")
    func passing() {
        #expect(Self.names(Self.judge(parallelWall: 2.05, parallelCPUPerTask: 1)).isEmpty)
    }
}
