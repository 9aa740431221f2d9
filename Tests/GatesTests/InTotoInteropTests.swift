import Foundation
import Testing
import Evidence
@testable import Gates

/// A bundle written by the library, checked with libraries nobody here wrote: securesystemslib's
/// DSSE verification (the key built from the public key PEM, attest's key id passed explicitly)
/// and in-toto-attestation's Statement v1 and Test Results parsing; a changed payload byte must
/// fail. They live in the virtual environment `scripts/setup.sh --with-interop` makes (.ci/run
/// does); without it the test says it was skipped and why.
@Suite("in-toto interop (securesystemslib, in-toto-attestation)", .serialized)
struct InTotoInteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python: String? = {
        if let chosen = ProcessInfo.processInfo.environment["ATTEST_INTEROP_PYTHON"], !chosen.isEmpty { return chosen }
        let venv = root.appendingPathComponent(".venv-interop/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()
    static let skipReason: Comment = "no .venv-interop: interop check skipped (run scripts/setup.sh --with-interop, or set ATTEST_INTEROP_PYTHON; .ci/run does it)"

    /// .ci/run sets ATTEST_REQUIRE_INTEROP=1: there a missing environment is a failure, not a skip.
    @Test("the interop environment is there where it is required")
    func requiredWhereAsked() {
        if ProcessInfo.processInfo.environment["ATTEST_REQUIRE_INTEROP"] == "1" && Self.python == nil {
            Issue.record("ATTEST_REQUIRE_INTEROP=1 but \(Self.skipReason)")
        }
    }

    /// Runs Tests/Interop/intoto_check.py on `file`; its JSON counts.
    static func check(_ file: URL, publicKey: URL, keyID: String) throws -> (status: Int32, counts: [String: Any], output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [root.appendingPathComponent("Tests/Interop/intoto_check.py").path, file.path, publicKey.path, keyID]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        let lastLine = output.split(separator: "\n").last.map(String.init) ?? ""
        let counts = (try? JSONSerialization.jsonObject(with: Data(lastLine.utf8))) as? [String: Any] ?? [:]
        return (process.terminationStatus, counts, output)
    }

    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("every envelope verifies with securesystemslib, every payload is a valid Statement v1, the Test Results record parses",
          .enabled(if: python != nil, skipReason))
    func bundleVerifies() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = RederivationTests.key
        let bundle = try TestResultTests.bundle(subject: .gitTree(name: "t", tree: String(repeating: "2", count: 40)))
        let file = folder.appendingPathComponent("bundle.json")
        try bundle.write(to: file)
        let publicKey = folder.appendingPathComponent("attest.pub")
        try Data(key.publicKey.pem.utf8).write(to: publicKey)

        let result = try Self.check(file, publicKey: publicKey, keyID: key.publicKey.keyID)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.counts["envelopes"] as? Int == 3)
        #expect(result.counts["verified"] as? Int == 3)
        #expect(result.counts["statements"] as? Int == 3)
        #expect(result.counts["tamperedRejected"] as? Int == 3)
        #expect(result.counts["testResults"] as? Int == 1)
        #expect(result.counts["subjectDigests"] as? [String] == ["gitTree", "gitTree", "gitTree"])
        let testResult = try #require(result.counts["testResult"] as? [String: Any])
        #expect(testResult["result"] as? String == "PASSED")
        #expect(testResult["passedTests"] as? [String] == ["concurrency_proof"])
        #expect(testResult["configuration"] as? Int == 1)
        // securesystemslib's own key id convention differs: hence keyid= explicitly (docs/FORMAT.md).
        #expect(result.counts["defaultKeyidIsAttests"] as? Bool == false)

        // The JSON Lines form: the same envelopes, read line by line.
        let lines = folder.appendingPathComponent("bundle.intoto.jsonl")
        try bundle.writeJSONLines(to: lines)
        let fromLines = try Self.check(lines, publicKey: publicKey, keyID: key.publicKey.keyID)
        #expect(fromLines.status == 0, "\(fromLines.output)")
        #expect(fromLines.counts["verified"] as? Int == 3)
        #expect(fromLines.counts["testResults"] as? Int == 1)
    }

    @Test("a record signed by another key fails securesystemslib's verification", .enabled(if: python != nil, skipReason))
    func otherKeyFails() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bundle.json")
        try TestResultTests.bundle().write(to: file)
        guard let other = SigningKey(seed: [UInt8](repeating: 9, count: 32)) else { throw CancellationError() }
        let publicKey = folder.appendingPathComponent("other.pub")
        try Data(other.publicKey.pem.utf8).write(to: publicKey)
        let result = try Self.check(file, publicKey: publicKey, keyID: RederivationTests.key.publicKey.keyID)
        #expect(result.status == 1)
        #expect(result.output.contains("did not verify"))
    }
}
