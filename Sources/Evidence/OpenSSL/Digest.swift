import COpenSSL
import Foundation

/// SHA-256 through OpenSSL: the digest is fetched once and each thread reuses its own context
/// (see `attest_sha256` in the COpenSSL shim, which frees it when the thread exits).
enum OpenSSLSHA256 {
    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: 32)
        let ok = output.withUnsafeMutableBufferPointer { out in
            attest_sha256(bytes.baseAddress, bytes.count, out.baseAddress)
        }
        return ok == 1 ? output : nil
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
