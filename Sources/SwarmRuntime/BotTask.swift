import Foundation

/// What a bot can be asked to do.
package enum BotTask: Sendable, Equatable {
    /// The work kernel: deterministic, work-bounded CPU work (see ``WorkKernel``).
    case work(seed: UInt64, iterations: Int)
    /// Sleep only: a negative control that must never pass a parallelism proof. Its report has
    /// seed 0, iterations 0 and an empty digest.
    case sleep(seconds: Double)
}

/// One finished task as the operating system saw it. Every figure comes from the kernel's own
/// accounting of the thread that ran the task, never from the bot's say-so.
package struct TaskReport: Codable, Sendable, Equatable {
    /// The bot the task was given to (0-based).
    package var botIndex: Int
    /// Kernel thread id (gettid) of the OS thread that ran the task.
    package var threadID: Int32
    /// The work kernel's seed (0 for a sleep task).
    package var seed: UInt64
    /// The work kernel's iteration count (0 for a sleep task).
    package var iterations: Int
    /// The kernel's output digest, SHA-256 hex; empty for a sleep task.
    package var digest: String
    /// CLOCK_THREAD_CPUTIME_ID delta over the task (summed over its slices in cooperative mode).
    package var cpuSeconds: Double
    /// utime+stime delta from /proc/self/task/<tid>/stat, ticks → seconds, 10 ms resolution
    /// (threaded mode; nil when the thread is shared with other tasks, as in cooperative mode).
    package var procStatCPUSeconds: Double?
    /// Run-queue wait delta from /proc/self/task/<tid>/schedstat field 2 (threaded mode only):
    /// time the thread was runnable but no CPU ran it.
    package var runQueueWaitSeconds: Double?
    /// CPUs the thread was seen on: sched_getcpu between kernel chunks, plus /proc's `processor`
    /// field (stat field 39) at the task's end. Sorted.
    package var cpusSeen: [Int]
    /// Voluntary context switches during the task (getrusage RUSAGE_THREAD delta).
    package var voluntarySwitches: Int
    /// Involuntary context switches (preemptions) during the task (RUSAGE_THREAD delta).
    package var involuntarySwitches: Int
    /// CLOCK_MONOTONIC nanoseconds at the task's first instruction.
    package var startNanoseconds: UInt64
    /// CLOCK_MONOTONIC nanoseconds after the task's last instruction.
    package var endNanoseconds: UInt64
    /// Retired user-space instructions of the task (perf_event_open on its thread); nil where
    /// the kernel offers no hardware counter (then absent from the record).
    package var instructions: UInt64? = nil

    /// Wall time from start to end.
    package var wallSeconds: Double { Double(endNanoseconds &- startNanoseconds) / 1e9 }
}

/// Where a bot is in its life: spawned → idle ⇄ running → stopped → joined.
package enum BotState: String, Codable, Sendable {
    /// Its OS thread is being created.
    case spawned
    /// Blocked on its condition variable, waking only for a heartbeat or a task.
    case idle
    /// Running a task (in cooperative mode: one of the tasks the shared thread interleaves).
    case running
    /// Its thread has left its run loop.
    case stopped
    /// Its thread has been joined (pthread_join): nothing of it is left in the process.
    case joined
}

/// How bots map onto OS threads.
package enum SwarmMode: String, Codable, Sendable, CaseIterable {
    /// One OS thread per bot.
    case threaded
    /// Every bot multiplexed on ONE OS thread, tasks interleaved in slices: the asyncio-like
    /// baseline, concurrent but never parallel.
    case cooperative
}

/// Why a swarm could not be made. ``description`` says what failed; ``hint`` what to do next.
package enum SwarmError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bot count is outside 1...``Swarm/maximumBots``.
    case invalidBotCount(Int)
    /// The stack size is below the platform's minimum (PTHREAD_STACK_MIN) or was refused.
    case invalidStackSize(requested: Int, minimum: Int)
    /// pthread_create failed after `created` threads had been made (and have since been joined).
    case threadCreationFailed(errno: Int32, created: Int)
    /// A bot thread could not be pinned to `cpu` (pthread_setaffinity_np); the swarm was joined.
    case pinningFailed(cpu: Int, errno: Int32)

    /// What failed, in one sentence.
    package var description: String {
        switch self {
        case .invalidBotCount(let count):
            "a swarm needs 1 to \(Swarm.maximumBots) bots, not \(count)"
        case .invalidStackSize(let requested, let minimum):
            "a bot stack of \(requested) bytes is refused (minimum \(minimum) bytes)"
        case .threadCreationFailed(let code, let created):
            "could not create an OS thread after \(created): \(String(cString: strerror(code))) (errno \(code))"
        case .pinningFailed(let cpu, let code):
            "could not pin a bot thread to CPU \(cpu): \(String(cString: strerror(code))) (errno \(code))"
        }
    }

    /// What to try next.
    package var hint: String {
        switch self {
        case .invalidBotCount:
            "ask for between 1 and \(Swarm.maximumBots) bots"
        case .invalidStackSize(_, let minimum):
            "use a stack size of at least \(minimum) bytes, or 0 for the system default"
        case .threadCreationFailed:
            "check the per-user process limit (`ulimit -u`), the pids cgroup limit and free memory, or use fewer bots or a smaller stack size"
        case .pinningFailed:
            "pin to a CPU in this process's affinity mask (see `taskset -p $$` or SystemSnapshot.affinityCPUs)"
        }
    }
}
