import Testing
@testable import SwarmRuntime

/// /proc and cgroup parsers on fixtures: no dependence on the machine running the tests.
@Suite("ProcFS and cgroup parsers")
struct ParserTests {
    @Test("thread stat: fields counted from the last parenthesis")
    func threadStat() throws {
        let line = "4242 (my (odd) name) R 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 3 0 100 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let stat = try #require(ProcFS.parseThreadStat(line))
        #expect(stat.userTicks == 123)
        #expect(stat.systemTicks == 45)
        #expect(stat.processor == 1)
    }

    @Test("schedstat, status and /proc/stat")
    func procFiles() throws {
        #expect(ProcFS.parseSchedStat("1500 250 7\n") == ProcFS.SchedStat(runNanoseconds: 1500, waitNanoseconds: 250, timeslices: 7))
        #expect(ProcFS.parseThreadCount(status: "Name:\tx\nThreads:\t27\nVmRSS:\t1 kB\n") == 27)
        let stat = """
        cpu  10 0 10 100 0 0 0 0 0 0
        cpu0 1 2 3 40 5 6 7 8 0 0
        cpu1 10 0 10 100 0 0 0 3 0 0
        intr 1
        """
        let times = ProcFS.parseCPUTimes(stat: stat)
        #expect(times.count == 2)
        #expect(times[0] == ProcFS.CPUTimes(cpu: 0, busy: 1 + 2 + 3 + 6 + 7, idle: 45, steal: 8))
        #expect(times[1].steal == 3)
    }

    @Test("cgroup v2 cpu.max, v1 cfs quota, and no limit")
    func cgroups() {
        #expect(SystemProbe.parseCgroup2CPUMax("max 100000\n") == nil)
        #expect(SystemProbe.parseCgroup2CPUMax("50000 100000\n")?.cpus == 0.5)
        #expect(SystemProbe.parseCgroup2CPUMax("250000 100000")?.cpus == 2.5)
        #expect(SystemProbe.parseCgroup1CFS(quota: "-1\n", period: "100000\n") == nil)
        #expect(SystemProbe.parseCgroup1CFS(quota: "150000", period: "100000")?.cpus == 1.5)
        let membership = SystemProbe.parseCgroupMembership("12:cpu,cpuacct:/docker/abc\n0::/user.slice\n")
        #expect(membership[""] == "/user.slice")
        #expect(membership["cpu"] == "/docker/abc")
    }

    @Test("available parallelism is the tightest of affinity, quota and physical cores")
    func parallelism() {
        #expect(SystemProbe.deriveParallelism(affinity: 8, quota: nil, physicalCores: 4).0 == 4)
        let quota = CPUQuota(source: "cgroup2 cpu.max", quotaMicroseconds: 250_000, periodMicroseconds: 100_000)
        let (value, derivation) = SystemProbe.deriveParallelism(affinity: 8, quota: quota, physicalCores: 8)
        #expect(value == 2)
        #expect(derivation.contains("quota"))
        #expect(SystemProbe.deriveParallelism(affinity: 1, quota: nil, physicalCores: nil).0 == 1)
        #expect(SystemProbe.deriveParallelism(affinity: 4, quota: CPUQuota(source: "cgroup1 cfs", quotaMicroseconds: 50_000, periodMicroseconds: 100_000), physicalCores: 4).0 == 1)
    }

    @Test("CPU lists and os-release")
    func lists() {
        #expect(ProcFS.parseCPUList("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11])
        let os = ProcFS.parseOSRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n")
        #expect(os.name == "Debian GNU/Linux 12 (bookworm)")
        #expect(os.version == "12")
    }

    @Test("sampler core loads: own load is placed on the thread's last CPU and bounded by the core's busy time")
    func coreLoads() {
        let previous = Sampler.Raw(nanoseconds: 0,
                                   cpuTimes: [0: .init(cpu: 0, busy: 0, idle: 0, steal: 0), 1: .init(cpu: 1, busy: 0, idle: 0, steal: 0)],
                                   threads: [10: .init(userTicks: 0, systemTicks: 0, processor: 0)], threadCount: 1)
        let current = Sampler.Raw(nanoseconds: 1_000_000_000,
                                  cpuTimes: [0: .init(cpu: 0, busy: 90, idle: 10, steal: 0), 1: .init(cpu: 1, busy: 50, idle: 40, steal: 10)],
                                  threads: [10: .init(userTicks: 80, systemTicks: 5, processor: 0)], threadCount: 1)
        let loads = Sampler.coreLoads(previous: previous, current: current)
        #expect(loads.count == 2)
        #expect(abs(loads[0].own - 0.85) < 1e-9)
        #expect(abs(loads[0].total - 0.9) < 1e-9)
        #expect(loads[1].own == 0)
        #expect(abs(loads[1].steal - 0.1) < 1e-9)
    }
}
