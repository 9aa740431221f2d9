public import Foundation

/// SHA-256 of bytes, as lowercase hex or raw bytes (OpenSSL underneath).
public enum SHA256Digest {
    /// The digest's 32 bytes.
    public static func bytes(_ data: some ContiguousBytes) -> [UInt8] {
        data.withUnsafeBytes { raw in
            // A context can only be missing when OpenSSL cannot allocate: a broken process.
            guard let digest = OpenSSLSHA256.digest(raw) else {
                preconditionFailure("OpenSSL could not compute SHA-256: \(OpenSSLErrorQueue.drain())")
            }
            return digest
        }
    }

    /// The digest as 64 lowercase hex characters.
    public static func hex(_ data: some ContiguousBytes) -> String {
        Hex.encode(bytes(data))
    }
}

/// Lowercase hex encoding and strict decoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes hex (either case); nil for odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
