import Foundation
import Testing
import SwarmRuntime

/// The work kernel's digests are recomputable by anyone: scripts/kernel_reference.py, written
/// with Python's standard library only, must agree with the Swift kernel.
@Suite("Independent kernel reference")
struct KernelReferenceTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/kernel_reference.py")

    @Test("Python reference and Swift kernel give the same digests", arguments: [
        (UInt64(0), 0), (UInt64(7), 1), (UInt64(12_304_428_970_456_729_848), 70_000), (UInt64.max, 65_537),
    ])
    func agree(seed: UInt64, iterations: Int) throws {
        // The system interpreter: the reference needs nothing beyond the standard library.
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) else {
            Issue.record("skipped: python3 is not installed")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script.path, String(seed), String(iterations)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let digest = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest == WorkKernel.run(seed: seed, iterations: iterations))
    }
}
