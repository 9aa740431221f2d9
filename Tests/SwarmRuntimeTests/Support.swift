import Foundation
import Testing
@testable import SwarmRuntime

/// Every SwarmRuntime test runs under this one serialised suite (its nested suites included):
/// the measuring tests compete for this machine's 2 cores, and a parser test running beside them
/// would add its CPU to the process totals they compare.
@Suite("SwarmRuntime", .serialized)
struct SwarmRuntimeSuite {}

enum Support {
    /// The OS thread count once it has settled on `expected`, polled for up to `seconds`: the
    /// kernel drops a joined thread from the count a moment after pthread_join returns. Returns
    /// the last count read, so a count that never settles fails the caller's expectation.
    static func threadCount(settlingOn expected: Int, within seconds: Double = 2) -> Int {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(seconds * 1e9)
        var count = ProcFS.threadCount() ?? -1
        while count != expected, Clocks.monotonicNanoseconds() < deadline {
            usleep(1_000)
            count = ProcFS.threadCount() ?? -1
        }
        return count
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
