import Foundation
import Testing
@testable import Evidence

@Suite("Keys")
struct KeyTests {
    @Test("keygen writes a 0600 PKCS#8 key and an SPKI public key, and refuses to overwrite")
    func generate() throws {
        let folder = try Fixtures.temporaryFolder("keygen")
        defer { try? FileManager.default.removeItem(at: folder) }
        let previous = umask(0)
        defer { umask(previous) }
        let created = try KeyFiles.generate(in: folder, force: false)
        var status = stat()
        #expect(stat(created.privateKey.path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let privateText = try String(contentsOf: created.privateKey, encoding: .utf8)
        #expect(privateText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try String(contentsOf: created.publicKey, encoding: .utf8).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(try SigningKey.load(pemFile: created.privateKey).publicKey.keyID == created.keyID)
        #expect(try PublicKey.load(pemFile: created.publicKey).keyID == created.keyID)
        #expect(throws: EvidenceError.keyExists(path: created.privateKey.path)) {
            try KeyFiles.generate(in: folder, force: false)
        }
        let replaced = try KeyFiles.generate(in: folder, force: true)
        #expect(replaced.keyID != created.keyID)
    }

    @Test("a group- or world-readable private key is refused with a chmod hint")
    func permissions() throws {
        let folder = try Fixtures.temporaryFolder("perm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let created = try KeyFiles.generate(in: folder, force: false)
        for mode: mode_t in [0o640, 0o604, 0o644] {
            chmod(created.privateKey.path, mode)
            do {
                _ = try SigningKey.load(pemFile: created.privateKey)
                Issue.record("mode \(String(mode, radix: 8)) was accepted")
            } catch let error as EvidenceError {
                guard case .keyPermissionsTooOpen = error else { Issue.record("\(error)"); continue }
                #expect(error.hint?.contains("chmod 600") == true)
            }
        }
    }

    @Test("openssl-made keys load; encrypted and non-Ed25519 keys give clear errors and never prompt")
    func foreignKeys() throws {
        guard Fixtures.commandExists("openssl") else {
            Issue.record("skipped: the openssl CLI is not installed")
            return
        }
        let folder = try Fixtures.temporaryFolder("foreign")
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try Fixtures.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", path("ed.key")])
        try Fixtures.run("openssl", ["pkey", "-in", path("ed.key"), "-pubout", "-out", path("ed.pub")])
        try Fixtures.run("openssl", ["genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:x", "-out", path("enc.key")])
        try Fixtures.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("ec.key")])
        try Fixtures.run("openssl", ["pkey", "-in", path("ec.key"), "-pubout", "-out", path("ec.pub")])
        for name in ["ed.key", "enc.key", "ec.key"] { chmod(path(name), 0o600) }

        let key = try SigningKey.load(pemFile: URL(fileURLWithPath: path("ed.key")))
        #expect(try PublicKey.load(pemFile: URL(fileURLWithPath: path("ed.pub"))).keyID == key.publicKey.keyID)
        #expect(throws: EvidenceError.keyEncrypted(path: path("enc.key"))) {
            try SigningKey.load(pemFile: URL(fileURLWithPath: path("enc.key")))
        }
        #expect(throws: EvidenceError.wrongKeyAlgorithm(path: path("ec.key"), found: "EC")) {
            try SigningKey.load(pemFile: URL(fileURLWithPath: path("ec.key")))
        }
        #expect(throws: EvidenceError.wrongKeyAlgorithm(path: path("ec.pub"), found: "EC")) {
            try PublicKey.load(pemFile: URL(fileURLWithPath: path("ec.pub")))
        }
        // A public key where a private key is expected, and the other way round.
        #expect(throws: EvidenceError.notAPrivateKey(path: path("ed.pub"))) {
            try SigningKey(pem: Data(contentsOf: URL(fileURLWithPath: path("ed.pub"))), path: path("ed.pub"))
        }
        #expect(throws: EvidenceError.notAPublicKey(path: path("ed.key"))) {
            try PublicKey.load(pemFile: URL(fileURLWithPath: path("ed.key")))
        }
        #expect(throws: EvidenceError.fileMissing(path: path("none.key"), what: "private key")) {
            try SigningKey.load(pemFile: URL(fileURLWithPath: path("none.key")))
        }
    }

    @Test("public keys are read by OpenSSL: its PEM variants are the same key; base64url, another algorithm or a truncated key are refused")
    func publicPEM() throws {
        for seed in [UInt8(1), 2, 42, 255] {
            let signing = try #require(SigningKey(seed: [UInt8](repeating: seed, count: 32)))
            let pem = signing.publicKey.pem
            let loaded = try PublicKey(pem: Data(pem.utf8))
            #expect(loaded.keyID == signing.publicKey.keyID)
            #expect(loaded.pem == pem)
            let message = Array("canonical".utf8)
            #expect(loaded.verify(signature: try signing.sign(message), message: message))
            let variants = [String(pem.dropLast()), pem.replacingOccurrences(of: "\n", with: "\r\n"), "comment\n" + pem]
            for variant in variants {
                #expect(try PublicKey(pem: Data(variant.utf8)).keyID == signing.publicKey.keyID, "\(variant.debugDescription)")
            }
        }
        // A key whose base64 holds "+" or "/", so that its base64url form differs.
        let pem = try #require((0...255).lazy.compactMap { SigningKey(seed: [UInt8](repeating: $0, count: 32))?.publicKey.pem }
            .first { $0.split(separator: "\n")[1].contains { $0 == "+" || $0 == "/" } })
        let lines = pem.split(separator: "\n")
        let urlSafe = pem.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(throws: EvidenceError.notAPublicKey(path: "k")) { try PublicKey(pem: Data(urlSafe.utf8), path: "k") }
        var der = try #require(Base64.decode(String(lines[1])))
        der[8] = 0x71  // Ed448's OID ends in 0x71
        let otherAlgorithm = "\(lines[0])\n\(Base64.encode(der))\n\(lines[2])\n"
        #expect(throws: (any Error).self) { try PublicKey(pem: Data(otherAlgorithm.utf8), path: "k") }
        let truncated = "\(lines[0])\n\(Base64.encode(Array(der.dropLast(3))))\n\(lines[2])\n"
        #expect(throws: (any Error).self) { try PublicKey(pem: Data(truncated.utf8), path: "k") }
    }

    @Test("signatures from Swift verify with openssl and openssl's verify in Swift")
    func crossSign() throws {
        guard Fixtures.commandExists("openssl") else {
            Issue.record("skipped: the openssl CLI is not installed")
            return
        }
        let folder = try Fixtures.temporaryFolder("cross")
        defer { try? FileManager.default.removeItem(at: folder) }
        let created = try KeyFiles.generate(in: folder, force: false)
        let message = Array("attest cross-check".utf8)
        let key = try SigningKey.load(pemFile: created.privateKey)
        try Data(message).write(to: folder.appendingPathComponent("m.bin"))
        try Data(try key.sign(message)).write(to: folder.appendingPathComponent("s.bin"))
        let verified = try Fixtures.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", created.publicKey.path, "-rawin",
                                                    "-in", folder.appendingPathComponent("m.bin").path,
                                                    "-sigfile", folder.appendingPathComponent("s.bin").path])
        #expect(verified.status == 0, "\(verified.output)")
        try Fixtures.run("openssl", ["pkeyutl", "-sign", "-inkey", created.privateKey.path, "-rawin",
                                     "-in", folder.appendingPathComponent("m.bin").path, "-out", folder.appendingPathComponent("o.bin").path])
        let signature = try Data(contentsOf: folder.appendingPathComponent("o.bin"))
        #expect(key.publicKey.verify(signature: Array(signature), message: message))
    }
}
