public import Foundation

/// The state of the code under test, read with libgit2.
public struct GitState: Codable, Sendable, Equatable {
    public var repository: String
    public var commit: String
    /// The branch, or nil when HEAD is detached.
    public var branch: String?
    public var detached: Bool
    public var dirty: Bool
    public var modified: Int
    public var staged: Int
    public var untracked: Int

    public init(repository: String, commit: String, branch: String?, detached: Bool, dirty: Bool,
                modified: Int, staged: Int, untracked: Int) {
        self.repository = repository
        self.commit = commit
        self.branch = branch
        self.detached = detached
        self.dirty = dirty
        self.modified = modified
        self.staged = staged
        self.untracked = untracked
    }

    var json: JSONValue {
        .object([
            "repository": .string(repository), "commit": .string(commit),
            "branch": branch.map(JSONValue.string) ?? .null, "detached": .bool(detached), "dirty": .bool(dirty),
            "modified": .number(Double(modified)), "staged": .number(Double(staged)), "untracked": .number(Double(untracked)),
        ])
    }
}

/// Why there is no git state.
public enum GitUnavailableReason: String, Codable, Sendable {
    case notARepository = "not_a_repository"
    case noCommitsYet = "no_commits_yet"
    case ownershipRefused = "ownership_refused"
    case other
}

/// A git reading: the state, or why there is none.
public enum GitReading: Sendable, Equatable {
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
public enum GitSnapshot {
    /// - Parameter trustOwnership: read a repository owned by another user (libgit2's ownership
    ///   check off). Only when the user asked for it.
    public static func read(at directory: URL, trustOwnership: Bool = false) -> GitReading {
        let repository: GitRepositoryHandle
        switch GitRepositoryHandle.open(at: directory.path, trustOwnership: trustOwnership) {
        case .success(let handle): repository = handle
        case .failure(.notARepository(let message)):
            return .unavailable(reason: .notARepository, message: "\(directory.path) is not in a git repository (\(message))")
        case .failure(.ownershipRefused(let message)):
            return .unavailable(reason: .ownershipRefused,
                                message: "libgit2 refused the repository: it is owned by another user (\(message)); pass --trust-repository-owner to read it anyway")
        case .failure(.other(let message)):
            return .unavailable(reason: .other, message: message)
        case .failure(.libraryMissing(let message)):
            return .unavailable(reason: .other, message: "\(message); \(LibGit2.installHint)")
        }
        let root = repository.workDirectory.map { URL(fileURLWithPath: $0).lastPathComponent } ?? directory.lastPathComponent
        if repository.isHeadUnborn {
            let branch = repository.symbolicBranch ?? "unknown"
            return .unavailable(reason: .noCommitsYet, message: "the repository \(root) has no commits yet (branch \(branch))")
        }
        guard let commit = repository.headCommit() else {
            return .unavailable(reason: .other, message: "cannot resolve HEAD: \(LibGit2.lastError().message)")
        }
        let detached = repository.isHeadDetached
        let counts = repository.statusCounts() ?? (0, 0, 0)
        return .repository(GitState(
            repository: root, commit: commit, branch: detached ? nil : repository.branchShorthand(), detached: detached,
            dirty: counts.modified + counts.staged + counts.untracked > 0,
            modified: counts.modified, staged: counts.staged, untracked: counts.untracked))
    }
}
