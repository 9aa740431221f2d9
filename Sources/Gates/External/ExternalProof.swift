import Foundation
import Evidence

/// Gate 2 for an external command: the baseline command (the same work done sequentially) against
/// the parallel command, in randomised order after a warm-up, with the same criterion as the
/// built-in proof. Pure: `attest verify` re-derives the outcome from the recorded runs.
package enum ExternalProof {
    /// The protocol's inputs, recorded with both commands so that a replay can run them again.
    package struct Parameters: Codable, Sendable, Equatable {
        /// The parallel command (--cmd).
        package var target: CommandTarget
        /// The sequential baseline (--baseline-cmd).
        package var baseline: CommandTarget
        /// The program's claimed parallelism (--workers W); k = min(W, P).
        package var workers: Int
        package var rounds: Int
        package var warmupRounds: Int
        /// Where each run's output was taken from: stdout, or the named result file.
        package var resultFile: String?
        package var sampleHz: Double
        package var protocolDescription: String
        /// Rounds may be added up to this many while the intervals cannot decide; nil in bundles
        /// of the first rule.
        package var maxRounds: Int? = nil
        package var timeBudgetSeconds: Double? = nil

        var budget: PairedRounds.Budget {
            PairedRounds.Budget(minRounds: rounds, maxRounds: max(rounds, maxRounds ?? rounds), seconds: timeBudgetSeconds)
        }
    }

    /// One thread of the command's process tree, as last seen in /proc.
    package struct ThreadRecord: Codable, Sendable, Equatable {
        package var pid: Int32
        package var tid: Int32
        package var cpuSeconds: Double
        package var runQueueWaitSeconds: Double?
        package var cpusSeen: [Int]
    }

    /// The tree at one instant while a command ran.
    package struct TreeSample: Codable, Sendable, Equatable {
        package var seconds: Double
        package var threads: Int
        package var processes: Int
        /// Per-core load since the previous sample; `own` is the tree's share.
        package var cores: [CPUUtilization.CoreLoad]
    }

    /// One run of one command.
    package struct CommandRun: Codable, Sendable, Equatable {
        /// "baseline" or "parallel".
        package var role: String
        /// Set for the negative control: the command's affinity was this one CPU.
        package var pinnedCPU: Int?
        package var exitStatus: Int
        package var wallSeconds: Double
        /// wait4 rusage: the command and every descendant it waited for.
        package var userCPUSeconds: Double
        package var systemCPUSeconds: Double
        /// Sum of the tree's threads' utime+stime as last sampled from /proc (the cross-check, and
        /// the only account of descendants nobody waited for).
        package var sampledCPUSeconds: Double
        package var voluntarySwitches: Int
        package var involuntarySwitches: Int
        package var maxResidentKiB: Int
        /// Sum of the tree's threads' run-queue wait (schedstat), as last sampled.
        package var runQueueWaitSeconds: Double?
        package var peakThreads: Int
        package var peakProcesses: Int
        package var cpusSeen: [Int]
        package var outputSHA256: String
        package var outputSource: String
        package var outputBytes: Int
        package var foreignCPUs: Double?
        package var stealCPUs: Double?
        package var samplerCPUSeconds: Double
        package var threads: [ThreadRecord]
        package var samples: [TreeSample]
        /// Retired user-space instructions of the command and the descendants it started
        /// (perf_event_open, opened right after the spawn); nil where the kernel offers no
        /// hardware counter (then absent from the record).
        package var instructions: UInt64? = nil

        /// The CPU time the criterion uses: the larger of rusage and the /proc account.
        package var cpuSeconds: Double { max(userCPUSeconds + systemCPUSeconds, sampledCPUSeconds) }
        package var cpuPerWall: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
        package var voluntarySwitchesPerSecond: Double { wallSeconds > 0 ? Double(voluntarySwitches) / wallSeconds : 0 }
    }

    package struct Round: Codable, Sendable, Equatable {
        package var index: Int
        /// The order the two commands ran in, randomised per round.
        package var order: [String]
        package var baseline: CommandRun
        package var parallel: CommandRun
        /// Each CPU's speed just before each command ran, and whether they drifted (interval rule).
        package var baselineProbes: [ConcurrencyProof.SpeedProbe]? = nil
        package var parallelProbes: [ConcurrencyProof.SpeedProbe]? = nil
        package var disturbed: Bool? = nil
    }

    /// The parallel command with its parallelism taken away (every process pinned to one CPU).
    package struct Control: Codable, Sendable, Equatable {
        package var name: String
        package var description: String
        package var parallel: CommandRun
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var availableParallelism: Int
        package var availableParallelismDerivation: String
        package var affinityCPUs: [Int]
        package var warmup: [Round]
        package var rounds: [Round]
        package var controls: [Control]
        /// The run's claimed statistics and stopping decision, re-derived by `attest verify`.
        package var analysis: PairedRounds.Analysis? = nil
        /// Whether hardware counters (perf_event_open) were available: "not supported: …" on most VMs.
        package var hardwareCounters: String? = nil
    }

    /// Above this many voluntary context switches a second, a CPU/wall near 1 reads as threads
    /// taking turns at a lock (CPython hands its GIL over every 5 ms: hundreds a second); a
    /// CPU-bound program that never blocks makes a handful.
    static let lockSwitchesPerSecond = 50.0

    /// The criterion applied to recorded runs. The same checks as the built-in proof (speedup,
    /// CPU/wall, CPU per run within the band), with "the same work" meaning one output digest for
    /// every run of both commands.
    package static func judge(parameters: Parameters, measurements: Measurements,
                             criteria: ConcurrencyProof.Criteria) -> ConcurrencyProof.Judgement {
        let available = measurements.availableParallelism
        let k = max(1, min(parameters.workers, available))
        let rounds = measurements.rounds
        guard !rounds.isEmpty,
              let baselineWall = Statistics.median(rounds.map(\.baseline.wallSeconds)),
              let parallelWall = Statistics.median(rounds.map(\.parallel.wallSeconds)),
              let parallelCPUWall = Statistics.median(rounds.map(\.parallel.cpuPerWall)),
              let baselineCPU = Statistics.median(rounds.map(\.baseline.cpuSeconds)),
              let parallelCPU = Statistics.median(rounds.map(\.parallel.cpuSeconds))
        else {
            return .init(outcome: GateOutcome(status: .failed, summary: "no measured rounds"), figures: nil, controls: [], diagnosis: [])
        }
        let runs = (measurements.warmup + rounds).flatMap { [$0.baseline, $0.parallel] }
        let outputs = Set(runs.map(\.outputSHA256))
        let sameWork = Self.sameWork(measurements.warmup + rounds)
        let main: (checks: [String], speedup: Double, cpuWall: Double, ratio: Double)
        var checks: [String]
        // The interval rule's own decision also fails on differing outputs; the check's words are added below.
        var undecided: [String]?
        let analysis = criteria.usesIntervals
            ? PairedRounds.analyse(pairedRounds(rounds, criteria: criteria), expectedParallelism: k, digestsEqual: sameWork,
                                   criteria: criteria, budget: parameters.budget)
            : nil
        if let analysis {
            let judged = ConcurrencyProof.intervalChecks(analysis, k: k, criteria: criteria)
            main = (judged.failed, analysis.speedup.estimate, analysis.parallelCPUPerWall.estimate, analysis.cpuPerTaskRatio.estimate)
            undecided = judged.undecided
        } else {
            main = ConcurrencyProof.failedChecks(
                sequentialWall: baselineWall, parallelWall: parallelWall, parallelTaskCPU: parallelCPUWall * parallelWall,
                sequentialCPUPerTask: baselineCPU, parallelCPUPerTask: parallelCPU, digestsEqual: true,
                expectedParallelism: k, criteria: criteria)
        }
        checks = main.checks
        if outputs.count != 1 {
            checks.append("the work is not fixed: outputs differ (\(outputs.count) distinct output digests over \(runs.count) runs)")
        }
        if let failing = runs.first(where: { $0.exitStatus != 0 }) {
            checks.append("a \(failing.role) run exited with status \(failing.exitStatus)")
        }
        let efficiency = main.speedup / Double(k)
        let parallelThreads = rounds.flatMap(\.parallel.threads)
        let waits = parallelThreads.compactMap(\.runQueueWaitSeconds)
        let threadCPU = parallelThreads.reduce(0) { $0 + $1.cpuSeconds }
        let figures = ConcurrencyProof.Figures(
            expectedParallelism: k, sequentialWallMedian: baselineWall, parallelWallMedian: parallelWall,
            speedup: main.speedup, efficiency: efficiency,
            karpFlattSerialFraction: Statistics.karpFlatt(speedup: main.speedup, workers: k),
            parallelCPUPerWall: main.cpuWall, cpuPerTaskRatio: main.ratio, digestsEqual: sameWork,
            foreignCPUsMedian: Statistics.median(rounds.compactMap(\.parallel.foreignCPUs)),
            stealCPUsMedian: Statistics.median(rounds.compactMap(\.parallel.stealCPUs)),
            runQueueWaitPerCPU: waits.isEmpty ? nil : waits.reduce(0, +) / max(1e-9, threadCPU),
            band: ConcurrencyProof.band(efficiency: efficiency, interval: analysis?.efficiency, criteria: criteria), failedChecks: checks,
            undecidedChecks: undecided, analysis: analysis,
            baselineCPUPerWall: Statistics.median(rounds.map(\.baseline.cpuPerWall)))

        let controls = measurements.controls.map { control -> ConcurrencyProof.ControlVerdict in
            let result = ConcurrencyProof.failedChecks(
                sequentialWall: baselineWall, parallelWall: control.parallel.wallSeconds,
                parallelTaskCPU: control.parallel.cpuSeconds, sequentialCPUPerTask: baselineCPU,
                parallelCPUPerTask: control.parallel.cpuSeconds,
                digestsEqual: outputs.count == 1 && outputs.contains(control.parallel.outputSHA256),
                expectedParallelism: k, criteria: criteria)
            return .init(name: control.name, failedAsExpected: !result.checks.isEmpty, failedChecks: result.checks,
                         speedup: result.speedup, parallelCPUPerWall: result.cpuWall)
        }
        let switches = Statistics.median(rounds.map(\.parallel.voluntarySwitchesPerSecond)) ?? 0
        let diagnosis = diagnose(figures: figures, outputsDiffer: outputs.count != 1, voluntarySwitchesPerSecond: switches,
                                 workers: parameters.workers, available: available, criteria: criteria)
            + ConcurrencyProof.seen(figures, workers: parameters.workers, available: available, criteria: criteria)
        var outcome = ConcurrencyProof.decide(figures: figures, controls: controls, available: available,
                                              derivation: measurements.availableParallelismDerivation, criteria: criteria)
        // Other tenants' load can slow a run down; it cannot change what a program prints. Outputs
        // that differ fail the gate whatever the load.
        if !sameWork && outcome.status == .inconclusive {
            outcome = GateOutcome(status: .failed, summary: "the work is not fixed: outputs differ; " + outcome.summary)
        }
        let claimProblems = PairedRounds.claimProblems(
            claimed: measurements.analysis, derived: analysis, rounds: pairedRounds(rounds, criteria: criteria),
            recordedDisturbed: rounds.map(\.disturbed), expectedParallelism: k,
            digestsEqual: { Self.sameWork(measurements.warmup + rounds.prefix($0)) },
            criteria: criteria, budget: parameters.budget)
        return .init(outcome: outcome, figures: figures, controls: controls, diagnosis: diagnosis, claimProblems: claimProblems)
    }

    /// One output digest for every run of both commands, and every run exited with 0.
    static func sameWork(_ rounds: [Round]) -> Bool {
        let runs = rounds.flatMap { [$0.baseline, $0.parallel] }
        return Set(runs.map(\.outputSHA256)).count == 1 && runs.allSatisfy { $0.exitStatus == 0 }
    }

    /// The rounds as the interval rule reads them: baseline against parallel, CPU per run.
    static func pairedRounds(_ rounds: [Round], criteria: ConcurrencyProof.Criteria) -> [PairedRounds.Round] {
        rounds.map {
            PairedRounds.Round(sequentialWall: $0.baseline.wallSeconds, parallelWall: $0.parallel.wallSeconds,
                               parallelCPU: $0.parallel.cpuSeconds, sequentialCPUPerTask: $0.baseline.cpuSeconds,
                               parallelCPUPerTask: $0.parallel.cpuSeconds,
                               disturbed: PairedRounds.isDisturbed($0.baselineProbes, $0.parallelProbes, criteria: criteria))
        }
    }

    /// What failing figures of an external command point to.
    static func diagnose(figures: ConcurrencyProof.Figures, outputsDiffer: Bool, voluntarySwitchesPerSecond: Double,
                         workers: Int, available: Int, criteria: ConcurrencyProof.Criteria) -> [String] {
        guard !figures.failedChecks.isEmpty || available <= 1 else { return [] }
        let format = ConcurrencyProof.format
        var lines: [String] = []
        if available <= 1 {
            lines.append("only one CPU is available to this process: parallelism cannot be shown here; run on a machine (or affinity mask) with 2 or more CPUs")
        }
        let cpuWall = figures.parallelCPUPerWall
        if cpuWall < 0.2 {
            lines.append("CPU/wall ≈ \(format(cpuWall)) (≈ 0): the program waits (sleep or I/O) — its work is done elsewhere, or not at all")
        } else if cpuWall < 1.25 && figures.expectedParallelism > 1 {
            if voluntarySwitchesPerSecond >= lockSwitchesPerSecond {
                lines.append("CPU/wall ≈ \(format(cpuWall)) (≈ 1) with many voluntary switches (\(Int(voluntarySwitchesPerSecond.rounded()))/s): threads serialised by a global lock (e.g. Python's GIL) — use processes or a free-threaded build")
            } else {
                lines.append("CPU/wall ≈ \(format(cpuWall)) (≈ 1) with few voluntary switches (\(Int(voluntarySwitchesPerSecond.rounded()))/s): one thread or process does the work at a time — the program does not spread it")
            }
        }
        if let wait = figures.runQueueWaitPerCPU, wait > 0.5 {
            lines.append(workers > available
                ? "run-queue wait ≈ \(format(wait))× CPU: more workers than CPUs (\(workers) workers, P = \(available)); use at most \(available) workers"
                : "run-queue wait ≈ \(format(wait))× CPU: the threads waited for a CPU as long as they ran on one — other processes or more runnable threads than CPUs")
        }
        let neededSpeedup = criteria.speedupFactor * Double(figures.expectedParallelism)
        if figures.speedup < neededSpeedup && cpuWall >= criteria.cpuWallFactor * Double(figures.expectedParallelism) {
            lines.append("S = \(format(figures.speedup)) is short of \(format(neededSpeedup)) although CPU/wall is \(format(cpuWall)): the parallel command spent more CPU for the same output (start-up, coordination), or the CPUs' speed varied between runs (frequency, hypervisor); more work per run and more --rounds steady the medians")
        }
        if outputsDiffer {
            lines.append("outputs differ: time-bounded work — the program does as much as fits in a time span, so the runs are not the same work; give it a fixed amount of work")
        }
        if let foreign = figures.foreignCPUsMedian, foreign > criteria.maxForeignCPUs {
            lines.append("other processes used \(format(foreign)) CPUs while the commands ran: re-run when the machine is quiet")
        }
        if figures.cpuPerTaskRatio > (criteria.cpuPerTaskRange.last ?? 1.25) {
            lines.append("the parallel command used more CPU than the baseline for the same output: spinning, extra start-up, or contention")
        }
        return lines
    }
}

/// Gate 3 for an external command: OS threads in the command's process tree (every process's
/// /proc/<pid>/task), sampled while the parallel command ran, against the claimed bots.
package enum ExternalThreadCount {
    package struct Parameters: Codable, Sendable, Equatable {
        package var target: CommandTarget
        package var bots: Int
        package var sampleHz: Double
        package var source: String
    }

    package struct Run: Codable, Sendable, Equatable {
        package var round: Int
        package var peakThreads: Int
        package var peakProcesses: Int
        package var distinctThreads: Int
        package var samples: [Sample]
    }

    package struct Sample: Codable, Sendable, Equatable {
        package var seconds: Double
        package var threads: Int
        package var processes: Int
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var runs: [Run]
    }

    package struct Criteria: Codable, Sendable, Equatable {
        package var rule: String
        package static let standard = Criteria(rule: "median over the samples of the parallel runs of the OS threads in the command's process tree ≥ bots")
    }

    package static func evaluate(parameters: Parameters, measurements: Measurements) -> GateOutcome {
        let counts = measurements.runs.flatMap(\.samples).map { Double($0.threads) }
        guard let median = Statistics.median(counts) else {
            return GateOutcome(status: .failed, summary: "no samples of the command's process tree were taken (it ended too fast to sample)")
        }
        let peak = measurements.runs.map(\.peakThreads).max() ?? 0
        let processes = measurements.runs.map(\.peakProcesses).max() ?? 0
        let text = "median \(String(format: "%.1f", median)) OS threads (peak \(peak), in up to \(processes) processes) over \(counts.count) samples for \(parameters.bots) bots"
        return median >= Double(parameters.bots)
            ? GateOutcome(status: .passed, summary: text)
            : GateOutcome(status: .failed, summary: text + "; fewer OS threads than bots")
    }

    static func measurements(_ rounds: [ExternalProof.Round]) -> Measurements {
        Measurements(runs: rounds.map { round in
            Run(round: round.index, peakThreads: round.parallel.peakThreads, peakProcesses: round.parallel.peakProcesses,
                distinctThreads: Set(round.parallel.threads.map(\.tid)).count,
                samples: round.parallel.samples.map { Sample(seconds: $0.seconds, threads: $0.threads, processes: $0.processes) })
        })
    }
}

/// Gates 4 and 5 for an external command use the built-in gates' measurement shapes and criteria,
/// filled from the same parallel and baseline runs; only their parameters say where they came from.
enum ExternalDerivedGates {
    package struct Parameters: Codable, Sendable, Equatable {
        package var target: CommandTarget
        package var baseline: CommandTarget
        package var source: String
    }

    /// Gate 4: per-core load from the tree's threads over the measured parallel runs.
    static func cpuUtilization(_ measurements: ExternalProof.Measurements) -> CPUUtilization.Measurements {
        var offset = 0.0
        var samples: [CPUUtilization.Sample] = []
        for round in measurements.rounds {
            for sample in round.parallel.samples where !sample.cores.isEmpty {
                samples.append(CPUUtilization.Sample(seconds: offset + sample.seconds, cores: sample.cores))
            }
            offset += round.parallel.wallSeconds
        }
        return CPUUtilization.Measurements(
            availableParallelism: measurements.availableParallelism,
            availableParallelismDerivation: measurements.availableParallelismDerivation,
            affinityCPUs: measurements.affinityCPUs, samples: samples, wallSeconds: offset)
    }

    /// Gate 5: the round with the median parallel wall time, parallel against baseline, and every round as a pair.
    static func comparison(_ measurements: ExternalProof.Measurements) -> BaselineComparison.Measurements? {
        let sorted = measurements.rounds.sorted { $0.parallel.wallSeconds < $1.parallel.wallSeconds }
        guard !sorted.isEmpty else { return nil }
        let round = sorted[sorted.count / 2]
        func mode(_ run: ExternalProof.CommandRun, _ name: String) -> BaselineComparison.ModeMeasurement {
            // Cores' worth of the tree's load at once: per sample the own load summed over cores,
            // then the median, rounded (a migrating single thread counts as one core).
            let perSample = run.samples.filter { !$0.cores.isEmpty }.map { $0.cores.reduce(0) { $0 + $1.own } }
            return BaselineComparison.ModeMeasurement(
                mode: name, wallSeconds: run.wallSeconds, taskCPUSeconds: run.cpuSeconds, peakThreadCount: run.peakThreads,
                threadsBeforeSpawn: 0, coresUsed: Int((Statistics.median(perSample) ?? 0).rounded()), digests: [run.outputSHA256])
        }
        // Every round as a pair too: the speedup is judged by its 95% interval, as in gate 2.
        let pairs = measurements.rounds.map {
            BaselineComparison.Pair(candidate: mode($0.parallel, "parallel command"), baseline: mode($0.baseline, "baseline command"))
        }
        return BaselineComparison.Measurements(candidate: mode(round.parallel, "parallel command"),
                                               baseline: mode(round.baseline, "baseline command"), pairs: pairs)
    }
}
