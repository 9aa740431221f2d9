/// What a bot can be asked to do.
public enum BotTask: Sendable, Equatable {
    /// The work kernel: deterministic, work-bounded CPU work.
    case work(seed: UInt64, iterations: Int)
    /// Sleep only: a negative control that must never pass a parallelism proof.
    case sleep(seconds: Double)
}

/// One finished task as the operating system saw it.
public struct TaskReport: Codable, Sendable, Equatable {
    public var botIndex: Int
    /// Kernel thread id of the OS thread that ran the task.
    public var threadID: Int32
    public var seed: UInt64
    public var iterations: Int
    /// The kernel's output digest; empty for a sleep task.
    public var digest: String
    /// CLOCK_THREAD_CPUTIME_ID time spent on this task.
    public var cpuSeconds: Double
    /// utime+stime delta from /proc/self/task/<tid>/stat (threaded mode; nil when the thread is
    /// shared with other tasks, as in cooperative mode).
    public var procStatCPUSeconds: Double?
    /// Run-queue wait delta from /proc/self/task/<tid>/schedstat (threaded mode only).
    public var runQueueWaitSeconds: Double?
    /// CPUs the thread was seen on (sched_getcpu between kernel chunks, plus /proc's processor).
    public var cpusSeen: [Int]
    public var voluntarySwitches: Int
    public var involuntarySwitches: Int
    /// Monotonic nanoseconds at the task's first and last instruction.
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64

    public var wallSeconds: Double { Double(endNanoseconds &- startNanoseconds) / 1e9 }
}

/// Where a bot is in its life.
public enum BotState: String, Codable, Sendable {
    case spawned, idle, running, stopped, joined
}

/// How bots map onto OS threads.
public enum SwarmMode: String, Codable, Sendable, CaseIterable {
    /// One OS thread per bot.
    case threaded
    /// Every bot multiplexed on ONE OS thread, tasks interleaved in slices: the asyncio-like
    /// baseline, concurrent but never parallel.
    case cooperative
}

/// Why a swarm could not be made.
public enum SwarmError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidBotCount(Int)
    case threadCreationFailed(errno: Int32, created: Int)

    public var description: String {
        switch self {
        case .invalidBotCount(let count):
            "a swarm needs 1 to \(Swarm.maximumBots) bots, not \(count)"
        case .threadCreationFailed(let code, let created):
            "could not create an OS thread after \(created): \(String(cString: strerror(code))) (errno \(code)); check `ulimit -u`, memory, or use a smaller stack size"
        }
    }
}

import Foundation
