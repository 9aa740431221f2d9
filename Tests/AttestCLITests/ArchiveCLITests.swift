import Foundation
import Testing

/// `attest archive` and `attest verify --from-notes` in a temporary git repository.
@Suite("attest archive and git notes", .serialized)
struct ArchiveCLITests {
    static func git(_ arguments: [String], in folder: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func repository() throws -> URL {
        let folder = try RunCommandTests.scratch()
        _ = try git(["init", "-q", "-b", "main"], in: folder)
        _ = try git(["config", "user.email", "test@example.com"], in: folder)
        _ = try git(["config", "user.name", "attest test"], in: folder)
        try ".checkpoints/\nkeys/*.key\n".write(to: folder.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        _ = try git(["add", "-A"], in: folder)
        _ = try git(["commit", "-q", "-m", "code under test"], in: folder)
        return folder
    }

    @Test("archive + note round trip; a note whose digest does not match the archived file fails")
    func roundTrip() throws {
        let folder = try Self.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = try Self.git(["rev-parse", "HEAD"], in: folder)
        _ = try CLI.run(["run", "--gates", "1"], in: folder)
        let archived = try CLI.run(["archive", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--tag", "v1.0"], in: folder)
        #expect(archived.status == 0, "\(archived.stderr)")
        let note = try Self.git(["notes", "--ref", "attest", "show", "HEAD"], in: folder)
        #expect(note.contains("\"archivedPath\": \".checkpoints/proof/v1.0/"))
        #expect(note.contains(head))
        let good = try CLI.run(["verify", "--from-notes", "HEAD"], in: folder)
        // Gate 1 only: authentic, the archive matches, and the claimed verdict FAILED (exit 3).
        #expect(good.status == 3, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("the archived bundle is the one the note names"))

        // The note now names another digest: the archive no longer matches it.
        let wrong = note.replacingOccurrences(of: "\"bundleSummaryDigest\": \"", with: "\"bundleSummaryDigest\": \"0000")
        _ = try Self.git(["notes", "--ref", "attest", "add", "-f", "-m", wrong, "HEAD"], in: folder)
        let bad = try CLI.run(["verify", "--from-notes", "HEAD"], in: folder)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("archive.digest-mismatch"))
    }

    @Test("--expect-commit with another commit fails; with the bundle's commit passes")
    func expectCommit() throws {
        let folder = try Self.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = try Self.git(["rev-parse", "HEAD"], in: folder)
        _ = try CLI.run(["run", "--gates", "1"], in: folder)
        let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        #expect(try CLI.run(["verify", bundle, "--expect-commit", String(head.prefix(7))], in: folder).status == 3)
        let other = try CLI.run(["verify", bundle, "--expect-commit", "0123456789abcdef"], in: folder)
        #expect(other.status == 1)
        #expect(other.stdout.contains("binding.commit-mismatch"))
        #expect(try CLI.run(["verify", bundle, "--max-age", "1h"], in: folder).status == 3)
    }

    @Test("a revision without a note is an input error with a hint")
    func noNote() throws {
        let folder = try Self.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try CLI.run(["keygen"], in: folder)
        let missing = try CLI.run(["verify", "--from-notes", "HEAD"], in: folder)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("has no note") && missing.stderr.contains("hint:"))
    }
}
