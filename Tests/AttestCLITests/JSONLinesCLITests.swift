import Foundation
import Testing

/// `attest run` writes the in-toto JSON Lines bundle beside the JSON one; verify, report and
/// archive read either.
@Suite("attest and JSON Lines bundles", .serialized)
struct JSONLinesCLITests {
    @Test("run writes PHASE4_VERIFICATION_BUNDLE.intoto.jsonl; verify, report and archive accept it")
    func roundTrip() throws {
        let folder = try ArchiveCLITests.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["run", "--gates", "1"], in: folder)
        #expect(run.stdout.contains("in-toto: "), "\(run.stdout)")
        let lines = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.intoto.jsonl"
        let text = try String(contentsOf: folder.appendingPathComponent(lines), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)  // gate 1, test result, summary

        // A gate-1-only run proves no parallelism: its verdict is FAILED, so an authentic bundle exits 3.
        let verify = try CLI.run(["verify", lines], in: folder)
        #expect(verify.status == 3, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("AUTHENTIC, CLAIM FAILED: 3 records"))
        let report = try CLI.run(["report", lines, "-o", "lines.html"], in: folder)
        #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
        let archive = try CLI.run(["archive", lines, "--tag", "lines"], in: folder)
        #expect(archive.status == 0, "\(archive.stdout)\(archive.stderr)")
        #expect(try CLI.run(["verify", "--from-notes", "HEAD"], in: folder).status == 3)

        // Where the interop environment exists (.ci/run makes it), securesystemslib and
        // in-toto-attestation read the real run's JSON Lines file as well (InTotoInteropTests
        // checks a library-written bundle, and says when it is skipped).
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv-interop/bin/python")
        if FileManager.default.isExecutableFile(atPath: python.path) {
            let keyID = try CLI.run(["keyid", "keys/attest.pub"], in: folder).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let process = Process()
            process.executableURL = python
            process.arguments = [root.appendingPathComponent("Tests/Interop/intoto_check.py").path, lines, "keys/attest.pub", keyID]
            process.currentDirectoryURL = folder
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            #expect(output.contains("\"testResults\": 1"), "\(output)")
        }

        // Reversed lines: order comes from chain.index. One line fewer: the chain is broken.
        let reversed = text.split(separator: "\n").reversed().joined(separator: "\n") + "\n"
        try reversed.write(to: folder.appendingPathComponent("reversed.intoto.jsonl"), atomically: true, encoding: .utf8)
        #expect(try CLI.run(["verify", "reversed.intoto.jsonl"], in: folder).status == 3)
        let truncated = text.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        try truncated.write(to: folder.appendingPathComponent("truncated.intoto.jsonl"), atomically: true, encoding: .utf8)
        let broken = try CLI.run(["verify", "truncated.intoto.jsonl"], in: folder)
        #expect(broken.status == 1, "\(broken.stdout)")
    }
}
