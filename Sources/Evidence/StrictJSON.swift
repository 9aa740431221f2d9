public import Foundation

/// A strict, validating JSON reader run over a bundle before anything else looks at it.
///
/// JSON parsers disagree on inputs the RFC leaves open — duplicate object keys, lone surrogates,
/// huge numbers, trailing bytes — and a verifier that reads one thing while another tool reads
/// another can be fooled. attest refuses all of them, and says where.
public enum StrictJSON {
    /// Bounds applied to every input.
    public struct Limits: Sendable, Equatable {
        public var maximumBytes: Int
        public var maximumDepth: Int

        /// 64 MiB and 64 levels: far above any real bundle, far below what exhausts memory or stack.
        public static let standard = Limits(maximumBytes: 64 << 20, maximumDepth: 64)

        public init(maximumBytes: Int, maximumDepth: Int) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// Why an input was refused, with the byte offset and, where known, the JSON path.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case tooLarge = "json.too-large"
            case invalidUTF8 = "json.invalid-utf8"
            case loneSurrogate = "json.lone-surrogate"
            case duplicateKey = "json.duplicate-key"
            case tooDeep = "json.too-deep"
            case numberOutOfRange = "json.number-out-of-range"
            case trailingData = "json.trailing-data"
            case syntax = "json.syntax"
        }

        public var kind: Kind
        public var offset: Int
        public var path: String
        public var detail: String

        public var description: String {
            "\(detail) at byte \(offset)\(path.isEmpty ? "" : " (\(path))")"
        }
    }

    /// Checks `data` against the rules; returns nil when it is acceptable.
    public static func validate(_ data: Data, limits: Limits = .standard) -> Violation? {
        if case .failure(let violation) = parse(data, limits: limits) { return violation }
        return nil
    }

    /// Validates and parses in one pass: the value, or the first rule it breaks. This is the only
    /// JSON reader the verifier uses, so what is checked is exactly what is read.
    public static func parse(_ data: Data, limits: Limits = .standard) -> Result<JSONValue, Violation> {
        if data.count > limits.maximumBytes {
            return .failure(Violation(kind: .tooLarge, offset: limits.maximumBytes, path: "",
                                      detail: "the input is \(data.count) bytes, over the limit of \(limits.maximumBytes)"))
        }
        return data.withUnsafeBytes { raw -> Result<JSONValue, Violation> in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self), limits: limits)
            do {
                try parser.validateUTF8()
                parser.skipWhitespace()
                let value = try parser.value(depth: 1, path: "$")
                parser.skipWhitespace()
                if parser.position != parser.bytes.count {
                    throw parser.violation(.trailingData, "data after the end of the JSON value", path: "")
                }
                return .success(value)
            } catch let violation as Violation {
                return .failure(violation)
            } catch {
                return .failure(Violation(kind: .syntax, offset: parser.position, path: "", detail: "\(error)"))
            }
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: Limits
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        func violation(_ kind: Violation.Kind, _ detail: String, path: String) -> Violation {
            Violation(kind: kind, offset: position, path: path, detail: detail)
        }

        /// Rejects anything that is not well-formed UTF-8 (overlongs, surrogates encoded
        /// directly, code points past U+10FFFF, truncated sequences).
        mutating func validateUTF8() throws {
            var index = 0
            while index < bytes.count {
                let lead = bytes[index]
                if lead < 0x80 { index += 1; continue }
                let length: Int
                let minimum: UInt32
                var scalar: UInt32
                switch lead {
                case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
                case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
                case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
                default:
                    position = index
                    throw violation(.invalidUTF8, "byte 0x\(String(lead, radix: 16)) cannot start a UTF-8 sequence", path: "")
                }
                guard index + length <= bytes.count else {
                    position = index
                    throw violation(.invalidUTF8, "truncated UTF-8 sequence", path: "")
                }
                for offset in 1..<length {
                    let continuation = bytes[index + offset]
                    guard continuation & 0xC0 == 0x80 else {
                        position = index
                        throw violation(.invalidUTF8, "invalid UTF-8 continuation byte", path: "")
                    }
                    scalar = scalar << 6 | UInt32(continuation & 0x3F)
                }
                if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                    position = index
                    throw violation(.invalidUTF8, "overlong or out-of-range UTF-8 sequence", path: "")
                }
                index += length
            }
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                position += 1
            }
        }

        mutating func expect(_ byte: UInt8, path: String) throws {
            guard position < bytes.count, bytes[position] == byte else {
                throw violation(.syntax, "expected '\(Character(Unicode.Scalar(byte)))'", path: path)
            }
            position += 1
        }

        mutating func value(depth: Int, path: @autoclosure () -> String) throws -> JSONValue {
            guard depth <= limits.maximumDepth else {
                throw violation(.tooDeep, "nesting deeper than \(limits.maximumDepth) levels", path: path())
            }
            guard position < bytes.count else { throw violation(.syntax, "unexpected end of input", path: path()) }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth, path: path())
            case UInt8(ascii: "["): return try array(depth: depth, path: path())
            case UInt8(ascii: "\""): return .string(try string(path: path()))
            case UInt8(ascii: "t"): try literal("true", path: path()); return .bool(true)
            case UInt8(ascii: "f"): try literal("false", path: path()); return .bool(false)
            case UInt8(ascii: "n"): try literal("null", path: path()); return .null
            default: return .number(try number(path: path()))
            }
        }

        mutating func literal(_ word: String, path: String) throws {
            for byte in word.utf8 {
                guard position < bytes.count, bytes[position] == byte else {
                    throw violation(.syntax, "invalid literal, expected \(word)", path: path)
                }
                position += 1
            }
        }

        mutating func object(depth: Int, path: String) throws -> JSONValue {
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                let keyStart = position
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw violation(.syntax, "expected a string key", path: path)
                }
                let key = try string(path: path)
                if members[key] != nil {
                    position = keyStart
                    throw violation(.duplicateKey, "duplicate key \"\(key)\"", path: path)
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), path: path)
                skipWhitespace()
                members[key] = try value(depth: depth + 1, path: path + "." + key)
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated object", path: path) }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), path: path)
                return .object(members)
            }
        }

        mutating func array(depth: Int, path: String) throws -> JSONValue {
            position += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                let index = elements.count
                elements.append(try value(depth: depth + 1, path: "\(path)[\(index)]"))
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated array", path: path) }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"), path: path)
                return .array(elements)
            }
        }

        /// Reads a string, decoding escapes, so duplicate keys are compared by value
        /// ("a" and "\u0061" are the same key).
        mutating func string(path: String) throws -> String {
            position += 1
            // Fast path: no escape before the closing quote (base64 payloads, most keys).
            var scan = position
            while scan < bytes.count {
                let byte = bytes[scan]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<scan]), as: UTF8.self)
                    position = scan + 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                scan += 1
            }
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() {
                if !run.isEmpty {
                    scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars)
                    run.removeAll(keepingCapacity: true)
                }
            }
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    position += 1
                    guard position < bytes.count else { break }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        let unit = try hex4(path: path)
                        if (0xD800...0xDBFF).contains(unit) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw violation(.loneSurrogate, "high surrogate \\u\(String(unit, radix: 16)) without a low surrogate", path: path)
                            }
                            position += 2
                            let low = try hex4(path: path)
                            guard (0xDC00...0xDFFF).contains(low) else {
                                throw violation(.loneSurrogate, "high surrogate followed by \\u\(String(low, radix: 16))", path: path)
                            }
                            let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            if let scalar = Unicode.Scalar(combined) { scalars.append(scalar) }
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            throw violation(.loneSurrogate, "lone low surrogate \\u\(String(unit, radix: 16))", path: path)
                        } else if let scalar = Unicode.Scalar(unit) {
                            scalars.append(scalar)
                        }
                    default:
                        throw violation(.syntax, "invalid escape", path: path)
                    }
                case 0x00..<0x20:
                    throw violation(.syntax, "unescaped control character in a string", path: path)
                default:
                    run.append(byte)
                    position += 1
                }
            }
            throw violation(.syntax, "unterminated string", path: path)
        }

        mutating func hex4(path: String) throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw violation(.syntax, "truncated \\u escape", path: path) }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexDigit(bytes[position]) else { throw violation(.syntax, "invalid \\u escape", path: path) }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// RFC 8259 number grammar; the value must be finite as a Double, and an integer (no
        /// fraction or exponent) must be exact: at most 2^53 in magnitude.
        mutating func number(path: String) throws -> Double {
            let start = position
            func digits() -> Int {
                let begin = position
                while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
                return position - begin
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count else { throw violation(.syntax, "invalid number", path: path) }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else if digits() == 0 {
                position = start
                throw violation(.syntax, "invalid value", path: path)
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                isInteger = false
                guard digits() > 0 else { throw violation(.syntax, "invalid number fraction", path: path) }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                isInteger = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw violation(.syntax, "invalid number exponent", path: path) }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                position = start
                throw violation(.numberOutOfRange, "number \(text.prefix(40)) does not fit a 64-bit float", path: path)
            }
            if isInteger, Int64(text).map({ $0.magnitude > 9_007_199_254_740_992 }) ?? true {
                position = start
                throw violation(.numberOutOfRange, "integer \(text.prefix(40)) is beyond 2^53 and cannot be represented exactly", path: path)
            }
            return value
        }
    }
}
