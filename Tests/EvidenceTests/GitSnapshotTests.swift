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

    @Test("modified, staged and untracked files are counted, ignored files are not; only tracked changes make it dirty")
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
        #expect(state.changedFiles == [".gitignore", "a.txt", "b.txt"])
        #expect(state.changedFileCount == 3)
        #expect(state.workingTree != nil)
    }

    @Test("untracked files are recorded but do not make the tree dirty")
    func untrackedOnly() throws {
        let folder = try Self.repository("untracked")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.commit(folder)
        try "new\n".write(to: folder.appendingPathComponent("c.txt"), atomically: true, encoding: .utf8)
        let state = try Self.state(GitSnapshot.read(at: folder))
        #expect(!state.dirty)
        #expect(state.untracked == 1)
        #expect(state.changedFiles.isEmpty)
        #expect(state.workingTree == nil)
        #expect(state.treeState.hasPrefix("clean at \(try Self.head(folder))"))
    }

    @Test("attest's own outputs (key pair, output folder) count as nothing, tracked or not")
    func ownOutputs() throws {
        let folder = try Self.repository("own")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".checkpoints"), withIntermediateDirectories: true)
        try Self.commit(folder, file: ".checkpoints/README.md", text: "outputs\n")
        try "changed\n".write(to: folder.appendingPathComponent(".checkpoints/README.md"), atomically: true, encoding: .utf8)
        try "bundle\n".write(to: folder.appendingPathComponent(".checkpoints/bundle.json"), atomically: true, encoding: .utf8)
        try "pub\n".write(to: folder.appendingPathComponent("keys/attest.pub"), atomically: true, encoding: .utf8)
        let outputs = [folder.appendingPathComponent("keys/attest.key"), folder.appendingPathComponent("keys/attest.pub"),
                       folder.appendingPathComponent(".checkpoints")]
        let state = try Self.state(GitSnapshot.read(at: folder, ownOutputs: outputs))
        #expect(!state.dirty)
        #expect(state.untracked == 0)
        #expect(state.modified == 0)
        // Without naming them they are changes like any other.
        let unnamed = try Self.state(GitSnapshot.read(at: folder))
        #expect(unnamed.dirty)
        #expect(unnamed.untracked == 2)
    }

    /// Every file under .git/objects, to show that digesting the tree wrote nothing there.
    static func objectFiles(_ folder: URL) throws -> [String] {
        let objects = folder.appendingPathComponent(".git/objects")
        return (FileManager.default.enumerator(atPath: objects.path)?.allObjects as? [String] ?? []).sorted()
    }

    @Test("a dirty tree's digest is `git write-tree` of a copy of the index with the changes added; nothing is written into the repository")
    func workingTreeDigest() throws {
        let folder = try Self.repository("tree")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Self.commit(folder)
        try Self.commit(folder, file: "b.txt")
        try Self.commit(folder, file: "sub/c.txt")
        try "changed\n".write(to: folder.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "staged\n".write(to: folder.appendingPathComponent("sub/c.txt"), atomically: true, encoding: .utf8)
        try Fixtures.run("git", ["-C", folder.path, "add", "sub/c.txt"])
        try FileManager.default.removeItem(at: folder.appendingPathComponent("b.txt"))
        try "untracked\n".write(to: folder.appendingPathComponent("d.txt"), atomically: true, encoding: .utf8)
        let indexBefore = try Data(contentsOf: folder.appendingPathComponent(".git/index"))
        let objectsBefore = try Self.objectFiles(folder)

        let state = try Self.state(GitSnapshot.read(at: folder))
        #expect(state.dirty)
        #expect(state.changedFiles == ["a.txt", "b.txt", "sub/c.txt"])
        #expect(try Self.objectFiles(folder) == objectsBefore)
        #expect(try Data(contentsOf: folder.appendingPathComponent(".git/index")) == indexBefore)

        let copy = folder.appendingPathComponent(".git/index-copy").path
        try FileManager.default.copyItem(atPath: folder.appendingPathComponent(".git/index").path, toPath: copy)
        // env(1) sets the variable for git alone: GIT_INDEX_FILE=copy git add -u; git write-tree.
        let added = try Fixtures.run("GIT_INDEX_FILE=\(copy)", ["git", "-C", folder.path, "add", "-u"])
        #expect(added.status == 0, "\(added.output)")
        let written = try Fixtures.run("GIT_INDEX_FILE=\(copy)", ["git", "-C", folder.path, "write-tree"])
        #expect(written.status == 0, "\(written.output)")
        let expected = written.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(state.workingTree == expected)
        #expect(state.workingTree != (try Self.head(folder)))
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
