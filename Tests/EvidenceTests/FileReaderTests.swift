import Foundation
import Testing
@testable import Evidence

@Suite("Reading files")
struct FileReaderTests {
    @Test("a file reads back byte for byte, empty or megabytes long")
    func readsBack() throws {
        let folder = try Fixtures.temporaryFolder("reader")
        defer { try? FileManager.default.removeItem(at: folder) }
        for size in [0, 1, 4095, 3 << 20 + 1] {
            // A different byte at every position of a 251-byte cycle, so a misplaced page shows.
            let cycle = Data((0..<251).map { UInt8($0) })
            var bytes = Data(capacity: size)
            while bytes.count < size { bytes.append(cycle.prefix(size - bytes.count)) }
            let file = folder.appendingPathComponent("f\(size)")
            try bytes.write(to: file)
            #expect(try FileReader.read(file, what: "test") == bytes)
        }
    }

    @Test("a folder or a missing file is an error that names it")
    func notRegular() throws {
        let folder = try Fixtures.temporaryFolder("reader-special")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EvidenceError.notAFile(path: folder.path)) { try FileReader.read(folder, what: "bundle") }
        let missing = folder.appendingPathComponent("missing")
        #expect(throws: EvidenceError.fileMissing(path: missing.path, what: "bundle")) { try FileReader.read(missing, what: "bundle") }
    }
}
