import Foundation

/// Every read and parse of /proc lives here. Parsers take the file's text so tests can feed
/// fixtures; readers return nil when a file is absent (another OS, a locked-down container).
package enum ProcFS {
    /// Clock ticks per second for /proc's utime/stime fields (sysconf(_SC_CLK_TCK), 100 on Linux).
    package static let ticksPerSecond: Double = {
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
    static func statFields<Bytes: BidirectionalCollection>(_ bytes: Bytes, wanted: [Int]) -> [Int: UInt64]? where Bytes.Element == UInt8 {
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

    /// Thread ids from /proc/self/task with opendir/readdir (no Foundation enumeration).
    static func listTasks() -> [Int32] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        return listTasks(in: directory)
    }

    /// Thread ids from an open /proc/self/task directory stream, read from its start.
    static func listTasks(in directory: OpaquePointer) -> [Int32] {
        rewinddir(directory)
        var ids: [Int32] = []
        while let entry = readdir(directory) {
            // Digits straight from d_name: no String per entry ("." and ".." are skipped).
            let id: Int32? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                var value: Int32 = 0
                var digits = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value &* 10 &+ Int32(byte - UInt8(ascii: "0"))
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let id { ids.append(id) }
        }
        return ids.sorted()
    }

    // MARK: /proc/self/status

    /// The `Threads:` field of /proc/self/status.
    package static func parseThreadCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// A `<Name>:   <n> kB` field of /proc/self/status (VmRSS, VmHWM, …) in bytes.
    package static func parseStatusKilobytes(status: String, field: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let first = parts.first, let kibibytes = UInt64(first) { return kibibytes * 1024 }
        }
        return nil
    }

    /// The process's resident memory now (VmRSS) and at its peak (VmHWM), bytes.
    package static func memoryUsage() -> (residentBytes: UInt64, peakResidentBytes: UInt64)? {
        guard let status = read("/proc/self/status"),
              let resident = parseStatusKilobytes(status: status, field: "VmRSS"),
              let peak = parseStatusKilobytes(status: status, field: "VmHWM") else { return nil }
        return (resident, peak)
    }

    /// The process's OS thread count: `num_threads` (field 20) of /proc/self/stat, the same
    /// kernel counter as /proc/self/status `Threads:`, at a fraction of the cost to read.
    package static func threadCount() -> Int? {
        guard let bytes = readBytes("/proc/self/stat"), let fields = statFields(bytes, wanted: [20]), let count = fields[20] else {
            return read("/proc/self/status").flatMap(parseThreadCount(status:))
        }
        return Int(count)
    }

    // MARK: /proc/self/task

    /// Kernel thread ids of this process's live threads.
    package static func taskIDs() -> [Int32] {
        listTasks()
    }

    /// What /proc/<pid>/task/<tid>/stat says of one thread.
    package struct ThreadStat: Sendable, Equatable {
        /// utime, field 14, clock ticks.
        package var userTicks: UInt64
        /// stime, field 15, clock ticks.
        package var systemTicks: UInt64
        /// The CPU the thread last ran on (field 39).
        package var processor: Int

        /// utime + stime in seconds (ticks ÷ ``ProcFS/ticksPerSecond``).
        package var cpuSeconds: Double { Double(userTicks + systemTicks) / ProcFS.ticksPerSecond }
    }

    /// Parses a stat line. The command name (field 2) may hold spaces and parentheses, so fields
    /// are counted from the last ')'.
    package static func parseThreadStat(_ text: String) -> ThreadStat? {
        parseThreadStat(bytes: Array(text.utf8))
    }

    /// One pass over the bytes after the last ')', no allocation: the sampler calls this for
    /// every thread at every tick.
    static func parseThreadStat<Bytes: BidirectionalCollection>(bytes: Bytes) -> ThreadStat? where Bytes.Element == UInt8 {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var field = 2
        var value: UInt64 = 0
        var inField = false
        var user: UInt64?
        var system: UInt64?
        var processor: UInt64?
        var index = bytes.index(after: close)
        while true {
            let atEnd = index == bytes.endIndex
            let byte = atEnd ? UInt8(ascii: " ") : bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if inField {
                    switch field {
                    case 14: user = value
                    case 15: system = value
                    case 39: processor = value
                    default: break
                    }
                    inField = false
                    if field >= 39 { break }
                }
                if atEnd { break }
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
        guard let user, let system, let processor else { return nil }
        return ThreadStat(userTicks: user, systemTicks: system, processor: Int(processor))
    }

    /// /proc/self/task/<tid>/stat of one of this process's threads; nil once it has ended.
    package static func threadStat(tid: Int32) -> ThreadStat? {
        readBytes("/proc/self/task/\(tid)/stat").flatMap { parseThreadStat(bytes: $0) }
    }

    /// What a sampler reads at every tick, through descriptors kept open between calls and
    /// re-read from offset 0 with pread (/proc files regenerate on each read): at 20 samples a
    /// second, path lookups and open/close cost more than the reads. One owner (the sampler
    /// thread) uses it; `close()` or deinit closes everything.
    final class SampleReader {
        private var threadDescriptors: [Int32: Int32] = [:]
        private var procStat: Int32 = -1
        private var selfStat: Int32 = -1
        private var taskDirectory: OpaquePointer?
        private var buffer = [UInt8](repeating: 0, count: 4096)
        private var statBuffer = [UInt8](repeating: 0, count: 1 << 16)

        init() {
            procStat = open("/proc/stat", O_RDONLY | O_CLOEXEC)
            selfStat = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
            taskDirectory = opendir("/proc/self/task")
        }

        /// Every live thread's stat (/proc/self/task/<tid>/stat), by thread id.
        func threads() -> [Int32: ThreadStat] {
            var threads: [Int32: ThreadStat] = [:]
            let live = taskDirectory.map(ProcFS.listTasks(in:)) ?? ProcFS.listTasks()
            threads.reserveCapacity(live.count)
            for tid in live {
                if threadDescriptors[tid] == nil {
                    let descriptor = open("/proc/self/task/\(tid)/stat", O_RDONLY | O_CLOEXEC)
                    if descriptor >= 0 { threadDescriptors[tid] = descriptor }
                }
                guard let descriptor = threadDescriptors[tid] else { continue }
                let stat: ThreadStat? = buffer.withUnsafeMutableBytes { raw in
                    let count = pread(descriptor, raw.baseAddress, raw.count, 0)
                    guard count > 0 else { return nil }
                    return ProcFS.parseThreadStat(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                }
                if let stat { threads[tid] = stat }
            }
            // Threads that ended: close their descriptors.
            if threadDescriptors.count > live.count {
                let liveSet = Set(live)
                for (tid, descriptor) in threadDescriptors where !liveSet.contains(tid) {
                    Foundation.close(descriptor)
                    threadDescriptors[tid] = nil
                }
            }
            return threads
        }

        /// /proc/stat's per-CPU lines.
        func cpuTimes() -> [CPUTimes] {
            guard procStat >= 0 else { return ProcFS.cpuTimes() }
            while true {
                let result: [CPUTimes]? = statBuffer.withUnsafeMutableBytes { raw in
                    let count = pread(procStat, raw.baseAddress, raw.count, 0)
                    // A full buffer may have cut the file short: grow and read again.
                    guard count > 0, count < raw.count else { return nil }
                    return ProcFS.parseCPUTimes(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                }
                if let result { return result }
                guard statBuffer.count < 1 << 24 else { return ProcFS.cpuTimes() }
                statBuffer = [UInt8](repeating: 0, count: statBuffer.count * 4)
            }
        }

        /// The process's OS thread count (/proc/self/stat `num_threads`).
        func threadCount() -> Int? {
            guard selfStat >= 0 else { return ProcFS.threadCount() }
            let count: UInt64? = buffer.withUnsafeMutableBytes { raw in
                let read = pread(selfStat, raw.baseAddress, raw.count, 0)
                guard read > 0 else { return nil }
                return ProcFS.statFields(UnsafeRawBufferPointer(rebasing: raw[0..<read]), wanted: [20])?[20]
            }
            return count.map(Int.init) ?? ProcFS.threadCount()
        }

        func close() {
            for descriptor in threadDescriptors.values { Foundation.close(descriptor) }
            threadDescriptors.removeAll()
            if procStat >= 0 { Foundation.close(procStat) }
            if selfStat >= 0 { Foundation.close(selfStat) }
            if let taskDirectory { closedir(taskDirectory) }
            procStat = -1
            selfStat = -1
            taskDirectory = nil
        }

        deinit { close() }
    }

    /// /proc/<pid>/task/<tid>/schedstat: time on CPU (ns), time waiting on a run queue (ns), slices.
    package struct SchedStat: Sendable, Equatable {
        /// Field 1: time spent on a CPU.
        package var runNanoseconds: UInt64
        /// Field 2: time spent runnable, waiting on a run queue.
        package var waitNanoseconds: UInt64
        /// Field 3: time slices run.
        package var timeslices: UInt64
    }

    /// Parses a schedstat line: three numbers.
    package static func parseSchedStat(_ text: String) -> SchedStat? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
        guard fields.count >= 3 else { return nil }
        return SchedStat(runNanoseconds: fields[0], waitNanoseconds: fields[1], timeslices: fields[2])
    }

    /// /proc/self/task/<tid>/schedstat of one of this process's threads; nil once it has ended.
    package static func schedStat(tid: Int32) -> SchedStat? {
        read("/proc/self/task/\(tid)/schedstat").flatMap(parseSchedStat)
    }

    // MARK: /proc/stat

    /// One CPU's cumulative jiffies from /proc/stat.
    package struct CPUTimes: Sendable, Equatable {
        /// The N of `cpuN`.
        package var cpu: Int
        /// user + nice + system + irq + softirq jiffies.
        package var busy: UInt64
        /// idle + iowait jiffies.
        package var idle: UInt64
        /// Jiffies stolen by the hypervisor.
        package var steal: UInt64

        /// busy + idle + steal.
        package var total: UInt64 { busy + idle + steal }
    }

    /// The per-CPU `cpuN` lines (not the aggregate `cpu` line). busy = user + nice + system + irq +
    /// softirq; idle = idle + iowait; steal apart. guest time is already inside user.
    package static func parseCPUTimes(stat: String) -> [CPUTimes] {
        parseCPUTimes(bytes: Array(stat.utf8))
    }

    /// Byte-level, and stops at the first line after the `cpu` lines: the rest of /proc/stat
    /// (the long `intr` line above all) is never looked at.
    static func parseCPUTimes(bytes: [UInt8]) -> [CPUTimes] {
        bytes.withUnsafeBytes { parseCPUTimes(bytes: $0) }
    }

    static func parseCPUTimes(bytes: UnsafeRawBufferPointer) -> [CPUTimes] {
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

    /// /proc/stat's per-CPU lines now (every online CPU).
    package static func cpuTimes() -> [CPUTimes] {
        readBytes("/proc/stat").map { parseCPUTimes(bytes: $0) } ?? []
    }

    // MARK: System facts

    /// /proc/meminfo `MemTotal:` in bytes.
    package static func parseMemTotalBytes(meminfo: String) -> UInt64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kibibytes = UInt64(parts[1]) { return kibibytes * 1024 }
        }
        return nil
    }

    /// /proc/loadavg's 1, 5 and 15 minute load averages.
    package static func parseLoadAverage(_ text: String) -> [Double] {
        Array(text.split(separator: " ").prefix(3).compactMap { Double($0) })
    }

    /// The first `model name` of /proc/cpuinfo.
    package static func parseCPUModel(cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// NAME and VERSION_ID (or VERSION) from /etc/os-release.
    package static func parseOSRelease(_ text: String) -> (name: String?, version: String?) {
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

    // MARK: cgroups and mounts

    /// The cgroup paths of this process from /proc/self/cgroup: "" key for the v2 hierarchy
    /// ("0::/path"), controller names for v1 ("4:cpu,cpuacct:/path").
    package static func parseCgroupMembership(_ text: String) -> [String: String] {
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

    /// One line of /proc/self/mountinfo, as far as cgroup lookups need it.
    package struct Mount: Sendable, Equatable {
        /// The mounted folder's path inside its filesystem (field 4).
        package var root: String
        /// Where it is mounted (field 5).
        package var mountPoint: String
        /// Filesystem type, after the " - " separator ("cgroup2", "cgroup", …).
        package var fileSystemType: String
        /// Per-superblock options (for cgroup v1: the controllers, e.g. "rw,cpu,cpuacct").
        package var superOptions: [String]
    }

    /// /proc/self/mountinfo lines. Paths have their octal escapes (\040 for a space) decoded.
    package static func parseMountInfo(_ text: String) -> [Mount] {
        var mounts: [Mount] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let separator = fields.firstIndex(of: "-"), separator >= 6, fields.count >= separator + 3 else { continue }
            mounts.append(Mount(root: unescapeMountPath(fields[3]), mountPoint: unescapeMountPath(fields[4]),
                                fileSystemType: fields[separator + 1],
                                superOptions: fields[separator + 3].split(separator: ",").map(String.init)))
        }
        return mounts
    }

    static func unescapeMountPath(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
               let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: /proc/cpuinfo

    /// Logical CPUs grouped by physical core from /proc/cpuinfo's `processor`, `physical id` and
    /// `core id` fields (SMT siblings share a core id within a package). nil when the file does
    /// not say (some architectures and hypervisors leave the ids out).
    package static func parseCPUInfoCores(_ cpuinfo: String) -> [[Int]]? {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        var processor: Int?
        var package = "0"
        var core: String?
        func flush() {
            if let processor, let core {
                let key = package + "/" + core
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(processor)
            }
            processor = nil
            package = "0"
            core = nil
        }
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                flush()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "processor": processor = Int(value)
            case "physical id": package = value
            case "core id": core = value
            default: break
            }
        }
        flush()
        return groups.isEmpty ? nil : order.compactMap { groups[$0]?.sorted() }
    }

    /// A kernel CPU list such as "0-3,8,10-11".
    package static func parseCPUList(_ text: String) -> [Int] {
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
