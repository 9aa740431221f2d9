import Foundation
import Testing

/// `attest verify --replay` against the built binary: a fresh short bundle reproduces here; on
/// one CPU the replay cannot decide.
@Suite("attest verify --replay", .serialized)
struct ReplayCLITests {
    static func freshBundle() throws -> URL {
        let folder = try RunCommandTests.scratch()
        let run = try CLI.run(["run", "--quick", "--task-seconds", "0.2", "--rounds", "1", "--workers", "2"], in: folder)
        #expect([0, 3].contains(run.status), "\(run.stderr)")
        return folder
    }

    @Test("a fresh short bundle replays as REPRODUCED here")
    func reproduced() throws {
        let folder = try Self.freshBundle()
        defer { try? FileManager.default.removeItem(at: folder) }
        let replay = try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--replay"], in: folder)
        #expect(replay.stdout.contains("original      replay"))
        #expect(replay.status == 0 && replay.stdout.contains("REPRODUCED:"), "\(replay.stdout)\n\(replay.stderr)")
    }

    @Test("under taskset -c 0 the replay is INCONCLUSIVE")
    func oneCPU() throws {
        let folder = try Self.freshBundle()
        defer { try? FileManager.default.removeItem(at: folder) }
        let replay = try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--replay"], in: folder, prefix: ["taskset", "-c", "0"])
        #expect(replay.status == 1)
        #expect(replay.stdout.contains("INCONCLUSIVE: cannot be shown on one CPU"), "\(replay.stdout)")
    }
}
