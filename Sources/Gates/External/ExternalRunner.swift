import Foundation
import Evidence
import SwarmRuntime

/// Runs one external command once and measures it from the OS, for its whole process tree:
/// wall time (monotonic), CPU and context switches from wait4's rusage (the command and every
/// descendant it waited for), per-thread CPU, run-queue wait and CPUs from /proc while it runs,
/// other tenants' load from /proc/stat, and the SHA-256 of its output.
struct ExternalRunner {
    /// The CPUs whose load is measured (the affinity mask).
    let cpus: [Int]
    let resultFile: URL?
    let sampleHz: Double
    let interruption = Interruption.shared

    func run(_ prepared: PreparedCommand, pinnedCPU: Int? = nil) throws -> ExternalProof.CommandRun {
        try interruption.check()
        let flag = prepared.target.role == "baseline" ? "--baseline-cmd" : "--cmd"
        let folder = FileManager.default.temporaryDirectory
        let stdoutPath = folder.appendingPathComponent("attest-cmd-\(UUID().uuidString).out").path
        let stderrPath = folder.appendingPathComponent("attest-cmd-\(UUID().uuidString).err").path
        let stdoutDescriptor = open(stdoutPath, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0o600)
        let stderrDescriptor = open(stderrPath, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            if stdoutDescriptor >= 0 { close(stdoutDescriptor) }
            if stderrDescriptor >= 0 { close(stderrDescriptor) }
            unlink(stdoutPath)
            unlink(stderrPath)
        }
        guard stdoutDescriptor >= 0, stderrDescriptor >= 0 else {
            throw ExternalCommandError.spawnFailed(flag: flag, reason: "cannot create a temporary file in \(folder.path): \(String(cString: strerror(errno)))")
        }
        if let resultFile { try? FileManager.default.removeItem(at: resultFile) }

        let load = LoadMeter(cpus: cpus)
        let start = Clocks.monotonicNanoseconds()
        let pid: Int32
        do {
            pid = try ChildProcess.spawn(executable: prepared.target.executable, arguments: prepared.target.argv,
                                         environment: prepared.environment, directory: prepared.target.cwd,
                                         stdoutDescriptor: stdoutDescriptor, stderrDescriptor: stderrDescriptor, pinnedCPU: pinnedCPU)
        } catch {
            throw ExternalCommandError.spawnFailed(flag: flag, reason: error.description)
        }
        // Opened as soon as the child exists: what it executes before this (microseconds of
        // exec) is not counted, every process it starts afterwards is.
        let counter = InstructionCounter.process(pid)
        let sampler = ProcessTreeSampler(root: pid, rateHz: sampleHz, cpus: cpus)
        sampler.start()
        let ended: ChildProcess.Termination
        do {
            ended = try ChildProcess.wait(pid: pid)
        } catch {
            _ = sampler.stop()
            throw ExternalCommandError.spawnFailed(flag: flag, reason: error.description)
        }
        let end = Clocks.monotonicNanoseconds()
        let report = sampler.stop()
        try interruption.check()

        let wall = Double(end &- start) / 1e9
        let tail = Self.tail(path: stderrPath)
        guard ended.exited else {
            throw ExternalCommandError.killed(flag: flag, command: prepared.target.command, signal: ended.signal, stderrTail: tail)
        }
        guard ended.code == 0 else {
            throw ExternalCommandError.nonZeroExit(flag: flag, command: prepared.target.command, status: ended.code, stderrTail: tail)
        }
        let output: Data
        let source: String
        if let resultFile {
            guard let data = try? Data(contentsOf: resultFile) else {
                throw ExternalCommandError.resultFileMissing(flag: flag, path: resultFile.path)
            }
            output = data
            source = "result file \(resultFile.path)"
        } else {
            output = (try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data()
            source = "stdout"
        }
        let rusageCPU = ended.userCPUSeconds + ended.systemCPUSeconds
        let sampledCPU = report.threads.reduce(0) { $0 + $1.cpuSeconds }
        let waits = report.threads.compactMap(\.runQueueWaitSeconds)
        let other = load.finish(processCPUSeconds: max(rusageCPU, sampledCPU) + report.samplerCPUSeconds, wallSeconds: wall)
        return ExternalProof.CommandRun(
            role: prepared.target.role, pinnedCPU: pinnedCPU, exitStatus: Int(ended.code), wallSeconds: wall,
            userCPUSeconds: ended.userCPUSeconds, systemCPUSeconds: ended.systemCPUSeconds, sampledCPUSeconds: sampledCPU,
            voluntarySwitches: ended.voluntarySwitches, involuntarySwitches: ended.involuntarySwitches,
            maxResidentKiB: ended.maxResidentKiB,
            runQueueWaitSeconds: waits.isEmpty ? nil : waits.reduce(0, +),
            peakThreads: report.samples.map(\.threads).max() ?? 0, peakProcesses: report.samples.map(\.processes).max() ?? 0,
            cpusSeen: Array(Set(report.threads.flatMap(\.cpusSeen))).sorted(),
            outputSHA256: SHA256Digest.hex(output), outputSource: source, outputBytes: output.count,
            foreignCPUs: other.foreign, stealCPUs: other.steal, samplerCPUSeconds: report.samplerCPUSeconds,
            threads: report.threads.map {
                ExternalProof.ThreadRecord(pid: $0.pid, tid: $0.tid, cpuSeconds: $0.cpuSeconds,
                                           runQueueWaitSeconds: $0.runQueueWaitSeconds, cpusSeen: $0.cpusSeen)
            },
            samples: report.samples.map { sample in
                ExternalProof.TreeSample(seconds: sample.seconds, threads: sample.threads, processes: sample.processes,
                                         cores: sample.cores.map { CPUUtilization.CoreLoad(cpu: $0.cpu, own: $0.own, total: $0.total, steal: $0.steal) })
            },
            instructions: counter?.read())
    }

    /// The last few hundred bytes of a file, on one line.
    static func tail(path: String, bytes: Int = 400) -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return "" }
        let text = String(decoding: data.suffix(bytes), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).joined(separator: " | ").trimmingCharacters(in: .whitespaces)
    }
}
