import CSystemShims
import Foundation
import Testing
@testable import SwarmRuntime

extension SwarmRuntimeSuite {
    /// The counting path is tested with the kernel's software task clock, which every Linux
    /// kernel offers, so it runs on VMs without a PMU (this one); the hardware instruction count
    /// takes the same path with another event.
    @Suite("Hardware counters")
    struct HardwareCounterTests {
        static var hardware: Bool { attest_perf_instructions_available() == 0 }

        @Test("a counter on this thread counts the work done between two reads")
        func thisThread() throws {
            let counter = try #require(InstructionCounter.thisThread(.taskClock))
            let before = try #require(counter.read())
            _ = WorkKernel.run(seed: 1, iterations: 200_000)
            let after = try #require(counter.read())
            #expect(after > before)
        }

        @Test("a counter on a child process counts it and the processes it starts, readable after it is reaped")
        func childProcess() throws {
            let devNull = open("/dev/null", O_WRONLY)
            defer { close(devNull) }
            let pid = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; /bin/sh -c 'j=0; while [ $j -lt 20000 ]; do j=$((j+1)); done'"],
                environment: ["PATH": "/usr/bin:/bin"], directory: "/", stdoutDescriptor: devNull, stderrDescriptor: devNull)
            let counter = InstructionCounter.process(pid, .taskClock)
            let ended = try ChildProcess.wait(pid: pid)
            #expect(ended.exited && ended.code == 0)
            let counted = try #require(counter?.read())
            // Task-clock nanoseconds: at least a millisecond of the tree's own work.
            #expect(counted > 1_000_000)
        }

        @Test("each task reports its instructions exactly when the kernel offers the hardware counter")
        func taskReports() throws {
            let swarm = try Swarm(botCount: 2)
            defer { swarm.stop() }
            let reports = swarm.runConcurrently([.work(seed: 1, iterations: 100_000), .work(seed: 2, iterations: 100_000)])
            for report in reports {
                if Self.hardware {
                    #expect((report.instructions ?? 0) > 0)
                } else {
                    #expect(report.instructions == nil)
                }
            }
            #expect(HardwareCounters.availability().hasPrefix(Self.hardware ? "instructions counted" : "not supported: "))
        }
    }
}
