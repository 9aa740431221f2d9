import Foundation

/// A CPU quota from cgroups, in CPUs' worth.
package struct CPUQuota: Codable, Sendable, Equatable {
    /// "cgroup2 cpu.max" or "cgroup1 cfs".
    package var source: String
    /// Microseconds of CPU time allowed per period (cpu.max's first field, cpu.cfs_quota_us).
    package var quotaMicroseconds: Int
    /// The period in microseconds (cpu.max's second field, cpu.cfs_period_us).
    package var periodMicroseconds: Int
    /// The folder whose files set the limit, when known.
    package var path: String?
    /// quota ÷ period: how many CPUs' worth of time the process may use.
    package var cpus: Double { periodMicroseconds > 0 ? Double(quotaMicroseconds) / Double(periodMicroseconds) : 0 }

    /// A quota of `quotaMicroseconds` per `periodMicroseconds`, read from `source` (at `path`).
    package init(source: String, quotaMicroseconds: Int, periodMicroseconds: Int, path: String? = nil) {
        self.source = source
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
        self.path = path
    }
}

/// What the machine offers this process, probed once in one place and used by both the evidence
/// records and the gates.
package struct SystemSnapshot: Codable, Sendable, Equatable {
    /// /etc/os-release PRETTY_NAME (or NAME), "unknown" when absent.
    package var osName: String
    /// /etc/os-release VERSION_ID (or VERSION), "unknown" when absent.
    package var osVersion: String
    /// uname's release, e.g. "6.1.0-18-amd64".
    package var kernelRelease: String
    /// The first `model name` of /proc/cpuinfo.
    package var cpuModel: String
    /// sysconf(_SC_NPROCESSORS_ONLN).
    package var logicalCPUsOnline: Int
    /// CPUs in this process's affinity mask (sched_getaffinity), ascending.
    package var affinityCPUs: [Int]
    /// The tightest cgroup CPU quota on this process's cgroup path (v2 cpu.max or v1 cfs), if any.
    package var cpuQuota: CPUQuota?
    /// Where the quota was looked for and what was found, in words.
    package var cpuQuotaDerivation: String
    /// Physical cores among the affinity CPUs (SMT siblings counted once), when the topology is known.
    package var physicalCores: Int?
    /// The affinity CPUs grouped by physical core; empty when the topology is unknown.
    package var smtSiblingGroups: [[Int]]
    /// Where the topology came from ("thread_siblings_list", "core_id", "/proc/cpuinfo") or why
    /// it is unknown.
    package var physicalCoresSource: String
    /// /proc/meminfo MemTotal in bytes (0 when unknown).
    package var totalMemoryBytes: UInt64
    /// The 1, 5 and 15 minute load averages.
    package var loadAverage: [Double]
    /// min(affinity CPUs, floor(quota), physical cores), at least 1.
    package var availableParallelism: Int
    /// How `availableParallelism` was derived, in words, e.g.
    /// "affinity 2, no cgroup quota, 2 physical cores (thread_siblings_list) → 2".
    package var availableParallelismDerivation: String
}

/// Physical cores: the CPUs grouped by core, and where that came from.
struct CoreTopology: Equatable {
    var groups: [[Int]]
    var source: String
}

/// A cgroup quota search: the tightest quota found and the notes of where it looked.
struct QuotaSearch: Equatable {
    var quota: CPUQuota?
    var notes: [String]

    var derivation: String { notes.isEmpty ? "no cgroup CPU controller found" : notes.joined(separator: "; ") }
}

/// The platform seam: one requirement per probe, so that another platform's backend (macOS:
/// sysctl hw.perflevel0.physicalcpu, host_processor_info, thread_info) can answer each.
protocol PlatformProbes: Sendable {
    func operatingSystem() -> (name: String, version: String)
    func kernelRelease() -> String
    func cpuModel() -> String
    func logicalCPUsOnline() -> Int
    func affinityCPUs() -> [Int]
    func cpuQuota() -> QuotaSearch
    func coreTopology(cpus: [Int]) -> CoreTopology?
    func totalMemoryBytes() -> UInt64
    func loadAverage() -> [Double]
}

/// Probes the system. Platform specifics sit behind ``PlatformProbes``, one requirement per
/// probe; Linux is the backend today (``LinuxProbes``).
package enum SystemProbe {
    static let platform: any PlatformProbes = LinuxProbes()

    /// Probes everything now.
    package static func snapshot() -> SystemSnapshot {
        let os = platform.operatingSystem()
        let affinity = platform.affinityCPUs()
        let quota = platform.cpuQuota()
        let topology = platform.coreTopology(cpus: affinity)
        let (parallelism, derivation) = deriveParallelism(affinity: affinity.count, quota: quota.quota,
                                                          physicalCores: topology?.groups.count, coresSource: topology?.source)
        return SystemSnapshot(
            osName: os.name, osVersion: os.version, kernelRelease: platform.kernelRelease(), cpuModel: platform.cpuModel(),
            logicalCPUsOnline: platform.logicalCPUsOnline(), affinityCPUs: affinity,
            cpuQuota: quota.quota, cpuQuotaDerivation: quota.derivation,
            physicalCores: topology?.groups.count, smtSiblingGroups: topology?.groups ?? [],
            physicalCoresSource: topology?.source ?? "unknown: no topology in /sys or /proc/cpuinfo",
            totalMemoryBytes: platform.totalMemoryBytes(), loadAverage: platform.loadAverage(),
            availableParallelism: parallelism, availableParallelismDerivation: derivation)
    }

    /// CPUs in this process's affinity mask (sched_getaffinity on Linux).
    package static func affinityCPUs() -> [Int] {
        platform.affinityCPUs()
    }

    /// The one rule for P = min(affinity CPUs, floor(quota), physical cores), never below 1, with
    /// its derivation in words. A nil `physicalCores` counts each logical CPU as a core and says so.
    package static func deriveParallelism(affinity: Int, quota: CPUQuota?, physicalCores: Int?,
                                         coresSource: String? = nil) -> (Int, String) {
        var limits = [affinity]
        var parts = ["affinity \(affinity)"]
        if let quota {
            let cpus = max(1, Int(quota.cpus.rounded(.down)))
            limits.append(cpus)
            parts.append("\(quota.source) quota \(String(format: "%.2f", quota.cpus)) CPUs → \(cpus)")
        } else {
            parts.append("no cgroup quota")
        }
        if let physicalCores {
            limits.append(physicalCores)
            parts.append("\(physicalCores) physical \(physicalCores == 1 ? "core" : "cores")" + (coresSource.map { " (\($0))" } ?? ""))
        } else {
            parts.append("SMT topology unknown: each logical CPU counted as a core")
        }
        let parallelism = max(1, limits.min() ?? 1)
        return (parallelism, parts.joined(separator: ", ") + " → \(parallelism)")
    }

    // MARK: cgroup files (contents in, so tests can feed fixtures)

    /// cgroup v2 `cpu.max`: "max 100000" (no limit → nil) or "50000 100000" (0.5 CPU).
    package static func parseCgroup2CPUMax(_ text: String) -> CPUQuota? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, fields[0] != "max", let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else {
            return nil
        }
        return CPUQuota(source: "cgroup2 cpu.max", quotaMicroseconds: quota, periodMicroseconds: period)
    }

    /// cgroup v1 `cpu.cfs_quota_us` (-1 = no limit → nil) and `cpu.cfs_period_us`.
    package static func parseCgroup1CFS(quota: String, period: String) -> CPUQuota? {
        guard let quota = Int(quota.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0,
              let period = Int(period.trimmingCharacters(in: .whitespacesAndNewlines)), period > 0 else { return nil }
        return CPUQuota(source: "cgroup1 cfs", quotaMicroseconds: quota, periodMicroseconds: period)
    }

    /// Mount points used when /proc/self/mountinfo names no cgroup filesystem.
    static let conventionalCgroupMounts: [ProcFS.Mount] = [
        .init(root: "/", mountPoint: "/sys/fs/cgroup", fileSystemType: "cgroup2", superOptions: []),
        .init(root: "/", mountPoint: "/sys/fs/cgroup/unified", fileSystemType: "cgroup2", superOptions: []),
        .init(root: "/", mountPoint: "/sys/fs/cgroup/cpu,cpuacct", fileSystemType: "cgroup", superOptions: ["cpu", "cpuacct"]),
        .init(root: "/", mountPoint: "/sys/fs/cgroup/cpu", fileSystemType: "cgroup", superOptions: ["cpu"]),
    ]

    /// The tightest CPU quota on this process's cgroup path. For each cgroup2 mount and each v1
    /// mount holding the `cpu` controller, walks from the process's own cgroup folder up to the
    /// mount's top (a limit may sit on any ancestor) and reads cpu.max, or cpu.cfs_quota_us and
    /// cpu.cfs_period_us. Absent files, "max" and -1 mean no limit there.
    /// - Parameters:
    ///   - membership: /proc/self/cgroup, parsed.
    ///   - mounts: /proc/self/mountinfo, parsed.
    ///   - read: reads a file's contents, nil when absent (injected so tests can fake a hierarchy).
    static func findCPUQuota(membership: [String: String], mounts: [ProcFS.Mount], read: (String) -> String?) -> QuotaSearch {
        var cgroupMounts = mounts.filter { $0.fileSystemType == "cgroup2" || ($0.fileSystemType == "cgroup" && $0.superOptions.contains("cpu")) }
        if cgroupMounts.isEmpty { cgroupMounts = conventionalCgroupMounts }
        var quotas: [CPUQuota] = []
        var notes: [String] = []
        for mount in cgroupMounts {
            let isV2 = mount.fileSystemType == "cgroup2"
            guard let path = membership[isV2 ? "" : "cpu"] else { continue }
            var folders: [String] = []
            var relative = relativeCgroupPath(path, mountRoot: mount.root)
            while true {
                folders.append(mount.mountPoint + (relative == "/" ? "" : relative))
                if relative == "/" || relative.isEmpty { break }
                relative = (relative as NSString).deletingLastPathComponent
            }
            var found: [String] = []
            var readable = false
            for folder in folders {
                if isV2 {
                    guard let text = read(folder + "/cpu.max") else { continue }
                    readable = true
                    if var quota = parseCgroup2CPUMax(text) {
                        quota.path = folder
                        quotas.append(quota)
                        found.append("\(folder)/cpu.max \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
                    }
                } else {
                    guard let quotaText = read(folder + "/cpu.cfs_quota_us"), let periodText = read(folder + "/cpu.cfs_period_us") else {
                        continue
                    }
                    readable = true
                    if var quota = parseCgroup1CFS(quota: quotaText, period: periodText) {
                        quota.path = folder
                        quotas.append(quota)
                        found.append("\(folder)/cpu.cfs_quota_us \(quota.quotaMicroseconds) per \(quota.periodMicroseconds)")
                    }
                }
            }
            let label = isV2 ? "cgroup2 at \(mount.mountPoint)" : "cgroup1 cpu at \(mount.mountPoint)"
            if !found.isEmpty {
                notes.append("\(label): " + found.joined(separator: ", "))
            } else if readable {
                notes.append("\(label): no limit (\(isV2 ? "cpu.max max" : "cfs_quota_us -1"))")
            } else {
                notes.append("\(label): no \(isV2 ? "cpu.max" : "cfs quota files")")
            }
        }
        return QuotaSearch(quota: quotas.min(by: { $0.cpus < $1.cpus }), notes: notes)
    }

    /// The process's cgroup path as seen below a mount of `mountRoot`: the part below the root,
    /// or the mount's top when the path lies outside it (a cgroup namespace).
    static func relativeCgroupPath(_ path: String, mountRoot: String) -> String {
        if mountRoot == "/" { return path.isEmpty ? "/" : path }
        if path == mountRoot { return "/" }
        if path.hasPrefix(mountRoot + "/") { return String(path.dropFirst(mountRoot.count)) }
        return "/"
    }
}
