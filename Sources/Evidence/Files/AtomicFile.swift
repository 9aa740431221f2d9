public import Foundation

/// Why an atomic write failed.
public struct AtomicFileError: Error, Equatable {
    public var path: String
    public var code: Int32

    /// The destination existed and the write was exclusive.
    public var isDestinationExists: Bool { code == EEXIST }
}

/// Writes files so that a crash leaves either the old file or the new one, never part of one:
/// a temporary file in the same folder, written and fsync'ed, then renamed into place, then the
/// folder fsync'ed so the rename itself survives a power cut.
public enum AtomicFile {
    /// - Parameters:
    ///   - permissions: the new file's mode, set with fchmod so the umask cannot widen or narrow it.
    ///   - exclusive: fail with `EEXIST` instead of replacing an existing file (link(2) is atomic
    ///     and refuses to overwrite).
    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644, exclusive: Bool = false) throws {
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

/// Reads a whole file with errors a person can act on.
public enum FileReader {
    /// The file's bytes; `what` names it in errors ("bundle", "public key").
    public static func read(_ url: URL, what: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw EvidenceError.fileMissing(path: url.path, what: what)
        }
        guard !isDirectory.boolValue else { throw EvidenceError.notAFile(path: url.path) }
        if let data = readLarge(url.path) { return data }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw EvidenceError.unreadable(path: url.path, reason: (error as NSError).localizedFailureReason ?? error.localizedDescription)
        }
    }

    /// From this size on, a file is read into memory whose pages are made before the read.
    static let largeFileSize = 1 << 20

    /// A large regular file's bytes, read into anonymous memory whose pages are made before the
    /// read (taking a fault for each page as the read first touches it cost about as much as the
    /// read itself: 20 MB, 9.8 ms against 8.0 ms). The second half is made and read on a thread
    /// of its own, at once with the first. Nil when the file is small, not a regular file,
    /// changes size while read, or anything fails: then the caller reads it the usual way, with
    /// its errors.
    static func readLarge(_ path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size >= largeFileSize else { return nil }
        let size = Int(status.st_size)
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory = mapped, memory != MAP_FAILED else { return nil }
        let half = size / 2 / 4096 * 4096
        // The second half on a thread of its own rather than the dispatch pool, whose first
        // worker can take milliseconds to start; each half is written by one thread only. If no
        // thread can be made, this one reads both.
        let second = SecondHalf(descriptor: descriptor, memory: memory, start: half, end: size)
        let thread = second.startThread()
        let firstComplete = readRange(descriptor, into: memory, from: 0, to: thread == nil ? size : half)
        if let thread { pthread_join(thread, nil) }
        let secondComplete = thread == nil || second.complete
        // The whole file, and nothing after it: otherwise it changed while read.
        var probe: UInt8 = 0
        guard firstComplete, secondComplete, pread(descriptor, &probe, 1, off_t(size)) == 0 else {
            munmap(memory, size)
            return nil
        }
        return Data(bytesNoCopy: memory, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
    }

    /// What the thread reading a file's second half is given, and what it reports (read after
    /// the thread is joined).
    final class SecondHalf: @unchecked Sendable {
        let descriptor: Int32
        let memory: UnsafeMutableRawPointer
        let start: Int
        let end: Int
        var complete = false

        init(descriptor: Int32, memory: UnsafeMutableRawPointer, start: Int, end: Int) {
            self.descriptor = descriptor
            self.memory = memory
            self.start = start
            self.end = end
        }

        /// The thread reading this half, to be joined; nil when none could be made.
        func startThread() -> pthread_t? {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            guard pthread_create(&thread, nil, readSecondHalf, context) == 0 else {
                Unmanaged<SecondHalf>.fromOpaque(context).release()
                return nil
            }
            return thread
        }
    }

    /// Linux's MADV_POPULATE_WRITE (5.14 on): the pages of a range made, writable, in one call.
    private static let populateWrite: Int32 = 23

    /// Bytes start..<end of the file into the same offsets of `memory`, their pages made first
    /// (where the kernel cannot, the read makes them as it goes); false unless every byte came.
    static func readRange(_ descriptor: Int32, into memory: UnsafeMutableRawPointer, from start: Int, to end: Int) -> Bool {
        guard end > start else { return true }
        _ = madvise(memory + start, end - start, populateWrite)
        var offset = start
        while offset < end {
            let count = pread(descriptor, memory + offset, end - offset, off_t(offset))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}

/// The body of the thread `FileReader.readLarge` reads a file's second half on.
private func readSecondHalf(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    let second = Unmanaged<FileReader.SecondHalf>.fromOpaque(context).takeRetainedValue()
    second.complete = FileReader.readRange(second.descriptor, into: second.memory, from: second.start, to: second.end)
    return nil
}
