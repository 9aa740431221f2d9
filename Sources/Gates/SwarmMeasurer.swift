import Foundation
import Evidence
import SwarmRuntime

/// The gates' measuring hands: every use of SwarmRuntime sits here, turning the runtime's reports
/// into the gates' recorded measurements.
struct SwarmMeasurer {
    let mode: ExecutionMode
    let sampleHz: Double
    let interruption = Interruption.shared

    var swarmMode: SwarmMode { mode == .threaded ? .threaded : .cooperative }

    // MARK: System

    func systemInfo(_ snapshot: SystemSnapshot = SystemProbe.snapshot()) -> SystemInfo {
        SystemInfo(
            osName: snapshot.osName, osVersion: snapshot.osVersion, kernelRelease: snapshot.kernelRelease,
            cpuModel: snapshot.cpuModel, logicalCPUsOnline: snapshot.logicalCPUsOnline, affinityCPUs: snapshot.affinityCPUs,
            cgroupCPUQuota: snapshot.cpuQuota.map {
                CgroupCPUQuota(source: $0.source, quotaMicroseconds: $0.quotaMicroseconds, periodMicroseconds: $0.periodMicroseconds, cpus: $0.cpus)
            },
            totalMemoryBytes: snapshot.totalMemoryBytes, loadAverage: snapshot.loadAverage,
            attestVersion: AttestBuild.version, opensslVersion: AttestBuild.opensslVersion,
            swiftCompilerVersion: AttestBuild.swiftCompilerVersion,
            availableParallelism: snapshot.availableParallelism,
            availableParallelismDerivation: snapshot.availableParallelismDerivation)
    }

    // MARK: Seeds

    /// A task's seed: the first 8 bytes of SHA-256("attest/<label>/<runID>/<index>"), so every run
    /// does fresh work that no earlier result can stand in for, and anyone can re-derive it.
    static func seed(label: String, runID: String, index: Int) -> UInt64 {
        let digest = SHA256Digest.hex(Data("attest/\(label)/\(runID)/\(index)".utf8))
        return UInt64(digest.prefix(16), radix: 16) ?? UInt64(index)
    }

    static let seedDerivation = "first 8 bytes (big-endian) of SHA-256(\"attest/<gate>/<runId>/<index>\")"

    // MARK: One configuration

    /// Runs `tasks` either one after another on one bot or at once on one bot each, and measures
    /// wall, process CPU, per-task OS evidence, and the other tenants' load while it ran.
    func runConfiguration(_ tasks: [BotTask], parallel: Bool, pinnedCPU: Int? = nil, cpus: [Int]) throws -> ConcurrencyProof.ConfigurationMeasurement {
        try interruption.check()
        let swarm: Swarm
        do {
            swarm = try Swarm(botCount: parallel ? tasks.count : 1, mode: swarmMode, pinnedCPU: pinnedCPU)
        } catch {
            throw GateError.swarmFailed("\(error)")
        }
        defer { swarm.stop() }
        let assignments = tasks.enumerated().map { (bot: parallel ? $0.offset : 0, task: $0.element) }
        let load = LoadMeter(cpus: cpus)
        let cpuBefore = Clocks.processCPUSeconds()
        let start = Clocks.monotonicNanoseconds()
        let reports = swarm.run(assignments)
        let end = Clocks.monotonicNanoseconds()
        let processCPU = Clocks.processCPUSeconds() - cpuBefore
        let wall = Double(end - start) / 1e9
        let other = load.finish(processCPUSeconds: processCPU, wallSeconds: wall)
        let measured = reports.enumerated().map { index, report in
            ConcurrencyProof.TaskMeasurement(
                index: index, seed: String(report.seed), iterations: report.iterations, digest: report.digest,
                threadID: report.threadID, cpuSeconds: report.cpuSeconds, procStatCPUSeconds: report.procStatCPUSeconds,
                runQueueWaitSeconds: report.runQueueWaitSeconds, cpusSeen: report.cpusSeen,
                voluntarySwitches: report.voluntarySwitches, involuntarySwitches: report.involuntarySwitches,
                startSeconds: Double(report.startNanoseconds &- start) / 1e9, endSeconds: Double(report.endNanoseconds &- start) / 1e9)
        }
        return ConcurrencyProof.ConfigurationMeasurement(wallSeconds: wall, processCPUSeconds: processCPU, tasks: measured,
                                                         foreignCPUs: other.foreign, stealCPUs: other.steal)
    }

    // MARK: Gate 2

    func concurrencyProof(workers: Int, taskSeconds: Double, budget: PairedRounds.Budget, runID: String,
                          progress: (String, Int?, Int?) -> Void) throws -> (ConcurrencyProof.Parameters, ConcurrencyProof.Measurements, WorkKernel.Calibration) {
        progress("calibrating the work kernel", nil, nil)
        let calibration = WorkKernel.calibrate(targetSeconds: taskSeconds)
        let seeds = (0..<workers).map { Self.seed(label: "gate2", runID: runID, index: $0) }
        let parameters = ConcurrencyProof.Parameters(
            workers: workers, taskSeconds: taskSeconds, rounds: budget.minRounds, warmupRounds: 1,
            iterationsPerTask: calibration.iterations, seeds: seeds.map { String($0) }, mode: mode.rawValue,
            seedDerivation: Self.seedDerivation.replacingOccurrences(of: "<gate>", with: "gate2"),
            maxRounds: budget.maxRounds, timeBudgetSeconds: budget.seconds)
        let measurements = try proofMeasurements(
            parameters: parameters,
            calibration: .init(targetSeconds: calibration.targetSeconds, iterations: calibration.iterations,
                               trialSeconds: calibration.trialSeconds, trialIterations: calibration.trialIterations),
            progress: progress)
        return (parameters, measurements, calibration)
    }

    /// The proof's protocol for given parameters (seeds and iterations fixed): one warm-up, then
    /// the rounds in random order, then both negative controls. Used by a run and by a replay.
    func proofMeasurements(parameters: ConcurrencyProof.Parameters, calibration: ConcurrencyProof.Calibration,
                           criteria: ConcurrencyProof.Criteria = .standard,
                           progress: (String, Int?, Int?) -> Void) throws -> ConcurrencyProof.Measurements {
        let snapshot = SystemProbe.snapshot()
        let budget = parameters.budget
        let workers = parameters.workers
        let taskSeconds = parameters.taskSeconds
        let tasks = parameters.seeds.map { BotTask.work(seed: UInt64($0) ?? 0, iterations: parameters.iterationsPerTask) }
        let k = max(1, min(workers, snapshot.availableParallelism))
        let probeIterations = Self.probeIterations(calibration)
        var generator = SystemRandomNumberGenerator()

        func round(_ index: Int, label: String) throws -> ConcurrencyProof.Round {
            var sequential: ConcurrencyProof.ConfigurationMeasurement?
            var parallel: ConcurrencyProof.ConfigurationMeasurement?
            var probes: [String: [ConcurrencyProof.SpeedProbe]] = [:]
            let order = Bool.random(using: &generator) ? ["sequential", "parallel"] : ["parallel", "sequential"]
            for configuration in order {
                progress("\(label): \(configuration)", index, budget.maxRounds)
                if criteria.maxProbeDrift != nil {
                    probes[configuration] = try Self.probe(cpus: snapshot.affinityCPUs, iterations: probeIterations)
                }
                if configuration == "sequential" {
                    sequential = try runConfiguration(tasks, parallel: false, cpus: snapshot.affinityCPUs)
                } else {
                    parallel = try runConfiguration(tasks, parallel: true, cpus: snapshot.affinityCPUs)
                }
            }
            guard let sequential, let parallel else { throw GateError.swarmFailed("a configuration did not run") }
            var round = ConcurrencyProof.Round(index: index, order: order, sequential: sequential, parallel: parallel,
                                               sequentialProbes: probes["sequential"], parallelProbes: probes["parallel"])
            if criteria.maxProbeDrift != nil {
                round.disturbed = PairedRounds.isDisturbed(round.sequentialProbes, round.parallelProbes, criteria: criteria)
            }
            return round
        }

        let warmup = try round(0, label: "warm-up")
        let (measured, analysis) = try PairedRounds.measure(criteria: criteria, budget: budget, k: k,
                                                            round: { try round($0, label: "round") },
                                                            paired: { ConcurrencyProof.pairedRounds($0, criteria: criteria) },
                                                            digestsEqual: { ConcurrencyProof.digestsAgree($0, workers: workers) })

        progress("negative control: every bot pinned to one CPU", nil, nil)
        let pinCPU = snapshot.affinityCPUs.first ?? 0
        let pinned = try runConfiguration(tasks, parallel: true, pinnedCPU: pinCPU, cpus: snapshot.affinityCPUs)
        progress("negative control: sleep-only tasks", nil, nil)
        // Short sleeps: a sleep-only task proves nothing however long it is.
        let sleepSeconds = min(taskSeconds, 0.25)
        let sleepTasks = Array(repeating: BotTask.sleep(seconds: sleepSeconds), count: workers)
        let sleepSequential = try runConfiguration(sleepTasks, parallel: false, cpus: snapshot.affinityCPUs)
        let sleepParallel = try runConfiguration(sleepTasks, parallel: true, cpus: snapshot.affinityCPUs)

        return ConcurrencyProof.Measurements(
            availableParallelism: snapshot.availableParallelism,
            availableParallelismDerivation: snapshot.availableParallelismDerivation,
            calibration: calibration,
            warmup: [warmup], rounds: measured,
            controls: [
                .init(name: "pinned_one_cpu", description: "the parallel configuration with every bot pinned to CPU \(pinCPU)",
                      sequential: nil, parallel: pinned),
                .init(name: "sleep_only", description: "each task replaced by a \(sleepSeconds) s sleep",
                      sequential: sleepSequential, parallel: sleepParallel),
            ],
            analysis: analysis, hardwareCounters: HardwareCounters.availability())
    }

    /// Iterations of the work kernel that take about 30 ms on one CPU of this machine.
    static func probeIterations(_ calibration: ConcurrencyProof.Calibration) -> Int {
        guard calibration.targetSeconds > 0 else { return calibration.iterations }
        return max(1, Int(Double(calibration.iterations) / calibration.targetSeconds * 0.03))
    }

    static func probe(cpus: [Int], iterations: Int) throws -> [ConcurrencyProof.SpeedProbe] {
        do {
            return try CPUSpeedProbe.measure(cpus: cpus, iterations: iterations).map {
                ConcurrencyProof.SpeedProbe(cpu: $0.cpu, iterations: $0.iterations, seconds: $0.cpuSeconds)
            }
        } catch {
            throw GateError.swarmFailed("the speed probe could not run: \(error)")
        }
    }

    // MARK: Scaling

    /// Gate 2's protocol at each count (after the cap rule), with the work kernel's calibration
    /// reused so every count does tasks of the same size; each count gets its own seeds.
    func scaling(requested: [Int], taskSeconds: Double, budget: PairedRounds.Budget, runID: String, calibration: WorkKernel.Calibration?,
                 progress: (String, Int?, Int?) -> Void) throws -> (Scaling.Parameters, [Scaling.Point]) {
        let snapshot = SystemProbe.snapshot()
        let counts = Scaling.counts(requested: requested, availableParallelism: snapshot.availableParallelism)
        let kernel = calibration ?? WorkKernel.calibrate(targetSeconds: taskSeconds)
        let recordedCalibration = ConcurrencyProof.Calibration(
            targetSeconds: kernel.targetSeconds, iterations: kernel.iterations,
            trialSeconds: kernel.trialSeconds, trialIterations: kernel.trialIterations)
        var points: [Scaling.Point] = []
        for workers in counts {
            let label = "scaling\(workers)"
            let seeds = (0..<workers).map { Self.seed(label: label, runID: runID, index: $0) }
            let parameters = ConcurrencyProof.Parameters(
                workers: workers, taskSeconds: taskSeconds, rounds: budget.minRounds, warmupRounds: 1,
                iterationsPerTask: kernel.iterations, seeds: seeds.map { String($0) }, mode: mode.rawValue,
                seedDerivation: Self.seedDerivation.replacingOccurrences(of: "<gate>", with: label),
                maxRounds: budget.maxRounds, timeBudgetSeconds: budget.seconds)
            let measurements = try proofMeasurements(parameters: parameters, calibration: recordedCalibration) { phase, round, total in
                progress("scaling, \(workers) worker\(workers == 1 ? "" : "s"): \(phase)", round, total)
            }
            points.append(Scaling.Point(workers: workers, parameters: parameters, measurements: measurements))
        }
        let parameters = Scaling.Parameters(
            requestedCounts: requested, availableParallelism: snapshot.availableParallelism,
            availableParallelismDerivation: snapshot.availableParallelismDerivation, capRule: Scaling.capRule,
            counts: counts, taskSeconds: taskSeconds, rounds: budget.minRounds, iterationsPerTask: kernel.iterations, mode: mode.rawValue)
        return (parameters, points)
    }

    // MARK: Gate 3

    func threadCount(bots: Int, seconds: Double, samples: @escaping @Sendable (Int) -> Void) throws -> (ThreadCount.Parameters, ThreadCount.Measurements) {
        try interruption.check()
        let before = ProcFS.threadCount() ?? 0
        let swarm: Swarm
        do { swarm = try Swarm(botCount: bots, mode: swarmMode) } catch { throw GateError.swarmFailed("\(error)") }
        let botTIDs = swarm.botThreadIDs
        let sampler = Sampler(rateHz: sampleHz, onSample: samples)
        sampler.start()
        let slept = Result { try interruption.sleep(seconds: seconds) }
        let (taken, _) = sampler.stop()
        swarm.stop()
        try slept.get()
        let after = ProcFS.threadCount() ?? 0
        let distinct = Set(botTIDs).count
        let recorded = taken.map { sample in
            let alive = Set(sample.threadIDs)
            return ThreadCount.Sample(seconds: sample.seconds, threadCount: sample.threadCount,
                                      botsAlive: botTIDs.filter(alive.contains).count)
        }
        return (ThreadCount.Parameters(bots: bots, sampleSeconds: seconds, sampleHz: sampleHz, mode: mode.rawValue),
                ThreadCount.Measurements(threadsBeforeSpawn: before, botThreadIDs: botTIDs, distinctBotThreads: distinct,
                                         samples: recorded, threadsAfterJoin: after))
    }

    // MARK: Gate 4

    func cpuUtilization(bots: Int, seconds: Double, calibration: WorkKernel.Calibration?,
                        samples: @escaping @Sendable (Int) -> Void) throws -> (CPUUtilization.Parameters, CPUUtilization.Measurements) {
        try interruption.check()
        let snapshot = SystemProbe.snapshot()
        let perSecond: Double
        if let calibration, calibration.targetSeconds > 0 {
            perSecond = Double(calibration.iterations) / calibration.targetSeconds
        } else {
            let probe = WorkKernel.calibrate(targetSeconds: 0.2)
            perSecond = Double(probe.iterations) / 0.2
        }
        // Work-bounded: enough work to keep P cores busy for about `seconds`, split over the bots.
        let total = perSecond * seconds * Double(snapshot.availableParallelism)
        let perBot = max(1, Int(total / Double(bots)))
        let swarm: Swarm
        do { swarm = try Swarm(botCount: bots, mode: swarmMode) } catch { throw GateError.swarmFailed("\(error)") }
        defer { swarm.stop() }
        let sampler = Sampler(rateHz: sampleHz, cpus: snapshot.affinityCPUs, onSample: samples)
        sampler.start()
        let start = Clocks.monotonicNanoseconds()
        let tickets = (0..<bots).map { swarm.submit(.work(seed: UInt64($0 + 1), iterations: perBot), to: $0) }
        _ = swarm.wait(for: tickets)
        let wall = Double(Clocks.monotonicNanoseconds() - start) / 1e9
        let (taken, _) = sampler.stop()
        let recorded = taken.filter { !$0.cores.isEmpty }.map { sample in
            CPUUtilization.Sample(seconds: sample.seconds, cores: sample.cores.map {
                CPUUtilization.CoreLoad(cpu: $0.cpu, own: $0.own, total: $0.total, steal: $0.steal)
            })
        }
        return (CPUUtilization.Parameters(bots: bots, sampleSeconds: seconds, sampleHz: sampleHz, iterationsPerBot: perBot,
                                          busyThreshold: CPUUtilization.Criteria.standard.busyThreshold, mode: mode.rawValue),
                CPUUtilization.Measurements(availableParallelism: snapshot.availableParallelism,
                                            availableParallelismDerivation: snapshot.availableParallelismDerivation,
                                            affinityCPUs: snapshot.affinityCPUs, samples: recorded, wallSeconds: wall))
    }

    // MARK: Gate 5

    func baselineComparison(workers: Int, taskSeconds: Double, rounds: Int, runID: String, calibration: WorkKernel.Calibration?,
                            progress: (String) -> Void) throws -> (BaselineComparison.Parameters, BaselineComparison.Measurements) {
        let snapshot = SystemProbe.snapshot()
        let iterations = calibration?.iterations ?? WorkKernel.calibrate(targetSeconds: taskSeconds).iterations
        let seeds = (0..<workers).map { Self.seed(label: "gate5", runID: runID, index: $0) }
        let tasks = seeds.map { BotTask.work(seed: $0, iterations: iterations) }

        func measureMode(_ swarmMode: SwarmMode) throws -> BaselineComparison.ModeMeasurement {
            try interruption.check()
            progress("\(swarmMode.rawValue): \(workers) tasks on \(workers) bots")
            let before = ProcFS.threadCount() ?? 0
            let swarm: Swarm
            do { swarm = try Swarm(botCount: workers, mode: swarmMode) } catch { throw GateError.swarmFailed("\(error)") }
            defer { swarm.stop() }
            // 4 Hz so that even a short run gets a few samples of per-core load.
            let sampler = Sampler(rateHz: 4, cpus: snapshot.affinityCPUs)
            sampler.start()
            let start = Clocks.monotonicNanoseconds()
            let reports = swarm.run(tasks.enumerated().map { (bot: $0.offset, task: $0.element) })
            let wall = Double(Clocks.monotonicNanoseconds() - start) / 1e9
            let (taken, _) = sampler.stop()
            // Cores' worth of this process's load at once: per sample, the own load summed over the
            // cores, rounded; then the median. A single thread that migrates between cores shows
            // on both of them but never adds up to more than one core at a time.
            let perSample = taken.filter { !$0.cores.isEmpty }.map { sample in sample.cores.reduce(0) { $0 + $1.own } }
            let sorted = perSample.sorted()
            let coresUsed = sorted.isEmpty ? 0 : Int(sorted[sorted.count / 2].rounded())
            return BaselineComparison.ModeMeasurement(
                mode: swarmMode.rawValue, wallSeconds: wall, taskCPUSeconds: reports.reduce(0) { $0 + $1.cpuSeconds },
                peakThreadCount: taken.map(\.threadCount).max() ?? before, threadsBeforeSpawn: before,
                coresUsed: coresUsed, digests: reports.map(\.digest))
        }

        // Paired rounds, as in gate 2: both modes back to back in random order, so each round's
        // speedup shares one minute of the host.
        var generator = SystemRandomNumberGenerator()
        var pairs: [BaselineComparison.Pair] = []
        for _ in 0..<max(2, rounds) {
            let candidateFirst = Bool.random(using: &generator)
            let first = try measureMode(candidateFirst ? swarmMode : .cooperative)
            let second = try measureMode(candidateFirst ? .cooperative : swarmMode)
            pairs.append(candidateFirst ? .init(candidate: first, baseline: second) : .init(candidate: second, baseline: first))
        }
        return (BaselineComparison.Parameters(workers: workers, iterationsPerTask: iterations, candidateMode: mode.rawValue,
                                              baselineMode: SwarmMode.cooperative.rawValue),
                BaselineComparison.Measurements(pairs: pairs))
    }
}

/// Other tenants' load over an interval: /proc/stat busy time on the given CPUs minus this
/// process's own CPU time, in CPUs' worth. Two reads, no sampling thread.
struct LoadMeter {
    let cpus: Set<Int>
    let before: [ProcFS.CPUTimes]

    init(cpus: [Int]) {
        self.cpus = Set(cpus)
        before = ProcFS.cpuTimes().filter { Set(cpus).contains($0.cpu) }
    }

    func finish(processCPUSeconds: Double, wallSeconds: Double) -> (foreign: Double?, steal: Double?) {
        let after = ProcFS.cpuTimes().filter { cpus.contains($0.cpu) }
        guard !before.isEmpty, !after.isEmpty, wallSeconds > 0 else { return (nil, nil) }
        let busy = Double(after.reduce(0) { $0 + $1.busy } &- before.reduce(0) { $0 + $1.busy }) / ProcFS.ticksPerSecond
        let steal = Double(after.reduce(0) { $0 + $1.steal } &- before.reduce(0) { $0 + $1.steal }) / ProcFS.ticksPerSecond
        return (max(0, busy - processCPUSeconds) / wallSeconds, steal / wallSeconds)
    }
}
