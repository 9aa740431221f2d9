import COpenSSL
import Foundation

/// The reference: OpenSSL's SHA-256 with the digest fetched once and one context reused, the
/// fastest way to call it (what `openssl speed` does).
enum RawSHA256 {
    nonisolated(unsafe) static let algorithm = EVP_MD_fetch(nil, "SHA256", nil)
    nonisolated(unsafe) static let context = EVP_MD_CTX_new()

    static func digest(_ data: Data) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        data.withUnsafeBytes { raw in
            _ = EVP_DigestInit_ex2(context, algorithm, nil)
            _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count)
            _ = EVP_DigestFinal_ex(context, &output, &length)
        }
        return output
    }
}
