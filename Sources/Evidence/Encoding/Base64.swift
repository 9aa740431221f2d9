import Foundation

/// Base64 as DSSE verifiers must read it: the standard alphabet or the URL-safe one, each alone,
/// padding optional, canonical only. Signed bytes then have exactly one encoding in each alphabet.
package enum Base64 {
    /// Standard alphabet with padding (Foundation's encoder).
    package static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    package static func decode(_ text: String) -> [UInt8]? {
        decode(bytes: Array(text.utf8))
    }

    /// The decoded bytes; nil for anything but a canonical encoding in one alphabet: characters
    /// of both alphabets mixed, padding anywhere but at the end or beyond what the length needs,
    /// or leftover bits that are not zero.
    package static func decode(bytes input: [UInt8]) -> [UInt8]? {
        var count = input.count
        var padding = 0
        while count > 0, input[count - 1] == UInt8(ascii: "="), padding < 2 {
            count -= 1
            padding += 1
        }
        if padding > 0, (count + padding) % 4 != 0 { return nil }
        if count % 4 == 1 { return nil }
        var standard = false, urlSafe = false
        var output: [UInt8] = []
        output.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in input[..<count] {
            let value: UInt8
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"): value = 62; standard = true
            case UInt8(ascii: "/"): value = 63; standard = true
            case UInt8(ascii: "-"): value = 62; urlSafe = true
            case UInt8(ascii: "_"): value = 63; urlSafe = true
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Two texts must not decode alike: the bits past the last whole byte must be zero.
        guard !(standard && urlSafe), accumulator == 0 else { return nil }
        return output
    }
}
