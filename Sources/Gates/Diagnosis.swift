/// The names of what a gate-2 measurement saw, from its recorded figures only, shared by the
/// built-in proof and an external command's. Each line starts with its name, so a reader (or a
/// test) can tell the cases apart: not parallel, spinning, waiting, parallel but contended,
/// oversubscribed, noisy host, and a baseline that waited.
enum Diagnosis {
    enum Name: String, CaseIterable {
        case notParallel = "not parallel"
        case spinning
        case waiting
        case contended = "parallel but contended"
        case oversubscribed
        case noisyHost = "noisy host"
        case baselineWaited = "baseline waited"
    }

    struct Evidence {
        var speedup: Double
        var parallelCPUPerWall: Double
        var cpuPerTaskRatio: Double
        var expectedParallelism: Int
        var workers: Int
        var available: Int
        var digestsEqual: Bool
        var runQueueWaitPerCPU: Double?
        var foreignCPUs: Double?
        var stealCPUs: Double?
        var disturbedRounds: Int
        var baselineCPUPerWall: Double?
    }

    /// The names that fit, in the order above, each with the figures that gave it.
    static func names(_ seen: Evidence, criteria: ConcurrencyProof.Criteria) -> [(Name, String)] {
        let format = ConcurrencyProof.format
        let k = Double(seen.expectedParallelism)
        let cpuWall = seen.parallelCPUPerWall
        let threshold = criteria.speedupFactor * k
        let busy = cpuWall >= criteria.cpuWallFactor * k
        let high = criteria.cpuPerTaskRange.last ?? 1.25
        var names: [(Name, String)] = []
        if cpuWall >= 0.5 && cpuWall < 1.25 && seen.speedup < threshold && k > 1 {
            names.append((.notParallel, "CPU/wall ≈ \(format(cpuWall)) and S ≈ \(format(seen.speedup)): one thread does the work at a time (a global lock, a single thread)"))
        }
        if busy && seen.speedup < 1.25 && seen.cpuPerTaskRatio >= 0.75 * k && k > 1 {
            names.append((.spinning, "CPU/wall ≈ \(format(cpuWall)) ≈ k but S ≈ \(format(seen.speedup)) and \(format(seen.cpuPerTaskRatio))× the CPU per task: a second thread burns CPU while one works"))
        }
        if cpuWall < 0.5 {
            names.append((.waiting, "CPU/wall ≈ \(format(cpuWall)) ≪ 1: the program sleeps or waits instead of computing"))
        }
        if busy && seen.digestsEqual && seen.speedup > 1 && seen.speedup < threshold && seen.cpuPerTaskRatio >= 1.1 && seen.cpuPerTaskRatio <= max(1.5, high) {
            names.append((.contended, "CPU/wall ≈ \(format(cpuWall)), outputs equal, \(format(seen.cpuPerTaskRatio))× the CPU per task and S = \(format(seen.speedup)) between 1 and \(format(threshold)): the cores slow each other (shared caches, memory bandwidth, SMT siblings, frequency)"))
        }
        if let wait = seen.runQueueWaitPerCPU, wait > 0.5, seen.workers > seen.available {
            names.append((.oversubscribed, "\(seen.workers) workers on \(seen.available) CPUs waited \(format(wait))× their CPU time for a CPU"))
        }
        var noise: [String] = []
        if seen.disturbedRounds > 0 { noise.append("\(seen.disturbedRounds) round\(seen.disturbedRounds == 1 ? "" : "s") whose CPU speed drifted between configurations") }
        if let foreign = seen.foreignCPUs, foreign > criteria.maxForeignCPUs { noise.append("other processes used \(format(foreign)) CPUs") }
        if let steal = seen.stealCPUs, steal > 0.1 { noise.append("the hypervisor stole \(format(steal)) CPUs") }
        if !noise.isEmpty { names.append((.noisyHost, noise.joined(separator: "; "))) }
        if let baseline = seen.baselineCPUPerWall, baseline < 0.8 {
            names.append((.baselineWaited, "the baseline's CPU/wall is \(format(baseline)), well below 1: it slept or waited, which inflates S"))
        }
        return names
    }

    static func lines(_ seen: Evidence, criteria: ConcurrencyProof.Criteria) -> [String] {
        names(seen, criteria: criteria).map { "seen: \($0.0.rawValue) — \($0.1)" }
    }
}
