import Foundation

/// /proc readers for *another* process and its descendants (an external command measured by
/// attest). The same parsers as for /proc/self, pointed at /proc/<pid>.
extension ProcFS {
    /// The numeric entries of a /proc folder (pids in /proc, tids in /proc/<pid>/task), ascending;
    /// empty when the folder is gone (the process ended).
    static func numericEntries(_ path: String) -> [Int32] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        return listTasks(in: directory)
    }

    /// Thread ids of process `pid` (/proc/<pid>/task).
    package static func threadIDs(pid: Int32) -> [Int32] {
        numericEntries("/proc/\(pid)/task")
    }

    /// A /proc/<pid>/task/<tid>/children line: the pids of the children that thread created.
    package static func parseChildren(_ text: String) -> [Int32] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
    }

    /// The parent pid, field 4 of a /proc/<pid>/stat line (counted from the last ')').
    package static func parseParentPID<Bytes: BidirectionalCollection>(stat bytes: Bytes) -> Int32? where Bytes.Element == UInt8 {
        statFields(bytes, wanted: [4])?[4].map { Int32(truncatingIfNeeded: $0) }
    }

    /// Children of `pid`: from /proc/<pid>/task/*/children where the kernel provides it
    /// (CONFIG_PROC_CHILDREN), otherwise by scanning every /proc/<n>/stat for parent `pid`.
    package static func childPIDs(of pid: Int32) -> [Int32] {
        let tasks = threadIDs(pid: pid)
        var children: [Int32] = []
        var sawChildrenFile = false
        for tid in tasks {
            guard let text = read("/proc/\(pid)/task/\(tid)/children") else { continue }
            sawChildrenFile = true
            children += parseChildren(text)
        }
        if sawChildrenFile || tasks.isEmpty { return children.sorted() }
        return numericEntries("/proc").filter { candidate in
            readBytes("/proc/\(candidate)/stat").flatMap { parseParentPID(stat: $0) } == pid
        }
    }

    /// `root` and every live descendant of it, breadth first.
    package static func processTree(root: Int32) -> [Int32] {
        var tree: [Int32] = []
        var queue = [root]
        var seen: Set<Int32> = []
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted else { continue }
            tree.append(pid)
            queue += childPIDs(of: pid)
        }
        return tree
    }

    /// /proc/<pid>/task/<tid>/stat: utime, stime and the CPU it last ran on; nil once it ended.
    package static func threadStat(pid: Int32, tid: Int32) -> ThreadStat? {
        readBytes("/proc/\(pid)/task/\(tid)/stat").flatMap { parseThreadStat(bytes: $0) }
    }

    /// /proc/<pid>/task/<tid>/schedstat; nil once the thread ended or without schedstats.
    package static func schedStat(pid: Int32, tid: Int32) -> SchedStat? {
        read("/proc/\(pid)/task/\(tid)/schedstat").flatMap(parseSchedStat)
    }
}
