import Foundation

/// Gate 2, the critical one: do W work-bounded tasks finish about k times faster on W bots than
/// one after another on one bot, with the CPU time to show for it?
///
/// Everything here is pure: it judges recorded measurements, so `attest verify` re-derives the
/// same outcome from a bundle without trusting the signed result.
package enum ConcurrencyProof {
    /// The protocol's inputs, recorded so a replay can redo exactly the same work.
    package struct Parameters: Codable, Sendable, Equatable {
        package var workers: Int
        package var taskSeconds: Double
        package var rounds: Int
        package var warmupRounds: Int
        package var iterationsPerTask: Int
        /// One seed per task (decimal strings: JSON numbers lose precision past 2^53).
        package var seeds: [String]
        package var mode: String
        package var seedDerivation: String
        /// Rounds may be added one at a time up to this many while the intervals cannot decide
        /// (`rounds` is the minimum). Nil in bundles written before the interval rule: no extra rounds.
        package var maxRounds: Int?
        /// Stop adding rounds once the measured rounds' wall time (both configurations) reaches this.
        package var timeBudgetSeconds: Double?

        package init(workers: Int, taskSeconds: Double, rounds: Int, warmupRounds: Int, iterationsPerTask: Int,
                    seeds: [String], mode: String, seedDerivation: String, maxRounds: Int? = nil, timeBudgetSeconds: Double? = nil) {
            self.maxRounds = maxRounds
            self.timeBudgetSeconds = timeBudgetSeconds
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
    package struct TaskMeasurement: Codable, Sendable, Equatable {
        package var index: Int
        package var seed: String
        package var iterations: Int
        /// The work kernel's output; empty for a sleep-only control task, which does no work.
        package var digest: String
        package var threadID: Int32
        /// CLOCK_THREAD_CPUTIME_ID delta over the task.
        package var cpuSeconds: Double
        /// utime+stime delta from /proc/self/task/<tid>/stat, the cross-check.
        package var procStatCPUSeconds: Double?
        /// Run-queue wait delta from /proc/self/task/<tid>/schedstat.
        package var runQueueWaitSeconds: Double?
        package var cpusSeen: [Int]
        package var voluntarySwitches: Int
        package var involuntarySwitches: Int
        /// Start and end relative to the configuration's start, monotonic clock.
        package var startSeconds: Double
        package var endSeconds: Double

        package init(index: Int, seed: String, iterations: Int, digest: String, threadID: Int32, cpuSeconds: Double,
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
    package struct ConfigurationMeasurement: Codable, Sendable, Equatable {
        package var wallSeconds: Double
        /// CLOCK_PROCESS_CPUTIME_ID delta: every thread of the process, the sampler included.
        package var processCPUSeconds: Double
        package var tasks: [TaskMeasurement]
        /// Load from other processes during the run, in CPUs' worth (nil when not sampled).
        package var foreignCPUs: Double?
        /// Time stolen by the hypervisor during the run, in CPUs' worth.
        package var stealCPUs: Double?

        package init(wallSeconds: Double, processCPUSeconds: Double, tasks: [TaskMeasurement],
                    foreignCPUs: Double?, stealCPUs: Double?) {
            self.wallSeconds = wallSeconds
            self.processCPUSeconds = processCPUSeconds
            self.tasks = tasks
            self.foreignCPUs = foreignCPUs
            self.stealCPUs = stealCPUs
        }

        /// CPU time of the tasks themselves, from the per-thread clocks.
        package var taskCPUSeconds: Double { tasks.reduce(0) { $0 + $1.cpuSeconds } }
        package var distinctThreads: Int { Set(tasks.map(\.threadID)).count }
        package var distinctCPUs: Int { Set(tasks.flatMap(\.cpusSeen)).count }
    }

    package struct Round: Codable, Sendable, Equatable {
        package var index: Int
        /// The order the two configurations ran in ("sequential", "parallel"), randomised per round.
        package var order: [String]
        package var sequential: ConfigurationMeasurement
        package var parallel: ConfigurationMeasurement
        /// Each CPU's speed just before each configuration ran (interval rule only).
        package var sequentialProbes: [SpeedProbe]?
        package var parallelProbes: [SpeedProbe]?
        /// The probes drifted more than the criteria's tolerance between the two configurations:
        /// the round is kept in the record and left out of the statistics.
        package var disturbed: Bool?

        package init(index: Int, order: [String], sequential: ConfigurationMeasurement, parallel: ConfigurationMeasurement,
                    sequentialProbes: [SpeedProbe]? = nil, parallelProbes: [SpeedProbe]? = nil, disturbed: Bool? = nil) {
            self.sequentialProbes = sequentialProbes
            self.parallelProbes = parallelProbes
            self.disturbed = disturbed
            self.index = index
            self.order = order
            self.sequential = sequential
            self.parallel = parallel
        }
    }

    /// One CPU's speed: the work kernel run on one thread pinned to it for a few tens of ms.
    package struct SpeedProbe: Codable, Sendable, Equatable {
        package var cpu: Int
        package var iterations: Int
        /// Thread CPU seconds the iterations took.
        package var seconds: Double

        package init(cpu: Int, iterations: Int, seconds: Double) {
            self.cpu = cpu
            self.iterations = iterations
            self.seconds = seconds
        }

        package var iterationsPerSecond: Double { seconds > 0 ? Double(iterations) / seconds : 0 }
    }

    package struct Calibration: Codable, Sendable, Equatable {
        package var targetSeconds: Double
        package var iterations: Int
        package var trialSeconds: [Double]
        package var trialIterations: Int

        package init(targetSeconds: Double, iterations: Int, trialSeconds: [Double], trialIterations: Int) {
            self.targetSeconds = targetSeconds
            self.iterations = iterations
            self.trialSeconds = trialSeconds
            self.trialIterations = trialIterations
        }
    }

    /// A negative control: the same comparison with the parallelism taken away. It must fail.
    package struct Control: Codable, Sendable, Equatable {
        package var name: String
        package var description: String
        /// The control's own sequential configuration; nil means "judged against the main rounds'
        /// sequential median", which is the right baseline for the pinned control.
        package var sequential: ConfigurationMeasurement?
        package var parallel: ConfigurationMeasurement

        package init(name: String, description: String, sequential: ConfigurationMeasurement?, parallel: ConfigurationMeasurement) {
            self.name = name
            self.description = description
            self.sequential = sequential
            self.parallel = parallel
        }
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var availableParallelism: Int
        package var availableParallelismDerivation: String
        package var calibration: Calibration
        package var warmup: [Round]
        package var rounds: [Round]
        package var controls: [Control]
        /// The run's statistics of the rounds and its stopping decision, as claimed; `attest verify`
        /// re-derives them from the rounds and reports a claim that does not follow.
        package var analysis: PairedRounds.Analysis?
        /// Whether hardware counters (perf_event_open) were available: "not supported: …" on most VMs.
        package var hardwareCounters: String?

        package init(availableParallelism: Int, availableParallelismDerivation: String, calibration: Calibration,
                    warmup: [Round], rounds: [Round], controls: [Control], analysis: PairedRounds.Analysis? = nil,
                    hardwareCounters: String? = nil) {
            self.analysis = analysis
            self.hardwareCounters = hardwareCounters
            self.availableParallelism = availableParallelism
            self.availableParallelismDerivation = availableParallelismDerivation
            self.calibration = calibration
            self.warmup = warmup
            self.rounds = rounds
            self.controls = controls
        }
    }

    package struct Criteria: Codable, Sendable, Equatable {
        /// S ≥ speedupFactor · k.
        package var speedupFactor: Double
        /// (task CPU / wall) of the parallel run ≥ cpuWallFactor · k.
        package var cpuWallFactor: Double
        /// Parallel CPU per task ÷ sequential CPU per task must lie in this band.
        package var cpuPerTaskRange: [Double]
        /// Other tenants' load (CPUs' worth, median over parallel runs) above which a failure is
        /// reported INCONCLUSIVE instead: it may be theirs, not ours. Never turns a failure into a pass.
        package var maxForeignCPUs: Double
        package var bandExcellent: Double
        package var bandGood: Double
        package var bandPartial: Double
        /// Nil or 1: the first rule (medians of the rounds against hard lines), kept so that bundles
        /// written with it still verify. 2: the paired-round intervals of `PairedRounds`.
        package var version: Int?
        /// A round whose speed probes differ by more than this (|ln(before sequential ÷ before
        /// parallel)| on any CPU) between its two configurations is disturbed.
        package var maxProbeDrift: Double?

        /// The interval rule. The CPU-per-task band is wider than the first rule's because honest
        /// memory-heavy programs measured 0.98–1.36 here while a CPU-burning helper cost 1.59.
        package static let standard = Criteria(
            speedupFactor: 0.75, cpuWallFactor: 0.75, cpuPerTaskRange: [0.8, 1.45], maxForeignCPUs: 0.5,
            bandExcellent: 0.9, bandGood: 0.75, bandPartial: 0.4, version: 2, maxProbeDrift: 0.1)

        /// The first rule, as bundles written before the interval rule recorded it.
        package static let medianRule = Criteria(
            speedupFactor: 0.75, cpuWallFactor: 0.75, cpuPerTaskRange: [0.8, 1.25], maxForeignCPUs: 0.5,
            bandExcellent: 0.9, bandGood: 0.75, bandPartial: 0.4, version: nil, maxProbeDrift: nil)

        package var usesIntervals: Bool { (version ?? 1) >= 2 }
    }

    /// The figures the criterion is applied to, derived from measurements only.
    package struct Figures: Codable, Sendable, Equatable {
        package var expectedParallelism: Int
        package var sequentialWallMedian: Double
        package var parallelWallMedian: Double
        package var speedup: Double
        package var efficiency: Double
        package var karpFlattSerialFraction: Double?
        package var parallelCPUPerWall: Double
        package var cpuPerTaskRatio: Double
        package var digestsEqual: Bool
        package var foreignCPUsMedian: Double?
        package var stealCPUsMedian: Double?
        package var runQueueWaitPerCPU: Double?
        package var band: String
        package var failedChecks: [String]
        /// Checks whose interval neither clears nor misses its line yet (interval rule only).
        package var undecidedChecks: [String]? = nil
        /// The paired-round statistics (interval rule only).
        package var analysis: PairedRounds.Analysis? = nil
        /// The sequential (baseline) configuration's CPU/wall, median over the rounds: well below 1
        /// it slept or waited, which inflates S.
        package var baselineCPUPerWall: Double? = nil
    }

    package struct ControlVerdict: Codable, Sendable, Equatable {
        package var name: String
        package var failedAsExpected: Bool
        package var failedChecks: [String]
        package var speedup: Double
        package var parallelCPUPerWall: Double
    }

    package struct Judgement: Codable, Sendable, Equatable {
        package var outcome: GateOutcome
        package var figures: Figures?
        package var controls: [ControlVerdict]
        package var diagnosis: [String]
        /// Claims of the record (its analysis, stopping decision, disturbed flags) that do not
        /// follow from its rounds: each is a verification finding.
        package var claimProblems: [String] = []
    }

    /// The stopping rule's inputs recorded in these parameters.
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
        if !digestsEqual { checks.append(digestsDifferText) }
        return (checks, speedup, cpuWall, ratio)
    }

    static let digestsDifferText = "task output digests differ between the sequential and parallel runs (or are missing)"

    /// The interval rule's checks, in words: those whose interval missed its line, and those
    /// whose interval still straddles it.
    static func intervalChecks(_ analysis: PairedRounds.Analysis, k: Int, criteria: Criteria) -> (failed: [String], undecided: [String]) {
        var failed: [String] = []
        var undecided: [String] = []
        func add(_ decision: PairedRounds.Decision, _ text: String) {
            if decision == .failed { failed.append(text) } else if decision == .undecided { undecided.append(text) }
        }
        let threshold = analysis.speedupThreshold
        add(analysis.speedupDecision, "speedup S = \(analysis.speedup.text) against \(format(threshold)) (= \(criteria.speedupFactor)·k, k = \(k))")
        add(analysis.cpuPerWallDecision, "CPU/wall \(analysis.parallelCPUPerWall.text) against \(format(criteria.cpuWallFactor * Double(k))) (= \(criteria.cpuWallFactor)·k)")
        let low = criteria.cpuPerTaskRange.first ?? 0.8
        let high = criteria.cpuPerTaskRange.last ?? 1.25
        add(analysis.cpuPerTaskDecision, "CPU per task ratio \(analysis.cpuPerTaskRatio.text) against the band \(format(low))–\(format(high))")
        return (failed, undecided)
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
    package static func judge(parameters: Parameters, measurements: Measurements, criteria: Criteria) -> Judgement {
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
        let main: (checks: [String], speedup: Double, cpuWall: Double, ratio: Double)
        var undecided: [String]?
        var analysis: PairedRounds.Analysis?
        if criteria.usesIntervals {
            let result = PairedRounds.analyse(pairedRounds(rounds, criteria: criteria), expectedParallelism: k, digestsEqual: digestsEqual, criteria: criteria,
                                              budget: parameters.budget)
            var checks = intervalChecks(result, k: k, criteria: criteria)
            if !digestsEqual { checks.failed.append(digestsDifferText) }
            main = (checks.failed, result.speedup.estimate, result.parallelCPUPerWall.estimate, result.cpuPerTaskRatio.estimate)
            undecided = checks.undecided
            analysis = result
        } else {
            main = failedChecks(
                sequentialWall: sequentialWall, parallelWall: parallelWall,
                parallelTaskCPU: parallelCPUWall * parallelWall, sequentialCPUPerTask: sequentialPerTask,
                parallelCPUPerTask: parallelPerTask, digestsEqual: digestsEqual, expectedParallelism: k, criteria: criteria)
        }
        let efficiency = main.speedup / Double(k)
        let foreign = Statistics.median(rounds.compactMap(\.parallel.foreignCPUs))
        let steal = Statistics.median(rounds.compactMap(\.parallel.stealCPUs))
        let waits = rounds.flatMap(\.parallel.tasks).compactMap(\.runQueueWaitSeconds)
        let waitPerCPU: Double? = waits.isEmpty ? nil : waits.reduce(0, +) / max(1e-9, rounds.flatMap(\.parallel.tasks).reduce(0) { $0 + $1.cpuSeconds })
        let band = Self.band(efficiency: efficiency, interval: analysis?.efficiency, criteria: criteria)
        let figures = Figures(
            expectedParallelism: k, sequentialWallMedian: sequentialWall, parallelWallMedian: parallelWall,
            speedup: main.speedup, efficiency: efficiency,
            karpFlattSerialFraction: Statistics.karpFlatt(speedup: main.speedup, workers: k),
            parallelCPUPerWall: main.cpuWall, cpuPerTaskRatio: main.ratio, digestsEqual: digestsEqual,
            foreignCPUsMedian: foreign, stealCPUsMedian: steal, runQueueWaitPerCPU: waitPerCPU,
            band: band, failedChecks: main.checks, undecidedChecks: undecided, analysis: analysis,
            baselineCPUPerWall: Statistics.median(rounds.map { $0.sequential.wallSeconds > 0 ? $0.sequential.taskCPUSeconds / $0.sequential.wallSeconds : 0 }))
        let claimProblems = PairedRounds.claimProblems(
            claimed: measurements.analysis, derived: analysis, rounds: pairedRounds(rounds, criteria: criteria),
            recordedDisturbed: rounds.map(\.disturbed), expectedParallelism: k,
            digestsEqual: { digestsAgree(Array(rounds.prefix($0)), workers: parameters.workers) },
            criteria: criteria, budget: parameters.budget)

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
            + seen(figures, workers: parameters.workers, available: available, criteria: criteria)
        let outcome = decide(figures: figures, controls: controls, available: available,
                             derivation: measurements.availableParallelismDerivation, criteria: criteria)
        return Judgement(outcome: outcome, figures: figures, controls: controls, diagnosis: diagnosis, claimProblems: claimProblems)
    }

    /// The rounds as the interval rule reads them.
    static func pairedRounds(_ rounds: [Round], criteria: Criteria) -> [PairedRounds.Round] {
        rounds.map {
            PairedRounds.Round(sequentialWall: $0.sequential.wallSeconds, parallelWall: $0.parallel.wallSeconds,
                               parallelCPU: $0.parallel.taskCPUSeconds, sequentialCPUPerTask: cpuPerTask($0.sequential),
                               parallelCPUPerTask: cpuPerTask($0.parallel),
                               disturbed: PairedRounds.isDisturbed($0.sequentialProbes, $0.parallelProbes, criteria: criteria))
        }
    }

    /// The efficiency band of the original guide.
    static func band(efficiency: Double, interval: PairedRounds.Interval? = nil, criteria: Criteria) -> String {
        let name = switch efficiency {
        case criteria.bandExcellent...: "excellent"
        case criteria.bandGood...: "good"
        case criteria.bandPartial...: "partial: a bottleneck exists"
        default: "failed"
        }
        guard let lower = interval?.lower, let upper = interval?.upper else { return name }
        return "\(name), 95% CI \(format(lower))–\(format(upper))"
    }

    /// The gate's status from its figures and controls, in this order: one CPU → not shown; a
    /// passing (or missing) negative control → invalid; no failed check → passed; a failure under
    /// other tenants' load → inconclusive; else failed. Shared by the built-in and external proofs.
    static func decide(figures: Figures, controls: [ControlVerdict], available: Int, derivation: String, criteria: Criteria) -> GateOutcome {
        let headline: String
        if let analysis = figures.analysis {
            let disturbed = analysis.roundsMeasured - analysis.roundsUsed
            headline = "S = \(analysis.speedup.text) over \(analysis.roundsUsed) round\(analysis.roundsUsed == 1 ? "" : "s")\(disturbed > 0 ? " (\(analysis.roundsMeasured) measured, \(disturbed) disturbed)" : "") (k = \(figures.expectedParallelism), threshold \(format(analysis.speedupThreshold))), E = \(format(figures.efficiency)), CPU/wall = \(format(figures.parallelCPUPerWall))"
        } else {
            headline = "S = \(format(figures.speedup)) (k = \(figures.expectedParallelism)), E = \(format(figures.efficiency)), CPU/wall = \(format(figures.parallelCPUPerWall))"
        }
        let undecided = figures.undecidedChecks ?? []
        if available <= 1 {
            return GateOutcome(status: .notShown, summary: "cannot be shown on one CPU (\(derivation)); \(headline)")
        } else if let passing = controls.first(where: { !$0.failedAsExpected }) {
            return GateOutcome(status: .invalid, summary: "negative control \(passing.name) passed, so the measurement is broken; \(headline)")
        } else if controls.isEmpty {
            return GateOutcome(status: .invalid, summary: "no negative controls were run, so a pass could not be trusted; \(headline)")
        } else if figures.failedChecks.isEmpty && undecided.isEmpty {
            return GateOutcome(status: .passed, summary: "\(headline), \(figures.band)")
        } else if figures.failedChecks.isEmpty, let analysis = figures.analysis, analysis.roundsUsed == 0 {
            return GateOutcome(status: .inconclusive, summary: "all \(analysis.roundsMeasured) measured rounds were disturbed (the CPUs' speed drifted by more than \(format((criteria.maxProbeDrift ?? 0) * 100))% between a round's two configurations): a noisy host; re-run when the machine is quiet")
        } else if figures.failedChecks.isEmpty {
            let likely = figures.analysis?.roundsLikelyNeeded.map { "; about \($0) rounds would likely decide" } ?? ""
            return GateOutcome(status: .inconclusive, summary: "undecided: the 95% intervals do not clear their lines (\(undecided.joined(separator: "; ")))\(likely); \(headline)")
        } else if let foreign = figures.foreignCPUsMedian, foreign > criteria.maxForeignCPUs, !failsWhateverTheLoad(figures, criteria: criteria) {
            return GateOutcome(status: .inconclusive, summary: "other processes used \(format(foreign)) CPUs during the parallel runs; re-run on a quieter machine; \(headline)")
        }
        return GateOutcome(status: .failed, summary: "\(headline); " + figures.failedChecks.joined(separator: "; "))
    }

    /// The named cases the figures fit (`Diagnosis`), for a gate that did not pass.
    static func seen(_ figures: Figures, workers: Int, available: Int, criteria: Criteria) -> [String] {
        guard !figures.failedChecks.isEmpty || !(figures.undecidedChecks ?? []).isEmpty else { return [] }
        return Diagnosis.lines(Diagnosis.Evidence(
            speedup: figures.speedup, parallelCPUPerWall: figures.parallelCPUPerWall, cpuPerTaskRatio: figures.cpuPerTaskRatio,
            expectedParallelism: figures.expectedParallelism, workers: workers, available: available, digestsEqual: figures.digestsEqual,
            runQueueWaitPerCPU: figures.runQueueWaitPerCPU, foreignCPUs: figures.foreignCPUsMedian, stealCPUs: figures.stealCPUsMedian,
            disturbedRounds: figures.analysis.map { $0.roundsMeasured - $0.roundsUsed } ?? 0,
            baselineCPUPerWall: figures.baselineCPUPerWall), criteria: criteria)
    }

    /// Under the interval rule, failures that other tenants' load cannot explain stay failures:
    /// outputs that differ; CPU/wall below 0.5 (a CPU-bound program keeps at least its fair share
    /// of 2 CPUs against one other busy tenant, about 1 CPU); CPU per task whose whole interval lies
    /// above the band (load takes wall time, not the CPU time a task needs). The first rule turned
    /// every failure under load into inconclusive, and its bundles keep that.
    static func failsWhateverTheLoad(_ figures: Figures, criteria: Criteria) -> Bool {
        guard criteria.usesIntervals, let analysis = figures.analysis else { return false }
        return !figures.digestsEqual || figures.parallelCPUPerWall < 0.5 || analysis.cpuPerTaskDecision == .failed
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

extension ConcurrencyProof.Parameters {
    /// The stopping rule's inputs: `rounds` is the minimum; without a recorded maximum (bundles of
    /// the first rule) no round was added.
    var budget: PairedRounds.Budget {
        PairedRounds.Budget(minRounds: rounds, maxRounds: max(rounds, maxRounds ?? rounds), seconds: timeBudgetSeconds)
    }
}
