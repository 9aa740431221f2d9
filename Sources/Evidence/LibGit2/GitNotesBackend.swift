import CGit2
import Foundation

extension GitRepositoryHandle {
    /// The commit a revision names (git_revparse_single + peel to commit).
    func resolveCommit(_ revision: String) -> String? {
        var object: OpaquePointer?
        guard attest_git_revparse_single(&object, pointer, revision) == 0, let object else { return nil }
        defer { attest_git_object_free(object) }
        var commit: OpaquePointer?
        guard attest_git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { return nil }
        defer { attest_git_object_free(commit) }
        guard let id = attest_git_object_id(commit) else { return nil }
        var buffer = [CChar](repeating: 0, count: 41)
        var copy = id.pointee
        attest_git_oid_tostr(&buffer, buffer.count, &copy)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes (replacing) the note on `commit` under `notesRef`.
    func writeNote(_ text: String, commit: String, notesRef: String) throws {
        var target = git_oid()
        guard attest_git_oid_fromstr(&target, commit) == 0 else {
            throw EvidenceError.invalidSubject("\(commit) is not a commit id")
        }
        var signature: UnsafeMutablePointer<git_signature>?
        // The user's identity when configured; otherwise a fixed one (CI machines often have none).
        if attest_git_signature_default(&signature, pointer) != 0 {
            guard attest_git_signature_now(&signature, "attest", "attest@localhost") == 0 else {
                throw EvidenceError.writeFailed(path: notesRef, reason: LibGit2.lastError().message)
            }
        }
        defer { attest_git_signature_free(signature) }
        var noteID = git_oid()
        guard attest_git_note_create(&noteID, pointer, notesRef, signature, signature, &target, text, 1) == 0 else {
            throw EvidenceError.writeFailed(path: notesRef, reason: LibGit2.lastError().message)
        }
    }

    /// The note on `commit` under `notesRef`, or nil when there is none.
    func readNote(commit: String, notesRef: String) -> String? {
        var target = git_oid()
        guard attest_git_oid_fromstr(&target, commit) == 0 else { return nil }
        var note: OpaquePointer?
        guard attest_git_note_read(&note, pointer, notesRef, &target) == 0, let note else { return nil }
        defer { attest_git_note_free(note) }
        return attest_git_note_message(note).map { String(cString: $0) }
    }
}
