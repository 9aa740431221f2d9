import Foundation
import Testing
@testable import SwarmRuntime

/// Swarm behaviour measured from the OS. Serialised: these tests compete for the 2 cores.
@Suite("Swarm on OS threads", .serialized)
struct SwarmTests {
    static var affinity: Int { SystemProbe.affinityCPUs().count }

    @Test("threaded, 2 bots on 2 CPUs: process CPU ≈ sum of per-bot CPU, each bot its share, 2 distinct CPUs")
    func threadedTwoBots() throws {
        guard Self.affinity >= 2 else {
            Issue.record("skipped: this process may use only \(Self.affinity) CPU")
            return
        }
        let iterations = WorkKernel.calibrate(targetSeconds: 0.3).iterations
        let swarm = try Swarm(botCount: 2)
        defer { swarm.stop() }
        var seen = Set<Int>()
        for attempt in 0..<3 {
            let processBefore = Clocks.processCPUSeconds()
            let reports = swarm.run([(bot: 0, task: .work(seed: UInt64(attempt), iterations: iterations)),
                                     (bot: 1, task: .work(seed: UInt64(attempt + 10), iterations: iterations))])
            let processCPU = Clocks.processCPUSeconds() - processBefore
            let botCPU = reports.reduce(0) { $0 + $1.cpuSeconds }
            #expect(abs(processCPU - botCPU) / botCPU < 0.15, "process \(processCPU) vs bots \(botCPU)")
            for report in reports {
                #expect(report.cpuSeconds / botCPU > 0.35, "bot \(report.botIndex) had \(report.cpuSeconds) of \(botCPU)")
                if let procStat = report.procStatCPUSeconds {
                    #expect(abs(procStat - report.cpuSeconds) < 0.05, "/proc says \(procStat), clock \(report.cpuSeconds)")
                }
            }
            #expect(Set(reports.map(\.threadID)).count == 2)
            reports.forEach { seen.formUnion($0.cpusSeen) }
            if seen.count >= 2 { break }
        }
        #expect(seen.count >= 2, "bots seen only on CPUs \(seen)")
    }

    @Test("cooperative: every bot runs on exactly one OS thread")
    func cooperative() throws {
        let before = ProcFS.threadCount() ?? 0
        let swarm = try Swarm(botCount: 8, mode: .cooperative)
        let during = ProcFS.threadCount() ?? 0
        #expect(during - before == 1, "cooperative mode added \(during - before) threads")
        let reports = swarm.run((0..<8).map { (bot: $0, task: BotTask.work(seed: UInt64($0), iterations: 2_000_000)) })
        #expect(Set(reports.map(\.threadID)).count == 1)
        #expect(Set(swarm.botThreadIDs).count == 1)
        // Interleaved like coroutines: the tasks' lifetimes overlap although one thread ran them.
        let firstEnd = reports.map(\.endNanoseconds).min() ?? 0
        let lastStart = reports.map(\.startNanoseconds).max() ?? 0
        #expect(lastStart < firstEnd)
        swarm.stop()
        #expect((ProcFS.threadCount() ?? 0) == before)
    }

    @Test("1,000 bots spawn, run a tiny task each, and join; the thread count returns to its start")
    func thousandBots() throws {
        let before = ProcFS.threadCount() ?? 0
        let swarm = try Swarm(botCount: 1000, stackSize: 256 * 1024)
        #expect((ProcFS.threadCount() ?? 0) >= before + 1000)
        let reports = swarm.run((0..<1000).map { (bot: $0, task: BotTask.work(seed: UInt64($0), iterations: 100)) })
        #expect(reports.count == 1000)
        #expect(Set(reports.map(\.threadID)).count == 1000)
        #expect(swarm.bots.allSatisfy { $0.state == .idle || $0.state == .running })
        swarm.stop()
        #expect(swarm.bots.allSatisfy { $0.state == .joined })
        #expect((ProcFS.threadCount() ?? 0) == before)
    }

    @Test("100 idle bots for 1 s use under 2% of one core in total, and keep a heartbeat")
    func idleBots() throws {
        let swarm = try Swarm(botCount: 100, heartbeatInterval: 0.25)
        defer { swarm.stop() }
        let tids = swarm.botThreadIDs
        let before = tids.compactMap { ProcFS.threadStat(tid: $0)?.cpuSeconds }.reduce(0, +)
        let schedBefore = tids.compactMap { ProcFS.schedStat(tid: $0)?.runNanoseconds }.reduce(0, +)
        Thread.sleep(forTimeInterval: 1)
        let after = tids.compactMap { ProcFS.threadStat(tid: $0)?.cpuSeconds }.reduce(0, +)
        let schedAfter = tids.compactMap { ProcFS.schedStat(tid: $0)?.runNanoseconds }.reduce(0, +)
        // schedstat counts nanoseconds, finer than /proc's 10 ms ticks.
        let used = Double(schedAfter - schedBefore) / 1e9
        #expect(used < 0.02, "idle bots used \(used) s of CPU in 1 s")
        #expect(after - before < 0.05)
        #expect(swarm.bots.allSatisfy { $0.heartbeats >= 2 }, "heartbeats: \(swarm.bots.map(\.heartbeats).prefix(5))")
    }

    @Test("pinned bots stay on one CPU; sleep tasks use no CPU")
    func pinnedAndSleep() throws {
        let swarm = try Swarm(botCount: 2, pinnedCPU: SystemProbe.affinityCPUs().first ?? 0)
        defer { swarm.stop() }
        let reports = swarm.run([(bot: 0, task: .work(seed: 1, iterations: 2_000_000)), (bot: 1, task: .work(seed: 2, iterations: 2_000_000))])
        #expect(Set(reports.flatMap(\.cpusSeen)).count == 1)
        let sleeps = swarm.run([(bot: 0, task: .sleep(seconds: 0.05)), (bot: 1, task: .sleep(seconds: 0.05))])
        #expect(sleeps.allSatisfy { $0.cpuSeconds < 0.01 && $0.digest.isEmpty && $0.wallSeconds >= 0.04 })
    }

    @Test("a bot count outside 1...10,000 is refused")
    func invalidCount() {
        #expect(throws: SwarmError.invalidBotCount(0)) { try Swarm(botCount: 0) }
        #expect(throws: SwarmError.invalidBotCount(10_001)) { try Swarm(botCount: 10_001) }
    }

    @Test("the sampler counts threads and measures its own overhead")
    func sampler() throws {
        let swarm = try Swarm(botCount: 5)
        defer { swarm.stop() }
        let sampler = Sampler(rateHz: 20)
        sampler.start()
        Thread.sleep(forTimeInterval: 0.5)
        let (samples, overhead) = sampler.stop()
        #expect(samples.count >= 5)
        #expect(samples.allSatisfy { $0.threadCount >= 6 })
        #expect(samples.allSatisfy { sample in swarm.botThreadIDs.allSatisfy(sample.threadIDs.contains) })
        #expect(overhead.wallSeconds > 0.4)
        #expect(overhead.fractionOfOneCore < 0.5)
    }

    @Test("under taskset -c 0, available parallelism is 1")
    func tasksetOneCPU() throws {
        guard FileManager.default.fileExists(atPath: "/usr/bin/taskset") else {
            Issue.record("skipped: taskset is not installed")
            return
        }
        let bench = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var folder = bench
        var binary: URL?
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("swarm-bench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { binary = candidate; break }
            folder.deleteLastPathComponent()
        }
        let executable = try #require(binary, "swarm-bench is built with the tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-c", "0", executable.path, "--probe"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let snapshot = try JSONDecoder().decode(SystemSnapshot.self, from: data)
        #expect(snapshot.availableParallelism == 1)
        #expect(snapshot.affinityCPUs == [0])
        #expect(snapshot.availableParallelismDerivation.contains("affinity 1"))
    }
}
