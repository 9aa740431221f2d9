package import Foundation
import Evidence

/// Gate 1: a static audit of the swarm's sources. It counts lines that use OS-thread constructs
/// against lines that use cooperative-async constructs, with comments and string literals removed
/// first, and records each file's SHA-256 so the audited code is pinned.
///
/// Static evidence is weak on its own — code can import `Thread` and never start one — which is
/// why this gate is not critical and its record says so.
package enum CodeAudit {
    /// What the audit looked at.
    package struct Parameters: Codable, Sendable, Equatable {
        package var auditPath: String
        package var languages: [String]
        package var botRole: String
        package var managerRole: String
    }

    /// One audited file.
    package struct AuditedFile: Codable, Sendable, Equatable {
        package var path: String
        package var language: String
        package var sha256: String
        package var role: String
        package var threadLines: Int
        package var asyncLines: Int
        /// Line numbers (1-based) of the first thread-construct lines, so a reader can look.
        package var threadLineNumbers: [Int]
        package var asyncLineNumbers: [Int]
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var files: [AuditedFile]
        package var note: String
    }

    package struct Criteria: Codable, Sendable, Equatable {
        package var rule: String
        package static let standard = Criteria(
            rule: "thread-construct lines > async-construct lines, and both the bot and the manager sources use OS threads"
        )
    }

    static let weakEvidenceNote =
        "Static evidence is weak on its own: code can mention threads without running any. Gates 2-4 measure what actually ran."

    static let threadTokens: [SourceLanguage: Set<String>] = [
        .swift: ["Thread", "NSThread", "detachNewThread"],
        .python: ["threading", "Thread", "ThreadPoolExecutor", "ProcessPoolExecutor", "multiprocessing", "Process", "fork", "_thread"],
    ]
    static let threadPrefixes: [SourceLanguage: [String]] = [.swift: ["pthread_"], .python: []]
    static let asyncTokens: [SourceLanguage: Set<String>] = [
        .swift: ["async", "await", "Task", "TaskGroup", "withTaskGroup", "withThrowingTaskGroup",
                 "withDiscardingTaskGroup", "DispatchQueue", "actor", "AsyncStream", "concurrentPerform"],
        .python: ["async", "await", "asyncio", "create_task", "gather", "run_until_complete", "trio", "anyio"],
    ]

    /// Counts construct lines in one file's text.
    static func count(source: String, language: SourceLanguage) -> (thread: [Int], async: [Int]) {
        let code = SourceScanner.codeOnly(source, language: language)
        var threadLines: [Int] = []
        var asyncLines: [Int] = []
        let threadSet = threadTokens[language] ?? []
        let prefixes = threadPrefixes[language] ?? []
        let asyncSet = asyncTokens[language] ?? []
        for (offset, line) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let tokens = identifiers(in: line)
            if tokens.contains(where: { threadSet.contains($0) || prefixes.contains(where: $0.hasPrefix) }) {
                threadLines.append(offset + 1)
            }
            if tokens.contains(where: { asyncSet.contains($0) }) {
                asyncLines.append(offset + 1)
            }
        }
        return (threadLines, asyncLines)
    }

    private static func identifiers(in line: Substring) -> [String] {
        var tokens: [String] = []
        var current = ""
        for scalar in line.unicodeScalars {
            if scalar == "_" || CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    static func role(ofFileNamed name: String) -> String {
        let lowered = name.lowercased()
        if lowered.contains("swarm") || lowered.contains("manager") { return "manager" }
        if lowered.contains("bot") || lowered.contains("agent") || lowered.contains("worker") { return "bot" }
        return "other"
    }

    /// Audits every Swift and Python file below `directory` (hidden folders and build folders
    /// skipped), in path order so the record is reproducible.
    package static func measure(directory: URL) throws -> (Parameters, Measurements) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw GateError.auditPathMissing(directory.path)
        }
        var candidates: [URL] = []
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey],
                options: [.skipsHiddenFiles, .skipsPackageDescendants])
            while let url = enumerator?.nextObject() as? URL {
                let name = url.lastPathComponent
                if name.hasPrefix(".build") || name == "node_modules" || name == "__pycache__" {
                    enumerator?.skipDescendants()
                    continue
                }
                if SourceLanguage(fileExtension: url.pathExtension) != nil { candidates.append(url) }
            }
        } else {
            candidates = [directory]
        }
        let base = isDirectory.boolValue ? directory.standardizedFileURL.path : directory.deletingLastPathComponent().standardizedFileURL.path
        var files: [AuditedFile] = []
        for url in candidates.sorted(by: { $0.path < $1.path }) {
            guard let language = SourceLanguage(fileExtension: url.pathExtension) else { continue }
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw GateError.auditFileUnreadable(url.path, error.localizedDescription)
            }
            let text = String(decoding: data, as: UTF8.self)
            let counts = count(source: text, language: language)
            var relative = url.standardizedFileURL.path
            if relative.hasPrefix(base + "/") { relative.removeFirst(base.count + 1) }
            files.append(AuditedFile(
                path: relative, language: language.rawValue, sha256: SHA256Digest.hex(data),
                role: role(ofFileNamed: url.deletingPathExtension().lastPathComponent),
                threadLines: counts.thread.count, asyncLines: counts.async.count,
                threadLineNumbers: Array(counts.thread.prefix(20)), asyncLineNumbers: Array(counts.async.prefix(20))))
        }
        let parameters = Parameters(
            auditPath: directory.path, languages: ["swift", "python"],
            botRole: "file name contains bot, agent or worker",
            managerRole: "file name contains swarm or manager")
        return (parameters, Measurements(files: files, note: weakEvidenceNote))
    }

    /// The gate's criterion, applied to recorded measurements only (so `attest verify` can
    /// re-derive it).
    package static func evaluate(_ measurements: Measurements) -> GateOutcome {
        let files = measurements.files
        guard !files.isEmpty else {
            return GateOutcome(status: .failed, summary: "no Swift or Python sources found to audit")
        }
        let threadLines = files.reduce(0) { $0 + $1.threadLines }
        let asyncLines = files.reduce(0) { $0 + $1.asyncLines }
        let botThreads = files.filter { $0.role == "bot" }.reduce(0) { $0 + $1.threadLines }
        let managerThreads = files.filter { $0.role == "manager" }.reduce(0) { $0 + $1.threadLines }
        var problems: [String] = []
        if threadLines <= asyncLines {
            problems.append("thread lines \(threadLines) ≤ async lines \(asyncLines)")
        }
        if !files.contains(where: { $0.role == "bot" }) {
            problems.append("no bot source found")
        } else if botThreads == 0 {
            problems.append("the bot sources use no OS-thread construct")
        }
        if !files.contains(where: { $0.role == "manager" }) {
            problems.append("no manager (swarm) source found")
        } else if managerThreads == 0 {
            problems.append("the manager sources use no OS-thread construct")
        }
        let figures = "\(files.count) files, thread lines \(threadLines), async lines \(asyncLines)"
        if problems.isEmpty {
            return GateOutcome(status: .passed, summary: "\(figures); bot and manager use OS threads")
        }
        return GateOutcome(status: .failed, summary: "\(figures); " + problems.joined(separator: "; "))
    }
}
