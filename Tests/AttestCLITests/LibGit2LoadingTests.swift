import Foundation
import Testing

/// libgit2 is loaded when a command first needs git, not linked: verifying needs none, and where
/// it cannot be loaded the commands that need it say so and what to do.
@Suite("libgit2, loaded on first use", .serialized)
struct LibGit2LoadingTests {
    /// Points attest at a library file that does not exist, as on a machine without libgit2.
    static let missing = ["ATTEST_LIBGIT2": "/nonexistent/libgit2.so.1.5"]

    @Test("without libgit2 a run records why git is unavailable, and the bundle verifies")
    func runAndVerifyWithoutLibGit2() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["run", "--quick", "--task-seconds", "0.15", "--rounds", "1", "--workers", "2"], in: folder,
                              environment: Self.missing)
        #expect([0, 3, 4].contains(run.status), "\(run.stderr)")
        let bundle = folder.appendingPathComponent(".checkpoints/PHASE4_VERIFICATION_BUNDLE.json")
        let text = try String(contentsOf: bundle, encoding: .utf8)
        // The records are base64 in the bundle: read the first gate record's git fields.
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let records = try #require(root["records"] as? [[String: Any]])
        let payload = try #require((records.first?["payload"] as? String).flatMap { Data(base64Encoded: $0) })
        let statement = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        let predicate = try #require(statement["predicate"] as? [String: Any])
        let unavailable = try #require(predicate["gitUnavailable"] as? [String: Any], "\(predicate.keys.sorted())")
        let message = try #require(unavailable["message"] as? String)
        #expect(message.contains("libgit2 could not be loaded (/nonexistent/libgit2.so.1.5"), "\(message)")
        #expect(message.contains("apt-get install libgit2-1.5"), "\(message)")

        let verify = try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"], in: folder, environment: Self.missing)
        #expect(verify.status == run.status, "\(verify.stdout)\n\(verify.stderr)")
        #expect(verify.stdout.contains("signatures, chain, seal and verdicts check out"))
    }

    @Test("without libgit2, reading git notes fails with the reason and how to fix it (exit 2)")
    func notesWithoutLibGit2() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try Data("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n".utf8)
            .write(to: folder.appendingPathComponent("keys/attest.pub"))
        let outcome = try CLI.run(["verify", "--from-notes", "HEAD"], in: folder, environment: Self.missing)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("git notes cannot be read: libgit2 could not be loaded"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("hint: install libgit2"), "\(outcome.stderr)")
    }
}
