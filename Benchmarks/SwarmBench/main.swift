// swarm-bench: SwarmRuntime measured side by side with references in one run.
//   swift run -c release swarm-bench            the full benchmark
//   swarm-bench --probe                         the system probe as JSON (used by the tests)
//   swarm-bench --spawn N                       spawn + join N bots; prints seconds and peak RSS
import Foundation
import SwarmRuntime

let arguments = CommandLine.arguments

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
}

func spread(_ values: [Double]) -> String {
    guard let low = values.min(), let high = values.max() else { return "" }
    return String(format: "[%.3f–%.3f]", low, high)
}

func peakRSSBytes() -> UInt64 {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count >= 2, let kib = UInt64(parts[1]) { return kib * 1024 }
    }
    return 0
}

func run(_ executable: String, _ args: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return "" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

if arguments.contains("--probe") {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let data = try? encoder.encode(SystemProbe.snapshot()) {
        FileHandle.standardOutput.write(data)
    }
    exit(0)
}

if let index = arguments.firstIndex(of: "--spawn"), index + 1 < arguments.count, let count = Int(arguments[index + 1]) {
    let start = Clocks.monotonicNanoseconds()
    do {
        let swarm = try Swarm(botCount: count, stackSize: 256 * 1024)
        _ = swarm.run((0..<count).map { (bot: $0, task: BotTask.work(seed: UInt64($0), iterations: 64)) })
        swarm.stop()
    } catch {
        print("error \(error)")
        exit(1)
    }
    let seconds = Double(Clocks.monotonicNanoseconds() - start) / 1e9
    print(String(format: "%.6f %llu", seconds, peakRSSBytes()))
    exit(0)
}

/// `--only efficiency|spawn|sampler` runs one section (for a quick look); the default runs all.
func wants(_ section: String) -> Bool {
    guard let index = arguments.firstIndex(of: "--only"), index + 1 < arguments.count else { return true }
    return arguments[index + 1] == section
}

let snapshot = SystemProbe.snapshot()
let cores = snapshot.availableParallelism
print("swarm-bench — \(snapshot.cpuModel), \(snapshot.logicalCPUsOnline) CPUs online, P = \(cores) (\(snapshot.availableParallelismDerivation))")
let trials = 3
let taskSeconds = 0.25
let calibration = WorkKernel.calibrate(targetSeconds: taskSeconds)
print("task: \(calibration.iterations) iterations ≈ \(taskSeconds) s on one core; \(trials) trials, median [min–max]\n")

// C reference, compiled now with the system compiler.
let referenceSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("reference.c").path
let referenceBinary = FileManager.default.temporaryDirectory.appendingPathComponent("attest-swarm-reference-\(getpid())").path
let compiled = run("/usr/bin/env", ["cc", "-O2", "-pthread", referenceSource, "-o", referenceBinary])
_ = compiled
let haveReference = FileManager.default.isExecutableFile(atPath: referenceBinary)
defer { try? FileManager.default.removeItem(atPath: referenceBinary) }

func swiftWall(workers: Int, parallel: Bool) -> Double {
    guard let swarm = try? Swarm(botCount: parallel ? workers : 1) else { return .nan }
    defer { swarm.stop() }
    let start = Clocks.monotonicNanoseconds()
    _ = swarm.run((0..<workers).map { (bot: parallel ? $0 : 0, task: BotTask.work(seed: UInt64($0 + 1), iterations: calibration.iterations)) })
    return Double(Clocks.monotonicNanoseconds() - start) / 1e9
}

func referenceWall(workers: Int, parallel: Bool) -> Double {
    let output = run(referenceBinary, [String(workers), String(calibration.iterations), parallel ? "par" : "seq"])
    return Double(output.split(separator: " ").first ?? "") ?? .nan
}

if wants("efficiency") {
print("Parallel efficiency E = S / min(W, P), S = T(sequential) / T(parallel)")
print("  W   Swift E            C E                Swift/C")
for workers in [1, 2, 4, 8] {
    let k = Double(min(workers, cores))
    var swiftE: [Double] = []
    var cE: [Double] = []
    for _ in 0..<trials {
        swiftE.append(swiftWall(workers: workers, parallel: false) / swiftWall(workers: workers, parallel: true) / k)
        if haveReference {
            cE.append(referenceWall(workers: workers, parallel: false) / referenceWall(workers: workers, parallel: true) / k)
        }
    }
    let ratio = haveReference ? String(format: "%.3f", median(swiftE) / median(cE)) : "n/a (no cc)"
    print(String(format: "  %-3d %.3f %@  %.3f %@  %@", workers, median(swiftE), spread(swiftE), haveReference ? median(cE) : .nan,
                 spread(cE), ratio))
}

}

if wants("spawn") {
print("\nSpawn + join (each in a fresh process; peak RSS of that process)")
print("  bots     seconds                   peak RSS")
for count in [100, 1000, 10_000] {
    var seconds: [Double] = []
    var rss: [Double] = []
    for _ in 0..<trials {
        let output = run(arguments[0], ["--spawn", String(count)]).split(separator: " ")
        if output.count == 2, let time = Double(output[0]), let bytes = Double(output[1].trimmingCharacters(in: .whitespacesAndNewlines)) {
            seconds.append(time)
            rss.append(bytes)
        }
    }
    print(String(format: "  %-7d  %.4f %@  %.1f MB", count, median(seconds), spread(seconds), median(rss) / 1e6))
}

}

if wants("sampler") {
print("\nSampler overhead (24 idle bots; sampler thread CPU ÷ wall, as a fraction of one core)")
if let swarm = try? Swarm(botCount: 24) {
    for rate in [1.0, 20.0] {
        var fractions: [Double] = []
        for _ in 0..<trials {
            let sampler = Sampler(rateHz: rate)
            sampler.start()
            Thread.sleep(forTimeInterval: 2)
            fractions.append(sampler.stop().overhead.fractionOfOneCore)
        }
        print(String(format: "  %4.0f Hz  %.4f%% %@", rate, median(fractions) * 100, spread(fractions.map { $0 * 100 })))
    }
    swarm.stop()
}
}

if arguments.contains("--procfs-costs") {
    // Where a sample's time goes: each /proc read, 1,000 times, on this thread's CPU clock.
    let tids = ProcFS.taskIDs()
    func cost(_ label: String, _ body: () -> Void) {
        let start = Clocks.threadCPUSeconds()
        for _ in 0..<1000 { body() }
        print(String(format: "  %-28@ %.1f µs", label, (Clocks.threadCPUSeconds() - start) * 1000))
    }
    cost("task list", { _ = ProcFS.taskIDs() })
    cost("one thread schedstat", { _ = ProcFS.schedStat(tid: tids[0]) })
    cost("one thread stat (parse)", { _ = ProcFS.threadStat(tid: tids[0]) })
    cost("/proc/stat", { _ = ProcFS.cpuTimes() })
    cost("/proc/self/status", { _ = ProcFS.threadCount() })
}
