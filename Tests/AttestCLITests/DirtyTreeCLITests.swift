import Foundation
import Testing

/// A dirty tree is what git calls dirty, and a dirty run's subject is the tree it measured.
@Suite("attest run on a clean and a dirty tree", .serialized)
struct DirtyTreeCLITests {
    /// A fresh repository with the code committed and no .gitignore: attest's key pair and
    /// .checkpoints/ appear untracked, as in a project that never heard of attest.
    static func repository() throws -> (folder: URL, head: String) {
        let folder = try RunCommandTests.scratch()
        _ = try ArchiveCLITests.git(["init", "-q", "-b", "main"], in: folder)
        _ = try ArchiveCLITests.git(["config", "user.email", "test@example.com"], in: folder)
        _ = try ArchiveCLITests.git(["config", "user.name", "attest test"], in: folder)
        _ = try ArchiveCLITests.git(["add", "-A"], in: folder)
        _ = try ArchiveCLITests.git(["commit", "-q", "-m", "code under test"], in: folder)
        return (folder, try ArchiveCLITests.git(["rev-parse", "HEAD"], in: folder))
    }

    static func summary(_ outcome: CLI.Outcome) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    @Test("untracked files and attest's own outputs leave the tree clean: the subject is the commit")
    func untrackedOnly() throws {
        let (folder, head) = try Self.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "notes\n".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--gates", "1", "--json"], in: folder)
        let summary = try Self.summary(run)
        #expect(summary["subject"] as? String == "\(folder.lastPathComponent)@gitCommit:\(head)")
        let git = try #require(summary["git"] as? [String: Any])
        #expect(git["dirty"] as? Bool == false)
        #expect(git["untracked"] as? Int == 1)  // notes.txt; not keys/attest.pub, not .checkpoints/
        // A gate-1-only run proves no parallelism: its verdict is FAILED, so an authentic bundle exits 3.
        let verify = try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--expect-commit", head], in: folder)
        #expect(verify.status == 3, "\(verify.stdout)")
        #expect(verify.stdout.contains("tree clean at \(head)"))
    }

    @Test("a modified tracked file: dirty, the subject is the working tree, --expect-commit fails unless --allow-dirty")
    func modified() throws {
        let (folder, head) = try Self.repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "import Foundation\nfinal class Bot { let thread = Thread {}; let changed = 1 }\n"
            .write(to: folder.appendingPathComponent("Sources/SwarmRuntime/Bot.swift"), atomically: true, encoding: .utf8)
        let json = try CLI.run(["run", "--gates", "1", "--json"], in: folder)
        let summary = try Self.summary(json)
        let subject = try #require(summary["subject"] as? String)
        #expect(subject.contains("@gitTree:"))
        #expect(!subject.contains(head))
        let git = try #require(summary["git"] as? [String: Any])
        #expect(git["dirty"] as? Bool == true)
        #expect(git["changedFiles"] as? [String] == ["Sources/SwarmRuntime/Bot.swift"])
        #expect(subject.hasSuffix(try #require(git["workingTree"] as? String)))

        let table = try CLI.run(["run", "--gates", "1"], in: folder)
        #expect(table.stderr.contains("warning: the working tree is dirty: 1 tracked file(s) changed since \(head)"), "\(table.stderr)")
        #expect(table.stdout.contains("tree:    dirty: 1 tracked file(s) changed since \(head) (Sources/SwarmRuntime/Bot.swift)"))

        let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        let plain = try CLI.run(["verify", bundle], in: folder)
        #expect(plain.status == 3, "\(plain.stdout)")
        #expect(plain.stdout.contains("tree dirty: 1 tracked file(s) changed since \(head)"))
        let strict = try CLI.run(["verify", bundle, "--expect-commit", head], in: folder)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("binding.dirty-tree"))
        let allowed = try CLI.run(["verify", bundle, "--expect-commit", head, "--allow-dirty"], in: folder)
        #expect(allowed.status == 3, "\(allowed.stdout)")
        let report = try CLI.run(["report", bundle, "-o", "report.html"], in: folder)
        #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<dt>Working tree</dt><dd>dirty: 1 tracked file(s) changed since \(head)"))
        let otherBase = try CLI.run(["verify", bundle, "--expect-commit", "0123456789abcdef", "--allow-dirty"], in: folder)
        #expect(otherBase.status == 1)
        #expect(otherBase.stdout.contains("binding.commit-mismatch"))
    }
}
