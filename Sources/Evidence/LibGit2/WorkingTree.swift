import CGit2
import Foundation

extension GitRepositoryHandle {
    /// Paths (relative to the work tree) of tracked files staged in the index or modified in the
    /// work tree, and of untracked files; ignored files are none of them. Nil when libgit2
    /// cannot list the status.
    func changedPaths() -> (staged: [String], modified: [String], untracked: [String])? {
        var options = git_status_options()
        guard attest_git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)) == 0 else { return nil }
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
            | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
        var list: OpaquePointer?
        guard attest_git_status_list_new(&list, pointer, &options) == 0, let list else { return nil }
        defer { attest_git_status_list_free(list) }
        let staged = GIT_STATUS_INDEX_NEW.rawValue | GIT_STATUS_INDEX_MODIFIED.rawValue | GIT_STATUS_INDEX_DELETED.rawValue
            | GIT_STATUS_INDEX_RENAMED.rawValue | GIT_STATUS_INDEX_TYPECHANGE.rawValue
        let modified = GIT_STATUS_WT_MODIFIED.rawValue | GIT_STATUS_WT_DELETED.rawValue | GIT_STATUS_WT_RENAMED.rawValue
            | GIT_STATUS_WT_TYPECHANGE.rawValue
        var changes = (staged: [String](), modified: [String](), untracked: [String]())
        for index in 0..<attest_git_status_list_entrycount(list) {
            guard let entry = attest_git_status_byindex(list, index) else { continue }
            let status = entry.pointee.status.rawValue
            // The new side names the file as it is now; the old side names a deleted one.
            func path(_ delta: UnsafeMutablePointer<git_diff_delta>?) -> String? {
                guard let delta else { return nil }
                return (delta.pointee.new_file.path ?? delta.pointee.old_file.path).map { String(cString: $0) }
            }
            if status & staged != 0, let name = path(entry.pointee.head_to_index) { changes.staged.append(name) }
            if status & modified != 0, let name = path(entry.pointee.index_to_workdir) { changes.modified.append(name) }
            if status & GIT_STATUS_WT_NEW.rawValue != 0, let name = path(entry.pointee.index_to_workdir) { changes.untracked.append(name) }
        }
        return changes
    }

    /// The git tree id of the working tree's tracked content, as `git add -u && git write-tree`
    /// on a copy of the index would give: the index is updated in memory and the blobs and trees
    /// go to an in-memory object database, so nothing is written into the repository. Use a
    /// handle opened for this alone: its object database keeps the in-memory backend.
    func workingTreeID() -> Result<String, GitTreeFailure> {
        var database: OpaquePointer?
        guard attest_git_repository_odb(&database, pointer) == 0, let database else {
            return .failure(GitTreeFailure(message: "cannot open the object database: \(LibGit2.lastError().message)"))
        }
        defer { attest_git_odb_free(database) }
        var backend: UnsafeMutablePointer<git_odb_backend>?
        guard attest_git_mempack_new(&backend) == 0, let backend else {
            return .failure(GitTreeFailure(message: "cannot make an in-memory object database: \(LibGit2.lastError().message)"))
        }
        // The highest priority receives every write (libgit2's sys/mempack.h).
        guard attest_git_odb_add_backend(database, backend, 999) == 0 else {
            let message = LibGit2.lastError().message
            backend.pointee.free?(backend)
            return .failure(GitTreeFailure(message: "cannot add an in-memory object database: \(message)"))
        }
        var index: OpaquePointer?
        guard attest_git_repository_index(&index, pointer) == 0, let index else {
            return .failure(GitTreeFailure(message: "cannot read the index: \(LibGit2.lastError().message)"))
        }
        // The index is changed in memory only: it is never written back.
        defer { attest_git_index_free(index) }
        guard attest_git_index_update_all(index, nil, nil, nil) == 0 else {
            return .failure(GitTreeFailure(message: "cannot add the working tree's changes: \(LibGit2.lastError().message)"))
        }
        var tree = git_oid()
        guard attest_git_index_write_tree(&tree, index) == 0 else {
            return .failure(GitTreeFailure(message: "cannot write the working tree as a tree (unmerged files?): \(LibGit2.lastError().message)"))
        }
        var buffer = [CChar](repeating: 0, count: 41)
        attest_git_oid_tostr(&buffer, buffer.count, &tree)
        return .success(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// Why the working tree's digest could not be made.
struct GitTreeFailure: Error {
    var message: String
}
