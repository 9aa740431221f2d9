import Foundation
import Testing
@testable import Evidence

@Suite("Ed25519 vectors and DSSE PAE")
struct SignatureVectorTests {
    struct RFC8032Vector: Sendable, CustomStringConvertible {
        var name: String
        var secret: String
        var publicKey: String
        var message: String
        var signature: String
        var description: String { name }
    }

    /// RFC 8032 §7.1, copied from the RFC.
    static let rfc8032: [RFC8032Vector] = [
        .init(name: "TEST 1", secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
              publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", message: "",
              signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        .init(name: "TEST 2", secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
              publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", message: "72",
              signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        .init(name: "TEST 3", secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
              publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", message: "af82",
              signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
        .init(name: "TEST SHA(abc)", secret: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
              publicKey: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
              message: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
              signature: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
    ]

    @Test("RFC 8032 §7.1: sign gives the published signature, and it verifies", arguments: rfc8032)
    func rfc8032Vector(_ vector: RFC8032Vector) throws {
        let seed = try #require(Hex.decode(vector.secret))
        let key = try #require(SigningKey(seed: seed))
        let message = try #require(Hex.decode(vector.message))
        #expect(Hex.encode(try key.sign(message)) == vector.signature)
        let raw = try #require(Hex.decode(vector.publicKey))
        let publicKey = try #require(PublicKey(rawEd25519: raw))
        #expect(publicKey.keyID == key.publicKey.keyID)
        let signature = try #require(Hex.decode(vector.signature))
        #expect(publicKey.verify(signature: signature, message: message))
        // And a flipped bit fails.
        var bad = signature
        bad[0] ^= 0x01
        #expect(!publicKey.verify(signature: bad, message: message))
    }

    struct WycheproofCase: Sendable, CustomStringConvertible {
        var id: Int
        var publicKey: String
        var message: String
        var signature: String
        var valid: Bool
        var comment: String
        var description: String { "tcId \(id) \(comment)" }
    }

    /// The one loader for the Wycheproof file; every case states its expected result.
    static func wycheproof() throws -> [WycheproofCase] {
        let url = try #require(Bundle.module.url(forResource: "Resources/wycheproof/ed25519_test", withExtension: "json"))
        let root = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        var cases: [WycheproofCase] = []
        for group in root["testGroups"]?.arrayValue ?? [] {
            let publicKey = group["publicKey"]?["pk"]?.stringValue ?? ""
            for test in group["tests"]?.arrayValue ?? [] {
                cases.append(WycheproofCase(
                    id: test["tcId"]?.intValue ?? -1, publicKey: publicKey, message: test["msg"]?.stringValue ?? "",
                    signature: test["sig"]?.stringValue ?? "", valid: test["result"]?.stringValue == "valid",
                    comment: test["comment"]?.stringValue ?? ""))
            }
        }
        return cases
    }

    @Test("Wycheproof: all 151 cases, every valid one verifies and every invalid one is rejected")
    func wycheproofCases() throws {
        let cases = try Self.wycheproof()
        #expect(cases.count == 151)
        var valid = 0
        var rejected = 0
        for testCase in cases {
            let verified: Bool
            if let key = Hex.decode(testCase.publicKey).flatMap(PublicKey.init(rawEd25519:)),
               let message = Hex.decode(testCase.message), let signature = Hex.decode(testCase.signature) {
                verified = key.verify(signature: signature, message: message)
            } else {
                verified = false
            }
            #expect(verified == testCase.valid, "\(testCase)")
            if testCase.valid { valid += 1 } else { rejected += 1 }
        }
        #expect(valid > 0 && rejected > 0)
    }

    @Test("the DSSE PAE example of FORMAT.md, byte for byte")
    func paeExample() {
        let pae = DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
        #expect(DSSE.pae(payloadType: "", payload: []) == Array("DSSEv1 0  0 ".utf8))
    }

    @Test("key id is the SHA-256 of the SPKI DER, as openssl computes it")
    func keyIDMatchesOpenSSL() throws {
        guard Fixtures.commandExists("openssl") else {
            Issue.record("openssl CLI is not installed; skipping the cross-check")
            return
        }
        let folder = try Fixtures.temporaryFolder("keyid")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pub = folder.appendingPathComponent("k.pub")
        try Fixtures.signingKey.publicKey.pem.write(to: pub, atomically: true, encoding: .utf8)
        try Fixtures.run("openssl", ["pkey", "-pubin", "-in", pub.path, "-outform", "DER", "-out", folder.appendingPathComponent("k.der").path])
        let der = try Data(contentsOf: folder.appendingPathComponent("k.der"))
        #expect(der.count == 44)
        #expect(SHA256Digest.hex(der) == Fixtures.signingKey.publicKey.keyID)
    }
}
