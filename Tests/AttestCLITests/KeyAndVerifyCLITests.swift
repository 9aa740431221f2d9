import Foundation
import Testing

@Suite("attest keygen, keyid and verify")
struct KeyAndVerifyCLITests {
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("keygen: 0600 key even with umask 000, key id printed, private key never printed, no overwrite")
    func keygen() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try CLI.run(["keygen"], in: folder, prefix: ["sh", "-c", "umask 000; exec \"$0\" \"$@\""])
        #expect(made.status == 0, "\(made.stderr)")
        let keyFile = folder.appendingPathComponent("keys/attest.key")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let privateKey = try String(contentsOf: keyFile, encoding: .utf8)
        let body = privateKey.split(separator: "\n").dropFirst().first.map(String.init) ?? "missing"
        #expect(!made.stdout.contains(body) && !made.stderr.contains(body))
        let keyID = try CLI.run(["keyid", "keys/attest.pub"], in: folder)
        #expect(keyID.status == 0)
        #expect(made.stdout.contains(keyID.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let again = try CLI.run(["keygen"], in: folder)
        #expect(again.status == 2)
        #expect(again.stderr.contains("error:") && again.stderr.contains("hint:") && again.stderr.contains("--force"))
        #expect(try CLI.run(["keygen", "--force"], in: folder).status == 0)
    }

    @Test("verify: 0 for a good bundle, 1 for a tampered one, 2 for unreadable input or no key")
    func verifyExitCodes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Sources/SwarmRuntime"), withIntermediateDirectories: true)
        try "final class Bot { let t = Thread {} }\n".write(to: folder.appendingPathComponent("Sources/SwarmRuntime/Bot.swift"), atomically: true, encoding: .utf8)
        try "final class Swarm { let t = Thread {} }\n".write(to: folder.appendingPathComponent("Sources/SwarmRuntime/Swarm.swift"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--gates", "1"], in: folder)
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")  // gate 2 not run: FAILED, but sealed and signed
        let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        let good = try CLI.run(["verify", bundle], in: folder)  // trusts keys/*.pub here
        // Authentic, but its verdict is FAILED: exit 3, as the run's.
        #expect(good.status == 3, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("✓ 0: gate 1 code_audit"))
        let json = try CLI.run(["verify", bundle, "--json", "--key", "keys/attest.pub"], in: folder)
        #expect(json.status == 3)
        #expect(json.stdout.contains("\"verified\" : true"))
        // --timings adds one line on standard error, every step named, and changes nothing else.
        let timed = try CLI.run(["verify", bundle, "--timings"], in: folder)
        #expect(timed.status == 3 && timed.stdout == good.stdout)
        let line = try #require(timed.stderr.split(separator: "\n").first { $0.hasPrefix("timings: ") })
        for step in ["keys", "read", "parse", "records", "chain", "policies", "print"] {
            #expect(line.contains(" \(step) ") && line.contains("ms"), "\(step) in \(line)")
        }
        #expect(!good.stderr.contains("timings"))

        // Tamper: flip one character inside the first payload.
        let url = folder.appendingPathComponent(bundle)
        var text = try String(contentsOf: url, encoding: .utf8)
        let range = try #require(text.range(of: "\"payload\": \"ey"))
        text.replaceSubrange(range, with: "\"payload\": \"eZ")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["verify", bundle], in: folder)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("✗") && bad.stdout.contains("NOT VERIFIED"))

        #expect(try CLI.run(["verify", "missing.json"], in: folder).status == 2)
        #expect(try CLI.run(["verify", "keys"], in: folder).status == 2)
        try Data().write(to: folder.appendingPathComponent("empty.json"))
        #expect(try CLI.run(["verify", "empty.json"], in: folder).status == 2)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("keys"))
        let noKey = try CLI.run(["verify", bundle], in: folder)
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("hint:") && noKey.stderr.contains("--key"))
        let missingKey = try CLI.run(["verify", bundle, "--key", "nope.pub"], in: folder)
        #expect(missingKey.status == 2)
        #expect(missingKey.stderr.contains("error: public key"))
    }

    @Test("a lone public key (no private key) does not block the first run's key pair")
    func lonePublicKey() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try "-----BEGIN PUBLIC KEY-----\nstale\n-----END PUBLIC KEY-----\n".write(
            to: folder.appendingPathComponent("keys/attest.pub"), atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "--gates", "1"], in: folder)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("created a signing key pair"))
        #expect(try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"], in: folder).status == 3)
    }
}
