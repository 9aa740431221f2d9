import Foundation
import CSystemShims

/// A CPU quota from cgroups, in CPUs' worth.
public struct CPUQuota: Codable, Sendable, Equatable {
    /// "cgroup2 cpu.max" or "cgroup1 cfs".
    public var source: String
    public var quotaMicroseconds: Int
    public var periodMicroseconds: Int
    public var cpus: Double { periodMicroseconds > 0 ? Double(quotaMicroseconds) / Double(periodMicroseconds) : 0 }
}

/// What the machine offers this process, probed once in one place and used by both the evidence
/// records and the gates.
public struct SystemSnapshot: Codable, Sendable, Equatable {
    public var osName: String
    public var osVersion: String
    public var kernelRelease: String
    public var cpuModel: String
    public var logicalCPUsOnline: Int
    public var affinityCPUs: [Int]
    public var cpuQuota: CPUQuota?
    /// Physical cores among the affinity CPUs (SMT siblings counted once), when the topology is known.
    public var physicalCores: Int?
    public var smtSiblingGroups: [[Int]]
    public var totalMemoryBytes: UInt64
    public var loadAverage: [Double]
    /// min(affinity CPUs, floor(quota), physical cores).
    public var availableParallelism: Int
    /// How `availableParallelism` was derived, in words.
    public var availableParallelismDerivation: String
}

/// Probes the system. Linux specifics sit behind one function per probe so another platform's
/// backend can replace each.
public enum SystemProbe {
    public static func snapshot() -> SystemSnapshot {
        let os: (name: String?, version: String?) = ProcFS.read("/etc/os-release").map(ProcFS.parseOSRelease) ?? (nil, nil)
        let affinity = affinityCPUs()
        let quota = cpuQuota()
        let topology = smtTopology(cpus: affinity)
        let (parallelism, derivation) = deriveParallelism(affinity: affinity.count, quota: quota, physicalCores: topology.map(\.count))
        return SystemSnapshot(
            osName: os.name ?? "unknown", osVersion: os.version ?? "unknown",
            kernelRelease: kernelRelease(),
            cpuModel: ProcFS.read("/proc/cpuinfo").flatMap(ProcFS.parseCPUModel) ?? "unknown",
            logicalCPUsOnline: logicalCPUsOnline(), affinityCPUs: affinity, cpuQuota: quota,
            physicalCores: topology?.count, smtSiblingGroups: topology ?? [],
            totalMemoryBytes: ProcFS.read("/proc/meminfo").flatMap(ProcFS.parseMemTotalBytes) ?? 0,
            loadAverage: ProcFS.read("/proc/loadavg").map(ProcFS.parseLoadAverage) ?? [],
            availableParallelism: parallelism, availableParallelismDerivation: derivation)
    }

    /// The one rule for P, with its derivation.
    public static func deriveParallelism(affinity: Int, quota: CPUQuota?, physicalCores: Int?) -> (Int, String) {
        var limits = [affinity]
        var parts = ["affinity \(affinity)"]
        if let quota {
            let cpus = Int(quota.cpus.rounded(.down))
            limits.append(max(1, cpus))
            parts.append("\(quota.source) quota \(String(format: "%.2f", quota.cpus)) CPUs → \(max(1, cpus))")
        } else {
            parts.append("no cgroup quota")
        }
        if let physicalCores {
            limits.append(physicalCores)
            parts.append("\(physicalCores) physical cores")
        } else {
            parts.append("SMT topology unknown: each logical CPU counted as a core")
        }
        let parallelism = max(1, limits.min() ?? 1)
        return (parallelism, parts.joined(separator: ", ") + " → \(parallelism)")
    }

    static func logicalCPUsOnline() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// CPUs in this process's affinity mask (sched_getaffinity).
    public static func affinityCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = attest_affinity_cpus(&cpus, Int32(cpus.count))
        guard count > 0 else { return Array(0..<logicalCPUsOnline()) }
        return cpus.prefix(Int(min(count, 1024))).map(Int.init)
    }

    static func kernelRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    // MARK: cgroups

    /// cgroup v2 `cpu.max`: "max 100000" (no limit) or "50000 100000".
    public static func parseCgroup2CPUMax(_ text: String) -> CPUQuota? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, fields[0] != "max", let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return CPUQuota(source: "cgroup2 cpu.max", quotaMicroseconds: quota, periodMicroseconds: period)
    }

    /// cgroup v1 `cpu.cfs_quota_us` (-1 = no limit) and `cpu.cfs_period_us`.
    public static func parseCgroup1CFS(quota: String, period: String) -> CPUQuota? {
        guard let quota = Int(quota.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0,
              let period = Int(period.trimmingCharacters(in: .whitespacesAndNewlines)), period > 0 else { return nil }
        return CPUQuota(source: "cgroup1 cfs", quotaMicroseconds: quota, periodMicroseconds: period)
    }

    /// The cgroup paths of this process from /proc/self/cgroup: "" key for the v2 hierarchy,
    /// controller names for v1.
    static func parseCgroupMembership(_ text: String) -> [String: String] {
        var paths: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].isEmpty {
                paths[""] = String(parts[2])
            } else {
                for controller in parts[1].split(separator: ",") { paths[String(controller)] = String(parts[2]) }
            }
        }
        return paths
    }

    /// The tightest CPU quota on this process's cgroup path (v2, then v1), or nil.
    public static func cpuQuota() -> CPUQuota? {
        let membership = ProcFS.read("/proc/self/cgroup").map(parseCgroupMembership) ?? [:]
        var quotas: [CPUQuota] = []
        if let path = membership[""] {
            // A limit may sit on any ancestor: walk up to the root.
            var current = path
            while true {
                if let text = ProcFS.read("/sys/fs/cgroup\(current == "/" ? "" : current)/cpu.max"), let quota = parseCgroup2CPUMax(text) {
                    quotas.append(quota)
                }
                if current == "/" || current.isEmpty { break }
                current = (current as NSString).deletingLastPathComponent
            }
        }
        if let path = membership["cpu"] {
            for root in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
                let folder = root + (path == "/" ? "" : path)
                if let quota = ProcFS.read(folder + "/cpu.cfs_quota_us"), let period = ProcFS.read(folder + "/cpu.cfs_period_us"),
                   let parsed = parseCgroup1CFS(quota: quota, period: period) {
                    quotas.append(parsed)
                    break
                }
            }
        }
        return quotas.min(by: { $0.cpus < $1.cpus })
    }

    // MARK: SMT topology

    /// Groups the given CPUs by physical core (thread_siblings_list). nil when the topology
    /// files are absent.
    static func smtTopology(cpus: [Int]) -> [[Int]]? {
        var groups: [[Int]] = []
        var seen = Set<Int>()
        for cpu in cpus {
            guard let text = ProcFS.read("/sys/devices/system/cpu/cpu\(cpu)/topology/thread_siblings_list") else { return nil }
            let siblings = ProcFS.parseCPUList(text).filter { cpus.contains($0) }
            let group = siblings.isEmpty ? [cpu] : siblings
            if seen.contains(cpu) { continue }
            group.forEach { seen.insert($0) }
            groups.append(group)
        }
        return groups
    }
}
