package import Foundation

/// Git notes under `refs/notes/attest`, written and read with libgit2: a commit carries a pointer
/// to the proof archived for it.
package enum GitNotes {
    package static let notesRef = "refs/notes/attest"

    package enum Failure: Error, HintedError {
        case noRepository(String)
        case unknownRevision(String)
        case noNote(String)
        case libraryMissing(String)

        package var message: String {
            switch self {
            case .noRepository(let reason): "no git repository: \(reason)"
            case .unknownRevision(let revision): "\(revision) does not name a commit"
            case .noNote(let commit): "commit \(commit) has no note under \(GitNotes.notesRef)"
            case .libraryMissing(let reason): "git notes cannot be read: \(reason)"
            }
        }

        package var hint: String? {
            switch self {
            case .noRepository: "run this inside the repository whose commit the bundle attests"
            case .unknownRevision: "give a commit, branch or tag, e.g. HEAD or v1.2.0"
            case .noNote: "archive a bundle for it first with `attest archive BUNDLE`, or fetch notes: git fetch origin refs/notes/attest:refs/notes/attest"
            case .libraryMissing: LibGit2.installHint
            }
        }
    }

    static func open(_ directory: URL) throws -> GitRepositoryHandle {
        switch GitRepositoryHandle.open(at: directory.path, trustOwnership: false) {
        case .success(let handle): return handle
        case .failure(.notARepository(let message)), .failure(.ownershipRefused(let message)), .failure(.other(let message)):
            throw Failure.noRepository(message)
        case .failure(.libraryMissing(let message)):
            throw Failure.libraryMissing(message)
        }
    }

    /// The repository's work-tree root.
    package static func workTree(of directory: URL) throws -> URL {
        let repository = try open(directory)
        guard let root = repository.workDirectory else { throw Failure.noRepository("a bare repository has no work tree") }
        return URL(fileURLWithPath: root)
    }

    /// Replaces the note on `commit`.
    package static func write(_ text: String, forCommit commit: String, in directory: URL) throws {
        try open(directory).writeNote(text, commit: commit, notesRef: notesRef)
    }

    /// The commit `revision` names and its note.
    package static func read(revision: String, in directory: URL) throws -> (commit: String, text: String) {
        let repository = try open(directory)
        guard let commit = repository.resolveCommit(revision) else { throw Failure.unknownRevision(revision) }
        guard let text = repository.readNote(commit: commit, notesRef: notesRef) else { throw Failure.noNote(commit) }
        return (commit, text)
    }
}
