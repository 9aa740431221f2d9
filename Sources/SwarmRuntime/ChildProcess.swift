import Foundation
import CSystemShims

/// Why a child process could not be started or waited for.
package enum ChildProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// posix_spawn failed (errno).
    case spawnFailed(path: String, errno: Int32)
    /// wait4 failed (errno).
    case waitFailed(pid: Int32, errno: Int32)

    package var description: String {
        switch self {
        case .spawnFailed(let path, let code): "could not start \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .waitFailed(let pid, let code): "could not wait for process \(pid): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

/// Starts a program without a shell and waits for it, with the OS's accounting of what it used.
/// The C calls (posix_spawn, wait4) sit in CSystemShims.
package enum ChildProcess {
    /// How a child ended and what it and its waited-for descendants used (wait4's rusage).
    package struct Termination: Sendable, Equatable {
        /// True when it exited (then `code` holds its status); false when a signal ended it.
        package var exited: Bool
        package var code: Int32
        package var signal: Int32
        package var userCPUSeconds: Double
        package var systemCPUSeconds: Double
        package var voluntarySwitches: Int
        package var involuntarySwitches: Int
        package var maxResidentKiB: Int
    }

    /// Starts `executable` with `arguments` (argv, argv[0] included) and exactly `environment`, in
    /// `directory`, stdin from /dev/null, stdout and stderr onto the given descriptors. With
    /// `pinnedCPU` the child's affinity is that one CPU. Returns the child's pid.
    package static func spawn(executable: String, arguments: [String], environment: [String: String], directory: String?,
                             stdoutDescriptor: Int32, stderrDescriptor: Int32, pinnedCPU: Int? = nil) throws(ChildProcessError) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: Int32 = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                attest_spawn(executable, argvBuffer.baseAddress, envpBuffer.baseAddress, directory,
                             stdoutDescriptor, stderrDescriptor, Int32(pinnedCPU ?? -1), &pid)
            }
        }
        guard result == 0 else { throw .spawnFailed(path: executable, errno: result) }
        return pid
    }

    /// Waits for child `pid` to end (wait4, EINTR retried).
    package static func wait(pid: Int32) throws(ChildProcessError) -> Termination {
        var exited: Int32 = 0
        var code: Int32 = 0
        var signal: Int32 = 0
        var user: Int64 = 0
        var system: Int64 = 0
        var voluntary: Int64 = 0
        var involuntary: Int64 = 0
        var rss: Int64 = 0
        let result = attest_wait_child(pid, &exited, &code, &signal, &user, &system, &voluntary, &involuntary, &rss)
        guard result == 0 else { throw .waitFailed(pid: pid, errno: result) }
        return Termination(exited: exited == 1, code: code, signal: signal,
                           userCPUSeconds: Double(user) / 1e6, systemCPUSeconds: Double(system) / 1e6,
                           voluntarySwitches: Int(voluntary), involuntarySwitches: Int(involuntary), maxResidentKiB: Int(rss))
    }
}

/// Samples a process and all its live descendants from /proc on a thread of its own: OS threads
/// and processes in the tree, each thread's CPU (utime+stime), run-queue wait and the CPUs it was
/// seen on, and per-core load with the tree's share apart from other tenants' (as ``Sampler`` does
/// for this process).
///
/// @unchecked Sendable: every mutable field is guarded by `condition`.
package final class ProcessTreeSampler: @unchecked Sendable {
    /// One thread of the tree, as last seen.
    package struct ThreadRecord: Codable, Sendable, Equatable {
        package var pid: Int32
        package var tid: Int32
        /// utime+stime when last sampled (10 ms resolution; the time after the last sample is not in it).
        package var cpuSeconds: Double
        /// schedstat run-queue wait when last sampled.
        package var runQueueWaitSeconds: Double?
        /// Every CPU the thread was seen on (stat field 39).
        package var cpusSeen: [Int]
    }

    /// The tree at one instant.
    package struct Sample: Codable, Sendable, Equatable {
        /// Seconds since sampling started.
        package var seconds: Double
        /// OS threads in the tree (every process's /proc/<pid>/task entries).
        package var threads: Int
        /// Processes in the tree.
        package var processes: Int
        /// Per-core load since the previous sample (`own` = the tree's threads); empty for the first.
        package var cores: [Sampler.CoreLoad]
    }

    /// What a session saw.
    package struct Report: Sendable, Equatable {
        package var samples: [Sample]
        package var threads: [ThreadRecord]
        /// CPU the sampler thread itself used.
        package var samplerCPUSeconds: Double
    }

    private let root: Int32
    private let interval: Double
    private let cpus: Set<Int>
    private let condition = NSCondition()
    private var stopRequested = false
    private var finished = false
    private var samples: [Sample] = []
    private var records: [Int32: ThreadRecord] = [:]
    private var samplerCPU: Double = 0

    /// - Parameters: root: the process to follow; rateHz: samples a second (clamped to 1–50);
    ///   cpus: the CPUs whose load is reported (the affinity mask).
    package init(root: Int32, rateHz: Double = 20, cpus: [Int]) {
        self.root = root
        self.interval = 1 / min(50, max(1, rateHz))
        self.cpus = Set(cpus)
    }

    /// Starts sampling at once on a new thread.
    package func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "attest-tree-sampler"
        thread.start()
    }

    /// Asks for one last sample, waits for the sampler to finish, and returns what it saw.
    package func stop() -> Report {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while !finished { condition.wait() }
        defer { condition.unlock() }
        return Report(samples: samples, threads: records.values.sorted { ($0.pid, $0.tid) < ($1.pid, $1.tid) },
                      samplerCPUSeconds: samplerCPU)
    }

    private func readRaw() -> (Sampler.Raw, processes: Int, waits: [Int32: (pid: Int32, wait: UInt64?)]) {
        var threads: [Int32: ProcFS.ThreadStat] = [:]
        var waits: [Int32: (pid: Int32, wait: UInt64?)] = [:]
        let tree = ProcFS.processTree(root: root)
        for pid in tree {
            for tid in ProcFS.threadIDs(pid: pid) {
                guard let stat = ProcFS.threadStat(pid: pid, tid: tid) else { continue }
                threads[tid] = stat
                waits[tid] = (pid, ProcFS.schedStat(pid: pid, tid: tid)?.waitNanoseconds)
            }
        }
        var times: [Int: ProcFS.CPUTimes] = [:]
        for entry in ProcFS.cpuTimes() where cpus.contains(entry.cpu) { times[entry.cpu] = entry }
        let raw = Sampler.Raw(nanoseconds: Clocks.monotonicNanoseconds(), cpuTimes: times, threads: threads, threadCount: threads.count)
        return (raw, tree.count, waits)
    }

    private func loop() {
        let cpuAtStart = Clocks.threadCPUSeconds()
        let start = Clocks.monotonicNanoseconds()
        var previous: Sampler.Raw?
        var count = 0
        while true {
            let (raw, processes, waits) = readRaw()
            // A tree whose root has been reaped reads as empty: it adds nothing to the record.
            let sample = Sample(seconds: Double(raw.nanoseconds &- start) / 1e9, threads: raw.threadCount, processes: processes,
                                cores: Sampler.coreLoads(previous: previous, current: raw))
            previous = raw
            count += 1
            condition.lock()
            if processes > 0 && raw.threadCount > 0 { samples.append(sample) }
            for (tid, stat) in raw.threads {
                var record = records[tid] ?? ThreadRecord(pid: waits[tid]?.pid ?? 0, tid: tid, cpuSeconds: 0, runQueueWaitSeconds: nil, cpusSeen: [])
                record.cpuSeconds = stat.cpuSeconds
                if let wait = waits[tid]?.wait { record.runQueueWaitSeconds = Double(wait) / 1e9 }
                if !record.cpusSeen.contains(stat.processor) { record.cpusSeen = (record.cpusSeen + [stat.processor]).sorted() }
                records[tid] = record
            }
            samplerCPU = Clocks.threadCPUSeconds() - cpuAtStart
            let stopping = stopRequested
            if stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let next = start + UInt64(Double(count) * interval * 1e9)
            while !stopRequested {
                let now = Clocks.monotonicNanoseconds()
                if now >= next { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(next - now) / 1e9))
            }
            condition.unlock()
        }
    }
}
