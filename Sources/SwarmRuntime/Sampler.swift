import Foundation

/// Samples the process from the kernel's own accounting on a thread of its own: OS thread count,
/// live thread ids, per-core load from /proc/stat deltas (steal apart), and per-thread CPU deltas
/// placed on the CPU each thread last ran on — so the load on each core that came from *this
/// process* is known apart from other tenants' load.
///
/// @unchecked Sendable: samples and flags are guarded by `condition`.
public final class Sampler: @unchecked Sendable {
    /// One core's load over the interval that ended at a sample.
    public struct CoreLoad: Codable, Sendable, Equatable {
        public var cpu: Int
        /// Fraction of the interval the core was busy (all processes).
        public var total: Double
        /// Fraction of the interval the core ran this process's threads.
        public var own: Double
        /// Fraction stolen by the hypervisor.
        public var steal: Double

        public var foreign: Double { max(0, total - own) }
    }

    public struct Sample: Codable, Sendable, Equatable {
        /// Seconds since the sampler started (monotonic).
        public var seconds: Double
        public var threadCount: Int
        public var threadIDs: [Int32]
        /// Per-core load since the previous sample; empty for the first sample.
        public var cores: [CoreLoad]
    }

    /// What a sampling session cost.
    public struct Overhead: Codable, Sendable, Equatable {
        public var samplerCPUSeconds: Double
        public var wallSeconds: Double
        /// Sampler CPU ÷ wall: the fraction of one core the sampler used.
        public var fractionOfOneCore: Double
    }

    public let rateHz: Double
    private let cpus: Set<Int>?
    private let condition = NSCondition()
    private var samples: [Sample] = []
    private var stopRequested = false
    private var finished = false
    private var samplerCPU: Double = 0
    private var startNanoseconds: UInt64 = 0
    private var thread: Thread?
    private let onSample: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - rateHz: samples per second, 0.1 to 20.
    ///   - cpus: the CPUs to report (e.g. the affinity mask); nil reports every CPU.
    ///   - onSample: called on the sampler thread with the number of samples taken so far.
    public init(rateHz: Double = 1, cpus: [Int]? = nil, onSample: (@Sendable (Int) -> Void)? = nil) {
        self.rateHz = min(20, max(0.1, rateHz))
        self.cpus = cpus.map(Set.init)
        self.onSample = onSample
    }

    /// Takes a first sample at once, then one every 1/rate seconds until `stop()`.
    public func start() {
        startNanoseconds = Clocks.monotonicNanoseconds()
        let thread = Thread { [self] in self.loop() }
        thread.name = "attest-sampler"
        self.thread = thread
        thread.start()
    }

    /// Stops sampling, waits for the sampler thread to finish, and returns the samples.
    public func stop() -> (samples: [Sample], overhead: Overhead) {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while !finished && thread != nil { condition.wait() }
        let wall = Double(Clocks.monotonicNanoseconds() - startNanoseconds) / 1e9
        let result = (samples, Overhead(samplerCPUSeconds: samplerCPU, wallSeconds: wall,
                                        fractionOfOneCore: wall > 0 ? samplerCPU / wall : 0))
        condition.unlock()
        return result
    }

    struct Raw {
        var nanoseconds: UInt64
        var cpuTimes: [Int: ProcFS.CPUTimes]
        var threads: [Int32: ProcFS.ThreadStat]
        var threadCount: Int
    }

    /// Open /proc/self/task/<tid>/stat descriptors, kept between samples (sampler thread only).
    private var statDescriptors: [Int32: Int32] = [:]
    private var buffer = [UInt8](repeating: 0, count: 2048)

    private func readRaw() -> Raw {
        var threads: [Int32: ProcFS.ThreadStat] = [:]
        let live = ProcFS.taskIDs()
        for tid in live {
            if statDescriptors[tid] == nil {
                let descriptor = open("/proc/self/task/\(tid)/stat", O_RDONLY | O_CLOEXEC)
                if descriptor >= 0 { statDescriptors[tid] = descriptor }
            }
            if let descriptor = statDescriptors[tid], let bytes = ProcFS.reread(descriptor: descriptor, into: &buffer),
               let stat = ProcFS.parseThreadStat(bytes: bytes) {
                threads[tid] = stat
            }
        }
        // Threads that ended: close their descriptors.
        let liveSet = Set(live)
        for (tid, descriptor) in statDescriptors where !liveSet.contains(tid) {
            close(descriptor)
            statDescriptors[tid] = nil
        }
        var times: [Int: ProcFS.CPUTimes] = [:]
        for entry in ProcFS.cpuTimes() where cpus?.contains(entry.cpu) ?? true { times[entry.cpu] = entry }
        return Raw(nanoseconds: Clocks.monotonicNanoseconds(), cpuTimes: times, threads: threads,
                   threadCount: ProcFS.threadCount() ?? threads.count)
    }

    static func coreLoads(previous: Raw?, current: Raw) -> [CoreLoad] {
        guard let previous else { return [] }
        // This process's CPU per core: each thread's delta, placed where it last ran.
        var ownTicks: [Int: UInt64] = [:]
        for (tid, stat) in current.threads {
            let before = previous.threads[tid].map { $0.userTicks + $0.systemTicks } ?? 0
            let now = stat.userTicks + stat.systemTicks
            if now > before { ownTicks[stat.processor, default: 0] += now - before }
        }
        return current.cpuTimes.keys.sorted().compactMap { cpu in
            guard let now = current.cpuTimes[cpu], let before = previous.cpuTimes[cpu] else { return nil }
            let total = Double(now.total &- before.total)
            guard total > 0 else { return CoreLoad(cpu: cpu, total: 0, own: 0, steal: 0) }
            let busy = Double(now.busy &- before.busy) / total
            let steal = Double(now.steal &- before.steal) / total
            // Per-thread ticks and /proc/stat jiffies share a unit (USER_HZ).
            let own = min(busy, Double(ownTicks[cpu] ?? 0) / total)
            return CoreLoad(cpu: cpu, total: busy, own: own, steal: steal)
        }
    }

    private func loop() {
        let cpuAtStart = Clocks.threadCPUSeconds()
        let interval = 1 / rateHz
        var previous: Raw?
        var count = 0
        while true {
            let raw = readRaw()
            let sample = Sample(seconds: Double(raw.nanoseconds - startNanoseconds) / 1e9, threadCount: raw.threadCount,
                                threadIDs: raw.threads.keys.sorted(), cores: Self.coreLoads(previous: previous, current: raw))
            previous = raw
            count += 1
            condition.lock()
            samples.append(sample)
            samplerCPU = Clocks.threadCPUSeconds() - cpuAtStart
            condition.unlock()
            onSample?(count)
            // Wait for the next tick, measured from the start so the rate does not drift.
            let next = startNanoseconds + UInt64(Double(count) * interval * 1e9)
            condition.lock()
            while !stopRequested {
                let now = Clocks.monotonicNanoseconds()
                if now >= next { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(next - now) / 1e9))
            }
            let stopping = stopRequested
            condition.unlock()
            if stopping { break }
        }
        for descriptor in statDescriptors.values { close(descriptor) }
        statDescriptors.removeAll()
        condition.lock()
        samplerCPU = Clocks.threadCPUSeconds() - cpuAtStart
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
