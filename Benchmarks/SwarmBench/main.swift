// swarm-bench: SwarmRuntime measured side by side with a C pthreads reference, in one run.
//
//   swift run -c release swarm-bench                  the full benchmark
//   swarm-bench --trials N                            trials per figure (default 3, at least 3)
//   swarm-bench --only efficiency|spawn|sampler       one section
//   swarm-bench --probe                               the system probe as JSON (used by the tests)
//   swarm-bench --spawn N                             (child) spawn + tiny task + join N bots
//   swarm-bench --only sampler --sampler-bots N       sampler overhead beside N idle bots (default 24)
//   swarm-bench --only none --procfs-costs            the cost of each /proc read a sample makes
//
// Every figure is the median of the trials with its [min–max] spread.
import Foundation
import SwarmRuntime

let arguments = CommandLine.arguments

func value(after flag: String) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func spread(_ values: [Double], _ format: String = "%.3f") -> String {
    guard let low = values.min(), let high = values.max() else { return "[no data]" }
    return "[" + String(format: format, low) + "–" + String(format: format, high) + "]"
}

func seconds(since start: UInt64) -> Double { Double(Clocks.monotonicNanoseconds() - start) / 1e9 }

/// Runs a program and returns its standard output ("" when it cannot be started).
func capture(_ executable: String, _ args: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return "" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : ""
}

// MARK: Child modes

if arguments.contains("--probe") {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
        FileHandle.standardOutput.write(try encoder.encode(SystemProbe.snapshot()))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: could not encode the probe: \(error)\n".utf8))
        exit(1)
    }
}

if let text = value(after: "--spawn") {
    // One fresh process per measurement, so peak RSS is this swarm's alone.
    guard let count = Int(text) else {
        FileHandle.standardError.write(Data("error: --spawn needs a bot count\n".utf8))
        exit(2)
    }
    let baseline = ProcFS.memoryUsage()?.peakResidentBytes ?? 0
    let threadsBefore = ProcFS.threadCount() ?? -1
    let start = Clocks.monotonicNanoseconds()
    do {
        let swarm = try Swarm(botCount: count, stackSize: 256 * 1024)
        let spawned = seconds(since: start)
        _ = swarm.runConcurrently((0..<count).map { BotTask.work(seed: UInt64($0), iterations: 64) })
        let joinStart = Clocks.monotonicNanoseconds()
        swarm.stop()
        let joined = seconds(since: joinStart)
        let total = seconds(since: start)
        // The kernel drops joined threads from its count a moment after pthread_join.
        var threadsAfter = ProcFS.threadCount() ?? -1
        let deadline = Clocks.monotonicNanoseconds() + 1_000_000_000
        while threadsAfter != threadsBefore, Clocks.monotonicNanoseconds() < deadline {
            usleep(1_000)
            threadsAfter = ProcFS.threadCount() ?? -1
        }
        let peak = ProcFS.memoryUsage()?.peakResidentBytes ?? 0
        print(String(format: "%.6f %.6f %.6f %llu %llu %d %d", total, spawned, joined, peak, baseline, threadsBefore, threadsAfter))
        exit(0)
    } catch let error as SwarmError {
        FileHandle.standardError.write(Data("error: \(error)\nhint: \(error.hint)\n".utf8))
        exit(1)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

// MARK: The benchmark

/// CPU seconds of this process and its reaped children (the C reference runs), from getrusage.
func ownCPUSeconds() -> Double {
    func read(_ who: Int32) -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(who), &usage) == 0 else { return 0 }
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    return read(RUSAGE_SELF.rawValue) + read(RUSAGE_CHILDREN.rawValue)
}

/// Measures what other tenants ran on this process's CPUs over a section: /proc/stat busy time
/// minus this process's (and its children's) CPU, in CPUs' worth; steal apart.
struct ForeignLoad {
    let cpus: Set<Int>
    let start = Clocks.monotonicNanoseconds()
    let own = ownCPUSeconds()
    let times: [ProcFS.CPUTimes]

    init(cpus: [Int]) {
        self.cpus = Set(cpus)
        times = ProcFS.cpuTimes().filter { Set(cpus).contains($0.cpu) }
    }

    func report() -> String {
        let now = ProcFS.cpuTimes().filter { cpus.contains($0.cpu) }
        let wall = seconds(since: start)
        let busy = Double(now.reduce(0) { $0 + $1.busy } &- times.reduce(0) { $0 + $1.busy }) / ProcFS.ticksPerSecond
        let steal = Double(now.reduce(0) { $0 + $1.steal } &- times.reduce(0) { $0 + $1.steal }) / ProcFS.ticksPerSecond
        let foreign = max(0, busy - (ownCPUSeconds() - own)) / wall
        return String(format: "other tenants during this section: %.2f CPUs' worth (steal %.2f) over %.0f s%@", foreign, steal / wall, wall,
                      foreign > 0.1 ? " — DISTURBED, re-run when the machine is quieter" : "")
    }
}

func wants(_ section: String) -> Bool {
    guard let only = value(after: "--only") else { return true }
    return only == section
}

let trials = max(3, Int(value(after: "--trials") ?? "") ?? 3)
let snapshot = SystemProbe.snapshot()
let cores = snapshot.availableParallelism
print("swarm-bench — \(snapshot.cpuModel), \(snapshot.logicalCPUsOnline) CPUs online, \(snapshot.osName), kernel \(snapshot.kernelRelease)")
print("P = \(cores) (\(snapshot.availableParallelismDerivation)); load average at start \(snapshot.loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " "))")
print("\(trials) trials per figure: median [min–max]")

if wants("efficiency") {
    let taskSeconds = 0.25
    let calibration = WorkKernel.calibrate(targetSeconds: taskSeconds, trials: 5)
    let iterations = calibration.iterations
    print("\n== Parallel efficiency: E = S / min(W, P), S = T(W tasks on 1 bot, one after another) / T(W tasks on W bots)")
    print("task: \(iterations) iterations ≈ \(taskSeconds) s on one core (calibration trials \(calibration.trialSeconds.map { String(format: "%.4f", $0) }.joined(separator: ", ")) s for \(calibration.trialIterations) iterations)")

    // The C reference, compiled now with the system compiler from the source beside this file.
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("reference.c").path
    let binary = FileManager.default.temporaryDirectory.appendingPathComponent("attest-swarm-reference-\(getpid())").path
    _ = capture("/usr/bin/env", ["cc", "-O2", "-pthread", source, "-o", binary])
    let haveReference = FileManager.default.isExecutableFile(atPath: binary)
    defer { try? FileManager.default.removeItem(atPath: binary) }
    if !haveReference { print("C reference: could not compile \(source) with `cc -O2 -pthread`: C columns are n/a") }

    func referenceRun(workers: Int, iterations: Int, parallel: Bool) -> (wall: Double, lanes: [String]) {
        let fields = capture(binary, [String(workers), String(iterations), parallel ? "par" : "seq"]).split(whereSeparator: \.isWhitespace)
        return (Double(fields.first ?? "") ?? .nan, fields.dropFirst().map(String.init))
    }

    if haveReference {
        // Same kernel? Compare the final lanes, XOR-ed over seeds 1...8, lane by lane.
        let checkIterations = 1_000_003
        var lanes: [UInt64] = [0, 0, 0, 0]
        for seed in 1...8 {
            var state = WorkKernel.State(seed: UInt64(seed))
            state.advance(checkIterations)
            for (index, word) in state.words.enumerated() { lanes[index] ^= word }
        }
        let swiftLanes = lanes.map { String(format: "%016llx", $0) }
        let cLanes = referenceRun(workers: 8, iterations: checkIterations, parallel: true).lanes
        print("same kernel: C and Swift final states \(swiftLanes == cLanes ? "match" : "DIFFER") lane by lane (seeds 1–8, \(checkIterations) iterations)")
    }

    func swiftWall(workers: Int, parallel: Bool) -> Double {
        do {
            let swarm = try Swarm(botCount: parallel ? workers : 1)
            defer { swarm.stop() }
            let tasks = (0..<workers).map { BotTask.work(seed: UInt64($0 + 1), iterations: iterations) }
            let start = Clocks.monotonicNanoseconds()
            _ = parallel ? swarm.runConcurrently(tasks) : swarm.runSequentially(tasks)
            return seconds(since: start)
        } catch {
            return .nan
        }
    }

    let efficiencyLoad = ForeignLoad(cpus: snapshot.affinityCPUs)
    print("  W   Swift T(par) s        Swift E               C T(par) s            C E                   Swift/C E")
    for workers in [1, 2, 4, 8] {
        let k = Double(min(workers, cores))
        var swiftE: [Double] = [], cE: [Double] = [], swiftPar: [Double] = [], cPar: [Double] = []
        for _ in 0..<trials {
            // Interleaved, so a neighbour's burst lands on both sides alike.
            let sequential = swiftWall(workers: workers, parallel: false)
            let parallel = swiftWall(workers: workers, parallel: true)
            swiftPar.append(parallel)
            swiftE.append(sequential / parallel / k)
            if haveReference {
                let cSequential = referenceRun(workers: workers, iterations: iterations, parallel: false).wall
                let cParallel = referenceRun(workers: workers, iterations: iterations, parallel: true).wall
                cPar.append(cParallel)
                cE.append(cSequential / cParallel / k)
            }
        }
        let ratio = haveReference ? String(format: "%.3f", median(swiftE) / median(cE)) : "n/a"
        print(String(format: "  %-3d %.3f %@  %.3f %@  %.3f %@  %.3f %@  %@", workers,
                     median(swiftPar), spread(swiftPar), median(swiftE), spread(swiftE),
                     median(cPar), spread(cPar), median(cE), spread(cE), ratio))
    }
    print("  " + efficiencyLoad.report())
}

if wants("spawn") {
    print("\n== Spawn + tiny task + join, each trial in a fresh process (256 KiB stacks); peak RSS = that process's VmHWM")
    let spawnLoad = ForeignLoad(cpus: snapshot.affinityCPUs)
    print("  bots     total s                   spawn s      join s       peak RSS MB             (before spawning)  threads after = before")
    for count in [100, 1000, 10_000] {
        var total: [Double] = [], spawn: [Double] = [], join: [Double] = [], peak: [Double] = [], baseline: [Double] = []
        var leakFree = true
        for _ in 0..<trials {
            let fields = capture(arguments[0], ["--spawn", String(count)]).split(whereSeparator: \.isWhitespace).map(String.init)
            guard fields.count == 7, let t = Double(fields[0]), let s = Double(fields[1]), let j = Double(fields[2]),
                  let p = Double(fields[3]), let b = Double(fields[4]) else {
                leakFree = false
                continue
            }
            total.append(t); spawn.append(s); join.append(j); peak.append(p / 1e6); baseline.append(b / 1e6)
            if fields[5] != fields[6] { leakFree = false }
        }
        print(String(format: "  %-7d  %.4f %@  %.4f       %.4f       %.1f %@  (%.1f)             %@", count,
                     median(total), spread(total, "%.4f"), median(spawn), median(join),
                     median(peak), spread(peak, "%.1f"), median(baseline), leakFree ? "yes" : "NO"))
    }
    print("  " + spawnLoad.report())
}

if wants("sampler") {
    let bots = Int(value(after: "--sampler-bots") ?? "") ?? 24
    let windowSeconds = 3.0
    print("\n== Sampler overhead: sampler thread CPU ÷ wall (fraction of one core), \(bots) idle bots, \(Int(windowSeconds)) s per trial")
    do {
        let swarm = try Swarm(botCount: bots)
        defer { swarm.stop() }
        let samplerLoad = ForeignLoad(cpus: snapshot.affinityCPUs)
        defer { print("  " + samplerLoad.report()) }
        for rate in [1.0, 20.0] {
            var fractions: [Double] = []
            var counts: [Double] = []
            var threads: [Double] = []
            for _ in 0..<trials {
                let sampler = Sampler(rateHz: rate, cpus: snapshot.affinityCPUs)
                try sampler.startSampling()
                Thread.sleep(forTimeInterval: windowSeconds)
                let (samples, overhead) = sampler.stop()
                fractions.append(overhead.fractionOfOneCore * 100)
                counts.append(Double(samples.count))
                threads.append(median(samples.map { Double($0.threadCount) }))
            }
            print(String(format: "  %4.0f Hz  %.3f%% of one core %@  (%.0f samples of %.0f threads each)", rate, median(fractions),
                         spread(fractions, "%.3f%%"), median(counts), median(threads)))
        }
    } catch let error as SwarmError {
        print("  error: \(error)\n  hint: \(error.hint)")
    } catch {
        print("  error: \(error)")
    }
}

if arguments.contains("--procfs-costs") {
    // Where a sample's time goes: each /proc read, 1,000 times, on this thread's CPU clock.
    print("\n== /proc read costs (thread CPU per read, 1,000 reads each)")
    let tids = ProcFS.taskIDs()
    func cost(_ label: String, _ body: () -> Void) {
        let start = Clocks.threadCPUSeconds()
        for _ in 0..<1000 { body() }
        print("  " + label.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%.1f µs", (Clocks.threadCPUSeconds() - start) * 1000))
    }
    cost("task list", { _ = ProcFS.taskIDs() })
    cost("one thread schedstat", { _ = ProcFS.schedStat(tid: tids[0]) })
    cost("one thread stat (open+parse)", { _ = ProcFS.threadStat(tid: tids[0]) })
    cost("/proc/stat", { _ = ProcFS.cpuTimes() })
    cost("thread count (/proc/self/stat)", { _ = ProcFS.threadCount() })
}
