import Foundation
import Testing
@testable import SwarmRuntime

extension SwarmRuntimeSuite {
    /// Another process and its descendants, started without a shell and watched through /proc.
    @Suite("Child processes and their tree")
    struct ChildProcessTests {
        @Test("a stat line's parent pid is field 4, counted from the last ')'")
        func parentPID() {
            let line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1"
            #expect(ProcFS.parseParentPID(stat: Array(line.utf8)) == 17)
            #expect(ProcFS.parseParentPID(stat: Array("no parenthesis".utf8)) == nil)
            #expect(ProcFS.parseChildren("12 13 \n") == [12, 13])
            #expect(ProcFS.parseChildren("") == [])
        }

        @Test("a spawned shell's children are in its tree and sampled; wait4 reports its status and CPU")
        func tree() throws {
            let devNull = open("/dev/null", O_WRONLY)
            defer { close(devNull) }
            let pid = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["/bin/sh", "-c", "sleep 0.6 & sleep 0.6 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; wait; exit 7"],
                environment: ["PATH": "/usr/bin:/bin"], directory: "/", stdoutDescriptor: devNull, stderrDescriptor: devNull)
            let sampler = ProcessTreeSampler(root: pid, rateHz: 20, cpus: SystemProbe.affinityCPUs())
            sampler.start()
            usleep(200_000)
            let live = ProcFS.processTree(root: pid)
            let ended = try ChildProcess.wait(pid: pid)
            let report = sampler.stop()
            #expect(live.first == pid && live.count >= 3, "\(live)")
            #expect(ended.exited && ended.code == 7)
            #expect(ended.userCPUSeconds + ended.systemCPUSeconds > 0)
            #expect((report.samples.map(\.processes).max() ?? 0) >= 3)
            #expect(Set(report.threads.map(\.pid)).count >= 3)
        }

        @Test("a missing executable is a spawn error naming it")
        func missing() {
            #expect(throws: ChildProcessError.spawnFailed(path: "/no/such/program", errno: ENOENT)) {
                _ = try ChildProcess.spawn(executable: "/no/such/program", arguments: ["x"], environment: [:], directory: nil,
                                           stdoutDescriptor: 1, stderrDescriptor: 2)
            }
        }
    }
}
