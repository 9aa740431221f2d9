import Foundation
import CSystemShims

/// Samples the process from the kernel's own accounting on an OS thread of its own: OS thread
/// count, live thread ids, per-core load from /proc/stat deltas (steal apart), and per-thread CPU
/// deltas placed on the CPU each thread last ran on — so the load on each core that came from
/// *this process* is known apart from other tenants' load ("foreign").
///
/// Usage: `let sampler = Sampler(rateHz: 20); sampler.start(); …; let (samples, overhead) = sampler.stop()`.
///
/// @unchecked Sendable: samples and flags are guarded by `condition`; the pthread handle is
/// written by `start()` and read by `stop()`, both on the owner's side, never by the sampler thread.
package final class Sampler: @unchecked Sendable {
    /// One core's load over the interval that ended at a sample.
    package struct CoreLoad: Codable, Sendable, Equatable {
        /// The CPU number, as in /proc/stat's `cpuN`.
        package var cpu: Int
        /// Fraction of the interval the core was busy (user+nice+system+irq+softirq; all processes).
        package var total: Double
        /// Fraction of the interval the core ran this process's threads (their utime+stime deltas
        /// placed on the CPU each last ran on; bounded by `total`).
        package var own: Double
        /// Fraction stolen by the hypervisor.
        package var steal: Double

        /// Busy time that was not this process's: other tenants.
        package var foreign: Double { max(0, total - own) }
    }

    /// One thread's CPU over the interval that ended at a sample.
    package struct ThreadLoad: Codable, Sendable, Equatable {
        /// Kernel thread id.
        package var threadID: Int32
        /// utime+stime delta since the previous sample, seconds (10 ms resolution; a thread new
        /// since then counts all its time).
        package var cpuSeconds: Double
        /// The CPU it last ran on (/proc/self/task/<tid>/stat field 39, `processor`).
        package var processor: Int
    }

    /// What the process looked like at one instant.
    package struct Sample: Codable, Sendable, Equatable {
        /// Seconds since the sampler started (monotonic).
        package var seconds: Double
        /// CLOCK_MONOTONIC nanoseconds when the sample was taken.
        package var monotonicNanoseconds: UInt64
        /// The process's OS thread count (the kernel's `num_threads`, as /proc/self/status `Threads:`).
        package var threadCount: Int
        /// Live kernel thread ids, from /proc/self/task.
        package var threadIDs: [Int32]
        /// Per-core load since the previous sample; empty for the first sample.
        package var cores: [CoreLoad]
        /// Per-thread CPU since the previous sample with last CPU; empty for the first sample.
        package var threads: [ThreadLoad]
    }

    /// What a sampling session cost.
    package struct Overhead: Codable, Sendable, Equatable {
        /// CLOCK_THREAD_CPUTIME_ID of the sampler thread over the session.
        package var samplerCPUSeconds: Double
        /// Wall time from `start()` to `stop()`.
        package var wallSeconds: Double
        /// Sampler CPU ÷ wall: the fraction of one core the sampler used.
        package var fractionOfOneCore: Double
    }

    /// The slowest and fastest rates accepted; others are clamped into this range.
    package static let rateRange: ClosedRange<Double> = 0.1...20

    /// Samples per second, clamped into ``rateRange``.
    package let rateHz: Double
    private let cpus: Set<Int>?
    private let condition = NSCondition()
    private var samples: [Sample] = []
    private var stopRequested = false
    private var samplerCPU: Double = 0
    private var startNanoseconds: UInt64 = 0
    private var thread: pthread_t = 0
    private let onSample: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - rateHz: samples per second, 0.1 to 20 (1 by default).
    ///   - cpus: the CPUs to report (e.g. the affinity mask); nil reports every CPU.
    ///   - onSample: called on the sampler thread with the number of samples taken so far.
    package init(rateHz: Double = 1, cpus: [Int]? = nil, onSample: (@Sendable (Int) -> Void)? = nil) {
        self.rateHz = min(Self.rateRange.upperBound, max(Self.rateRange.lowerBound, rateHz))
        self.cpus = cpus.map(Set.init)
        self.onSample = onSample
    }

    deinit {
        _ = stop()
    }

    /// Why the last ``start()`` took no samples: the sampler thread could not be created.
    package var startFailure: SwarmError? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }
    private var failure: SwarmError?

    /// Like ``startSampling()``, but records a failure in ``startFailure`` instead of throwing
    /// (``stop()`` then returns no samples).
    package func start() {
        do {
            try startSampling()
        } catch {
            condition.lock()
            failure = error
            condition.unlock()
        }
    }

    /// Takes a first sample at once, then one every 1/rate seconds until ``stop()``, on a pthread
    /// of its own. Calling it again while sampling does nothing.
    /// - Throws: ``SwarmError/threadCreationFailed(errno:created:)`` when no thread can be made.
    package func startSampling() throws(SwarmError) {
        condition.lock()
        defer { condition.unlock() }
        guard thread == 0 else { return }
        failure = nil
        stopRequested = false
        samples = []
        startNanoseconds = Clocks.monotonicNanoseconds()
        let context = Unmanaged.passRetained(self).toOpaque()
        var created: pthread_t = 0
        let result = pthread_create(&created, nil, { raw in
            guard let raw else { return nil }
            let sampler = Unmanaged<Sampler>.fromOpaque(raw).takeRetainedValue()
            sampler.loop()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Sampler>.fromOpaque(context).release()
            throw SwarmError.threadCreationFailed(errno: result, created: 0)
        }
        thread = created
    }

    /// Stops sampling: the sampler takes one last sample (so the record covers the whole session),
    /// its thread is joined (so it is gone from the process when this returns), and the samples
    /// and what they cost are returned.
    package func stop() -> (samples: [Sample], overhead: Overhead) {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        let running = thread
        thread = 0
        condition.unlock()
        // Fails only for a thread that is not joinable, which the sampler thread always is.
        if running != 0 { _ = pthread_join(running, nil) }
        condition.lock()
        defer { condition.unlock() }
        let wall = startNanoseconds == 0 ? 0 : Double(Clocks.monotonicNanoseconds() - startNanoseconds) / 1e9
        return (samples, Overhead(samplerCPUSeconds: samplerCPU, wallSeconds: wall,
                                  fractionOfOneCore: wall > 0 ? samplerCPU / wall : 0))
    }

    /// The CPUs each thread was seen on by the sampler (the `processor` field of every sample).
    package static func cpusSeenByThread(in samples: [Sample]) -> [Int32: [Int]] {
        var seen: [Int32: Set<Int>] = [:]
        for sample in samples {
            for thread in sample.threads { seen[thread.threadID, default: []].insert(thread.processor) }
        }
        return seen.mapValues { $0.sorted() }
    }

    // MARK: The sampler thread

    struct Raw {
        var nanoseconds: UInt64
        var cpuTimes: [Int: ProcFS.CPUTimes]
        var threads: [Int32: ProcFS.ThreadStat]
        var threadCount: Int
    }

    private func readRaw(_ reader: ProcFS.SampleReader) -> Raw {
        let threads = reader.threads()
        var times: [Int: ProcFS.CPUTimes] = [:]
        for entry in reader.cpuTimes() where cpus?.contains(entry.cpu) ?? true { times[entry.cpu] = entry }
        return Raw(nanoseconds: Clocks.monotonicNanoseconds(), cpuTimes: times, threads: threads,
                   threadCount: reader.threadCount() ?? threads.count)
    }

    static func threadLoads(previous: Raw?, current: Raw) -> [ThreadLoad] {
        guard let previous else { return [] }
        return current.threads.keys.sorted().compactMap { tid in
            guard let stat = current.threads[tid] else { return nil }
            let before = previous.threads[tid].map { $0.userTicks + $0.systemTicks } ?? 0
            let now = stat.userTicks + stat.systemTicks
            let ticks = now > before ? now - before : 0
            return ThreadLoad(threadID: tid, cpuSeconds: Double(ticks) / ProcFS.ticksPerSecond, processor: stat.processor)
        }
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
        // Named so that `ps -L`, top -H and the samples themselves tell it from the bots.
        _ = attest_set_current_thread_name("attest-sampler")
        let cpuAtStart = Clocks.threadCPUSeconds()
        let interval = 1 / rateHz
        let reader = ProcFS.SampleReader()
        var previous: Raw?
        var count = 0
        var stopping = false
        while true {
            let raw = readRaw(reader)
            let sample = Sample(seconds: Double(raw.nanoseconds &- startNanoseconds) / 1e9, monotonicNanoseconds: raw.nanoseconds,
                                threadCount: raw.threadCount, threadIDs: raw.threads.keys.sorted(),
                                cores: Self.coreLoads(previous: previous, current: raw),
                                threads: Self.threadLoads(previous: previous, current: raw))
            previous = raw
            count += 1
            condition.lock()
            samples.append(sample)
            samplerCPU = Clocks.threadCPUSeconds() - cpuAtStart
            condition.unlock()
            onSample?(count)
            // The sample taken after stop() was asked for closes the record.
            if stopping { break }
            // Wait for the next tick, measured from the start so the rate does not drift. A timed
            // condition wait: stop() wakes it at once.
            let next = startNanoseconds + UInt64(Double(count) * interval * 1e9)
            condition.lock()
            while !stopRequested {
                let now = Clocks.monotonicNanoseconds()
                if now >= next { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(next - now) / 1e9))
            }
            stopping = stopRequested
            condition.unlock()
        }
        reader.close()
        condition.lock()
        samplerCPU = Clocks.threadCPUSeconds() - cpuAtStart
        condition.unlock()
    }
}
