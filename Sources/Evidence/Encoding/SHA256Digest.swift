package import Foundation

/// SHA-256 of bytes, as lowercase hex or raw bytes (OpenSSL underneath).
package enum SHA256Digest {
    /// The digest's 32 bytes.
    package static func bytes(_ data: some ContiguousBytes) -> [UInt8] {
        data.withUnsafeBytes { raw in
            // A context can only be missing when OpenSSL cannot allocate: a broken process.
            guard let digest = OpenSSLSHA256.digest(raw) else {
                preconditionFailure("OpenSSL could not compute SHA-256: \(OpenSSLErrorQueue.drain())")
            }
            return digest
        }
    }

    /// The digest as 64 lowercase hex characters.
    package static func hex(_ data: some ContiguousBytes) -> String {
        Hex.encode(bytes(data))
    }

    /// The digest as a value (no heap storage): what the chain check keeps of every record.
    static func value(_ data: some ContiguousBytes) -> DigestValue {
        data.withUnsafeBytes { raw in
            guard let digest = OpenSSLSHA256.digest(raw, into: DigestValue.self) else {
                preconditionFailure("OpenSSL could not compute SHA-256: \(OpenSSLErrorQueue.drain())")
            }
            return digest
        }
    }
}

/// A SHA-256 digest held inline. Verifying a bundle keeps one per record until the chain check:
/// inline, they cost no allocation to make and nothing to free.
struct DigestValue: Equatable, Sendable, CustomStringConvertible {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    static func == (left: DigestValue, right: DigestValue) -> Bool {
        left.words.0 == right.words.0 && left.words.1 == right.words.1 && left.words.2 == right.words.2 && left.words.3 == right.words.3
    }

    /// The digest that `text` spells in 64 lowercase hex characters (the form attest writes);
    /// nil for anything else, which therefore never equals a digest.
    init?(lowercaseHex text: String) {
        var text = text
        let parsed: DigestValue? = text.withUTF8 { utf8 in
            guard utf8.count == 64 else { return nil }
            var value = DigestValue()
            let complete = Hex.lowercaseValues.withUnsafeBufferPointer { table in
                withUnsafeMutableBytes(of: &value.words) { output -> Bool in
                    var invalid: UInt8 = 0
                    for index in 0..<32 {
                        let high = table[Int(utf8[2 * index])], low = table[Int(utf8[2 * index + 1])]
                        invalid |= high | low
                        output[index] = high << 4 | low & 0x0F
                    }
                    // An invalid character's entry has its high bit set.
                    return invalid & 0x80 == 0
                }
            }
            return complete ? value : nil
        }
        guard let parsed else { return nil }
        self = parsed
    }

    init() {}

    /// 64 lowercase hex characters.
    var description: String {
        withUnsafeBytes(of: words) { Hex.encode($0) }
    }
}

/// Lowercase hex encoding and strict decoding.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        // Written straight into the string's own storage: one allocation, none for 15 bytes or fewer.
        String(unsafeUninitializedCapacity: 2 * bytes.count) { output in
            var position = 0
            for byte in bytes {
                output[position] = digits[Int(byte >> 4)]
                output[position + 1] = digits[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }

    /// Decodes hex (either case); nil for odd length or a non-hex character.
    package static func decode(_ text: String) -> [UInt8]? {
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

    /// Each byte's value as a lowercase hex digit; 0x80 for any other byte (uppercase included).
    static let lowercaseValues: [UInt8] = (0...255).map { byte in lowercaseValue(UInt8(byte)) ?? 0x80 }

    /// A lowercase hex digit's value; nil for anything else (uppercase included).
    static func lowercaseValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
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
