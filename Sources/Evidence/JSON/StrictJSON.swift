package import Foundation

/// The one strict JSON reader: every byte attest reads as JSON (bundles, envelopes, payloads,
/// archived reports) is accepted or refused here, and everything else reads the value it builds.
///
/// JSON parsers disagree on inputs the RFC leaves open — duplicate object keys, lone surrogates,
/// huge numbers, trailing bytes — and a verifier that reads one thing while another tool reads
/// another can be fooled. attest refuses all of them, and says where. Object keys are compared
/// as bytes (after unescaping), as independent parsers compare them.
package enum StrictJSON {
    /// Bounds applied to every input.
    package struct Limits: Sendable, Equatable {
        package var maximumBytes: Int
        package var maximumDepth: Int

        /// 64 MiB and 64 levels: far above any real bundle, far below what exhausts memory or stack.
        package static let standard = Limits(maximumBytes: 64 << 20, maximumDepth: 64)

        package init(maximumBytes: Int, maximumDepth: Int) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// Why an input was refused, with the byte offset and, where known, the JSON path.
    package struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        package enum Kind: String, Sendable {
            case tooLarge = "json.too-large"
            case invalidUTF8 = "json.invalid-utf8"
            case loneSurrogate = "json.lone-surrogate"
            case duplicateKey = "json.duplicate-key"
            /// Two keys of different bytes that Swift's `String` holds equal (canonically
            /// equivalent, such as "é" composed and decomposed): a value tree keyed by `String`
            /// cannot hold both, so the document is refused rather than one of them dropped.
            case equivalentKeys = "json.equivalent-keys"
            case tooDeep = "json.too-deep"
            case numberOutOfRange = "json.number-out-of-range"
            case trailingData = "json.trailing-data"
            case syntax = "json.syntax"
        }

        package var kind: Kind
        package var offset: Int
        package var path: String
        package var detail: String
        /// While the violation unwinds out of the parser: the path steps from the failing value
        /// outwards, added by each enclosing object and array (valid input never builds a path).
        var pendingPath: [PathComponent] = []

        package init(kind: Kind, offset: Int, path: String, detail: String) {
            self.kind = kind
            self.offset = offset
            self.path = path
            self.detail = detail
        }

        package static func == (lhs: Violation, rhs: Violation) -> Bool {
            lhs.kind == rhs.kind && lhs.offset == rhs.offset && lhs.path == rhs.path && lhs.detail == rhs.detail
        }

        package var description: String {
            "\(detail) at byte \(offset)\(path.isEmpty ? "" : " (\(path))")"
        }
    }

    /// Checks `data` against the rules; returns nil when it is acceptable.
    package static func validate(_ data: Data, limits: Limits = .standard) -> Violation? {
        if case .failure(let violation) = parse(data, limits: limits) { return violation }
        return nil
    }

    /// The value `data` holds, or the first rule it breaks.
    package static func parse(_ data: Data, limits: Limits = .standard) -> Result<JSONValue, Violation> {
        data.withUnsafeBytes { raw in parse(raw.bindMemory(to: UInt8.self), limits: limits) }
    }

    /// The same, for bytes in an array (a decoded payload, for one).
    package static func parse(bytes: [UInt8], limits: Limits = .standard) -> Result<JSONValue, Violation> {
        bytes.withUnsafeBufferPointer { parse($0, limits: limits) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits) -> Result<JSONValue, Violation> {
        guard bytes.count <= limits.maximumBytes else {
            return .failure(Violation(kind: .tooLarge, offset: limits.maximumBytes, path: "",
                                      detail: "the input is \(bytes.count) bytes, over the limit of \(limits.maximumBytes)"))
        }
        if let violation = firstUTF8Violation(in: bytes) { return .failure(violation) }
        var parser = Parser(bytes: bytes, limits: limits)
        do {
            parser.skipWhitespace()
            let value = try parser.value(depth: 1)
            parser.skipWhitespace()
            guard parser.position == bytes.count else {
                return .failure(Violation(kind: .trailingData, offset: parser.position, path: "", detail: "data after the end of the JSON value"))
            }
            return .success(value)
        } catch var violation as Violation {
            violation.path = PathComponent.render(violation.pendingPath.reversed())
            violation.pendingPath = []
            return .failure(violation)
        } catch {
            return .failure(Violation(kind: .syntax, offset: parser.position, path: "", detail: "\(error)"))
        }
    }

    /// One step of a JSON path, kept as parts while parsing and written out only for a violation.
    enum PathComponent: Sendable {
        case key(String)
        case index(Int)

        static func render(_ components: [PathComponent]) -> String {
            var text = "$"
            for component in components {
                switch component {
                case .key(let key): text += "." + key
                case .index(let index): text += "[\(index)]"
                }
            }
            return text
        }
    }

    /// UTF-8 well-formedness: overlongs, surrogates encoded directly, code points past U+10FFFF and
    /// truncated sequences are refused. Checked over the whole input before parsing, so the parser
    /// may decode any run of bytes between two ASCII delimiters as valid UTF-8.
    static func firstUTF8Violation(in bytes: UnsafeBufferPointer<UInt8>) -> Violation? {
        let count = bytes.count
        var index = 0
        while index < count {
            // Bundles are nearly all ASCII: eight bytes at a time while no high bit is set.
            if index + 8 <= count, let base = bytes.baseAddress,
               UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            func refuse(_ detail: String) -> Violation {
                Violation(kind: .invalidUTF8, offset: index, path: "", detail: detail)
            }
            let length: Int
            let minimum: UInt32
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
            default: return refuse("byte 0x\(String(lead, radix: 16)) cannot start a UTF-8 sequence")
            }
            guard index + length <= count else { return refuse("truncated UTF-8 sequence") }
            for offset in 1..<length {
                let continuation = bytes[index + offset]
                guard continuation & 0xC0 == 0x80 else { return refuse("invalid UTF-8 continuation byte") }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return refuse("overlong or out-of-range UTF-8 sequence")
            }
            index += length
        }
        return nil
    }

    /// Recursive descent over input whose UTF-8 is already checked.
    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: Limits
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        func violation(_ kind: Violation.Kind, _ detail: String) -> Violation {
            Violation(kind: kind, offset: position, path: "", detail: detail)
        }

        /// Runs `body`, adding `component` to the path of any violation it throws.
        func within<T>(_ component: @autoclosure () -> PathComponent, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch var violation as Violation {
                violation.pendingPath.append(component())
                throw violation
            }
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard position < bytes.count, bytes[position] == byte else {
                throw violation(.syntax, "expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth <= limits.maximumDepth else {
                throw violation(.tooDeep, "nesting deeper than \(limits.maximumDepth) levels")
            }
            guard position < bytes.count else { throw violation(.syntax, "unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            for byte in text {
                guard position < bytes.count, bytes[position] == byte else {
                    throw violation(.syntax, "invalid literal, expected \(word)")
                }
                position += 1
            }
        }

        /// A duplicate is found after its value is read (a malformed value after a duplicate key
        /// reports the value), and reported at its key.
        mutating func object(depth: Int) throws -> JSONValue {
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                let keyStart = position
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw violation(.syntax, "expected a string key")
                }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let member = try within(.key(key)) { try value(depth: depth + 1) }
                if let index = members.index(forKey: key) {
                    let earlier = members[index].key
                    position = keyStart
                    if earlier.utf8.elementsEqual(key.utf8) {
                        throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                    }
                    throw violation(.equivalentKeys, "key \"\(key)\" differs from the earlier key \"\(earlier)\" only in Unicode normalisation")
                }
                members[key] = member
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            position += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                let element = try within(.index(elements.count)) { try value(depth: depth + 1) }
                elements.append(element)
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        /// A string, escapes decoded. Runs between escapes are copied as they are: their UTF-8 was
        /// checked with the whole input.
        mutating func string() throws -> String {
            position += 1
            var decoded: [UInt8] = []
            var runStart = position
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
                    position += 1
                    if decoded.isEmpty { return String(decoding: run, as: UTF8.self) }
                    decoded.append(contentsOf: run)
                    return String(decoding: decoded, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                    position += 1
                    guard position < bytes.count else { throw violation(.syntax, "unterminated string") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                    case UInt8(ascii: "b"): decoded.append(0x08)
                    case UInt8(ascii: "f"): decoded.append(0x0C)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"): decoded.append(contentsOf: String(try escapedScalar()).utf8)
                    default:
                        throw violation(.syntax, "invalid escape")
                    }
                    runStart = position
                case 0x00..<0x20:
                    throw violation(.syntax, "unescaped control character in a string")
                default:
                    position += 1
                }
            }
            throw violation(.syntax, "unterminated string")
        }

        /// The scalar of a `\uXXXX` escape (its "\u" read), a surrogate pair taken together.
        mutating func escapedScalar() throws -> Unicode.Scalar {
            let unit = try hex4()
            var code = unit
            if (0xD800...0xDBFF).contains(unit) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw violation(.loneSurrogate, "high surrogate \\u\(String(unit, radix: 16)) without a low surrogate")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw violation(.loneSurrogate, "high surrogate followed by \\u\(String(low, radix: 16))")
                }
                code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw violation(.loneSurrogate, "lone low surrogate \\u\(String(unit, radix: 16))")
            }
            // Every code outside the surrogates, up to U+10FFFF, is a scalar.
            guard let scalar = Unicode.Scalar(code) else { throw violation(.loneSurrogate, "\\u escape is not a Unicode scalar") }
            return scalar
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw violation(.syntax, "truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw violation(.syntax, "invalid \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        /// RFC 8259 number grammar; the value must be finite as a Double, and an integer (no
        /// fraction or exponent) must be exact: at most 2^53 in magnitude.
        mutating func number() throws -> Double {
            let start = position
            func digits() -> Int {
                let begin = position
                while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
                return position - begin
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count else { throw violation(.syntax, "invalid number") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else if digits() == 0 {
                position = start
                throw violation(.syntax, "invalid value")
            }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                isInteger = false
                guard digits() > 0 else { throw violation(.syntax, "invalid number fraction") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                isInteger = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw violation(.syntax, "invalid number exponent") }
            }
            let negative = bytes[start] == UInt8(ascii: "-")
            let firstDigit = negative ? start + 1 : start
            if isInteger, position - firstDigit <= 15 {
                // Fifteen digits stay below 2^53: the value is exact, and no text need be made.
                var magnitude: Int64 = 0
                for index in firstDigit..<position { magnitude = magnitude * 10 + Int64(bytes[index] &- UInt8(ascii: "0")) }
                // -0 stays a negative zero, as Double("-0") gives.
                return negative ? -Double(magnitude) : Double(magnitude)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                position = start
                throw violation(.numberOutOfRange, "number \(text.prefix(40)) does not fit a 64-bit float")
            }
            if isInteger, Int64(text).map({ $0.magnitude > 9_007_199_254_740_992 }) ?? true {
                position = start
                throw violation(.numberOutOfRange, "integer \(text.prefix(40)) is beyond 2^53 and cannot be represented exactly")
            }
            return value
        }
    }
}
