import Foundation
import Testing

/// `attest run --cmd … --baseline-cmd …` and `attest verify --replay` of its bundle, against the
/// built binary and the Python program in Tests/ExternalPrograms. Serialised: they measure.
@Suite("attest run --cmd, end to end", .serialized, .tags(.timing))
struct ExternalCLITests {
    static let program = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ExternalPrograms/swarm_work.py")

    /// A scratch folder with a copy of the program.
    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-ext-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: program, to: folder.appendingPathComponent("swarm_work.py"))
        return folder
    }

    static func python() throws -> String {
        try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile), "python3 is needed")
    }

    static let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"

    @Test("a run of a multi-process program writes a bundle that verifies, naming the command; a changed program does not replay")
    func runVerifyReplay() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = try Self.python()
        let run = try CLI.run(["run", "--gates", "2,3,4,5", "--workers", "2", "--rounds", "1",
                               "--cmd", "\(python) swarm_work.py procs 2 2000000", "--baseline-cmd", "\(python) swarm_work.py seq 2 2000000"],
                              in: folder)
        // Whatever the verdict on this shared machine, the evidence must be honest and complete.
        #expect([0, 3, 4].contains(run.status), "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("measured command: \(python) swarm_work.py procs 2 2000000"))
        let verify = try CLI.run(["verify", Self.bundle, "--key", "keys/attest.pub"], in: folder)
        // Authentic: verify exits as the run did (0 the claim holds, 3 FAILED, 4 INCONCLUSIVE).
        #expect(verify.status == run.status, "\(verify.stdout)\n\(verify.stderr)")

        // Every gate record names the command: argv, its digest, the executable's and the script's SHA-256.
        for name in ["gate2_concurrency_proof_results.json", "gate3_thread_count_results.json", "gate5_comparison_results.json"] {
            let data = try Data(contentsOf: folder.appendingPathComponent(".checkpoints/\(name)"))
            let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let predicate = record["predicate"] as? [String: Any]
            let target = (predicate?["parameters"] as? [String: Any])?["target"] as? [String: Any]
            #expect(target?["kind"] as? String == "external_command", "\(name)")
            #expect(target?["argv"] as? [String] == [python, "swarm_work.py", "procs", "2", "2000000"], "\(name)")
            #expect((target?["executableSHA256"] as? String)?.count == 64, "\(name)")
            #expect((target?["argvSHA256"] as? String)?.count == 64, "\(name)")
            #expect(((target?["argumentFiles"] as? [[String: Any]])?.first?["sha256"] as? String)?.count == 64, "\(name)")
        }

        // The report draws the external command's own evidence, not a "cannot be read" note.
        let report = try CLI.run(["report", Self.bundle, "--key", "keys/attest.pub", "-o", "report.html"], in: folder)
        #expect(report.status == 0, "\(report.stdout)\n\(report.stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Concurrency proof of an external command") && html.contains("Thread count of an external command"))
        #expect(html.contains("swarm_work.py procs 2 2000000") && html.contains("swarm_work.py seq 2 2000000"))
        #expect(html.contains("id=\"chart-gate2-wall\"") && html.contains("id=\"chart-gate2-speedup\"") && html.contains("id=\"chart-gate3-threads\""))
        #expect(!html.contains("cannot be read"), "a gate of the external bundle was not drawn")

        // The same command replays here, and the executable's digest is compared and printed.
        let replay = try CLI.run(["verify", Self.bundle, "--key", "keys/attest.pub", "--replay"], in: folder)
        #expect(replay.stdout.contains("parallel executable") && replay.stdout.contains("— same"), "\(replay.stdout)")
        #expect(replay.stdout.contains("REPRODUCED:") || replay.stdout.contains("INCONCLUSIVE:"), "\(replay.stdout)")

        // The same outputs from a changed script: the replay measured another program.
        let script = folder.appendingPathComponent("swarm_work.py")
        let original = try String(contentsOf: script, encoding: .utf8)
        try (original + "\n# a comment changes the script's digest, not its output\n").write(to: script, atomically: true, encoding: .utf8)
        let other = try CLI.run(["verify", Self.bundle, "--key", "keys/attest.pub", "--replay"], in: folder)
        #expect(other.status == 1)
        #expect(other.stdout.contains("parallel argument swarm_work.py") && other.stdout.contains("— DIFFERENT"), "\(other.stdout)")
        #expect(other.stdout.contains("INCONCLUSIVE: the executable or a script here differs"), "\(other.stdout)")

        // Another program under the same name: its outputs differ from the recorded ones.
        let changed = original
            .replacingOccurrences(of: "print(hashlib.sha256(repr(results).encode()).hexdigest())",
                                  with: "print(hashlib.sha256(repr(results + [1]).encode()).hexdigest())")
        try changed.write(to: script, atomically: true, encoding: .utf8)
        let tampered = try CLI.run(["verify", Self.bundle, "--key", "keys/attest.pub", "--replay"], in: folder)
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("replay.output-mismatch"), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("NOT REPRODUCED: the outputs here differ"), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("DIFFERENT"), "the script's digest differs: \(tampered.stdout)")
    }

    @Test("a command that exits non-zero: a clear error, exit 2, no bundle sealed")
    func nonZeroExit() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let python = try Self.python()
        let run = try CLI.run(["run", "--gates", "2", "--cmd", "\(python) -c 'import sys; sys.exit(3)'", "--baseline-cmd", "\(python) -c 'print(1)'"],
                              in: folder)
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stderr.contains("error: --cmd exited with status 3"), "\(run.stderr)")
        #expect(run.stderr.contains("hint: every run must succeed"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(Self.bundle).path))
        #expect(HardeningTests.archives(in: folder).isEmpty)
    }

    @Test("bad --cmd input is a usage error (exit 2) with error: and hint:, and writes nothing", arguments: [
        (["--cmd", "", "--baseline-cmd", "true"], "error: --cmd is empty"),
        (["--cmd", "true"], "error: --cmd needs --baseline-cmd"),
        (["--baseline-cmd", "true"], "error: --baseline-cmd needs --cmd"),
        (["--cmd", "no-such-program-attest", "--baseline-cmd", "true"], "error: the program 'no-such-program-attest' of --cmd was not found on PATH"),
        (["--cmd", "true", "--baseline-cmd", "./missing.py"], "error: the program './missing.py' of --baseline-cmd does not exist"),
        (["--cmd", "./swarm_work.py", "--baseline-cmd", "true"], "is not an executable file"),
        (["--cmd", "echo 'a", "--baseline-cmd", "true"], "error: --cmd has an unterminated quote"),
        (["--shell"], "error: --shell applies to an external command"),
        (["--result-file", "r.txt"], "error: --result-file applies to an external command"),
        (["--cmd", "true", "--baseline-cmd", "true", "--mode", "cooperative"], "error: --mode applies to the built-in swarm"),
    ])
    func badInput(_ arguments: [String], _ expected: String) throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["run"] + arguments, in: folder)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(run.stderr.contains("\nhint: "), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".checkpoints").path))
    }
}
