import COpenSSL
import Foundation

/// SHA-256 through OpenSSL, fetched once and reused with one context per thread: on OpenSSL 3.0
/// the implicit `EVP_sha256()` fetch contends on a global lock and is ~2× slower for small inputs.
final class SHA256Context {
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)
    private let context: OpaquePointer

    private init?() {
        guard let context = EVP_MD_CTX_new() else { return nil }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    private static let threadKey = "attest.sha256.context"

    /// The calling thread's context, made on first use.
    static var current: SHA256Context? {
        let dictionary = Thread.current.threadDictionary
        if let existing = dictionary[threadKey] as? SHA256Context { return existing }
        guard let made = SHA256Context() else { return nil }
        dictionary[threadKey] = made
        return made
    }

    func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let algorithm = Self.algorithm, EVP_DigestInit_ex2(context, algorithm, nil) == 1,
              EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else { return nil }
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &output, &length) == 1, length == 32 else { return nil }
        return output
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
enum SecureRandom {
    static func bytes(_ count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&output, Int32(count)) == 1 else {
            throw EvidenceError.openssl(operation: "RAND_bytes", message: OpenSSLErrorQueue.drain())
        }
        return output
    }
}
