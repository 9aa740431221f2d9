import Foundation
import CSystemShims

/// One OS thread (pthreads) that runs bot tasks from its inbox. In threaded mode every bot owns
/// one; in cooperative mode all bots share one and their tasks are interleaved in slices.
///
/// @unchecked Sendable: the inbox and state are guarded by `condition`; the thread handle is set
/// once before the thread starts and read only by `join()`.
final class BotThread: @unchecked Sendable {
    struct Job {
        var ticket: Int
        var botIndex: Int
        var task: BotTask
    }

    /// A task being run, possibly across several slices (cooperative mode).
    final class Active {
        let job: Job
        var state: WorkKernel.State
        var remaining: Int
        var wakeAtNanoseconds: UInt64 = 0
        var started = false
        var startNanoseconds: UInt64 = 0
        var cpuSeconds: Double = 0
        var voluntary = 0
        var involuntary = 0
        var cpus = Set<Int>()
        var procStatStart: Double?
        var schedWaitStart: UInt64?
        /// Retired user-space instructions over the task's slices; nil once one could not be counted.
        var instructions: UInt64? = 0

        init(job: Job) {
            self.job = job
            switch job.task {
            case .work(let seed, let iterations):
                state = WorkKernel.State(seed: seed)
                remaining = max(0, iterations)
            case .sleep:
                state = WorkKernel.State(seed: 0)
                remaining = 0
            }
        }
    }

    let index: Int
    /// The OS thread's name (≤ 15 bytes), visible in /proc/self/task/<tid>/comm and `ps -L`.
    let name: String
    let interleaved: Bool
    let heartbeatInterval: Double
    let pinnedCPU: Int?
    private let condition = NSCondition()
    private var inbox: [Job] = []
    private var stopRequested = false
    private(set) var threadID: Int32 = 0
    /// This thread's instruction counter, opened and read by the thread itself only.
    private var counter: InstructionCounter?
    private(set) var state: BotState = .spawned
    private(set) var heartbeats = 0
    private(set) var lastHeartbeatNanoseconds: UInt64 = 0
    private(set) var runningBots = Set<Int>()
    /// The pthread_setaffinity_np error when pinning was asked for and failed; set before the
    /// thread reports itself started.
    private(set) var pinningError: Int32?
    /// Set by the swarm when it creates the thread; cleared when it joins it.
    var thread: pthread_t = 0
    private let onComplete: @Sendable (Int, TaskReport) -> Void
    private let onStarted: @Sendable () -> Void

    /// Chunks per slice when interleaving: about a millisecond of work, so bots take turns often
    /// (as coroutines would) without the accounting costing more than the work.
    static let chunksPerSlice = 8

    init(index: Int, name: String, interleaved: Bool, heartbeatInterval: Double, pinnedCPU: Int?,
         onStarted: @escaping @Sendable () -> Void, onComplete: @escaping @Sendable (Int, TaskReport) -> Void) {
        self.index = index
        self.name = name
        self.interleaved = interleaved
        self.heartbeatInterval = heartbeatInterval
        self.pinnedCPU = pinnedCPU
        self.onStarted = onStarted
        self.onComplete = onComplete
    }

    func submit(_ jobs: [Job]) {
        condition.lock()
        inbox.append(contentsOf: jobs)
        condition.signal()
        condition.unlock()
    }

    func requestStop() {
        condition.lock()
        stopRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Marks the bot joined once the swarm has joined its thread.
    func markJoined() {
        condition.lock()
        state = .joined
        condition.unlock()
    }

    struct Snapshot {
        var state: BotState
        var heartbeats: Int
        var lastHeartbeatNanoseconds: UInt64
        var runningBots: Set<Int>
        var threadID: Int32
        var pinningError: Int32?
    }

    func snapshot() -> Snapshot {
        condition.lock()
        defer { condition.unlock() }
        return Snapshot(state: state, heartbeats: heartbeats, lastHeartbeatNanoseconds: lastHeartbeatNanoseconds,
                        runningBots: runningBots, threadID: threadID, pinningError: pinningError)
    }

    // MARK: The thread

    /// The thread's body: runs tasks until asked to stop with an empty inbox.
    func main() {
        // A name is a courtesy to whoever reads `ps -L`; failing to set one changes nothing else.
        _ = attest_set_current_thread_name(name)
        var pinResult: Int32 = 0
        if let pinnedCPU { pinResult = attest_pin_current_thread(Int32(pinnedCPU)) }
        condition.lock()
        if pinResult != 0 { pinningError = pinResult }
        threadID = attest_gettid()
        counter = InstructionCounter.thisThread()
        state = .idle
        lastHeartbeatNanoseconds = Clocks.monotonicNanoseconds()
        condition.unlock()
        onStarted()

        var active: [Active] = []
        while true {
            condition.lock()
            // Take new jobs: all of them when interleaving, one at a time otherwise.
            if interleaved {
                active.append(contentsOf: inbox.map(Active.init(job:)))
                inbox.removeAll()
            } else if active.isEmpty, !inbox.isEmpty {
                active.append(Active(job: inbox.removeFirst()))
            }
            if active.isEmpty {
                if stopRequested {
                    state = .stopped
                    condition.unlock()
                    return
                }
                state = .idle
                // Idle: block, waking only for a heartbeat. No spinning.
                let deadline = Date(timeIntervalSinceNow: heartbeatInterval)
                if !condition.wait(until: deadline) {
                    heartbeats += 1
                    lastHeartbeatNanoseconds = Clocks.monotonicNanoseconds()
                }
                condition.unlock()
                continue
            }
            state = .running
            runningBots = Set(active.map(\.job.botIndex))
            condition.unlock()

            // Run one slice of each active task (all of a task when not interleaving).
            var finished: [Int] = []
            var anyRan = false
            let now = Clocks.monotonicNanoseconds()
            for (position, task) in active.enumerated() {
                if case .sleep = task.job.task, task.started, now < task.wakeAtNanoseconds { continue }
                anyRan = true
                if runSlice(task) { finished.append(position) }
            }
            for position in finished.reversed() {
                let task = active.remove(at: position)
                onComplete(task.job.ticket, report(for: task))
            }
            if !anyRan, let wake = active.map(\.wakeAtNanoseconds).min() {
                // Only sleepers left: block until the first wakes or a new task arrives, as an
                // event loop would.
                condition.lock()
                let now = Clocks.monotonicNanoseconds()
                if wake > now, inbox.isEmpty {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(wake - now) / 1e9))
                }
                condition.unlock()
            }
        }
    }

    private struct Usage {
        var cpu: Double
        var voluntary: Int64
        var involuntary: Int64
    }

    private func usage() -> Usage {
        var user: Int64 = 0, system: Int64 = 0, voluntary: Int64 = 0, involuntary: Int64 = 0
        _ = attest_thread_rusage(&user, &system, &voluntary, &involuntary)
        return Usage(cpu: Clocks.threadCPUSeconds(), voluntary: voluntary, involuntary: involuntary)
    }

    /// Runs a slice of `task`; returns true when the task is done.
    private func runSlice(_ task: Active) -> Bool {
        let instructionsBefore = counter?.read()
        let before = usage()
        if !task.started {
            task.started = true
            task.startNanoseconds = Clocks.monotonicNanoseconds()
            if !interleaved {
                // The thread is this task's alone: /proc's per-thread counters cross-check it.
                task.procStatStart = ProcFS.threadStat(tid: threadID)?.cpuSeconds
                task.schedWaitStart = ProcFS.schedStat(tid: threadID)?.waitNanoseconds
            }
        }
        task.cpus.insert(Int(attest_sched_getcpu()))
        var done = false
        switch task.job.task {
        case .work:
            var chunks = interleaved ? Self.chunksPerSlice : Int.max
            while task.remaining > 0, chunks > 0 {
                let step = min(task.remaining, WorkKernel.chunkIterations)
                task.state.advance(step)
                task.remaining -= step
                chunks -= 1
                task.cpus.insert(Int(attest_sched_getcpu()))
            }
            done = task.remaining == 0
        case .sleep(let seconds):
            let nanoseconds = UInt64(max(0, seconds) * 1e9)
            if interleaved {
                if task.wakeAtNanoseconds == 0 {
                    task.wakeAtNanoseconds = task.startNanoseconds + nanoseconds
                }
                done = Clocks.monotonicNanoseconds() >= task.wakeAtNanoseconds
            } else {
                var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
                var remaining = timespec()
                while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
                done = true
            }
        }
        let after = usage()
        if let counted = task.instructions, let start = instructionsBefore, let end = counter?.read(), end >= start {
            task.instructions = counted + (end - start)
        } else {
            task.instructions = nil
        }
        task.cpuSeconds += after.cpu - before.cpu
        task.voluntary += Int(after.voluntary - before.voluntary)
        task.involuntary += Int(after.involuntary - before.involuntary)
        return done
    }

    private func report(for task: Active) -> TaskReport {
        let end = Clocks.monotonicNanoseconds()
        var procStat: Double?
        var wait: Double?
        if let start = task.procStatStart, let stat = ProcFS.threadStat(tid: threadID) {
            procStat = stat.cpuSeconds - start
            task.cpus.insert(stat.processor)
        }
        if let start = task.schedWaitStart, let sched = ProcFS.schedStat(tid: threadID) {
            wait = Double(sched.waitNanoseconds &- start) / 1e9
        }
        let seed: UInt64
        let iterations: Int
        let digest: String
        switch task.job.task {
        case .work(let taskSeed, let taskIterations):
            seed = taskSeed
            iterations = taskIterations
            digest = task.state.digest
        case .sleep:
            seed = 0
            iterations = 0
            digest = ""
        }
        task.cpus.remove(-1)
        return TaskReport(
            botIndex: task.job.botIndex, threadID: threadID, seed: seed, iterations: iterations, digest: digest,
            cpuSeconds: task.cpuSeconds, procStatCPUSeconds: procStat, runQueueWaitSeconds: wait,
            cpusSeen: task.cpus.sorted(), voluntarySwitches: task.voluntary, involuntarySwitches: task.involuntary,
            startNanoseconds: task.startNanoseconds, endNanoseconds: end, instructions: task.instructions)
    }
}
