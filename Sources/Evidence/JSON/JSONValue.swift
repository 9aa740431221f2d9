import Foundation

/// A JSON value with a deterministic serialisation: object keys sorted, no insignificant
/// whitespace in compact form, integers written without a fraction. Gates put their own
/// parameter and measurement types in records through it and decode them back when verifying.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Encodes any Encodable value into a JSONValue.
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes this value as `T`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONValueDecoder.decode(type, from: self)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Equal in every byte of its serialisation: strings of the same UTF-8, numbers of the same
    /// bits, keys of the same UTF-8. (`==` holds canonically equivalent strings and 0 and -0 equal.)
    func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        // The same storage holds the same elements: records share values built once (see
        // `BuiltValues`), and the verifier compares each record's subject with the last one's.
        case (.array(let a), .array(let b)) where Self.sameBits(a, b): return true
        case (.object(let a), .object(let b)) where Self.sameBits(a, b): return true
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a.hasSameBytes(as: b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let position = b.index(forKey: key) else { return false }
                let (otherKey, otherValue) = b[position]
                guard key.hasSameBytes(as: otherKey), value.isIdentical(to: otherValue) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Whether two values have the same bits: for an array or a dictionary, the same storage.
    private static func sameBits<T>(_ first: T, _ second: T) -> Bool {
        withUnsafeBytes(of: first) { firstBytes in withUnsafeBytes(of: second) { firstBytes.elementsEqual($0) } }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// An integer value, only when the number is integral and exactly representable.
    public var intValue: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) <= 9_007_199_254_740_992 else { return nil }
        return Int(value)
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The deterministic text form: sorted keys; `pretty` indents by two spaces.
    public func serialized(pretty: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The same, as UTF-8 bytes (what gets signed), written straight into one buffer.
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        write(into: &output, pretty: pretty, indent: 0)
        return output
    }

    /// The compact bytes of this object, with each member named in `fragments` written from the
    /// bytes given for it rather than serialised again. Those bytes must be the member value's own
    /// `serializedBytes()` (a run's records repeat the same system and git objects: they are
    /// serialised once). A value that is not an object is written whole.
    func serializedBytes(fragments: [String: [UInt8]]) -> [UInt8] {
        guard case .object(let object) = self, !object.isEmpty else { return serializedBytes() }
        var output: [UInt8] = []
        output.reserveCapacity(1024 + fragments.values.reduce(0) { $0 + $1.count })
        output.append(UInt8(ascii: "{"))
        for (index, member) in object.sorted(by: { Self.utf8Precedes($0.key, $1.key) }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            Self.writeString(member.key, into: &output)
            output.append(UInt8(ascii: ":"))
            if let fragment = fragments[member.key] {
                output.append(contentsOf: fragment)
            } else {
                member.value.write(into: &output, pretty: false, indent: 1)
            }
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    private static func newline(_ output: inout [UInt8], indent: Int) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private func write(into output: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): output.append(contentsOf: Self.format(value).utf8)
        case .string(let value): Self.writeString(value, into: &output)
        case .array(let values):
            if values.isEmpty { output.append(contentsOf: "[]".utf8); return }
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&output, indent: indent + 1) }
                value.write(into: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { Self.newline(&output, indent: indent) }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty { output.append(contentsOf: "{}".utf8); return }
            output.append(UInt8(ascii: "{"))
            // Keys sorted by their UTF-8 bytes: one order on every platform.
            for (index, member) in object.sorted(by: { Self.utf8Precedes($0.key, $1.key) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&output, indent: indent + 1) }
                Self.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                member.value.write(into: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { Self.newline(&output, indent: indent) }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Whether `a`'s UTF-8 bytes sort before `b`'s: one memcmp where the bytes are contiguous
    /// (always, for native strings), the generic comparison otherwise.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { first in
            b.utf8.withContiguousStorageIfAvailable { second -> Bool in
                let common = min(first.count, second.count)
                if common > 0, let left = first.baseAddress, let right = second.baseAddress {
                    let order = memcmp(left, right, common)
                    if order != 0 { return order < 0 }
                }
                return first.count < second.count
            }
        }
        return (fast ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Integers as integers; other finite values in Swift's shortest round-trip form; non-finite
    /// values (which JSON cannot hold) as null.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ value: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var value = value
        // Most strings (base64, digests, names) need no escape: copy them in one piece.
        let plain = value.withUTF8 { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Base64 as DSSE verifiers must read it: standard or URL-safe alphabet, padding optional.
/// Byte-level: a bundle holds one large base64 string per record.
extension String {
    /// The same UTF-8 bytes (`==` also holds canonically equivalent texts equal): one memory
    /// comparison for native strings, whose bytes are contiguous.
    func hasSameBytes(as other: String) -> Bool {
        let mine = utf8, theirs = other.utf8
        guard mine.count == theirs.count else { return false }
        let compared = mine.withContiguousStorageIfAvailable { first in
            theirs.withContiguousStorageIfAvailable { second -> Bool in
                guard let firstBase = first.baseAddress, let secondBase = second.baseAddress else { return true }
                return firstBase == secondBase || memcmp(firstBase, secondBase, first.count) == 0
            }
        }
        return (compared ?? nil) ?? mine.elementsEqual(theirs)
    }
}

public enum Base64 {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// `table` four times over, as 32-bit values shifted to a character's place in a group of
    /// four (18, 12, 6 and 0 bits), 1 << 24 for a character outside the alphabet. Made once and
    /// never freed: a pointer, not an array, so the cores decoding at once share no reference count.
    nonisolated(unsafe) private static let shiftedTables: UnsafePointer<UInt32> = {
        let tables = UnsafeMutablePointer<UInt32>.allocate(capacity: 4 * 256)
        for position in 0..<4 {
            for character in 0..<256 {
                let value = table[character]
                tables[position * 256 + character] = value == 0xFF ? 1 << 24 : UInt32(value) << UInt32(18 - 6 * position)
            }
        }
        return UnsafePointer(tables)
    }()

    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        // Native strings are contiguous UTF-8: decode straight from their bytes.
        return text.withUTF8 { decode(bytes: $0) }
    }

    /// Decodes base64 bytes; nil for anything but a canonical encoding.
    public static func decode(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let length = decodedLength(of: input) else { return nil }
        var valid = false
        let output = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            valid = buffer.baseAddress.map { decode(input, into: $0) } ?? (length == 0)
            initialized = valid ? length : 0
        }
        return valid ? output : nil
    }

    /// How many bytes `input` decodes to, when its length and padding allow an encoding (its
    /// characters are checked by `decode(_:into:)`).
    static func decodedLength(of input: UnsafeBufferPointer<UInt8>) -> Int? {
        characters(of: input).map { $0 * 3 / 4 }
    }

    /// How many characters of `input` encode data (the padding left out), when its length and
    /// padding allow an encoding.
    private static func characters(of input: UnsafeBufferPointer<UInt8>) -> Int? {
        var count = input.count
        // Padding is optional, but only at the end and at most two.
        var padding = 0
        while count > 0, input[count - 1] == UInt8(ascii: "="), padding < 2 {
            count -= 1
            padding += 1
        }
        if padding > 0, (count + padding) % 4 != 0 { return nil }
        if count % 4 == 1 { return nil }
        // Two characters left over make one byte, three make two: exactly count * 3 / 4 bytes.
        return count
    }

    /// Decodes `input` into `output`, which has room for `decodedLength(of: input)` bytes; false
    /// for anything but a canonical encoding (then `output` holds nothing of use).
    static func decode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        guard let count = characters(of: input) else { return false }
        let length = count * 3 / 4
        let whole = count / 4 * 4
        let shifted = shiftedTables
        return table.withUnsafeBufferPointer { table in
            var written = 0
            var index = 0
            // Four characters make three bytes: each character's value already shifted into
            // place by its own table, so a group is four loads and three ORs; an invalid
            // character sets a bit above the 24 that hold the group.
            while index < whole {
                let group = shifted[Int(input[index])] | shifted[256 + Int(input[index + 1])]
                    | shifted[512 + Int(input[index + 2])] | shifted[768 + Int(input[index + 3])]
                if group >= 1 << 24 { return false }
                output[written] = UInt8(truncatingIfNeeded: group >> 16)
                output[written + 1] = UInt8(truncatingIfNeeded: group >> 8)
                output[written + 2] = UInt8(truncatingIfNeeded: group)
                written += 3
                index += 4
            }
            // Two or three characters left: one or two bytes, whose leftover bits must be zero
            // (a canonical encoding): otherwise two texts decode alike.
            var accumulator: UInt32 = 0
            var bits = 0
            while index < count {
                let value = table[Int(input[index])]
                if value & 0xC0 != 0 { return false }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                    written += 1
                }
                index += 1
            }
            if bits > 0, accumulator & ((1 << UInt32(bits)) - 1) != 0 { return false }
            return written == length
        }
    }

    /// Standard alphabet with padding, written straight into the string's storage.
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { output in
            let symbols = UnsafeBufferPointer(start: alphabet.utf8Start, count: alphabet.utf8CodeUnitCount)
            var written = 0
            var index = 0
            while index + 3 <= bytes.count {
                let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output[written] = symbols[Int(group >> 18 & 0x3F)]
                output[written + 1] = symbols[Int(group >> 12 & 0x3F)]
                output[written + 2] = symbols[Int(group >> 6 & 0x3F)]
                output[written + 3] = symbols[Int(group & 0x3F)]
                written += 4
                index += 3
            }
            let rest = bytes.count - index
            if rest > 0 {
                let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
                output[written] = symbols[Int(group >> 18 & 0x3F)]
                output[written + 1] = symbols[Int(group >> 12 & 0x3F)]
                output[written + 2] = rest == 2 ? symbols[Int(group >> 6 & 0x3F)] : UInt8(ascii: "=")
                output[written + 3] = UInt8(ascii: "=")
                written += 4
            }
            return written
        }
    }
}
