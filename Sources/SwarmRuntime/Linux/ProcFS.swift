import Foundation

/// Every read and parse of /proc lives here. Parsers take the file's text so tests can feed
/// fixtures; readers return nil when a file is absent (another OS, a locked-down container).
public enum ProcFS {
    /// Clock ticks per second for /proc's utime/stime fields (sysconf(_SC_CLK_TCK), 100 on Linux).
    public static let ticksPerSecond: Double = {
        let value = sysconf(Int32(_SC_CLK_TCK))
        return value > 0 ? Double(value) : 100
    }()

    static func read(_ path: String) -> String? {
        // /proc files report size 0: read to the end rather than by size.
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: /proc/self/status

    /// The `Threads:` field of /proc/self/status.
    public static func parseThreadCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    public static func threadCount() -> Int? {
        read("/proc/self/status").flatMap(parseThreadCount(status:))
    }

    // MARK: /proc/self/task

    /// Kernel thread ids of this process's live threads.
    public static func taskIDs() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return [] }
        return names.compactMap { Int32($0) }.sorted()
    }

    /// What /proc/<pid>/task/<tid>/stat says of one thread.
    public struct ThreadStat: Sendable, Equatable {
        public var userTicks: UInt64
        public var systemTicks: UInt64
        /// The CPU the thread last ran on (field 39).
        public var processor: Int

        public var cpuSeconds: Double { Double(userTicks + systemTicks) / ProcFS.ticksPerSecond }
    }

    /// Parses a stat line. The command name (field 2) may hold spaces and parentheses, so fields
    /// are counted from the last ')'.
    public static func parseThreadStat(_ text: String) -> ThreadStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state): field n is rest[n - 3].
        guard rest.count >= 37, let user = UInt64(rest[11]), let system = UInt64(rest[12]), let processor = Int(rest[36]) else {
            return nil
        }
        return ThreadStat(userTicks: user, systemTicks: system, processor: processor)
    }

    public static func threadStat(tid: Int32) -> ThreadStat? {
        read("/proc/self/task/\(tid)/stat").flatMap(parseThreadStat)
    }

    /// /proc/<pid>/task/<tid>/schedstat: time on CPU (ns), time waiting on a run queue (ns), slices.
    public struct SchedStat: Sendable, Equatable {
        public var runNanoseconds: UInt64
        public var waitNanoseconds: UInt64
        public var timeslices: UInt64
    }

    public static func parseSchedStat(_ text: String) -> SchedStat? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
        guard fields.count >= 3 else { return nil }
        return SchedStat(runNanoseconds: fields[0], waitNanoseconds: fields[1], timeslices: fields[2])
    }

    public static func schedStat(tid: Int32) -> SchedStat? {
        read("/proc/self/task/\(tid)/schedstat").flatMap(parseSchedStat)
    }

    // MARK: /proc/stat

    /// One CPU's cumulative jiffies from /proc/stat.
    public struct CPUTimes: Sendable, Equatable {
        public var cpu: Int
        public var busy: UInt64
        public var idle: UInt64
        public var steal: UInt64

        public var total: UInt64 { busy + idle + steal }
    }

    /// The per-CPU `cpuN` lines (not the aggregate `cpu` line). busy = user + nice + system + irq +
    /// softirq; idle = idle + iowait; steal apart. guest time is already inside user.
    public static func parseCPUTimes(stat: String) -> [CPUTimes] {
        var result: [CPUTimes] = []
        for line in stat.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = fields.first, name.count > 3, let cpu = Int(name.dropFirst(3)) else { continue }
            let values = fields.dropFirst().compactMap { UInt64($0) }
            guard values.count >= 8 else { continue }
            let busy = values[0] + values[1] + values[2] + values[5] + values[6]
            result.append(CPUTimes(cpu: cpu, busy: busy, idle: values[3] + values[4], steal: values[7]))
        }
        return result
    }

    public static func cpuTimes() -> [CPUTimes] {
        read("/proc/stat").map(parseCPUTimes(stat:)) ?? []
    }

    // MARK: System facts

    public static func parseMemTotalBytes(meminfo: String) -> UInt64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kibibytes = UInt64(parts[1]) { return kibibytes * 1024 }
        }
        return nil
    }

    public static func parseLoadAverage(_ text: String) -> [Double] {
        Array(text.split(separator: " ").prefix(3).compactMap { Double($0) })
    }

    public static func parseCPUModel(cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// NAME and VERSION_ID (or VERSION) from /etc/os-release.
    public static func parseOSRelease(_ text: String) -> (name: String?, version: String?) {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            values[key] = value
        }
        return (values["PRETTY_NAME"] ?? values["NAME"], values["VERSION_ID"] ?? values["VERSION"])
    }

    /// A kernel CPU list such as "0-3,8,10-11".
    public static func parseCPUList(_ text: String) -> [Int] {
        var cpus: [Int] = []
        for part in text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] {
                cpus.append(contentsOf: bounds[0]...bounds[1])
            } else if bounds.count == 1 {
                cpus.append(bounds[0])
            }
        }
        return cpus
    }
}
