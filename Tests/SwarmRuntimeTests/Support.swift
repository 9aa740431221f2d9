import Foundation
import Testing
@testable import SwarmRuntime

/// Every SwarmRuntime test runs under this one serialised suite (its nested suites included):
/// the measuring tests compete for this machine's 2 cores, and a parser test running beside them
/// would add its CPU to the process totals they compare.
@Suite("SwarmRuntime", .serialized, .tags(.timing))
struct SwarmRuntimeSuite {}

enum Support {
    /// The threads that exist now and did not at `before`, once they have settled on `expected`,
    /// polled for up to `seconds`: the kernel drops a joined thread a moment after pthread_join
    /// returns. Threads are compared by id, not counted, because a thread an earlier test left in
    /// this process (a Dispatch worker, a child-process monitor) may exit meanwhile. Returns the
    /// last set read, so threads that never settle fail the caller's expectation.
    static func newThreads(since before: Set<Int32>, settlingOn expected: Set<Int32>, within seconds: Double = 2) -> Set<Int32> {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(seconds * 1e9)
        var new = Set(ProcFS.taskIDs()).subtracting(before)
        while new != expected, Clocks.monotonicNanoseconds() < deadline {
            usleep(1_000)
            new = Set(ProcFS.taskIDs()).subtracting(before)
        }
        return new
    }

    /// Thread CPU seconds of running the kernel once.
    static func kernelCPUSeconds(seed: UInt64, iterations: Int) -> Double {
        let start = Clocks.threadCPUSeconds()
        _ = WorkKernel.run(seed: seed, iterations: iterations)
        return Clocks.threadCPUSeconds() - start
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
