import Foundation
import Testing
import Evidence
@testable import Gates

/// The programs the external-command tests measure (Tests/ExternalPrograms), and a scratch folder.
enum ExternalPrograms {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ExternalPrograms")

    /// The system python3 itself (a pyenv shim would add bash processes to every tree).
    static func python() throws -> String {
        try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile),
                     "python3 is needed for the external-command tests")
    }

    /// A temporary folder holding a copy of swarm_work.py.
    static func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attest-ext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: folder.appendingPathComponent("swarm_work.py"), to: directory.appendingPathComponent("swarm_work.py"))
        return directory
    }

    /// `python3 swarm_work.py MODE 2 ITERATIONS` against its baseline mode.
    static func configuration(_ mode: String, baseline: String, iterations: Int = 2_000_000, in directory: URL) throws -> ExternalCommandConfiguration {
        let python = try python()
        return ExternalCommandConfiguration(command: "\(python) swarm_work.py \(mode) 2 \(iterations)",
                                            baselineCommand: "\(python) swarm_work.py \(baseline) 2 \(iterations)", directory: directory)
    }

    static func session(_ configuration: ExternalCommandConfiguration, workers: Int = 2, rounds: Int = 1) throws -> (ExternalSession, ConcurrencyProof.Judgement) {
        let session = try ExternalMeasurer(configuration: configuration, workers: workers, rounds: rounds, sampleHz: 20,
                                           maxRounds: RunConfiguration.defaultMaxRounds).session { _, _, _ in }
        let judgement = ExternalProof.judge(parameters: session.parameters, measurements: session.measurements, criteria: .standard)
        return (session, judgement)
    }

    /// A session expected to pass. A measurement on a shared 2-CPU machine: another tenant (or
    /// the hypervisor slowing one vCPU) can make one attempt inconclusive or slow, so the median of
    /// `rounds` rounds and up to three attempts; the criterion is never loosened.
    static func passingSession(_ configuration: ExternalCommandConfiguration, rounds: Int = 1) throws -> (ExternalSession, ConcurrencyProof.Judgement) {
        var last = try session(configuration, rounds: rounds)
        for _ in 0..<2 where last.1.outcome.status != .passed {
            last = try session(configuration, rounds: rounds)
        }
        #expect(last.1.outcome.status == .passed, "\(describe(last.1))")
        return last
    }

    static func describe(_ judgement: ConcurrencyProof.Judgement) -> String {
        "\(judgement.outcome.status.rawValue): \(judgement.outcome.summary) | \(judgement.diagnosis.joined(separator: " | "))"
    }
}

/// Parsing the command line and recording it: pure, no process started.
@Suite("External command: parsing and records")
struct ExternalCommandParsingTests {
    @Test("command lines split into words like a shell, without expansion", arguments: [
        ("python3 swarm.py --bots 4", ["python3", "swarm.py", "--bots", "4"]),
        ("  a   b  ", ["a", "b"]),
        ("run 'two words' \"and $HOME\" x\\ y", ["run", "two words", "and $HOME", "x y"]),
        ("echo \"a \\\"quoted\\\" word\" ''", ["echo", "a \"quoted\" word", ""]),
        ("p \"back\\slash\"", ["p", "back\\slash"]),
    ])
    func split(_ input: String, _ expected: [String]) throws {
        #expect(try CommandLineWords.split(input, flag: "--cmd") == expected)
    }

    @Test("an unterminated quote is refused, naming the flag", arguments: ["a 'b", "a \"b", "a b\\"])
    func unterminated(_ input: String) {
        #expect(throws: ExternalCommandError.unterminatedQuote(flag: "--cmd", command: input)) {
            try CommandLineWords.split(input, flag: "--cmd")
        }
    }

    @Test("the argv digest is SHA-256 of each argument followed by NUL")
    func argvDigest() {
        // printf 'python3\0x.py\0' | sha256sum
        #expect(PreparedCommand.argvDigest(["python3", "x.py"]) == SHA256Digest.hex(Array("python3\0x.py\0".utf8)))
        #expect(PreparedCommand.argvDigest(["ab"]) != PreparedCommand.argvDigest(["a", "b"]))
    }

    @Test("secret-looking variables are recorded redacted, others as they are")
    func redaction() {
        let (recorded, redacted) = EnvironmentRecord.redact(["PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "GITHUB_TOKEN": "t",
                                                             "db_password": "p", "HOME": "/root"])
        #expect(recorded["PATH"] == "/bin" && recorded["HOME"] == "/root")
        #expect(redacted == ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "db_password"])
        #expect(!recorded.values.contains("s3cr3t") && !recorded.values.contains("t") && !recorded.values.contains("p"))
    }

    @Test("a command is recorded with its executable's and script's SHA-256; a missing program is refused")
    func prepare() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let commands = try ExternalPrograms.configuration("procs", baseline: "seq", in: directory).prepare(environment: ["PATH": "/usr/bin", "API_KEY": "x"])
        let target = commands.parallel.target
        #expect(target.kind == "external_command" && target.role == "parallel")
        #expect(target.executableSHA256 == SHA256Digest.hex(try Data(contentsOf: URL(fileURLWithPath: target.executableResolved))))
        #expect(target.argumentFiles.map(\.argument) == ["swarm_work.py"])
        #expect(target.environment["API_KEY"] == "<redacted>")
        #expect(commands.baseline.target.role == "baseline")
        let missing = ExternalCommandConfiguration(command: "no-such-program-attest 1", baselineCommand: "true", directory: directory)
        #expect(throws: ExternalCommandError.executableNotFound(flag: "--cmd", program: "no-such-program-attest", searched: "PATH")) {
            try missing.prepare(environment: ["PATH": "/usr/bin:/bin"])
        }
        let shell = try ExternalCommandConfiguration(command: "echo $HOME | wc -c", baselineCommand: "true", shell: true, directory: directory)
            .prepare(environment: ["PATH": "/usr/bin:/bin"])
        #expect(shell.parallel.target.argv == ["/bin/sh", "-c", "echo $HOME | wc -c"] && shell.parallel.target.shell)
        let empty = ExternalCommandConfiguration(command: "true", baselineCommand: "   ", directory: directory)
        #expect(throws: ExternalCommandError.emptyCommand(flag: "--baseline-cmd")) { try empty.prepare() }
    }
}

/// Synthetic external records: the criterion, the diagnosis and re-derivation on exact numbers.
@Suite("External command: criterion and re-derivation")
struct ExternalCriteriaTests {
    static let target = CommandTarget(
        kind: "external_command", role: "parallel", command: "python3 swarm.py --bots 2", shell: false,
        argv: ["python3", "swarm.py", "--bots", "2"], argvSHA256: String(repeating: "a", count: 64), executable: "/usr/bin/python3",
        executableResolved: "/usr/bin/python3.11", executableSHA256: String(repeating: "b", count: 64), argumentFiles: [],
        cwd: "/tmp", environment: [:], redactedVariables: [])

    static func run(_ role: String, wall: Double, cpu: Double, output: String = "out", switches: Int = 5, foreign: Double = 0) -> ExternalProof.CommandRun {
        ExternalProof.CommandRun(
            role: role, pinnedCPU: nil, exitStatus: 0, wallSeconds: wall, userCPUSeconds: cpu, systemCPUSeconds: 0,
            sampledCPUSeconds: cpu * 0.9, voluntarySwitches: switches, involuntarySwitches: 1, maxResidentKiB: 1000,
            runQueueWaitSeconds: 0, peakThreads: 3, peakProcesses: 3, cpusSeen: [0, 1], outputSHA256: output, outputSource: "stdout",
            outputBytes: 3, foreignCPUs: foreign, stealCPUs: 0, samplerCPUSeconds: 0.01,
            threads: [.init(pid: 10, tid: 10, cpuSeconds: cpu, runQueueWaitSeconds: 0, cpusSeen: [0])],
            samples: [.init(seconds: 0, threads: 3, processes: 3, cores: [])])
    }

    /// Two rounds of a 2-worker program; the parallel run takes `parallelWall` for `parallelCPU`.
    static func measurements(parallelWall: Double, parallelCPU: Double, switches: Int = 5, outputs: [String] = ["out", "out", "out", "out"],
                             foreign: Double = 0) -> ExternalProof.Measurements {
        let rounds = (0..<2).map { index in
            ExternalProof.Round(index: index + 1, order: ["baseline", "parallel"],
                                baseline: run("baseline", wall: 2, cpu: 2, output: outputs[index * 2]),
                                parallel: run("parallel", wall: parallelWall, cpu: parallelCPU, output: outputs[index * 2 + 1],
                                              switches: switches, foreign: foreign))
        }
        var measurements = ExternalProof.Measurements(
            availableParallelism: 2, availableParallelismDerivation: "test", affinityCPUs: [0, 1], warmup: [], rounds: rounds,
            controls: [.init(name: "pinned_one_cpu", description: "", parallel: run("parallel", wall: 2.1, cpu: 2))])
        measurements.analysis = ExternalProof.judge(parameters: parameters, measurements: measurements, criteria: .standard).figures?.analysis
        return measurements
    }

    static let parameters = ExternalProof.Parameters(target: target, baseline: target, workers: 2, rounds: 2, warmupRounds: 1,
                                                     resultFile: nil, sampleHz: 20, protocolDescription: "test")

    static func judge(_ measurements: ExternalProof.Measurements) -> ConcurrencyProof.Judgement {
        ExternalProof.judge(parameters: parameters, measurements: measurements, criteria: .standard)
    }

    @Test("a program twice as fast with twice the CPU/wall passes; the pinned control fails as it must")
    func passes() {
        let judgement = Self.judge(Self.measurements(parallelWall: 1.05, parallelCPU: 2.05))
        #expect(judgement.outcome.status == .passed, "\(ExternalPrograms.describe(judgement))")
        #expect(judgement.controls.allSatisfy { $0.failedAsExpected })
    }

    @Test("CPU/wall ≈ 1 with many voluntary switches fails with the lock diagnosis")
    func lock() {
        let judgement = Self.judge(Self.measurements(parallelWall: 1.9, parallelCPU: 2, switches: 600))
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.diagnosis.contains { $0.contains("threads serialised by a global lock (e.g. Python's GIL)") }, "\(judgement.diagnosis)")
    }

    @Test("CPU/wall ≈ 0 fails with the waiting diagnosis, even at S ≈ k")
    func waiting() {
        let judgement = Self.judge(Self.measurements(parallelWall: 1, parallelCPU: 0.05))
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.diagnosis.contains { $0.contains("the program waits (sleep or I/O)") }, "\(judgement.diagnosis)")
    }

    @Test("outputs that differ fail the gate, even under other tenants' load")
    func outputsDiffer() {
        let judgement = Self.judge(Self.measurements(parallelWall: 1.05, parallelCPU: 2.05, outputs: ["a", "b", "a", "c"], foreign: 1.5))
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.outcome.summary.contains("the work is not fixed: outputs differ"), "\(judgement.outcome.summary)")
        #expect(judgement.diagnosis.contains { $0.hasPrefix("outputs differ: time-bounded work") })
    }

    @Test("on one CPU the claim is not shown")
    func oneCPU() {
        var measurements = Self.measurements(parallelWall: 1.05, parallelCPU: 2.05)
        measurements.availableParallelism = 1
        #expect(Self.judge(measurements).outcome.status == .notShown)
    }

    /// A signed bundle holding one external gate-2 record with these measurements and claim.
    static func bundle(_ measurements: ExternalProof.Measurements, claimed: GateStatus, verdict: Verdict) throws -> Data {
        try RederivationTests.gate2Bundle(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                          claimedStatus: claimed, claimedVerdict: verdict, runID: String(repeating: "e", count: 32))
    }

    @Test("an honest external record verifies; one edited to claim a pass over GIL-bound figures, re-signed, is flagged")
    func tampered() throws {
        let honest = RederivationTests.verify(try Self.bundle(Self.measurements(parallelWall: 1.05, parallelCPU: 2.05), claimed: .passed, verdict: .minimal))
        #expect(honest.isVerified, "\(honest.allFindings)")
        let lie = RederivationTests.verify(try Self.bundle(Self.measurements(parallelWall: 1.9, parallelCPU: 2, switches: 600),
                                                           claimed: .passed, verdict: .minimal))
        let codes = Set(lie.allFindings.map(\.code))
        #expect(codes.contains("verdict.gate-mismatch"), "\(lie.allFindings)")
        #expect(codes.contains("verdict.mismatch"))
        #expect(!codes.contains("signature.invalid"))
        // Read as the built-in proof's schema it would not even decode: the dispatch is on parameters.target.kind.
        let message = lie.allFindings.first { $0.code == "verdict.gate-mismatch" }?.message ?? ""
        #expect(message.contains("claims passed but its measurements give failed"), "\(message)")
    }
}

/// Real programs, measured from the OS. Serialised: they compete for the 2 cores.
@Suite("External command: measured programs", .serialized, .tags(.timing))
struct ExternalMeasuredTests {
    @Test("a CPU-bound multi-process Python program passes gate 2 on 2 CPUs, with its processes counted")
    func processesPass() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // About 1.3 s of work: the pool's start-up (fork, imports) is then a small part of the
        // parallel run, and the median of two rounds rides out a slowed vCPU.
        let configuration = try ExternalPrograms.configuration("procs", baseline: "seq", iterations: 6_000_000, in: directory)
        let (session, judgement) = try ExternalPrograms.passingSession(configuration, rounds: 2)
        let parallel = try #require(session.measurements.rounds.first?.parallel)
        #expect(parallel.peakProcesses >= 3, "the pool's 2 worker processes and the parent: \(parallel.peakProcesses)")
        #expect(parallel.threads.count >= 3)
        #expect(Set(parallel.threads.map(\.pid)).count >= 3)
        #expect(judgement.controls.first?.failedAsExpected == true)
        print("procs: \(ExternalPrograms.describe(judgement))")
    }

    @Test("a GIL-bound threaded Python program fails with the lock diagnosis; a sleeping one with the waiting diagnosis", arguments: [
        ("threads", "seq", "threads serialised by a global lock (e.g. Python's GIL)"),
        ("sleep", "sleepseq", "the program waits (sleep or I/O)"),
    ])
    func failsWithDiagnosis(_ mode: String, _ baseline: String, _ diagnosis: String) throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (session, judgement) = try ExternalPrograms.session(try ExternalPrograms.configuration(mode, baseline: baseline, in: directory))
        #expect(!judgement.outcome.status.passed, "\(ExternalPrograms.describe(judgement))")
        #expect(judgement.diagnosis.contains { $0.contains(diagnosis) }, "\(ExternalPrograms.describe(judgement))")
        // One process whose 2 worker threads the OS saw.
        #expect(session.measurements.rounds.first?.parallel.peakThreads ?? 0 >= 3)
        #expect(session.measurements.rounds.first?.parallel.peakProcesses == 1)
        print("\(mode): \(ExternalPrograms.describe(judgement))")
    }

    @Test("a program whose output depends on time fails with \"outputs differ\"")
    func timeBoundedFails() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, judgement) = try ExternalPrograms.session(
            try ExternalPrograms.configuration("timed", baseline: "timedseq", iterations: 1_200_000, in: directory))
        #expect(judgement.outcome.status == .failed, "\(ExternalPrograms.describe(judgement))")
        #expect(judgement.outcome.summary.contains("the work is not fixed: outputs differ"))
        #expect(judgement.diagnosis.contains { $0.hasPrefix("outputs differ: time-bounded work") })
        print("timed: \(ExternalPrograms.describe(judgement))")
    }

    @Test("a C program on pthreads passes: OS threads are not the problem, a global lock is")
    func cThreadsPass() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let compiler = try #require(["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first(where: FileManager.default.isExecutableFile),
                                    "a C compiler is needed for this test")
        let compile = Process()
        compile.executableURL = URL(fileURLWithPath: compiler)
        compile.arguments = ["-O2", "-pthread", "-o", directory.appendingPathComponent("spin").path,
                             ExternalPrograms.folder.appendingPathComponent("spin_threads.c").path]
        try compile.run()
        compile.waitUntilExit()
        try #require(compile.terminationStatus == 0)
        let configuration = ExternalCommandConfiguration(command: "./spin threads 2 150000000", baselineCommand: "./spin seq 2 150000000",
                                                         directory: directory)
        let (session, judgement) = try ExternalPrograms.passingSession(configuration)
        #expect(session.measurements.rounds.first?.parallel.peakProcesses == 1)
        print("C threads: \(ExternalPrograms.describe(judgement))")
    }

    @Test("a program that exits non-zero is a clear error naming the status; nothing is judged")
    func nonZeroExit() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let python = try ExternalPrograms.python()
        let configuration = ExternalCommandConfiguration(
            command: "\(python) -c 'import sys; print(\"boom\", file=sys.stderr); sys.exit(3)'",
            baselineCommand: "\(python) -c 'print(1)'", directory: directory)
        do {
            _ = try ExternalPrograms.session(configuration)
            Issue.record("a failing command was measured")
        } catch let error as ExternalCommandError {
            guard case .nonZeroExit(let flag, _, let status, let tail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(flag == "--cmd" && status == 3 && tail.contains("boom"))
            #expect(error.message.contains("exited with status 3"))
            #expect(error.hint?.contains("nothing was sealed") == true)
        }
    }

    @Test("a --result-file the command does not write is a clear error")
    func resultFileMissing() throws {
        let directory = try ExternalPrograms.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ExternalPrograms.configuration("seq", baseline: "seq", iterations: 1000, in: directory)
        configuration.resultFile = "result.txt"
        let expected = directory.appendingPathComponent("result.txt").standardizedFileURL.path
        #expect {
            _ = try ExternalPrograms.session(configuration)
        } throws: { error in
            // The first run (baseline or parallel, in random order) is the one that fails.
            guard case .resultFileMissing(_, let path)? = error as? ExternalCommandError else { return false }
            return path == expected
        }
    }
}
