package import Foundation

/// Why an atomic write failed.
package struct AtomicFileError: Error, Equatable {
    package var path: String
    package var code: Int32

    /// The destination existed and the write was exclusive.
    package var isDestinationExists: Bool { code == EEXIST }
}

/// Writes files so that a crash leaves either the old file or the new one, never part of one:
/// a temporary file in the same folder, written and fsync'ed, then renamed into place, then the
/// folder fsync'ed so the rename itself survives a power cut.
package enum AtomicFile {
    /// - Parameters:
    ///   - permissions: the new file's mode, set with fchmod so the umask cannot widen or narrow it.
    ///   - exclusive: fail with `EEXIST` instead of replacing an existing file (link(2) is atomic
    ///     and refuses to overwrite).
    package static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644, exclusive: Bool = false) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EvidenceError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            guard fchmod(descriptor, permissions) == 0 else { throw posix(url) }
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(descriptor, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw posix(url)
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw posix(url) }
            closed = true
            guard close(descriptor) == 0 else { throw posix(url) }
            if exclusive {
                guard link(temporary.path, url.path) == 0 else {
                    let code = errno
                    if code == EEXIST { throw AtomicFileError(path: url.path, code: code) }
                    throw EvidenceError.writeFailed(path: url.path, reason: String(cString: strerror(code)))
                }
                unlink(temporary.path)
            } else {
                guard rename(temporary.path, url.path) == 0 else { throw posix(url) }
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
        syncFolder(folder)
    }

    private static func posix(_ url: URL) -> EvidenceError {
        EvidenceError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
    }

    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
