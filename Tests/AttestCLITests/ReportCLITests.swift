import Foundation
import Testing

/// `attest run --scaling` and `attest report` against the built binary. Serialised: the run
/// measures parallelism and must not compete with other measuring tests for the cores.
@Suite("attest report and --scaling, end to end", .serialized, .tags(.timing))
struct ReportCLITests {
    static let short = ["--task-seconds", "0.15", "--rounds", "1", "--workers", "2"]

    @Test("a --scaling run records the scaling curve, verifies, and its report is written; a tampered copy exits 1 with the red banner")
    func scalingRunAndReport() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["run", "--quick", "--scaling", "1,2,4,8"] + Self.short, in: folder)
        #expect([0, 3, 4].contains(run.status), "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("scaling (informs, does not change the verdict)"), "\(run.stdout)")
        #expect(run.stderr.contains("scaling: gate 2's protocol at"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".checkpoints/gate2_scaling_results.json").path))
        let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        let verify = try CLI.run(["verify", bundle, "--key", "keys/attest.pub"], in: folder)
        #expect(verify.status == run.status, "\(verify.stdout)")
        #expect(verify.stdout.contains(": scaling (signed by"), "\(verify.stdout)")

        let report = try CLI.run(["report", bundle, "--key", "keys/attest.pub", "-o", "missing-folder/report.html"], in: folder)
        // The output folder does not exist: that is bad input, exit 2, nothing written.
        #expect(report.status == 2, "\(report.stdout)\n\(report.stderr)")
        #expect(report.stderr.contains("error: cannot write") && report.stderr.contains("hint:"), "\(report.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("missing-folder").path))

        let written = try CLI.run(["report", bundle, "--key", "keys/attest.pub", "-o", "report.html"], in: folder)
        #expect(written.status == 0, "\(written.stdout)\n\(written.stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("id=\"chart-scaling\""))
        #expect(html.contains("data-verified=\"true\""))

        // Tamper: change one character inside a signed payload.
        var text = try String(contentsOf: folder.appendingPathComponent(bundle), encoding: .utf8)
        let marker = try #require(text.range(of: "\"payload\": \""))
        let index = text.index(marker.upperBound, offsetBy: 40)
        text.replaceSubrange(index...index, with: text[index] == "A" ? "B" : "A")
        try text.write(to: folder.appendingPathComponent("tampered.json"), atomically: true, encoding: .utf8)
        let tampered = try CLI.run(["report", "tampered.json", "--key", "keys/attest.pub", "-o", "tampered.html"], in: folder)
        #expect(tampered.status == 1, "\(tampered.stdout)\n\(tampered.stderr)")
        #expect(tampered.stdout.contains("NOT VERIFIED"))
        let tamperedHTML = try String(contentsOf: folder.appendingPathComponent("tampered.html"), encoding: .utf8)
        #expect(tamperedHTML.contains("data-verified=\"false\""))
        #expect(tamperedHTML.contains("signature.invalid"))
    }

    @Test("bad input to report and --scaling: exit 2 with error and hint, nothing written", arguments: [
        (["report", "missing.json", "--key", "k.pub"], "does not exist"),
        (["report", "text.json", "--key", "k.pub"], "is not an attest bundle"),
        (["run", "--scaling", "1,two"], "--scaling takes worker counts"),
        (["run", "--scaling", "0,2"], "--scaling count 0 is out of range"),
        (["run", "--gates", "1", "--scaling", "1,2"], "--scaling needs gate 2"),
        (["run", "--scaling", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"], "at most 16"),
        (["run", "--scaling", "1,2", "--cmd", "true", "--baseline-cmd", "true"], "cannot be combined with --cmd"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try CLI.run(["keygen", "--out", "."], in: folder)
        try FileManager.default.moveItem(at: folder.appendingPathComponent("attest.pub"), to: folder.appendingPathComponent("k.pub"))
        try "not json".write(to: folder.appendingPathComponent("text.json"), atomically: true, encoding: .utf8)
        let outcome = try CLI.run(arguments, in: folder)
        #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
        #expect(outcome.stderr.contains("error:") && outcome.stderr.contains("hint:"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".checkpoints/PHASE4_VERIFICATION_BUNDLE.json").path))
    }
}
