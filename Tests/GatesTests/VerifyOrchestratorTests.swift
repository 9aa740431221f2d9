import Evidence
import Foundation
import Testing
@testable import Gates

@Suite("attest verify's orchestration")
struct VerifyOrchestratorTests {
    static func bundle(in folder: URL, key: SigningKey) throws -> URL {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "t", commit: String(repeating: "ab", count: 20)),
                                        runID: String(repeating: "c", count: 32))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let file = folder.appendingPathComponent("b.json")
        let git = GitReading.unavailable(reason: .notARepository, message: "test")
        try builder.seal(gates: [], verdict: "FAILED", startedAt: start, finishedAt: start, system: RederivationTests.system, git: git)
            .write(to: file)
        return file
    }

    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("orchestrator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("a bundle file is read, parsed and verified; follow-ups nobody asked for find nothing and do not fail")
    func verifiesAFile() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = RederivationTests.key
        let file = try Self.bundle(in: folder, key: key)
        let verified = try VerifyOrchestrator.verify(.file(file.path), trustedKeys: [key.publicKey], policies: [], options: .init())
        #expect(verified.report.isVerified && verified.report.notABundle == nil && verified.archiveNote == nil)
        #expect(verified.bundlePath == file.path)
        let results = try VerifyOrchestrator.followUps(verified, .init(repository: folder), trustedKeys: [key.publicKey])
        #expect(results.archiveFindings == nil && results.tally == nil && results.replay == nil && !results.failed)
        // A reproduction that is not one: counted as rejected, and the follow-ups fail.
        var requested = VerifyOrchestrator.FollowUps(repository: folder)
        requested.reproductions = [(path: "r.json", data: Data("{}".utf8))]
        let tallied = try VerifyOrchestrator.followUps(verified, requested, trustedKeys: [key.publicKey])
        #expect(tallied.tally?.reproducingKeys.isEmpty == true && tallied.failed)
    }

    @Test("a file that is not a bundle is a report that says so; a missing or empty file is an input error")
    func notABundle() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = RederivationTests.key
        let text = folder.appendingPathComponent("t.txt")
        try Data("hello".utf8).write(to: text)
        let verified = try VerifyOrchestrator.verify(.file(text.path), trustedKeys: [key.publicKey], policies: [], options: .init())
        #expect(verified.report.notABundle != nil)
        let missing = folder.appendingPathComponent("missing.json").path
        #expect(throws: EvidenceError.fileMissing(path: missing, what: "bundle")) {
            try VerifyOrchestrator.verify(.file(missing), trustedKeys: [key.publicKey], policies: [], options: .init())
        }
        let empty = folder.appendingPathComponent("empty.json")
        try Data().write(to: empty)
        #expect(throws: EvidenceError.emptyFile(path: empty.path, what: "bundle")) {
            try VerifyOrchestrator.verify(.file(empty.path), trustedKeys: [key.publicKey], policies: [], options: .init())
        }
    }
}
