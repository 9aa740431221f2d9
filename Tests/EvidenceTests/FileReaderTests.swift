import Foundation
import Testing
@testable import Evidence

@Suite("Reading files")
struct FileReaderTests {
    @Test("a large file is read into memory made up front, in two halves at once, byte for byte; a small one the usual way")
    func largeAndSmall() throws {
        let folder = try Fixtures.temporaryFolder("reader")
        defer { try? FileManager.default.removeItem(at: folder) }
        for size in [FileReader.largeFileSize - 1, FileReader.largeFileSize, FileReader.largeFileSize + 4095, 3 * FileReader.largeFileSize + 1] {
            // A different byte at every position of a 251-byte cycle, so a misplaced page shows.
            let cycle = Data((0..<251).map { UInt8($0) })
            var bytes = Data(capacity: size)
            while bytes.count < size { bytes.append(cycle.prefix(size - bytes.count)) }
            let file = folder.appendingPathComponent("f\(size)")
            try bytes.write(to: file)
            let large = FileReader.readLarge(file.path)
            #expect((large != nil) == (size >= FileReader.largeFileSize), "size \(size)")
            if let large { #expect(large == bytes) }
            #expect(try FileReader.read(file, what: "test") == bytes)
        }
    }

    @Test("what is not a regular file is left to the usual read, with its errors")
    func notRegular() throws {
        let folder = try Fixtures.temporaryFolder("reader-special")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(FileReader.readLarge(folder.path) == nil)
        #expect(FileReader.readLarge(folder.appendingPathComponent("missing").path) == nil)
        #expect(FileReader.readLarge("/dev/zero") == nil)
        #expect(throws: EvidenceError.notAFile(path: folder.path)) { try FileReader.read(folder, what: "bundle") }
        let missing = folder.appendingPathComponent("missing")
        #expect(throws: EvidenceError.fileMissing(path: missing.path, what: "bundle")) { try FileReader.read(missing, what: "bundle") }
    }
}
