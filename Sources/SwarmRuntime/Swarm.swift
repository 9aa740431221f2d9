import Foundation

/// A bot as the swarm's manager sees it.
public struct BotInfo: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var name: String
    /// Kernel thread id of the OS thread the bot runs on (shared by all bots in cooperative mode).
    public var threadID: Int32
    public var state: BotState
    public var heartbeats: Int
}

/// The swarm manager: spawns N bots on OS threads (or on one thread, cooperatively), hands them
/// tasks, waits for them, and stops and joins them all. Nothing outlives `stop()`.
///
/// @unchecked Sendable: all mutable state is guarded by `completion`.
public final class Swarm: @unchecked Sendable {
    public static let maximumBots = 10_000
    /// 512 KiB: ample for the kernel and Foundation calls, small enough for 10,000 bots.
    public static let defaultStackSize = 512 * 1024

    public let mode: SwarmMode
    public let botCount: Int
    private let botThreads: [BotThread]
    private let completion = NSCondition()
    private var reports: [Int: TaskReport] = [:]
    private var nextTicket = 0
    private var started = 0
    private var stopped = false

    /// Spawns the bots and returns once every OS thread is running and idle.
    /// - Parameters:
    ///   - pinnedCPU: pins every bot thread to this CPU (a negative control).
    ///   - heartbeatInterval: seconds between an idle bot's heartbeats.
    public init(botCount: Int, mode: SwarmMode = .threaded, stackSize: Int = Swarm.defaultStackSize,
                heartbeatInterval: Double = 1, pinnedCPU: Int? = nil) throws {
        guard (1...Self.maximumBots).contains(botCount) else { throw SwarmError.invalidBotCount(botCount) }
        self.mode = mode
        self.botCount = botCount
        let botThreadCount = mode == .threaded ? botCount : 1
        var made: [BotThread] = []
        made.reserveCapacity(botThreadCount)
        // The callbacks need `self`, which exists only after every stored property is set: route
        // them through a box filled in right after.
        let box = CallbackBox()
        for index in 0..<botThreadCount {
            made.append(BotThread(index: index, interleaved: mode == .cooperative, heartbeatInterval: heartbeatInterval,
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
                for earlier in botThreads[..<index] { earlier.requestStop() }
                for earlier in botThreads[..<index] { Self.joinThread(of: earlier) }
                stopped = true
                throw SwarmError.threadCreationFailed(errno: result, created: index)
            }
        }
        completion.lock()
        while started < botThreads.count { completion.wait() }
        completion.unlock()
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
        completion.broadcast()
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

    /// Hands `task` to bot `bot`; returns a ticket to wait on.
    public func submit(_ task: BotTask, to bot: Int) -> Int {
        submit([(bot: bot, task: task)])[0]
    }

    /// Hands several tasks over at once: each bot thread receives its share in one step, so a
    /// cooperative thread sees them all together, as an event loop would.
    public func submit(_ assignments: [(bot: Int, task: BotTask)]) -> [Int] {
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

    /// Hands the same task to every bot.
    public func submitToAll(_ task: BotTask) -> [Int] {
        (0..<botCount).map { submit(task, to: $0) }
    }

    /// Blocks until every ticket's task has finished; reports in ticket order.
    public func wait(for tickets: [Int]) -> [TaskReport] {
        completion.lock()
        defer { completion.unlock() }
        while !tickets.allSatisfy({ reports[$0] != nil }) { completion.wait() }
        return tickets.compactMap { reports.removeValue(forKey: $0) }
    }

    /// Runs (bot, task) assignments and waits for all of them. Tasks for the same bot run in
    /// order; tasks for different bots run at once (threaded mode) or interleaved on one thread
    /// (cooperative mode).
    public func run(_ assignments: [(bot: Int, task: BotTask)]) -> [TaskReport] {
        wait(for: submit(assignments))
    }

    /// The bots, with their kernel thread ids and lifecycle state.
    public var bots: [BotInfo] {
        (0..<botCount).map { index in
            let snapshot = botThread(for: index).snapshot()
            let state: BotState
            if mode == .cooperative, snapshot.state == .running {
                state = snapshot.runningBots.contains(index) ? .running : .idle
            } else {
                state = snapshot.state
            }
            return BotInfo(index: index, id: String(format: "bot-%05d", index), name: "bot \(index + 1)",
                           threadID: snapshot.threadID, state: state, heartbeats: snapshot.heartbeats)
        }
    }

    /// Kernel thread ids of the bots' OS threads, one per bot (repeated in cooperative mode).
    public var botThreadIDs: [Int32] {
        (0..<botCount).map { botThread(for: $0).threadID }
    }

    /// Asks every bot to stop after its queued tasks, and joins every OS thread. Idempotent.
    public func stop() {
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
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if stackSize > 0 { _ = pthread_attr_setstacksize(&attributes, stackSize) }
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
        pthread_join(bot.thread, nil)
        bot.thread = 0
        bot.markJoined()
    }
}
