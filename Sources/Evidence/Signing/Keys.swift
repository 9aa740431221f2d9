package import Foundation

/// An Ed25519 public key, as a verifier trusts it.
package final class PublicKey: @unchecked Sendable {
    // @unchecked Sendable: the EVP_PKEY is never mutated after creation, and OpenSSL allows
    // concurrent verification with one key.
    let key: EVPKey
    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER.
    package let keyID: String
    /// SubjectPublicKeyInfo PEM.
    package let pem: String

    init(key: EVPKey) throws {
        self.key = key
        keyID = SHA256Digest.hex(try key.publicDER())
        pem = String(decoding: try key.publicPEM(), as: UTF8.self)
    }

    /// Parses a "BEGIN PUBLIC KEY" PEM; `path` names it in errors.
    package convenience init(pem: Data, path: String = "the key") throws {
        // OpenSSL's decoder alone reads trust roots: a second PEM reader beside it would be a
        // second grammar for the keys everything else rests on.
        let text = String(decoding: pem, as: UTF8.self)
        guard let key = EVPKey.publicKey(pem: Array(pem)) else {
            OpenSSLErrorQueue.clear()
            if text.contains("PRIVATE KEY") { throw EvidenceError.notAPublicKey(path: path) }
            throw EvidenceError.notAPublicKey(path: path)
        }
        guard key.isEd25519 else { throw EvidenceError.wrongKeyAlgorithm(path: path, found: key.algorithmName) }
        try self.init(key: key)
    }

    /// A public key from its 32 raw bytes (test vectors); nil if OpenSSL refuses them.
    package convenience init?(rawEd25519: [UInt8]) {
        guard let key = EVPKey.ed25519Public(raw: rawEd25519) else { return nil }
        try? self.init(key: key)
    }

    package static func load(pemFile url: URL) throws -> PublicKey {
        try PublicKey(pem: try FileReader.read(url, what: "public key"), path: url.path)
    }

    /// True only when `signature` is a valid Ed25519 signature of `message` by this key.
    package func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        key.verify(signature: signature, message: message)
    }
}

/// An Ed25519 private key that signs evidence. Never printed, never written but by `KeyFiles`.
package final class SigningKey: @unchecked Sendable {
    // @unchecked Sendable: immutable after creation; OpenSSL signs concurrently with one key.
    let key: EVPKey
    package let publicKey: PublicKey

    init(key: EVPKey) throws {
        self.key = key
        publicKey = try PublicKey(key: try key.publicOnly())
    }

    /// A new random key.
    package static func generate() throws -> SigningKey {
        try SigningKey(key: try EVPKey.generateEd25519())
    }

    /// A key from its 32-byte RFC 8032 seed (fixed keys in tests and vectors).
    package convenience init?(seed: [UInt8]) {
        guard seed.count == 32, let key = EVPKey.ed25519Private(seed: seed) else { return nil }
        try? self.init(key: key)
    }

    /// Loads a PKCS#8 PEM private key file. Refuses, as ssh does, a key that others may read;
    /// refuses an encrypted key without prompting; refuses other algorithms.
    package static func load(pemFile url: URL) throws -> SigningKey {
        let data = try FileReader.read(url, what: "private key")
        // A public key here is a mix-up, not a permissions problem: say so first.
        if String(decoding: data, as: UTF8.self).contains("BEGIN PUBLIC KEY") {
            throw EvidenceError.notAPrivateKey(path: url.path)
        }
        var status = stat()
        if stat(url.path, &status) == 0, status.st_mode & 0o077 != 0 {
            throw EvidenceError.keyPermissionsTooOpen(path: url.path, mode: String(status.st_mode & 0o777, radix: 8))
        }
        return try SigningKey(pem: data, path: url.path)
    }

    /// Parses a private key PEM; `path` names it in errors.
    package convenience init(pem: Data, path: String = "the key") throws {
        let text = String(decoding: pem, as: UTF8.self)
        if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw EvidenceError.keyEncrypted(path: path)
        }
        guard let key = EVPKey.privateKey(pem: Array(pem)) else {
            OpenSSLErrorQueue.clear()
            throw EvidenceError.notAPrivateKey(path: path)
        }
        guard key.isEd25519 else { throw EvidenceError.wrongKeyAlgorithm(path: path, found: key.algorithmName) }
        try self.init(key: key)
    }

    /// Signs, then verifies the signature before returning it (as minisign does): a broken key or
    /// library never produces evidence that fails later.
    package func sign(_ message: [UInt8]) throws -> [UInt8] {
        let signature = try key.sign(message)
        guard publicKey.verify(signature: signature, message: message) else {
            throw EvidenceError.selfVerificationFailed(keyID: publicKey.keyID)
        }
        return signature
    }

    func privatePEM() throws -> [UInt8] {
        try key.privatePEM()
    }
}

/// Key files on disk: `attest.key` (PKCS#8 PEM, 0600) and `attest.pub` (SPKI PEM).
package enum KeyFiles {
    package static let privateName = "attest.key"
    package static let publicName = "attest.pub"

    /// Makes a new key pair in `directory`; refuses to replace an existing key unless `force`.
    package static func generate(in directory: URL, force: Bool) throws -> (keyID: String, privateKey: URL, publicKey: URL) {
        let privateURL = directory.appendingPathComponent(privateName)
        let publicURL = directory.appendingPathComponent(publicName)
        // Only the private key decides: a public key without its private half (say, one copied
        // from elsewhere) cannot sign anything, and is replaced by the new pair's.
        if !force, FileManager.default.fileExists(atPath: privateURL.path) {
            throw EvidenceError.keyExists(path: privateURL.path)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw EvidenceError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        let key = try SigningKey.generate()
        // Without --force the private key is created exclusively: when two runs make a first key
        // at once, exactly one wins and the other sees `keyExists` (and loads the winner's key).
        do {
            try AtomicFile.write(Data(try key.privatePEM()), to: privateURL, permissions: 0o600, exclusive: !force)
        } catch let error as AtomicFileError where error.isDestinationExists {
            throw EvidenceError.keyExists(path: privateURL.path)
        }
        try AtomicFile.write(Data(key.publicKey.pem.utf8), to: publicURL, permissions: 0o644)
        return (key.publicKey.keyID, privateURL, publicURL)
    }
}

/// Versions recorded in every record.
package enum AttestBuild {
    package static let version = "0.1.0"
    package static var opensslVersion: String { OpenSSLInfo.version }
    package static var swiftCompilerVersion: String {
        #if compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
