import COpenSSL
import Foundation

/// SHA-256 through OpenSSL: the digest is fetched once, and each thread reuses its own context,
/// kept under a pthread key whose destructor frees it when the thread exits. OpenSSL 3.0's
/// implicit fetch in `EVP_sha256()` takes a global lock and is ~2× slower for small inputs, and a
/// Foundation thread-dictionary lookup costs as much as hashing 64 bytes.
enum OpenSSLSHA256 {
    nonisolated(unsafe) private static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    private static let contextKey: pthread_key_t? = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key) { context in
            EVP_MD_CTX_free(OpaquePointer(context))
        }
        return result == 0 ? key : nil
    }()

    private static func context() -> OpaquePointer? {
        guard let key = contextKey else { return nil }
        if let existing = pthread_getspecific(key) { return OpaquePointer(existing) }
        guard let made = EVP_MD_CTX_new() else { return nil }
        guard pthread_setspecific(key, UnsafeRawPointer(made)) == 0 else {
            EVP_MD_CTX_free(made)
            return nil
        }
        return made
    }

    /// The digest written into a value of `Output`, which must be exactly 32 bytes of plain data.
    static func digest<Output>(_ bytes: UnsafeRawBufferPointer, into: Output.Type) -> Output? where Output: BitwiseCopyable {
        guard MemoryLayout<Output>.size == 32, let algorithm, let context = context(),
              EVP_DigestInit_ex2(context, algorithm, nil) == 1,
              EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else { return nil }
        // On the stack: a digest per record must cost no allocation.
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: MemoryLayout<Output>.alignment) { output -> Output? in
            var length: UInt32 = 0
            guard let base = output.baseAddress,
                  EVP_DigestFinal_ex(context, base.assumingMemoryBound(to: UInt8.self), &length) == 1, length == 32 else { return nil }
            return output.load(as: Output.self)
        }
    }

    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let algorithm, let context = context(), EVP_DigestInit_ex2(context, algorithm, nil) == 1,
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
