import Foundation
import CSystemShims

/// A bot as the swarm's manager sees it.
package struct BotInfo: Sendable, Equatable {
    /// 0-based position in the swarm; the `bot` argument of the submission APIs.
    package var index: Int
    /// Stable id, "bot-00000" … "bot-09999".
    package var id: String
    /// Human name, "bot 1" … "bot 10000".
    package var name: String
    /// Kernel thread id of the OS thread the bot runs on (shared by all bots in cooperative mode).
    package var threadID: Int32
    /// Where the bot is in its life.
    package var state: BotState
    /// Heartbeats recorded while idle: timed condition-variable waits that ran out (in
    /// cooperative mode, those of the one shared thread).
    package var heartbeats: Int
    /// CLOCK_MONOTONIC nanoseconds of the last heartbeat (of the thread's start before any).
    package var lastHeartbeatNanoseconds: UInt64
}

/// The swarm manager: spawns N bots on OS threads (or on one thread, cooperatively), hands them
/// tasks, waits for them, and stops and joins them all. Nothing outlives `stop()`.
///
/// @unchecked Sendable: all mutable state is guarded by `completion`.
package final class Swarm: @unchecked Sendable {
    /// The most bots one swarm may hold.
    package static let maximumBots = 10_000
    /// 512 KiB: ample for the kernel and Foundation calls, small enough for 10,000 bots.
    package static let defaultStackSize = 512 * 1024
    /// The smallest stack size pthreads accepts here (PTHREAD_STACK_MIN).
    package static var minimumStackSize: Int { Int(attest_thread_stack_minimum()) }

    /// How the bots map onto OS threads.
    package let mode: SwarmMode
    /// How many bots the swarm holds.
    package let botCount: Int
    /// The stack size each bot thread was created with, in bytes (0: the system default).
    package let stackSize: Int
    /// The CPU every bot thread is pinned to, if any.
    package let pinnedCPU: Int?
    private let botThreads: [BotThread]
    private let completion = NSCondition()
    private var reports: [Int: TaskReport] = [:]
    private var nextTicket = 0
    private var started = 0
    private var stopped = false

    /// Spawns the bots and returns once every OS thread is running and idle.
    /// - Parameters:
    ///   - botCount: 1 to ``maximumBots``.
    ///   - mode: one OS thread per bot, or every bot on one OS thread.
    ///   - stackSize: bytes of stack per bot thread (pthread_attr_setstacksize); 0 keeps the system
    ///     default. At least ``minimumStackSize``.
    ///   - heartbeatInterval: seconds between an idle bot's heartbeats (at least 1 ms).
    ///   - pinnedCPU: pins every bot thread to this CPU (a negative control: the OS can then run
    ///     only one of them at a time).
    /// - Throws: ``SwarmError``; no thread outlives a failed init.
    package init(botCount: Int, mode: SwarmMode = .threaded, stackSize: Int = Swarm.defaultStackSize,
                heartbeatInterval: Double = 1, pinnedCPU: Int? = nil) throws {
        guard (1...Self.maximumBots).contains(botCount) else { throw SwarmError.invalidBotCount(botCount) }
        guard stackSize == 0 || stackSize >= Self.minimumStackSize else {
            throw SwarmError.invalidStackSize(requested: stackSize, minimum: Self.minimumStackSize)
        }
        self.mode = mode
        self.botCount = botCount
        self.stackSize = stackSize
        self.pinnedCPU = pinnedCPU
        let heartbeatInterval = max(0.001, heartbeatInterval)
        let botThreadCount = mode == .threaded ? botCount : 1
        var made: [BotThread] = []
        made.reserveCapacity(botThreadCount)
        // The callbacks need `self`, which exists only after every stored property is set: route
        // them through a box filled in right after.
        let box = CallbackBox()
        for index in 0..<botThreadCount {
            let name = mode == .threaded ? String(format: "bot-%05d", index) : "swarm-coop"
            made.append(BotThread(index: index, name: name, interleaved: mode == .cooperative, heartbeatInterval: heartbeatInterval,
                                 pinnedCPU: pinnedCPU,
                                 onStarted: { box.swarm?.botThreadStarted() },
                                 onComplete: { ticket, report in box.swarm?.taskCompleted(ticket, report) }))
        }
        botThreads = made
        box.swarm = self
        for (index, botThread) in botThreads.enumerated() {
            let result = Self.spawnThread(for: botThread, stackSize: stackSize)
            if result != 0 {
                // Join what was made, then report: no thread outlives a failed spawn.
                stop()
                if result == EINVAL, stackSize > 0 {
                    throw SwarmError.invalidStackSize(requested: stackSize, minimum: Self.minimumStackSize)
                }
                throw SwarmError.threadCreationFailed(errno: result, created: index)
            }
        }
        completion.lock()
        while started < botThreads.count { completion.wait() }
        completion.unlock()
        if let pinnedCPU, let code = botThreads.lazy.compactMap({ $0.snapshot().pinningError }).first {
            stop()
            throw SwarmError.pinningFailed(cpu: pinnedCPU, errno: code)
        }
    }

    deinit {
        stop()
    }

    private final class CallbackBox: @unchecked Sendable {
        // @unchecked Sendable: written once before any thread starts, read-only afterwards.
        weak var swarm: Swarm?
    }

    private func botThreadStarted() {
        completion.lock()
        started += 1
        // Only the last start matters to init's wait: one wake-up, not one per bot.
        if started == botThreads.count { completion.broadcast() }
        completion.unlock()
    }

    private func taskCompleted(_ ticket: Int, _ report: TaskReport) {
        completion.lock()
        reports[ticket] = report
        completion.broadcast()
        completion.unlock()
    }

    private func botThread(for bot: Int) -> BotThread {
        mode == .threaded ? botThreads[bot] : botThreads[0]
    }

    /// Hands `task` to bot `bot` (0..<botCount); returns a ticket for ``wait(for:)``.
    package func submit(_ task: BotTask, to bot: Int) -> Int {
        submit([(bot: bot, task: task)])[0]
    }

    /// Hands several tasks over at once: each bot thread receives its share in one step, so a
    /// cooperative thread sees them all together, as an event loop would.
    package func submit(_ assignments: [(bot: Int, task: BotTask)]) -> [Int] {
        completion.lock()
        let first = nextTicket
        nextTicket += assignments.count
        completion.unlock()
        var byThread: [ObjectIdentifier: (BotThread, [BotThread.Job])] = [:]
        var order: [ObjectIdentifier] = []
        for (offset, assignment) in assignments.enumerated() {
            precondition((0..<botCount).contains(assignment.bot), "bot index \(assignment.bot) out of range 0..<\(botCount)")
            let thread = botThread(for: assignment.bot)
            let key = ObjectIdentifier(thread)
            if byThread[key] == nil {
                byThread[key] = (thread, [])
                order.append(key)
            }
            byThread[key]?.1.append(BotThread.Job(ticket: first + offset, botIndex: assignment.bot, task: assignment.task))
        }
        for key in order {
            if let (thread, jobs) = byThread[key] { thread.submit(jobs) }
        }
        return Array(first..<(first + assignments.count))
    }

    /// Hands the same task to every bot; returns one ticket per bot, in bot order.
    package func submitToAll(_ task: BotTask) -> [Int] {
        submit((0..<botCount).map { (bot: $0, task: task) })
    }

    /// Blocks until every ticket's task has finished; reports in ticket order.
    package func wait(for tickets: [Int]) -> [TaskReport] {
        completion.lock()
        defer { completion.unlock() }
        // Tickets before `pending` are known finished: each wake-up looks only further on, so
        // waiting for 10,000 tasks costs O(tasks), not O(tasks²).
        var pending = 0
        while true {
            while pending < tickets.count, reports[tickets[pending]] != nil { pending += 1 }
            if pending == tickets.count { break }
            completion.wait()
        }
        return tickets.compactMap { reports.removeValue(forKey: $0) }
    }

    /// Runs (bot, task) assignments and waits for all of them. Tasks for the same bot run in
    /// order; tasks for different bots run at once (threaded mode) or interleaved on one thread
    /// (cooperative mode).
    package func run(_ assignments: [(bot: Int, task: BotTask)]) -> [TaskReport] {
        wait(for: submit(assignments))
    }

    /// Runs `tasks` at once, task i on bot i % botCount (so on W bots when botCount = W = the task
    /// count), and waits for all; reports in task order.
    package func runConcurrently(_ tasks: [BotTask]) -> [TaskReport] {
        run(tasks.enumerated().map { (bot: $0.offset % botCount, task: $0.element) })
    }

    /// Runs `tasks` one after another on one bot and waits for all; reports in task order.
    package func runSequentially(_ tasks: [BotTask], onBot bot: Int = 0) -> [TaskReport] {
        run(tasks.map { (bot: bot, task: $0) })
    }

    /// The bots, with their kernel thread ids and lifecycle state.
    package var bots: [BotInfo] {
        (0..<botCount).map { index in
            let snapshot = botThread(for: index).snapshot()
            let state: BotState
            if mode == .cooperative, snapshot.state == .running {
                state = snapshot.runningBots.contains(index) ? .running : .idle
            } else {
                state = snapshot.state
            }
            return BotInfo(index: index, id: String(format: "bot-%05d", index), name: "bot \(index + 1)",
                           threadID: snapshot.threadID, state: state, heartbeats: snapshot.heartbeats,
                           lastHeartbeatNanoseconds: snapshot.lastHeartbeatNanoseconds)
        }
    }

    /// Kernel thread ids of the bots' OS threads, one per bot (repeated in cooperative mode).
    package var botThreadIDs: [Int32] {
        (0..<botCount).map { botThread(for: $0).snapshot().threadID }
    }

    /// Asks every bot to stop after its queued tasks, and joins every OS thread. Idempotent.
    package func stop() {
        completion.lock()
        let alreadyStopped = stopped
        stopped = true
        completion.unlock()
        guard !alreadyStopped else { return }
        for botThread in botThreads { botThread.requestStop() }
        for botThread in botThreads { Self.joinThread(of: botThread) }
    }

    // MARK: OS threads

    /// Creates the bot's OS thread with pthreads (never Dispatch, which caps threads at the core
    /// count). Returns 0 or the pthread_create error.
    private static func spawnThread(for bot: BotThread, stackSize: Int) -> Int32 {
        var attributes = pthread_attr_t()
        let initialised = pthread_attr_init(&attributes)
        guard initialised == 0 else { return initialised }
        defer { pthread_attr_destroy(&attributes) }
        if stackSize > 0 {
            let stackResult = pthread_attr_setstacksize(&attributes, stackSize)
            guard stackResult == 0 else { return stackResult }
        }
        let context = Unmanaged.passRetained(bot).toOpaque()
        var thread: pthread_t = 0
        let result = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let bot = Unmanaged<BotThread>.fromOpaque(raw).takeRetainedValue()
            bot.main()
            return nil
        }, context)
        if result == 0 {
            bot.thread = thread
        } else {
            Unmanaged<BotThread>.fromOpaque(context).release()
        }
        return result
    }

    /// Waits for the bot's OS thread to end (pthread_join), so no thread outlives the swarm.
    private static func joinThread(of bot: BotThread) {
        guard bot.thread != 0 else { return }
        // Fails only for a thread that is not joinable, which a bot thread always is.
        _ = pthread_join(bot.thread, nil)
        bot.thread = 0
        bot.markJoined()
    }
}
