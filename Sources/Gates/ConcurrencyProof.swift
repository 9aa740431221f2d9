import Foundation

/// Gate 2, the critical one: do W work-bounded tasks finish about k times faster on W bots than
/// one after another on one bot, with the CPU time to show for it?
///
/// Everything here is pure: it judges recorded measurements, so `attest verify` re-derives the
/// same outcome from a bundle without trusting the signed result.
public enum ConcurrencyProof {
    /// The protocol's inputs, recorded so a replay can redo exactly the same work.
    public struct Parameters: Codable, Sendable, Equatable {
        public var workers: Int
        public var taskSeconds: Double
        public var rounds: Int
        public var warmupRounds: Int
        public var iterationsPerTask: Int
        /// One seed per task (decimal strings: JSON numbers lose precision past 2^53).
        public var seeds: [String]
        public var mode: String
        public var seedDerivation: String

        public init(workers: Int, taskSeconds: Double, rounds: Int, warmupRounds: Int, iterationsPerTask: Int,
                    seeds: [String], mode: String, seedDerivation: String) {
            self.workers = workers
            self.taskSeconds = taskSeconds
            self.rounds = rounds
            self.warmupRounds = warmupRounds
            self.iterationsPerTask = iterationsPerTask
            self.seeds = seeds
            self.mode = mode
            self.seedDerivation = seedDerivation
        }
    }

    /// One task as the operating system saw it.
    public struct TaskMeasurement: Codable, Sendable, Equatable {
        public var index: Int
        public var seed: String
        public var iterations: Int
        /// The work kernel's output; empty for a sleep-only control task, which does no work.
        public var digest: String
        public var threadID: Int32
        /// CLOCK_THREAD_CPUTIME_ID delta over the task.
        public var cpuSeconds: Double
        /// utime+stime delta from /proc/self/task/<tid>/stat, the cross-check.
        public var procStatCPUSeconds: Double?
        /// Run-queue wait delta from /proc/self/task/<tid>/schedstat.
        public var runQueueWaitSeconds: Double?
        public var cpusSeen: [Int]
        public var voluntarySwitches: Int
        public var involuntarySwitches: Int
        /// Start and end relative to the configuration's start, monotonic clock.
        public var startSeconds: Double
        public var endSeconds: Double

        public init(index: Int, seed: String, iterations: Int, digest: String, threadID: Int32, cpuSeconds: Double,
                    procStatCPUSeconds: Double?, runQueueWaitSeconds: Double?, cpusSeen: [Int],
                    voluntarySwitches: Int, involuntarySwitches: Int, startSeconds: Double, endSeconds: Double) {
            self.index = index
            self.seed = seed
            self.iterations = iterations
            self.digest = digest
            self.threadID = threadID
            self.cpuSeconds = cpuSeconds
            self.procStatCPUSeconds = procStatCPUSeconds
            self.runQueueWaitSeconds = runQueueWaitSeconds
            self.cpusSeen = cpusSeen
            self.voluntarySwitches = voluntarySwitches
            self.involuntarySwitches = involuntarySwitches
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
        }
    }

    /// One configuration (sequential or parallel) run once.
    public struct ConfigurationMeasurement: Codable, Sendable, Equatable {
        public var wallSeconds: Double
        /// CLOCK_PROCESS_CPUTIME_ID delta: every thread of the process, the sampler included.
        public var processCPUSeconds: Double
        public var tasks: [TaskMeasurement]
        /// Load from other processes during the run, in CPUs' worth (nil when not sampled).
        public var foreignCPUs: Double?
        /// Time stolen by the hypervisor during the run, in CPUs' worth.
        public var stealCPUs: Double?

        public init(wallSeconds: Double, processCPUSeconds: Double, tasks: [TaskMeasurement],
                    foreignCPUs: Double?, stealCPUs: Double?) {
            self.wallSeconds = wallSeconds
            self.processCPUSeconds = processCPUSeconds
            self.tasks = tasks
            self.foreignCPUs = foreignCPUs
            self.stealCPUs = stealCPUs
        }

        /// CPU time of the tasks themselves, from the per-thread clocks.
        public var taskCPUSeconds: Double { tasks.reduce(0) { $0 + $1.cpuSeconds } }
        public var distinctThreads: Int { Set(tasks.map(\.threadID)).count }
        public var distinctCPUs: Int { Set(tasks.flatMap(\.cpusSeen)).count }
    }

    public struct Round: Codable, Sendable, Equatable {
        public var index: Int
        /// The order the two configurations ran in ("sequential", "parallel"), randomised per round.
        public var order: [String]
        public var sequential: ConfigurationMeasurement
        public var parallel: ConfigurationMeasurement

        public init(index: Int, order: [String], sequential: ConfigurationMeasurement, parallel: ConfigurationMeasurement) {
            self.index = index
            self.order = order
            self.sequential = sequential
            self.parallel = parallel
        }
    }

    public struct Calibration: Codable, Sendable, Equatable {
        public var targetSeconds: Double
        public var iterations: Int
        public var trialSeconds: [Double]
        public var trialIterations: Int

        public init(targetSeconds: Double, iterations: Int, trialSeconds: [Double], trialIterations: Int) {
            self.targetSeconds = targetSeconds
            self.iterations = iterations
            self.trialSeconds = trialSeconds
            self.trialIterations = trialIterations
        }
    }

    /// A negative control: the same comparison with the parallelism taken away. It must fail.
    public struct Control: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
        /// The control's own sequential configuration; nil means "judged against the main rounds'
        /// sequential median", which is the right baseline for the pinned control.
        public var sequential: ConfigurationMeasurement?
        public var parallel: ConfigurationMeasurement

        public init(name: String, description: String, sequential: ConfigurationMeasurement?, parallel: ConfigurationMeasurement) {
            self.name = name
            self.description = description
            self.sequential = sequential
            self.parallel = parallel
        }
    }

    public struct Measurements: Codable, Sendable, Equatable {
        public var availableParallelism: Int
        public var availableParallelismDerivation: String
        public var calibration: Calibration
        public var warmup: [Round]
        public var rounds: [Round]
        public var controls: [Control]

        public init(availableParallelism: Int, availableParallelismDerivation: String, calibration: Calibration,
                    warmup: [Round], rounds: [Round], controls: [Control]) {
            self.availableParallelism = availableParallelism
            self.availableParallelismDerivation = availableParallelismDerivation
            self.calibration = calibration
            self.warmup = warmup
            self.rounds = rounds
            self.controls = controls
        }
    }

    public struct Criteria: Codable, Sendable, Equatable {
        /// S ≥ speedupFactor · k.
        public var speedupFactor: Double
        /// (task CPU / wall) of the parallel run ≥ cpuWallFactor · k.
        public var cpuWallFactor: Double
        /// Parallel CPU per task ÷ sequential CPU per task must lie in this band.
        public var cpuPerTaskRange: [Double]
        /// Other tenants' load (CPUs' worth, median over parallel runs) above which a failure is
        /// reported INCONCLUSIVE instead: it may be theirs, not ours. Never turns a failure into a pass.
        public var maxForeignCPUs: Double
        public var bandExcellent: Double
        public var bandGood: Double
        public var bandPartial: Double

        public static let standard = Criteria(
            speedupFactor: 0.75, cpuWallFactor: 0.75, cpuPerTaskRange: [0.8, 1.25], maxForeignCPUs: 0.5,
            bandExcellent: 0.9, bandGood: 0.75, bandPartial: 0.4)
    }

    /// The figures the criterion is applied to, derived from measurements only.
    public struct Figures: Codable, Sendable, Equatable {
        public var expectedParallelism: Int
        public var sequentialWallMedian: Double
        public var parallelWallMedian: Double
        public var speedup: Double
        public var efficiency: Double
        public var karpFlattSerialFraction: Double?
        public var parallelCPUPerWall: Double
        public var cpuPerTaskRatio: Double
        public var digestsEqual: Bool
        public var foreignCPUsMedian: Double?
        public var stealCPUsMedian: Double?
        public var runQueueWaitPerCPU: Double?
        public var band: String
        public var failedChecks: [String]
    }

    public struct ControlVerdict: Codable, Sendable, Equatable {
        public var name: String
        public var failedAsExpected: Bool
        public var failedChecks: [String]
        public var speedup: Double
        public var parallelCPUPerWall: Double
    }

    public struct Judgement: Codable, Sendable, Equatable {
        public var outcome: GateOutcome
        public var figures: Figures?
        public var controls: [ControlVerdict]
        public var diagnosis: [String]
    }

    /// Checks one sequential/parallel comparison; returns the checks that failed (empty = pass).
    static func failedChecks(sequentialWall: Double, parallelWall: Double, parallelTaskCPU: Double,
                             sequentialCPUPerTask: Double, parallelCPUPerTask: Double, digestsEqual: Bool,
                             expectedParallelism k: Int, criteria: Criteria) -> (checks: [String], speedup: Double, cpuWall: Double, ratio: Double) {
        let speedup = parallelWall > 0 ? sequentialWall / parallelWall : 0
        let cpuWall = parallelWall > 0 ? parallelTaskCPU / parallelWall : 0
        let ratio = sequentialCPUPerTask > 0 ? parallelCPUPerTask / sequentialCPUPerTask : 0
        var checks: [String] = []
        let needed = criteria.speedupFactor * Double(k)
        if !(speedup >= needed) {
            checks.append("speedup \(format(speedup)) < \(format(needed)) (= \(criteria.speedupFactor)·k, k = \(k))")
        }
        let neededCPU = criteria.cpuWallFactor * Double(k)
        if !(cpuWall >= neededCPU) {
            checks.append("CPU/wall \(format(cpuWall)) < \(format(neededCPU)) (= \(criteria.cpuWallFactor)·k)")
        }
        let low = criteria.cpuPerTaskRange.first ?? 0.8
        let high = criteria.cpuPerTaskRange.last ?? 1.25
        if !(ratio >= low && ratio <= high) {
            checks.append("CPU per task ratio \(format(ratio)) outside \(format(low))–\(format(high))")
        }
        if !digestsEqual {
            checks.append("task output digests differ between the sequential and parallel runs (or are missing)")
        }
        return (checks, speedup, cpuWall, ratio)
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return String(format: "%.2f", value)
    }

    static func cpuPerTask(_ configuration: ConfigurationMeasurement) -> Double {
        configuration.tasks.isEmpty ? 0 : configuration.taskCPUSeconds / Double(configuration.tasks.count)
    }

    /// True when every task in every configuration produced the digest of the same task in the
    /// first sequential run, and none is empty.
    static func digestsAgree(_ rounds: [Round], workers: Int) -> Bool {
        guard let reference = rounds.first?.sequential.tasks.sorted(by: { $0.index < $1.index }).map(\.digest),
              reference.count == workers, !reference.contains(where: \.isEmpty) else { return false }
        for round in rounds {
            for configuration in [round.sequential, round.parallel] {
                let digests = configuration.tasks.sorted(by: { $0.index < $1.index }).map(\.digest)
                if digests != reference { return false }
            }
        }
        return true
    }

    /// Applies the criterion to recorded parameters and measurements.
    public static func judge(parameters: Parameters, measurements: Measurements, criteria: Criteria) -> Judgement {
        let available = measurements.availableParallelism
        let k = max(1, min(parameters.workers, available))
        let rounds = measurements.rounds
        guard !rounds.isEmpty,
              let sequentialWall = Statistics.median(rounds.map(\.sequential.wallSeconds)),
              let parallelWall = Statistics.median(rounds.map(\.parallel.wallSeconds)),
              let parallelCPUWall = Statistics.median(rounds.map { $0.parallel.wallSeconds > 0 ? $0.parallel.taskCPUSeconds / $0.parallel.wallSeconds : 0 }),
              let sequentialPerTask = Statistics.median(rounds.map { cpuPerTask($0.sequential) }),
              let parallelPerTask = Statistics.median(rounds.map { cpuPerTask($0.parallel) })
        else {
            return Judgement(outcome: GateOutcome(status: .failed, summary: "no measured rounds"), figures: nil, controls: [], diagnosis: [])
        }
        let digestsEqual = digestsAgree(rounds, workers: parameters.workers)
        let main = failedChecks(
            sequentialWall: sequentialWall, parallelWall: parallelWall,
            parallelTaskCPU: parallelCPUWall * parallelWall, sequentialCPUPerTask: sequentialPerTask,
            parallelCPUPerTask: parallelPerTask, digestsEqual: digestsEqual, expectedParallelism: k, criteria: criteria)
        let efficiency = main.speedup / Double(k)
        let foreign = Statistics.median(rounds.compactMap(\.parallel.foreignCPUs))
        let steal = Statistics.median(rounds.compactMap(\.parallel.stealCPUs))
        let waits = rounds.flatMap(\.parallel.tasks).compactMap(\.runQueueWaitSeconds)
        let waitPerCPU: Double? = waits.isEmpty ? nil : waits.reduce(0, +) / max(1e-9, rounds.flatMap(\.parallel.tasks).reduce(0) { $0 + $1.cpuSeconds })
        let band = Self.band(efficiency: efficiency, criteria: criteria)
        let figures = Figures(
            expectedParallelism: k, sequentialWallMedian: sequentialWall, parallelWallMedian: parallelWall,
            speedup: main.speedup, efficiency: efficiency,
            karpFlattSerialFraction: Statistics.karpFlatt(speedup: main.speedup, workers: k),
            parallelCPUPerWall: main.cpuWall, cpuPerTaskRatio: main.ratio, digestsEqual: digestsEqual,
            foreignCPUsMedian: foreign, stealCPUsMedian: steal, runQueueWaitPerCPU: waitPerCPU,
            band: band, failedChecks: main.checks)

        let controls = measurements.controls.map { control -> ControlVerdict in
            let sequential = control.sequential
            let sequentialWallForControl = sequential?.wallSeconds ?? sequentialWall
            let sequentialPerTaskForControl = sequential.map(cpuPerTask) ?? sequentialPerTask
            let controlDigests: Bool = {
                let reference = rounds.first?.sequential.tasks.sorted(by: { $0.index < $1.index }).map(\.digest) ?? []
                let digests = control.parallel.tasks.sorted(by: { $0.index < $1.index }).map(\.digest)
                return sequential == nil ? (digests == reference && !digests.contains(where: \.isEmpty))
                    : !digests.contains(where: \.isEmpty)
            }()
            let result = failedChecks(
                sequentialWall: sequentialWallForControl, parallelWall: control.parallel.wallSeconds,
                parallelTaskCPU: control.parallel.taskCPUSeconds, sequentialCPUPerTask: sequentialPerTaskForControl,
                parallelCPUPerTask: cpuPerTask(control.parallel), digestsEqual: controlDigests,
                expectedParallelism: k, criteria: criteria)
            return ControlVerdict(name: control.name, failedAsExpected: !result.checks.isEmpty,
                                  failedChecks: result.checks, speedup: result.speedup, parallelCPUPerWall: result.cpuWall)
        }

        let diagnosis = diagnose(figures: figures, mode: parameters.mode, available: available, criteria: criteria)
        let outcome = decide(figures: figures, controls: controls, available: available,
                             derivation: measurements.availableParallelismDerivation, criteria: criteria)
        return Judgement(outcome: outcome, figures: figures, controls: controls, diagnosis: diagnosis)
    }

    /// The efficiency band of the original guide.
    static func band(efficiency: Double, criteria: Criteria) -> String {
        switch efficiency {
        case criteria.bandExcellent...: "excellent"
        case criteria.bandGood...: "good"
        case criteria.bandPartial...: "partial: a bottleneck exists"
        default: "failed"
        }
    }

    /// The gate's status from its figures and controls, in this order: one CPU → not shown; a
    /// passing (or missing) negative control → invalid; no failed check → passed; a failure under
    /// other tenants' load → inconclusive; else failed. Shared by the built-in and external proofs.
    static func decide(figures: Figures, controls: [ControlVerdict], available: Int, derivation: String, criteria: Criteria) -> GateOutcome {
        let headline = "S = \(format(figures.speedup)) (k = \(figures.expectedParallelism)), E = \(format(figures.efficiency)), CPU/wall = \(format(figures.parallelCPUPerWall))"
        if available <= 1 {
            return GateOutcome(status: .notShown, summary: "cannot be shown on one CPU (\(derivation)); \(headline)")
        } else if let passing = controls.first(where: { !$0.failedAsExpected }) {
            return GateOutcome(status: .invalid, summary: "negative control \(passing.name) passed, so the measurement is broken; \(headline)")
        } else if controls.isEmpty {
            return GateOutcome(status: .invalid, summary: "no negative controls were run, so a pass could not be trusted; \(headline)")
        } else if figures.failedChecks.isEmpty {
            return GateOutcome(status: .passed, summary: "\(headline), \(figures.band)")
        } else if let foreign = figures.foreignCPUsMedian, foreign > criteria.maxForeignCPUs {
            return GateOutcome(status: .inconclusive, summary: "other processes used \(format(foreign)) CPUs during the parallel runs; re-run on a quieter machine; \(headline)")
        }
        return GateOutcome(status: .failed, summary: "\(headline); " + figures.failedChecks.joined(separator: "; "))
    }

    /// What the failing figures look like, in the words of the original troubleshooting guide.
    static func diagnose(figures: Figures, mode: String, available: Int, criteria: Criteria) -> [String] {
        guard !figures.failedChecks.isEmpty || available <= 1 else { return [] }
        var lines: [String] = []
        if available <= 1 {
            lines.append("only one CPU is available to this process: parallelism cannot be shown here; run on a machine (or affinity mask) with 2 or more CPUs")
        }
        if figures.parallelCPUPerWall < 1.25 && figures.expectedParallelism > 1 {
            lines.append("CPU/wall ≈ \(format(figures.parallelCPUPerWall)): the work ran one task at a time (a GIL-like global lock or a single executor thread\(mode == "cooperative" ? ": cooperative mode multiplexes every bot on one OS thread" : "")); use OS threads or processes")
        }
        if figures.parallelCPUPerWall < 0.2 {
            lines.append("CPU/wall ≈ 0: the tasks waited (sleep or I/O) instead of computing")
        }
        if let wait = figures.runQueueWaitPerCPU, wait > 0.5 {
            lines.append("run-queue wait is \(format(wait))× the CPU time: more runnable threads than CPUs (oversubscription)")
        }
        if let foreign = figures.foreignCPUsMedian, foreign > criteria.maxForeignCPUs {
            lines.append("other processes used \(format(foreign)) CPUs while the proof ran: re-run when the machine is quiet")
        }
        if !figures.digestsEqual {
            lines.append("the task outputs differ: the work is not fixed, so the runs are not comparable")
        }
        if figures.cpuPerTaskRatio > (criteria.cpuPerTaskRange.last ?? 1.25) {
            lines.append("each task needed more CPU in parallel than alone: SMT siblings or memory contention slow the cores")
        }
        return lines
    }
}
