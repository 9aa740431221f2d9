import Foundation

/// Every read and parse of /proc lives here. Parsers take the file's text so tests can feed
/// fixtures; readers return nil when a file is absent (another OS, a locked-down container).
public enum ProcFS {
    /// Clock ticks per second for /proc's utime/stime fields (sysconf(_SC_CLK_TCK), 100 on Linux).
    public static let ticksPerSecond: Double = {
        let value = sysconf(Int32(_SC_CLK_TCK))
        return value > 0 ? Double(value) : 100
    }()

    /// Reads a whole (small) file with plain open/read: /proc files report size 0, and
    /// Foundation's file handles cost more than the read itself at 20 samples a second.
    static func read(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func readBytes(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Numeric fields of a /proc stat line by their 1-based field number, counted from the last
    /// ')' (the command name, field 2, may hold spaces and parentheses). Byte-level: at 20 samples
    /// a second over dozens of threads, string splitting costs more than the kernel's read.
    static func statFields(_ bytes: [UInt8], wanted: [Int]) -> [Int: UInt64]? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var result: [Int: UInt64] = [:]
        let maximum = wanted.max() ?? 0
        var field = 2
        var value: UInt64 = 0
        var inField = false
        var index = bytes.index(after: close)
        while index != bytes.endIndex, field <= maximum {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if inField {
                    if wanted.contains(field) { result[field] = value }
                    inField = false
                }
            } else {
                if !inField {
                    field += 1
                    value = 0
                    inField = true
                }
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                }
            }
            index = bytes.index(after: index)
        }
        if inField, wanted.contains(field) { result[field] = value }
        return result.count == wanted.count ? result : nil
    }

    /// Re-reads a file from offset 0 through an open descriptor: /proc files regenerate on each
    /// read, so a sampler can keep them open instead of paying open/close every sample.
    static func reread(descriptor: Int32, into buffer: inout [UInt8]) -> [UInt8]? {
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Array(buffer[0..<count])
    }

    /// Thread ids from /proc/self/task with opendir/readdir (no Foundation enumeration).
    static func listTasks() -> [Int32] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var ids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let id = Int32(name) { ids.append(id) }
        }
        return ids.sorted()
    }

    // MARK: /proc/self/status

    /// The `Threads:` field of /proc/self/status.
    public static func parseThreadCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The process's OS thread count: `num_threads` (field 20) of /proc/self/stat, the same
    /// kernel counter as /proc/self/status `Threads:`, at a fraction of the cost to read.
    public static func threadCount() -> Int? {
        guard let bytes = readBytes("/proc/self/stat"), let fields = statFields(bytes, wanted: [20]), let count = fields[20] else {
            return read("/proc/self/status").flatMap(parseThreadCount(status:))
        }
        return Int(count)
    }

    // MARK: /proc/self/task

    /// Kernel thread ids of this process's live threads.
    public static func taskIDs() -> [Int32] {
        listTasks()
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
        parseThreadStat(bytes: Array(text.utf8))
    }

    static func parseThreadStat(bytes: [UInt8]) -> ThreadStat? {
        guard let fields = statFields(bytes, wanted: [14, 15, 39]), let user = fields[14], let system = fields[15],
              let processor = fields[39] else { return nil }
        return ThreadStat(userTicks: user, systemTicks: system, processor: Int(processor))
    }

    public static func threadStat(tid: Int32) -> ThreadStat? {
        readBytes("/proc/self/task/\(tid)/stat").flatMap { parseThreadStat(bytes: $0) }
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
        parseCPUTimes(bytes: Array(stat.utf8))
    }

    /// Byte-level, and stops at the first line after the `cpu` lines: the rest of /proc/stat
    /// (the long `intr` line above all) is never looked at.
    static func parseCPUTimes(bytes: [UInt8]) -> [CPUTimes] {
        var result: [CPUTimes] = []
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let isCPU = lineEnd - lineStart > 3 && bytes[lineStart] == UInt8(ascii: "c") && bytes[lineStart + 1] == UInt8(ascii: "p")
                && bytes[lineStart + 2] == UInt8(ascii: "u")
            if !isCPU {
                if !result.isEmpty { break }
                lineStart = lineEnd + 1
                continue
            }
            var values: [UInt64] = []
            var cpu: Int?
            var index = lineStart + 3
            // The CPU number right after "cpu"; none for the aggregate line.
            var number = 0
            var hasNumber = false
            while index < lineEnd, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                number = number * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                hasNumber = true
                index += 1
            }
            if hasNumber { cpu = number }
            var value: UInt64 = 0
            var inNumber = false
            while index <= lineEnd {
                let byte = index < lineEnd ? bytes[index] : UInt8(ascii: " ")
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                    inNumber = true
                } else if inNumber {
                    values.append(value)
                    value = 0
                    inNumber = false
                }
                index += 1
            }
            if let cpu, values.count >= 8 {
                let busy = values[0] + values[1] + values[2] + values[5] + values[6]
                result.append(CPUTimes(cpu: cpu, busy: busy, idle: values[3] + values[4], steal: values[7]))
            }
            lineStart = lineEnd + 1
        }
        return result
    }

    public static func cpuTimes() -> [CPUTimes] {
        readBytes("/proc/stat").map { parseCPUTimes(bytes: $0) } ?? []
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
