import Foundation
import Testing
@testable import Evidence

/// libgit2 on temporary repositories made with the git CLI.
@Suite("Git state with libgit2")
struct GitSnapshotTests {
    static func repository(_ label: String) throws -> URL {
        let folder = try Fixtures.temporaryFolder("git-\(label)")
        try Fixtures.run("git", ["init", "-q", "-b", "main", folder.path])
        try Fixtures.run("git", ["-C", folder.path, "config", "user.email", "test@example.com"])
        try Fixtures.run("git", ["-C", folder.path, "config", "user.name", "attest test"])
        return folder
    }

    static func commit(_ folder: URL, file: String = "a.txt", text: String = "one\n") throws {
        try text.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
        try Fixtures.run("git", ["-C", folder.path, "add", file])
        try Fixtures.run("git", ["-C", folder.path, "commit", "-q", "-m", "commit \(file)"])
    }

    static func head(_ folder: URL) throws -> String {
        try Fixtures.run("git", ["-C", folder.path, "rev-parse", "HEAD"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func state(_ reading: GitReading) throws -> GitState {
        guard case .repository(let state) = reading else {
            Issue.record("expected a repository, got \(reading)")
            throw CancellationError()
        }
        return state
    }

    @Test("a clean repository: commit, branch, not dirty")
    func clean() throws {
        let folder = try Self.repository("clean")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.commit(folder)
        let state = try Self.state(GitSnapshot.read(at: folder))
        #expect(state.commit == (try Self.head(folder)))
        #expect(state.branch == "main")
        #expect(!state.detached)
        #expect(!state.dirty)
        #expect(state.repository == folder.lastPathComponent)
    }

    @Test("modified, staged and untracked files are counted; ignored files are not")
    func dirty() throws {
        let folder = try Self.repository("dirty")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.commit(folder)
        try Self.commit(folder, file: "b.txt")
        try "changed\n".write(to: folder.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "staged\n".write(to: folder.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        try Fixtures.run("git", ["-C", folder.path, "add", "b.txt"])
        try "new\n".write(to: folder.appendingPathComponent("c.txt"), atomically: true, encoding: .utf8)
        try "*.log\n".write(to: folder.appendingPathComponent(".gitignore"), atomically: true, encoding: .utf8)
        try Fixtures.run("git", ["-C", folder.path, "add", ".gitignore"])
        try "ignored\n".write(to: folder.appendingPathComponent("x.log"), atomically: true, encoding: .utf8)
        let state = try Self.state(GitSnapshot.read(at: folder))
        #expect(state.dirty)
        #expect(state.modified == 1)
        #expect(state.staged == 2)  // b.txt and .gitignore
        #expect(state.untracked == 1)
    }

    @Test("a sub-folder finds its repository")
    func subFolder() throws {
        let folder = try Self.repository("sub")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.commit(folder)
        let sub = folder.appendingPathComponent("deep/er")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        #expect(try Self.state(GitSnapshot.read(at: sub)).commit == (try Self.head(folder)))
    }

    @Test("a detached HEAD has no branch")
    func detached() throws {
        let folder = try Self.repository("detached")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.commit(folder)
        let first = try Self.head(folder)
        try Self.commit(folder, file: "b.txt")
        try Fixtures.run("git", ["-C", folder.path, "checkout", "-q", first])
        let state = try Self.state(GitSnapshot.read(at: folder))
        #expect(state.detached)
        #expect(state.branch == nil)
        #expect(state.commit == first)
    }

    @Test("an empty repository: no commits yet, with the branch, no crash")
    func empty() throws {
        let folder = try Self.repository("empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        guard case .unavailable(let reason, let message) = GitSnapshot.read(at: folder) else {
            Issue.record("an empty repository has no commit")
            return
        }
        #expect(reason == .noCommitsYet)
        #expect(message.contains("main"))
    }

    @Test("a folder that is not a repository")
    func notARepository() throws {
        let folder = try Fixtures.temporaryFolder("norepo")
        defer { try? FileManager.default.removeItem(at: folder) }
        guard case .unavailable(let reason, _) = GitSnapshot.read(at: folder) else {
            Issue.record("a plain folder is not a repository")
            return
        }
        #expect(reason == .notARepository)
    }
}
