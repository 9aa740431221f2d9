import Foundation
import CSystemShims

/// The Linux backend of ``PlatformProbes``: /proc, /sys, uname and sched_getaffinity. All /proc
/// parsing is ProcFS's; this file only decides which file answers which probe.
struct LinuxProbes: PlatformProbes {
    func operatingSystem() -> (name: String, version: String) {
        let os: (name: String?, version: String?) = ProcFS.read("/etc/os-release").map(ProcFS.parseOSRelease) ?? (nil, nil)
        return (os.name ?? "unknown", os.version ?? "unknown")
    }

    func kernelRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    func cpuModel() -> String {
        ProcFS.read("/proc/cpuinfo").flatMap(ProcFS.parseCPUModel) ?? "unknown"
    }

    func logicalCPUsOnline() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// sched_getaffinity through the C shim; all online CPUs if the call fails.
    func affinityCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = attest_affinity_cpus(&cpus, Int32(cpus.count))
        guard count > 0 else { return Array(0..<logicalCPUsOnline()) }
        return cpus.prefix(Int(min(count, 1024))).map(Int.init)
    }

    func cpuQuota() -> QuotaSearch {
        let membership = ProcFS.read("/proc/self/cgroup").map(ProcFS.parseCgroupMembership) ?? [:]
        let mounts = ProcFS.read("/proc/self/mountinfo").map(ProcFS.parseMountInfo) ?? []
        return SystemProbe.findCPUQuota(membership: membership, mounts: mounts, read: ProcFS.read)
    }

    /// Physical cores among `cpus`: sysfs thread_siblings_list, else sysfs core_id with
    /// physical_package_id, else /proc/cpuinfo's core ids; nil when none says.
    func coreTopology(cpus: [Int]) -> CoreTopology? {
        let topology = "/sys/devices/system/cpu/cpu"
        if let groups = Self.groupBySiblings(cpus: cpus, siblings: { cpu in
            ProcFS.read("\(topology)\(cpu)/topology/thread_siblings_list").map(ProcFS.parseCPUList)
        }) {
            return CoreTopology(groups: groups, source: "thread_siblings_list")
        }
        if let groups = Self.groupByCoreID(cpus: cpus, coreKey: { cpu in
            guard let core = ProcFS.read("\(topology)\(cpu)/topology/core_id") else { return nil }
            let package = ProcFS.read("\(topology)\(cpu)/topology/physical_package_id") ?? "0"
            return package.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + core.trimmingCharacters(in: .whitespacesAndNewlines)
        }) {
            return CoreTopology(groups: groups, source: "core_id")
        }
        if let all = ProcFS.read("/proc/cpuinfo").flatMap(ProcFS.parseCPUInfoCores) {
            let wanted = Set(cpus)
            let groups = all.map { $0.filter(wanted.contains) }.filter { !$0.isEmpty }
            if Set(groups.flatMap { $0 }) == wanted { return CoreTopology(groups: groups, source: "/proc/cpuinfo core id") }
        }
        return nil
    }

    /// Groups CPUs by their sibling lists; nil when any CPU's list is missing.
    static func groupBySiblings(cpus: [Int], siblings: (Int) -> [Int]?) -> [[Int]]? {
        var groups: [[Int]] = []
        var seen = Set<Int>()
        let wanted = Set(cpus)
        for cpu in cpus {
            guard let list = siblings(cpu) else { return nil }
            if seen.contains(cpu) { continue }
            let group = list.filter(wanted.contains)
            let members = group.isEmpty ? [cpu] : group
            members.forEach { seen.insert($0) }
            groups.append(members)
        }
        return groups
    }

    /// Groups CPUs by a (package, core) key; nil when any CPU's key is missing.
    static func groupByCoreID(cpus: [Int], coreKey: (Int) -> String?) -> [[Int]]? {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for cpu in cpus {
            guard let key = coreKey(cpu) else { return nil }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(cpu)
        }
        return order.compactMap { groups[$0] }
    }

    func totalMemoryBytes() -> UInt64 {
        ProcFS.read("/proc/meminfo").flatMap(ProcFS.parseMemTotalBytes) ?? 0
    }

    func loadAverage() -> [Double] {
        ProcFS.read("/proc/loadavg").map(ProcFS.parseLoadAverage) ?? []
    }
}
