import Foundation
import Testing

/// Crashes, interruptions, concurrent runs and bad input, against the built binary.
@Suite("Hardening", .serialized, .tags(.timing))
struct HardeningTests {
    static let quick = ["run", "--quick", "--task-seconds", "0.1", "--rounds", "1", "--workers", "2"]

    static func bundleVerifies(_ path: String, in folder: URL) throws -> Bool {
        // Authentic, whatever its claim: 0 (holds), 3 (FAILED) or 4 (INCONCLUSIVE).
        try [0, 3, 4].contains(CLI.run(["verify", path, "--key", "keys/attest.pub"], in: folder).status)
    }

    static func archives(in folder: URL) -> [String] {
        let proof = folder.appendingPathComponent(".checkpoints/proof")
        return ((try? FileManager.default.contentsOfDirectory(atPath: proof.path)) ?? []).filter { $0.hasSuffix(".bundle.json") }.sorted()
    }

    @Test("SIGKILL at random moments never leaves a partial bundle; archives stay intact and verifiable")
    func killAtRandom() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try CLI.run(Self.quick, in: folder)
        #expect([0, 3, 4].contains(first.status), "\(first.stderr)")
        let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        // Seeded: the same kill moments every run, so a failure reproduces.
        var generator = SeededGenerator(state: 0x4B11_1ED)
        var killedBeforeEnd = 0
        for _ in 0..<20 {
            let process = try CLI.start(Self.quick, in: folder)
            usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedBeforeEnd += 1
            }
            process.waitUntilExit()
            // The bundle path holds a complete bundle (the previous one or the new one), never part of one.
            #expect(try Self.bundleVerifies(bundle, in: folder))
        }
        #expect(killedBeforeEnd >= 10, "only \(killedBeforeEnd) of 20 runs were killed mid-way")
        for archive in Self.archives(in: folder) {
            #expect(try Self.bundleVerifies(".checkpoints/proof/\(archive)", in: folder), "\(archive)")
        }
    }

    @Test("SIGINT stops gracefully: exit 130, nothing sealed")
    func interrupt() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = try CLI.start(["run", "--gates", "3", "--sample-seconds", "30,1", "--bots", "8"], in: folder)
        usleep(1_500_000)
        kill(process.processIdentifier, SIGINT)
        let started = Date()
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(process.terminationStatus == 130)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".checkpoints/PHASE4_VERIFICATION_BUNDLE.json").path))
        #expect(Self.archives(in: folder).isEmpty)
    }

    @Test("two runs in one folder at once both finish with intact, distinct archives, signed by one key")
    func concurrentRuns() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = try CLI.start(Self.quick, in: folder)
        let two = try CLI.start(Self.quick, in: folder)
        one.waitUntilExit()
        two.waitUntilExit()
        #expect([0, 3, 4].contains(one.terminationStatus) && [0, 3, 4].contains(two.terminationStatus))
        let archives = Self.archives(in: folder)
        #expect(archives.count == 2, "\(archives)")
        for archive in archives {
            #expect(try Self.bundleVerifies(".checkpoints/proof/\(archive)", in: folder), "\(archive)")
        }
        let first = try Data(contentsOf: folder.appendingPathComponent(".checkpoints/proof/\(archives[0])"))
        let second = try Data(contentsOf: folder.appendingPathComponent(".checkpoints/proof/\(archives[1])"))
        #expect(first != second)
    }

    @Test("the private key never appears in output, logs or written files")
    func privateKeyNeverLeaks() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(Self.quick + ["--json"], in: folder)
        let verify = try CLI.run(["verify", ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json", "--json"], in: folder)
        let pem = try String(contentsOf: folder.appendingPathComponent("keys/attest.key"), encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let secret = Data(base64Encoded: body).map { Array($0.suffix(32)) } ?? []
        #expect(secret.count == 32)
        let secretHex = secret.map { String(format: "%02x", $0) }.joined()
        let secretBase64 = Data(secret).base64EncodedString()
        var texts = [run.stdout, run.stderr, verify.stdout, verify.stderr]
        let enumerator = FileManager.default.enumerator(atPath: folder.appendingPathComponent(".checkpoints").path)
        while let name = enumerator?.nextObject() as? String {
            let url = folder.appendingPathComponent(".checkpoints/\(name)")
            if let data = try? Data(contentsOf: url) {
                texts.append(String(decoding: data, as: UTF8.self))
                // Payloads are base64: search their decoded bytes too.
                if let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                   let records = root["records"] as? [[String: Any]] {
                    for record in records {
                        if let payload = (record["payload"] as? String).flatMap({ Data(base64Encoded: $0) }) {
                            texts.append(String(decoding: payload, as: UTF8.self))
                            #expect(payload.range(of: Data(secret)) == nil)
                        }
                    }
                }
            }
        }
        for text in texts {
            #expect(!text.contains(body))
            #expect(!text.contains(secretHex))
            #expect(!text.contains(secretBase64))
            #expect(!text.contains("PRIVATE KEY"))
        }
    }

    struct BadInput: Sendable, CustomStringConvertible {
        var name: String
        var arguments: [String]
        var prepare: @Sendable (URL) throws -> Void = { _ in }
        var expected: String
        var description: String { name }
    }

    /// The catalogue in docs/ERRORS.md: each gives `error:` and `hint:` on stderr, exit 2, no
    /// stack trace, no file written.
    static let catalogue: [BadInput] = [
        BadInput(name: "missing file", arguments: ["verify", "missing.json", "--key", "k.pub"], expected: "does not exist"),
        BadInput(name: "a directory", arguments: ["verify", "dir", "--key", "k.pub"], expected: "is a directory"),
        BadInput(name: "empty file", arguments: ["verify", "empty.json", "--key", "k.pub"], expected: "empty"),
        BadInput(name: "not JSON", arguments: ["verify", "text.json", "--key", "k.pub"], expected: "not an attest bundle"),
        BadInput(name: "JSON of the wrong shape", arguments: ["verify", "array.json", "--key", "k.pub"], expected: "not an attest bundle"),
        BadInput(name: "wrong mediaType", arguments: ["verify", "media.json", "--key", "k.pub"], expected: "mediaType"),
        BadInput(name: "public key where a private key is expected", arguments: ["run", "--quick", "--key", "k.pub"], expected: "does not hold a private key"),
        BadInput(name: "private key where a public key is expected", arguments: ["verify", "media.json", "--key", "k.key"], expected: "does not hold a public key"),
        BadInput(name: "a PEM of another algorithm", arguments: ["verify", "media.json", "--key", "ec.pub"], expected: "not Ed25519"),
        BadInput(name: "an encrypted key", arguments: ["run", "--quick", "--key", "enc.key"], expected: "encrypted"),
        BadInput(name: "unwritable .checkpoints", arguments: ["run", "--quick", "--key", "k.key", "--out", "empty.json/sub"], expected: "cannot write"),
        BadInput(name: "unknown gate number", arguments: ["run", "--gates", "7"], expected: "unknown gate"),
        BadInput(name: "zero duration", arguments: ["run", "--task-seconds", "0"], expected: "--task-seconds"),
        BadInput(name: "negative duration", arguments: ["run", "--sample-seconds", "-5,10"], expected: "--sample-seconds"),
        BadInput(name: "--bots 0", arguments: ["run", "--bots", "0"], expected: "--bots"),
        BadInput(name: "--bots 1000000", arguments: ["run", "--bots", "1000000"], expected: "--bots"),
        BadInput(name: "a --key file that does not exist", arguments: ["run", "--key", "nope.key"], expected: "does not exist"),
        BadInput(name: "an ambiguous --expect-commit", arguments: ["verify", "media.json", "--key", "k.pub", "--expect-commit", "abc"], expected: "not a commit id"),
        BadInput(name: "a malformed --max-age", arguments: ["verify", "media.json", "--key", "k.pub", "--max-age", "1y"], expected: "not a duration"),
        BadInput(name: "--allow-dirty without --expect-commit", arguments: ["verify", "media.json", "--key", "k.pub", "--allow-dirty"], expected: "--allow-dirty needs --expect-commit"),
    ]

    static func prepare(_ folder: URL) throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: folder.appendingPathComponent("dir"), withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("empty.json"))
        try "hello".write(to: folder.appendingPathComponent("text.json"), atomically: true, encoding: .utf8)
        try "[1, 2]".write(to: folder.appendingPathComponent("array.json"), atomically: true, encoding: .utf8)
        try #"{"mediaType": "application/vnd.other+json", "records": []}"#.write(to: folder.appendingPathComponent("media.json"), atomically: true, encoding: .utf8)
        _ = try CLI.run(["keygen", "--out", "."], in: folder)
        try fileManager.moveItem(at: folder.appendingPathComponent("attest.key"), to: folder.appendingPathComponent("k.key"))
        try fileManager.moveItem(at: folder.appendingPathComponent("attest.pub"), to: folder.appendingPathComponent("k.pub"))
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = folder
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key"])
        try openssl(["pkey", "-in", "ec.key", "-pubout", "-out", "ec.pub"])
        try openssl(["genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:secret", "-out", "enc.key"])
        chmod(folder.appendingPathComponent("enc.key").path, 0o600)
    }

    @Test("bad input: error and hint, exit 2, no stack trace, nothing written", arguments: catalogue)
    func badInput(_ input: BadInput) throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.prepare(folder)
        let before = Set(FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
        let outcome = try CLI.run(input.arguments, in: folder)
        #expect(outcome.status == 2, "\(input.name): exit \(outcome.status)\n\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("error: "), "\(input.name): \(outcome.stderr)")
        #expect(outcome.stderr.contains("\nhint: "), "\(input.name): \(outcome.stderr)")
        #expect(outcome.stderr.contains(input.expected), "\(input.name): \(outcome.stderr)")
        #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Stack dump"))
        let after = Set(FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
        #expect(after == before, "\(input.name) wrote \(after.subtracting(before))")
    }
}
