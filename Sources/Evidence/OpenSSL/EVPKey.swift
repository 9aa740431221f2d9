import COpenSSL
import Foundation

/// Owns one `EVP_PKEY` and frees it. All Ed25519 pointer work happens here.
final class EVPKey {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    var isEd25519: Bool { EVP_PKEY_get_id(pointer) == EVP_PKEY_ED25519 }

    var algorithmName: String {
        switch EVP_PKEY_get_id(pointer) {
        case EVP_PKEY_RSA: "RSA"
        case EVP_PKEY_EC: "EC"
        case EVP_PKEY_ED448: "Ed448"
        case EVP_PKEY_X25519: "X25519"
        case EVP_PKEY_DSA: "DSA"
        case let other: "type \(other)"
        }
    }

    static func generateEd25519() throws -> EVPKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw EvidenceError.openssl(operation: "EVP_PKEY_CTX_new_id", message: OpenSSLErrorQueue.drain())
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw EvidenceError.openssl(operation: "EVP_PKEY_keygen_init", message: OpenSSLErrorQueue.drain())
        }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw EvidenceError.openssl(operation: "EVP_PKEY_keygen", message: OpenSSLErrorQueue.drain())
        }
        return EVPKey(owning: key)
    }

    /// A public key from its 32 raw bytes (RFC 8032 vectors, Wycheproof).
    static func ed25519Public(raw: [UInt8]) -> EVPKey? {
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return EVPKey(owning: key)
    }

    /// A private key from its 32-byte seed.
    static func ed25519Private(seed: [UInt8]) -> EVPKey? {
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return EVPKey(owning: key)
    }

    private static func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T) -> T? {
        guard let bio = bytes.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }

    /// Reads a PEM private key without ever prompting: an encrypted key fails.
    static func privateKey(pem: [UInt8]) -> EVPKey? {
        withMemoryBIO(pem) { bio in
            PEM_read_bio_PrivateKey(bio, nil, attest_refuse_password, nil).map(EVPKey.init(owning:))
        } ?? nil
    }

    static func publicKey(pem: [UInt8]) -> EVPKey? {
        withMemoryBIO(pem) { bio in
            PEM_read_bio_PUBKEY(bio, nil, attest_refuse_password, nil).map(EVPKey.init(owning:))
        } ?? nil
    }

    private func writeBIO(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw EvidenceError.openssl(operation: "BIO_new", message: OpenSSLErrorQueue.drain())
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else {
            throw EvidenceError.openssl(operation: "PEM write", message: OpenSSLErrorQueue.drain())
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = attest_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    /// PKCS#8 PEM ("BEGIN PRIVATE KEY"), as `openssl genpkey` writes.
    func privatePEM() throws -> [UInt8] {
        try writeBIO { PEM_write_bio_PKCS8PrivateKey($0, pointer, nil, nil, 0, nil, nil) }
    }

    /// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
    func publicPEM() throws -> [UInt8] {
        try writeBIO { PEM_write_bio_PUBKEY($0, pointer) }
    }

    /// SubjectPublicKeyInfo DER (44 bytes for Ed25519): what the key id hashes.
    func publicDER() throws -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pointer, &buffer)
        guard length > 0, let buffer else {
            throw EvidenceError.openssl(operation: "i2d_PUBKEY", message: OpenSSLErrorQueue.drain())
        }
        defer { attest_OPENSSL_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// A fresh key holding only the public half.
    func publicOnly() throws -> EVPKey {
        var raw = [UInt8](repeating: 0, count: 32)
        var length = raw.count
        guard EVP_PKEY_get_raw_public_key(pointer, &raw, &length) == 1, length == 32,
              let key = EVPKey.ed25519Public(raw: raw) else {
            throw EvidenceError.openssl(operation: "EVP_PKEY_get_raw_public_key", message: OpenSSLErrorQueue.drain())
        }
        return key
    }

    /// Pure Ed25519 (no pre-hash) over `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else {
            throw EvidenceError.openssl(operation: "EVP_MD_CTX_new", message: OpenSSLErrorQueue.drain())
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, pointer) == 1 else {
            throw EvidenceError.openssl(operation: "EVP_DigestSignInit", message: OpenSSLErrorQueue.drain())
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64 else {
            throw EvidenceError.openssl(operation: "EVP_DigestSign", message: OpenSSLErrorQueue.drain())
        }
        return signature
    }

    /// True only for a valid signature; every failure (malformed, wrong key) is false.
    func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let result = EVP_DigestVerify(context, signature, signature.count, message, message.count)
        if result != 1 { OpenSSLErrorQueue.clear() }
        return result == 1
    }
}

/// The OpenSSL version string, e.g. "OpenSSL 3.0.19 …".
enum OpenSSLInfo {
    static var version: String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "unknown" }
        return String(cString: text)
    }
}
