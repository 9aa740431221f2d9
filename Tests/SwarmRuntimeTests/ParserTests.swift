import Testing
@testable import SwarmRuntime

extension SwarmRuntimeSuite {
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
            #expect(ProcFS.parseThreadStat("4242 (short) R 1 2 3") == nil)
        }

        @Test("schedstat, status, /proc/stat, meminfo, loadavg")
        func procFiles() throws {
            #expect(ProcFS.parseSchedStat("1500 250 7\n") == ProcFS.SchedStat(runNanoseconds: 1500, waitNanoseconds: 250, timeslices: 7))
            #expect(ProcFS.parseSchedStat("1500\n") == nil)
            #expect(ProcFS.parseThreadCount(status: "Name:\tx\nThreads:\t27\nVmRSS:\t1 kB\n") == 27)
            #expect(ProcFS.parseThreadCount(status: "Name:\tx\n") == nil)
            #expect(ProcFS.parseStatusKilobytes(status: "VmHWM:\t  20480 kB\nVmRSS:\t 10240 kB\n", field: "VmHWM") == 20480 * 1024)
            #expect(ProcFS.parseStatusKilobytes(status: "VmRSS:\t 10240 kB\n", field: "VmHWM") == nil)
            let stat = """
            cpu  10 0 10 100 0 0 0 0 0 0
            cpu0 1 2 3 40 5 6 7 8 0 0
            cpu1 10 0 10 100 0 0 0 3 0 0
            intr 1
            """
            let times = ProcFS.parseCPUTimes(stat: stat)
            #expect(times.count == 2)
            // busy = user+nice+system+irq+softirq, idle = idle+iowait, steal apart.
            #expect(times[0] == ProcFS.CPUTimes(cpu: 0, busy: 1 + 2 + 3 + 6 + 7, idle: 40 + 5, steal: 8))
            #expect(times[1].steal == 3)
            #expect(ProcFS.parseMemTotalBytes(meminfo: "MemTotal:        8129340 kB\nMemFree: 1 kB\n") == 8_129_340 * 1024)
            #expect(ProcFS.parseLoadAverage("0.52 0.58 0.59 2/345 12345\n") == [0.52, 0.58, 0.59])
        }

        @Test("cgroup v2 cpu.max, v1 cfs quota, and no limit")
        func cgroupFiles() {
            #expect(SystemProbe.parseCgroup2CPUMax("max 100000\n") == nil)
            #expect(SystemProbe.parseCgroup2CPUMax("50000 100000\n")?.cpus == 0.5)
            #expect(SystemProbe.parseCgroup2CPUMax("250000 100000")?.cpus == 2.5)
            #expect(SystemProbe.parseCgroup2CPUMax("") == nil)
            #expect(SystemProbe.parseCgroup1CFS(quota: "-1\n", period: "100000\n") == nil)
            #expect(SystemProbe.parseCgroup1CFS(quota: "150000", period: "100000")?.cpus == 1.5)
            let membership = ProcFS.parseCgroupMembership("12:cpu,cpuacct:/docker/abc\n0::/user.slice\n")
            #expect(membership[""] == "/user.slice")
            #expect(membership["cpu"] == "/docker/abc")
            #expect(membership["cpuacct"] == "/docker/abc")
        }

        static let hybridMountInfo = """
        24 1 0:22 / /sys rw,nosuid - sysfs sysfs rw
        30 24 0:26 / /sys/fs/cgroup ro,nosuid shared:4 - tmpfs tmpfs ro,mode=755
        31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw,nsdelegate
        35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
        36 30 0:32 / /sys/fs/cgroup/my\\040mem rw shared:10 - cgroup cgroup rw,memory
        """

        @Test("mountinfo: cgroup mounts, controllers and escaped paths")
        func mountInfo() {
            let mounts = ProcFS.parseMountInfo(Self.hybridMountInfo)
            #expect(mounts.count == 5)
            #expect(mounts[2] == ProcFS.Mount(root: "/", mountPoint: "/sys/fs/cgroup/unified", fileSystemType: "cgroup2", superOptions: ["rw", "nsdelegate"]))
            #expect(mounts[3].superOptions.contains("cpu"))
            #expect(mounts[4].mountPoint == "/sys/fs/cgroup/my mem")
        }

        @Test("quota search: v2 limit on an ancestor, v1 -1, files absent, tightest wins", arguments: [
            // (files present, expected CPUs or nil)
            (["/sys/fs/cgroup/unified/cpu.max": "max 100000"], Double?.none),
            (["/sys/fs/cgroup/unified/app/cpu.max": "150000 100000\n", "/sys/fs/cgroup/unified/app/job/cpu.max": "max 100000"], 1.5),
            (["/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "-1", "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000"], nil),
            (["/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us": "50000", "/sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us": "100000",
              "/sys/fs/cgroup/unified/app/cpu.max": "300000 100000"], 0.5),
            ([:], nil),
        ] as [([String: String], Double?)])
        func quotaSearch(files: [String: String], cpus: Double?) {
            let membership = ["": "/app/job", "cpu": "/docker/abc"]
            let search = SystemProbe.findCPUQuota(membership: membership, mounts: ProcFS.parseMountInfo(Self.hybridMountInfo),
                                                  read: { files[$0] })
            #expect(search.quota?.cpus == cpus, "\(search.notes)")
            #expect(search.notes.count == 2, "one note per cgroup mount: \(search.notes)")
        }

        @Test("quota search without mountinfo falls back to the conventional mount points")
        func quotaSearchFallback() {
            let files = ["/sys/fs/cgroup/cpu.max": "200000 100000"]
            let search = SystemProbe.findCPUQuota(membership: ["": "/"], mounts: [], read: { files[$0] })
            #expect(search.quota?.cpus == 2)
            #expect(search.quota?.path == "/sys/fs/cgroup")
            #expect(SystemProbe.relativeCgroupPath("/docker/abc/x", mountRoot: "/docker/abc") == "/x")
            #expect(SystemProbe.relativeCgroupPath("/elsewhere", mountRoot: "/docker/abc") == "/")
        }

        @Test("available parallelism is the tightest of affinity, quota and physical cores, with its derivation")
        func parallelism() {
            let (two, text) = SystemProbe.deriveParallelism(affinity: 2, quota: nil, physicalCores: 2, coresSource: "thread_siblings_list")
            #expect(two == 2)
            #expect(text == "affinity 2, no cgroup quota, 2 physical cores (thread_siblings_list) → 2")
            #expect(SystemProbe.deriveParallelism(affinity: 8, quota: nil, physicalCores: 4).0 == 4)
            let quota = CPUQuota(source: "cgroup2 cpu.max", quotaMicroseconds: 250_000, periodMicroseconds: 100_000)
            let (value, derivation) = SystemProbe.deriveParallelism(affinity: 8, quota: quota, physicalCores: 8)
            #expect(value == 2)
            #expect(derivation.contains("quota 2.50 CPUs → 2"))
            let (unknown, unknownText) = SystemProbe.deriveParallelism(affinity: 1, quota: nil, physicalCores: nil)
            #expect(unknown == 1)
            #expect(unknownText.contains("each logical CPU counted as a core"))
            // Half a CPU of quota still lets one thread run.
            #expect(SystemProbe.deriveParallelism(affinity: 4, quota: CPUQuota(source: "cgroup1 cfs", quotaMicroseconds: 50_000, periodMicroseconds: 100_000), physicalCores: 4).0 == 1)
        }

        @Test("physical cores from sibling lists, core ids and /proc/cpuinfo")
        func topology() {
            // 4 logical CPUs, 2 cores with 2 SMT siblings each; the process may use 0, 1 and 2.
            let siblings: [Int: [Int]] = [0: [0, 2], 1: [1, 3], 2: [0, 2], 3: [1, 3]]
            #expect(LinuxProbes.groupBySiblings(cpus: [0, 1, 2], siblings: { siblings[$0] }) == [[0, 2], [1]])
            #expect(LinuxProbes.groupBySiblings(cpus: [0, 1], siblings: { _ in nil }) == nil)
            #expect(LinuxProbes.groupByCoreID(cpus: [0, 1, 2, 3], coreKey: { "0/\($0 % 2)" }) == [[0, 2], [1, 3]])
            let cpuinfo = """
            processor\t: 0
            physical id\t: 0
            core id\t\t: 0

            processor\t: 1
            physical id\t: 0
            core id\t\t: 0

            processor\t: 2
            physical id\t: 1
            core id\t\t: 0
            """
            #expect(ProcFS.parseCPUInfoCores(cpuinfo) == [[0, 1], [2]])
            #expect(ProcFS.parseCPUInfoCores("processor\t: 0\nmodel name\t: ARM\n") == nil)
        }

        @Test("CPU lists, os-release and CPU model")
        func lists() {
            #expect(ProcFS.parseCPUList("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11])
            #expect(ProcFS.parseCPUList("") == [])
            let os = ProcFS.parseOSRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n")
            #expect(os.name == "Debian GNU/Linux 12 (bookworm)")
            #expect(os.version == "12")
            #expect(ProcFS.parseCPUModel(cpuinfo: "processor\t: 0\nmodel name\t: AMD EPYC\n") == "AMD EPYC")
        }

        @Test("sampler loads: own load placed on the thread's last CPU, bounded by the core's busy time; per-thread deltas")
        func sampleLoads() {
            let previous = Sampler.Raw(nanoseconds: 0,
                                       cpuTimes: [0: .init(cpu: 0, busy: 0, idle: 0, steal: 0), 1: .init(cpu: 1, busy: 0, idle: 0, steal: 0)],
                                       threads: [10: .init(userTicks: 0, systemTicks: 0, processor: 0)], threadCount: 1)
            let current = Sampler.Raw(nanoseconds: 1_000_000_000,
                                      cpuTimes: [0: .init(cpu: 0, busy: 90, idle: 10, steal: 0), 1: .init(cpu: 1, busy: 50, idle: 40, steal: 10)],
                                      threads: [10: .init(userTicks: 80, systemTicks: 5, processor: 0),
                                                11: .init(userTicks: 2, systemTicks: 0, processor: 1)], threadCount: 2)
            let loads = Sampler.coreLoads(previous: previous, current: current)
            #expect(loads.count == 2)
            #expect(abs(loads[0].own - 0.85) < 1e-9)
            #expect(abs(loads[0].total - 0.9) < 1e-9)
            #expect(abs(loads[0].foreign - 0.05) < 1e-9)
            #expect(abs(loads[1].own - 0.02) < 1e-9)
            #expect(abs(loads[1].steal - 0.1) < 1e-9)
            let threads = Sampler.threadLoads(previous: previous, current: current)
            #expect(threads.map(\.threadID) == [10, 11])
            #expect(abs(threads[0].cpuSeconds - 85 / ProcFS.ticksPerSecond) < 1e-9)
            #expect(threads[1].processor == 1)
            #expect(Sampler.coreLoads(previous: nil, current: current).isEmpty)
        }
    }
}
