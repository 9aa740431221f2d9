package import Foundation

/// The state of the code under test, read with libgit2.
///
/// Dirty means what git means (`git describe --dirty`, `git status --untracked-files=no`): a
/// tracked file is modified or staged. Untracked files are counted but do not make the tree
/// dirty, and attest's own outputs (its key files, its output folder) count as nothing.
package struct GitState: Codable, Sendable, Equatable {
    package var repository: String
    /// The commit HEAD names: the base of the working tree when it is dirty.
    package var commit: String
    /// The branch, or nil when HEAD is detached.
    package var branch: String?
    package var detached: Bool
    package var dirty: Bool
    package var modified: Int
    package var staged: Int
    package var untracked: Int
    /// The tracked files that are modified or staged, sorted, at most `changedFilesListed`.
    package var changedFiles: [String]
    /// How many tracked files are modified or staged (all of them, listed or not).
    package var changedFileCount: Int
    /// When dirty: the git tree id of the working tree's tracked content (in-toto's `gitTree`),
    /// which the subject names instead of the commit.
    package var workingTree: String?

    /// A record lists this many changed files at most; the count is always exact.
    package static let changedFilesListed = 100

    package init(repository: String, commit: String, branch: String?, detached: Bool, dirty: Bool,
                modified: Int, staged: Int, untracked: Int, changedFiles: [String] = [], changedFileCount: Int? = nil,
                workingTree: String? = nil) {
        self.repository = repository
        self.commit = commit
        self.branch = branch
        self.detached = detached
        self.dirty = dirty
        self.modified = modified
        self.staged = staged
        self.untracked = untracked
        self.changedFiles = changedFiles
        self.changedFileCount = changedFileCount ?? changedFiles.count
        self.workingTree = workingTree
    }

    var json: JSONValue {
        .object([
            "repository": .string(repository), "commit": .string(commit),
            "branch": branch.map(JSONValue.string) ?? .null, "detached": .bool(detached), "dirty": .bool(dirty),
            "modified": .number(Double(modified)), "staged": .number(Double(staged)), "untracked": .number(Double(untracked)),
            "changedFiles": .array(changedFiles.map(JSONValue.string)), "changedFileCount": .number(Double(changedFileCount)),
            "workingTree": workingTree.map(JSONValue.string) ?? .null,
        ])
    }
}

/// Why there is no git state.
package enum GitUnavailableReason: String, Codable, Sendable {
    case notARepository = "not_a_repository"
    case noCommitsYet = "no_commits_yet"
    case ownershipRefused = "ownership_refused"
    case other
}

/// A git reading: the state, or why there is none.
package enum GitReading: Sendable, Equatable {
    case repository(GitState)
    case unavailable(reason: GitUnavailableReason, message: String)

    var json: (git: JSONValue, unavailable: JSONValue) {
        switch self {
        case .repository(let state): (state.json, .null)
        case .unavailable(let reason, let message): (.null, .object(["reason": .string(reason.rawValue), "message": .string(message)]))
        }
    }
}

/// Reads the git state of the repository containing a folder.
package enum GitSnapshot {
    /// - Parameter trustOwnership: read a repository owned by another user (libgit2's ownership
    ///   check off). Only when the user asked for it.
    /// - Parameter ownOutputs: attest's own files and folders (the key pair, the output folder):
    ///   changes there are not changes to the code under test.
    package static func read(at directory: URL, trustOwnership: Bool = false, ownOutputs: [URL] = []) -> GitReading {
        let repository: GitRepositoryHandle
        switch open(directory, trustOwnership: trustOwnership) {
        case .success(let handle): repository = handle
        case .failure(.unavailable(let reading)): return reading
        }
        let workDirectory = repository.workDirectory
        let root = workDirectory.map { URL(fileURLWithPath: $0).lastPathComponent } ?? directory.lastPathComponent
        if repository.isHeadUnborn {
            let branch = repository.symbolicBranch ?? "unknown"
            return .unavailable(reason: .noCommitsYet, message: "the repository \(root) has no commits yet (branch \(branch))")
        }
        guard let commit = repository.headCommit() else {
            return .unavailable(reason: .other, message: "cannot resolve HEAD: \(LibGit2.lastError().message)")
        }
        guard let paths = repository.changedPaths() else {
            return .unavailable(reason: .other, message: "cannot read the status of \(root): \(LibGit2.lastError().message)")
        }
        let isOwn = OwnOutputs(workDirectory: workDirectory, outputs: ownOutputs)
        let staged = paths.staged.filter { !isOwn.contains($0) }
        let modified = paths.modified.filter { !isOwn.contains($0) }
        let untracked = paths.untracked.filter { !isOwn.contains($0) }
        let changed = Set(staged).union(modified).sorted()
        let detached = repository.isHeadDetached
        var workingTree: String?
        if !changed.isEmpty {
            // A handle of its own: the tree is written into an in-memory object database that
            // stays attached to the handle.
            let treeHandle = open(directory, trustOwnership: trustOwnership)
            guard case .success(let handle) = treeHandle else {
                return .unavailable(reason: .other, message: "cannot reopen \(root) to digest its working tree")
            }
            switch handle.workingTreeID() {
            case .success(let tree): workingTree = tree
            case .failure(let failure):
                return .unavailable(reason: .other, message: "the working tree of \(root) is dirty and cannot be digested: \(failure.message)")
            }
        }
        return .repository(GitState(
            repository: root, commit: commit, branch: detached ? nil : repository.branchShorthand(), detached: detached,
            dirty: !changed.isEmpty, modified: modified.count, staged: staged.count, untracked: untracked.count,
            changedFiles: Array(changed.prefix(GitState.changedFilesListed)), changedFileCount: changed.count,
            workingTree: workingTree))
    }

    private enum OpenFailure: Error {
        case unavailable(GitReading)
    }

    private static func open(_ directory: URL, trustOwnership: Bool) -> Result<GitRepositoryHandle, OpenFailure> {
        switch GitRepositoryHandle.open(at: directory.path, trustOwnership: trustOwnership) {
        case .success(let handle): return .success(handle)
        case .failure(.notARepository(let message)):
            return .failure(.unavailable(.unavailable(reason: .notARepository, message: "\(directory.path) is not in a git repository (\(message))")))
        case .failure(.ownershipRefused(let message)):
            return .failure(.unavailable(.unavailable(
                reason: .ownershipRefused,
                message: "libgit2 refused the repository: it is owned by another user (\(message)); pass --trust-repository-owner to read it anyway")))
        case .failure(.other(let message)):
            return .failure(.unavailable(.unavailable(reason: .other, message: message)))
        case .failure(.libraryMissing(let message)):
            return .failure(.unavailable(.unavailable(reason: .other, message: "\(message); \(LibGit2.installHint)")))
        }
    }
}

/// attest's own outputs as paths relative to the work tree: a file, or a folder and all below it.
struct OwnOutputs {
    private var prefixes: [String] = []

    init(workDirectory: String?, outputs: [URL]) {
        guard let workDirectory else { return }
        let root = URL(fileURLWithPath: workDirectory).resolvingSymlinksInPath().path
        let base = root.hasSuffix("/") ? root : root + "/"
        for output in outputs {
            let path = output.standardizedFileURL.resolvingSymlinksInPath().path
            if path.hasPrefix(base) { prefixes.append(String(path.dropFirst(base.count))) }
        }
    }

    func contains(_ relativePath: String) -> Bool {
        prefixes.contains { relativePath == $0 || relativePath.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
    }
}

extension GitState {
    /// One line on the tree's state, for `attest run`, `attest verify` and the report:
    /// "clean at <commit>", or "dirty: N tracked file(s) changed since <commit> (a, b, ...)".
    package var treeState: String {
        let untrackedNote = untracked > 0 ? "; \(untracked) untracked file(s), not part of it" : ""
        guard dirty else { return "clean at \(commit)\(untrackedNote)" }
        let shown = changedFiles.prefix(5).joined(separator: ", ")
        let more = changedFileCount > 5 ? ", and \(changedFileCount - 5) more" : ""
        let tree = workingTree.map { "; measured tree gitTree:\($0)" } ?? ""
        return "dirty: \(changedFileCount) tracked file(s) changed since \(commit) (\(shown)\(more))\(tree)\(untrackedNote)"
    }
}

extension GitState {
    /// The tree state a record's predicate states (its `git` member), as `treeState` words it;
    /// for a record without git state, why there is none. Nil when the predicate says neither.
    package static func treeState(recordedIn predicate: JSONValue) -> String? {
        if let reason = predicate["gitUnavailable"]?["message"]?.stringValue { return "unknown: \(reason)" }
        guard let git = predicate["git"], let commit = git["commit"]?.stringValue else { return nil }
        var dirty = false
        if case .bool(true)? = git["dirty"] { dirty = true }
        let changed = git["changedFiles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let state = GitState(
            repository: git["repository"]?.stringValue ?? "", commit: commit, branch: nil, detached: false, dirty: dirty,
            modified: git["modified"]?.intValue ?? 0, staged: git["staged"]?.intValue ?? 0, untracked: git["untracked"]?.intValue ?? 0,
            changedFiles: changed, changedFileCount: git["changedFileCount"]?.intValue ?? changed.count,
            workingTree: git["workingTree"]?.stringValue)
        return state.treeState
    }
}
