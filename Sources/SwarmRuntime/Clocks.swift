import Foundation

/// The clocks SwarmRuntime reads, each a direct clock_gettime call.
package enum Clocks {
    private static func read(_ clock: clockid_t) -> Double {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// CLOCK_MONOTONIC in nanoseconds: wall durations that no clock adjustment can bend.
    package static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        guard clock_gettime(CLOCK_MONOTONIC, &time) == 0 else { return 0 }
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), seconds.
    package static func threadCPUSeconds() -> Double { read(CLOCK_THREAD_CPUTIME_ID) }

    /// CPU time of the whole process, every thread (CLOCK_PROCESS_CPUTIME_ID), seconds.
    package static func processCPUSeconds() -> Double { read(CLOCK_PROCESS_CPUTIME_ID) }
}
