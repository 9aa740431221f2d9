import Foundation
import Testing

/// End-to-end runs of the built `attest` binary with short gates. One suite, serialised: these
/// runs measure CPU time and parallelism and must not compete with each other for the 2 cores.
@Suite("attest run, end to end", .serialized, .tags(.timing))
struct RunCommandTests {
    static func run(_ arguments: [String], in directory: URL, prefix: [String] = []) throws -> CLI.Outcome {
        try CLI.run(arguments, in: directory, prefix: prefix)
    }

    /// A scratch project: a copy of a small threaded swarm source to audit, and a keys folder.
    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-run-\(UUID().uuidString)")
        let sources = folder.appendingPathComponent("Sources/SwarmRuntime")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try "import Foundation\nfinal class Bot { let thread = Thread {} }\n".write(to: sources.appendingPathComponent("Bot.swift"), atomically: true, encoding: .utf8)
        try "import Foundation\nfinal class Swarm { func spawn() { Thread.detachNewThread {} } }\n".write(to: sources.appendingPathComponent("Swarm.swift"), atomically: true, encoding: .utf8)
        return folder
    }

    static let shortGates = ["--task-seconds", "0.15", "--rounds", "1", "--sample-seconds", "1,1", "--bots", "4", "--workers", "2"]

    @Test("a short full run writes all five gate files and a bundle that verify accepts")
    func fullRun() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.run(["run"] + Self.shortGates, in: folder)
        #expect(run.stderr.contains("created a signing key pair"), "\(run.stderr)")
        #expect(!run.stderr.contains("PRIVATE KEY"))
        let checkpoints = folder.appendingPathComponent(".checkpoints")
        for name in ["gate1_code_audit_results.json", "gate2_concurrency_proof_results.json", "gate3_thread_count_results.json",
                     "gate4_cpu_utilization_results.json", "gate5_comparison_results.json", "PHASE4_VERIFICATION_BUNDLE.json"] {
            #expect(FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent(name).path), "missing \(name)")
        }
        let archived = try FileManager.default.contentsOfDirectory(atPath: checkpoints.appendingPathComponent("proof").path)
        #expect(archived.filter { $0.hasSuffix(".bundle.json") }.count == 1)
        // Whatever the verdict on this noisy machine, the bundle must verify: the evidence is honest.
        #expect([0, 3, 4].contains(run.status), "\(run.stdout)\n\(run.stderr)")
        let verify = try Self.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--key", "keys/attest.pub"], in: folder)
        #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
    }

    @Test("cooperative mode fails the proof: the proof can fail")
    func cooperativeFails() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.run(["run", "--quick", "--mode", "cooperative"] + Self.shortGates, in: folder)
        #expect(run.status == 3, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("verdict: FAILED"))
        let line = run.stdout.split(separator: "\n").first { $0.hasPrefix("2 Concurrency proof") } ?? ""
        #expect(!line.contains("PASSED"), "\(line)")
    }

    @Test("pinned to one CPU, the proof is not shown")
    func oneCPU() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.run(["run", "--quick"] + Self.shortGates, in: folder, prefix: ["taskset", "-c", "0"])
        #expect(run.status == 3, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("cannot be shown on one CPU"), "\(run.stdout)")
    }

    @Test("bad parameters are usage errors (exit 2) and write nothing", arguments: [
        ["--bots", "0"], ["--bots", "1000000"], ["--gates", "9"], ["--task-seconds=-1"], ["--rounds", "0"], ["--sample-seconds", "0,5"],
        ["--key", "missing.key"],
    ])
    func badParameters(_ arguments: [String]) throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.run(["run"] + arguments, in: folder)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains("error:"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".checkpoints/PHASE4_VERIFICATION_BUNDLE.json").path))
    }
}
