import CGit2
import Foundation

/// libgit2 initialised once per process.
enum LibGit2 {
    nonisolated(unsafe) private static var initialised: Bool = {
        attest_git_libgit2_init()
        return true
    }()

    static func ensureInitialised() {
        _ = initialised
    }

    /// What to do when libgit2 cannot be loaded (it is loaded on first use, not linked: see cgit2.h).
    static let installHint = "install libgit2 (Debian 12: apt-get install libgit2-1.5), or set ATTEST_LIBGIT2 to the path of its libgit2.so"

    /// Why libgit2 cannot be loaded; nil when it is (loading it on the first call).
    static var loadFailure: String? {
        attest_git_available() == 1 ? nil : lastError().message
    }

    /// The last libgit2 error, copied at once: it is thread-local and invalid after the next call.
    static func lastError() -> (klass: Int32, message: String) {
        guard let error = attest_git_error_last() else { return (0, "unknown libgit2 error") }
        let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libgit2 error"
        return (error.pointee.klass, message)
    }
}

/// Owns one `git_repository` and frees it. All libgit2 pointer work happens here.
final class GitRepositoryHandle {
    let pointer: OpaquePointer

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        attest_git_repository_free(pointer)
    }

    enum OpenFailure: Error {
        case notARepository(String)
        case ownershipRefused(String)
        case other(String)
        /// libgit2 itself could not be loaded.
        case libraryMissing(String)
    }

    static func open(at path: String, trustOwnership: Bool) -> Result<GitRepositoryHandle, OpenFailure> {
        if let failure = LibGit2.loadFailure { return .failure(.libraryMissing(failure)) }
        LibGit2.ensureInitialised()
        // The ownership check is process-wide state; set it for every open, as asked.
        _ = attest_git_set_owner_validation(trustOwnership ? 0 : 1)
        var repository: OpaquePointer?
        let result = attest_git_repository_open_ext(&repository, path, 0, nil)
        guard result == 0, let repository else {
            let error = LibGit2.lastError()
            if error.klass == Int32(GIT_ERROR_CONFIG.rawValue) || error.message.contains("safe.directory") || error.message.contains("not owned") {
                return .failure(.ownershipRefused(error.message))
            }
            if result == GIT_ENOTFOUND.rawValue {
                return .failure(.notARepository(error.message))
            }
            return .failure(.other(error.message))
        }
        return .success(GitRepositoryHandle(pointer: repository))
    }

    var workDirectory: String? {
        attest_git_repository_workdir(pointer).map { String(cString: $0) }
    }

    var isHeadUnborn: Bool { attest_git_repository_head_unborn(pointer) == 1 }
    var isHeadDetached: Bool { attest_git_repository_head_detached(pointer) == 1 }

    /// The branch HEAD points at, read from HEAD's symbolic target (works on an unborn branch).
    var symbolicBranch: String? {
        var reference: OpaquePointer?
        guard attest_git_reference_lookup(&reference, pointer, "HEAD") == 0, let reference else { return nil }
        defer { attest_git_reference_free(reference) }
        guard let target = attest_git_reference_symbolic_target(reference) else { return nil }
        let name = String(cString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
    }

    func headCommit() -> String? {
        var oid = git_oid()
        guard attest_git_reference_name_to_id(&oid, pointer, "HEAD") == 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 41)
        attest_git_oid_tostr(&buffer, buffer.count, &oid)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func branchShorthand() -> String? {
        var head: OpaquePointer?
        guard attest_git_repository_head(&head, pointer) == 0, let head else { return nil }
        defer { attest_git_reference_free(head) }
        return attest_git_reference_shorthand(head).map { String(cString: $0) }
    }
}
