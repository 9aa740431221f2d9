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
        /// While the violation unwinds out of the parser: the path steps from the failing value
        /// outwards, collected by each enclosing object and array; nil once `path` is final.
        var pendingPath: [PathComponent]?

        public init(kind: Kind, offset: Int, path: String, detail: String) {
            self.kind = kind
            self.offset = offset
            self.path = path
            self.detail = detail
        }

        public static func == (lhs: Violation, rhs: Violation) -> Bool {
            lhs.kind == rhs.kind && lhs.offset == rhs.offset && lhs.path == rhs.path && lhs.detail == rhs.detail
        }

        /// The violation with its path written out, under `prefix` (the path of the parsed part).
        func rendered(under prefix: [PathComponent]) -> Violation {
            guard let pending = pendingPath else { return self }
            var final = self
            final.path = PathComponent.render(prefix + pending.reversed())
            final.pendingPath = nil
            return final
        }

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
    ///
    /// Members named in `skipping` are checked by the same rules but not built: they are absent
    /// from the value. What is accepted and refused, and where, does not depend on `skipping`.
    public static func parse(_ data: Data, limits: Limits = .standard, skipping: SkippedMembers? = nil) -> Result<JSONValue, Violation> {
        data.withUnsafeBytes { raw in parse(bytes: raw.bindMemory(to: UInt8.self), limits: limits, skipping: skipping) }
    }

    /// `parse` of bytes in memory (a payload decoded in place, for one).
    public static func parse(bytes: UnsafeBufferPointer<UInt8>, limits: Limits = .standard, skipping: SkippedMembers? = nil) -> Result<JSONValue, Violation> {
        if let violation = sizeViolation(bytes.count, limits: limits) { return .failure(violation) }
        if let violation = UTF8Check.firstViolation(in: bytes, baseOffset: 0) { return .failure(violation) }
        return parseValue(bytes, baseOffset: 0, depth: 1, path: [], limits: limits, skipping: skipping)
    }

    /// Object members, by their path of keys from the document's root, that a parse validates but
    /// leaves out of the value it builds (a verifier has no use for them in most records, and
    /// building them is most of the parse's cost).
    public struct SkippedMembers: Sendable, Equatable {
        /// The next key on some path, and what follows it; a member whose entry is a leaf is skipped.
        /// A few entries at most: found by comparing keys, cheaper here than hashing every member.
        var children: [Child]
        var isLeaf: Bool { children.isEmpty }

        struct Child: Sendable, Equatable {
            var key: String
            var node: SkippedMembers
        }

        /// `paths` such as [["predicate", "system"]]: the member "system" of the root's member "predicate".
        public init(paths: [[String]]) {
            children = []
            for path in paths where !path.isEmpty { add(path[...]) }
        }

        private init() { children = [] }

        /// What follows `key`, nil when no path goes through it.
        func child(_ key: String) -> SkippedMembers? {
            for child in children where child.key == key { return child.node }
            return nil
        }

        private mutating func add(_ path: ArraySlice<String>) {
            guard let first = path.first else { return }
            guard let index = children.firstIndex(where: { $0.key == first }) else {
                var node = SkippedMembers()
                if path.count > 1 { node.add(path.dropFirst()) }
                children.append(Child(key: first, node: node))
                return
            }
            // A member already skipped whole stays skipped whole; a shorter path skips it whole.
            if children[index].node.isLeaf { return }
            if path.count > 1 {
                children[index].node.add(path.dropFirst())
            } else {
                children[index].node = SkippedMembers()
            }
        }

        public var isEmpty: Bool { children.isEmpty }

        /// The same paths in storage of its own. Parses read these nodes for every member they
        /// meet, each read changing a reference count: workers on several cores that share one
        /// copy would move its storage between their caches for every record.
        func privateCopy() -> SkippedMembers {
            var copy = SkippedMembers()
            copy.children.reserveCapacity(children.count)
            for child in children {
                copy.children.append(Child(key: String(decoding: Array(child.key.utf8), as: UTF8.self), node: child.node.privateCopy()))
            }
            return copy
        }
    }

    /// A top-level object whose largest member, an array, is not parsed yet: the byte range of each
    /// of its elements was found by a structural scan, so the elements can be parsed separately
    /// (on every core) with `parseElement`. Every other member is parsed and checked as usual.
    public struct DeferredObject: Sendable {
        /// The object's members, except the deferred array.
        public var members: [String: JSONValue]
        /// Each element's bytes in the document, in order; nil when the key is absent or its value
        /// is not an array (then it is in `members`, parsed).
        public var elementRanges: [Range<Int>]?
        /// The deferred member's key.
        public var key: String
        /// False when the document is valid JSON but not an object (then nothing is deferred).
        public var isObject: Bool
    }

    /// Parses a document whose top level is an object, deferring the array at `key`. The whole
    /// document's UTF-8, size, syntax outside the deferred elements, duplicate keys and trailing
    /// data are checked here; what is inside each element is checked by `parseElement`. Together
    /// they accept exactly what `parse` accepts.
    public static func parseObject(_ data: Data, deferring key: String, limits: Limits = .standard) -> Result<DeferredObject, Violation> {
        if let violation = sizeViolation(data.count, limits: limits) { return .failure(violation) }
        return data.withUnsafeBytes { raw -> Result<DeferredObject, Violation> in
            let bytes = raw.bindMemory(to: UInt8.self)
            // Neither the UTF-8 check nor the structural scan reads what the other finds: a large
            // document has both at once, on two cores. A UTF-8 violation comes first either way,
            // as in `parse`.
            guard bytes.count >= parallelScanSize else {
                if let violation = UTF8Check.firstViolation(in: bytes, baseOffset: 0) { return .failure(violation) }
                return scanObject(bytes, deferring: key, limits: limits)
            }
            let (utf8, structure) = ParallelMap.both({ UTF8Check.firstViolation(in: bytes, baseOffset: 0) },
                                                     { scanObject(bytes, deferring: key, limits: limits) })
            return utf8.map { .failure($0) } ?? structure
        }
    }

    /// From this size on, `parseObject` checks UTF-8 beside the structural scan (below it, handing
    /// work to another core costs more than it saves).
    static let parallelScanSize = 1 << 20

    /// `parseObject`'s structural part, its UTF-8 checked apart.
    private static func scanObject(_ bytes: UnsafeBufferPointer<UInt8>, deferring key: String, limits: Limits) -> Result<DeferredObject, Violation> {
        var parser = Parser(bytes: bytes, baseOffset: 0, limits: limits)
        do {
            parser.skipWhitespace()
            guard parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "{") else {
                // Not an object: parse it whole so the caller sees the usual value (or violation).
                let value = try parser.document(depth: 1)
                return .success(DeferredObject(members: value.objectValue ?? [:], elementRanges: nil, key: key, isObject: false))
            }
            var ranges: [Range<Int>]?
            let members = try parser.object(depth: 1) { parser, member, depth in
                guard member == key, parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "[") else { return false }
                ranges = try parser.scanArrayElements(depth: depth)
                return true
            }
            parser.skipWhitespace()
            if parser.position != bytes.count {
                throw Violation(kind: .trailingData, offset: parser.position, path: "", detail: "data after the end of the JSON value")
            }
            return .success(DeferredObject(members: members, elementRanges: ranges, key: key, isObject: true))
        } catch let violation as Violation {
            return .failure(violation.rendered(under: []))
        } catch {
            return .failure(Violation(kind: .syntax, offset: parser.position, path: "", detail: "\(error)"))
        }
    }

    /// Parses one element deferred by `parseObject` (element `index` of the array at `key`), with
    /// offsets and paths as in the whole document. Its UTF-8 was checked with the document.
    public static func parseElement(_ data: Data, range: Range<Int>, key: String, index: Int, limits: Limits = .standard) -> Result<JSONValue, Violation> {
        data.withUnsafeBytes { raw -> Result<JSONValue, Violation> in
            let whole = raw.bindMemory(to: UInt8.self)
            guard range.lowerBound >= 0, range.upperBound <= whole.count else {
                return .failure(Violation(kind: .syntax, offset: range.lowerBound, path: "", detail: "element range outside the document"))
            }
            return parseValue(UnsafeBufferPointer(rebasing: whole[range]), baseOffset: range.lowerBound, depth: 3,
                              path: [.key(key), .index(index)], limits: limits)
        }
    }

    /// `parseElement`, except that when the element is an object whose member `member` is a
    /// string without escapes (a DSSE envelope's base64 payload, usually), that string is not
    /// built: the member is left out of the value and its characters' range in `data` returned.
    /// Any other value of the member is in the value as usual. What is accepted and refused, and
    /// where, is exactly `parseElement`'s.
    public static func parseElement(_ data: Data, range: Range<Int>, key: String, index: Int, limits: Limits = .standard,
                                    leavingStringAsBytes member: String) -> Result<(value: JSONValue, bytes: Range<Int>?), Violation> {
        data.withUnsafeBytes { raw in
            parseElement(document: raw.bindMemory(to: UInt8.self), range: range, key: key, index: index, limits: limits,
                         leavingStringAsBytes: member)
        }
    }

    /// The same, over the whole document's bytes in memory: workers on several cores then share
    /// no object whose reference count each of them would change for every record.
    static func parseElement(document whole: UnsafeBufferPointer<UInt8>, range: Range<Int>, key: String, index: Int, limits: Limits,
                             leavingStringAsBytes member: String) -> Result<(value: JSONValue, bytes: Range<Int>?), Violation> {
        guard range.lowerBound >= 0, range.upperBound <= whole.count else {
            return .failure(Violation(kind: .syntax, offset: range.lowerBound, path: "", detail: "element range outside the document"))
        }
        let depth = 3
        var parser = Parser(bytes: UnsafeBufferPointer(rebasing: whole[range]), baseOffset: range.lowerBound, limits: limits)
        parser.stringLeftAsBytes = (member: member, depth: depth)
        do {
            let value = try parser.document(depth: depth)
            return .success((value, parser.stringBytes))
        } catch let violation as Violation {
            return .failure(violation.rendered(under: [.key(key), .index(index)]))
        } catch {
            return .failure(Violation(kind: .syntax, offset: range.lowerBound + parser.position, path: "", detail: "\(error)"))
        }
    }

    /// The texts of a DSSE envelope of the usual shape, as byte ranges in the document: what
    /// `plainEnvelope` finds.
    public struct PlainEnvelope: Sendable {
        public struct Signature: Sendable {
            public var keyid: Range<Int>
            public var sig: Range<Int>
        }
        public var payloadType: Range<Int>
        public var payload: Range<Int>
        public var signatures: [Signature]
    }

    /// The envelope at `range` (element `index` of the records, at depth 3) read without building
    /// a value, when it has exactly the usual shape: an object of the members "payload",
    /// "payloadType" and "signatures", once each in any order; every string without escapes;
    /// "signatures" an array of objects of exactly "keyid" and "sig". Nil for anything else,
    /// which `parseElement` then reads, and refuses where it must.
    ///
    /// Why the ranges are exactly what `parseElement` would give: such an envelope is one it
    /// accepts (its keys differ as bytes, so as strings; its deepest values, the signatures'
    /// strings, are at depth 6, checked against the limit here; the document's UTF-8 was checked
    /// whole), and a string without escapes is its characters.
    public static func plainEnvelope(document whole: UnsafeBufferPointer<UInt8>, range: Range<Int>, limits: Limits) -> PlainEnvelope? {
        guard limits.maximumDepth >= 6, range.lowerBound >= 0, range.upperBound <= whole.count else { return nil }
        var parser = Parser(bytes: UnsafeBufferPointer(rebasing: whole[range]), baseOffset: range.lowerBound, limits: limits)
        return parser.plainEnvelope()
    }

    private static func sizeViolation(_ count: Int, limits: Limits) -> Violation? {
        guard count > limits.maximumBytes else { return nil }
        return Violation(kind: .tooLarge, offset: limits.maximumBytes, path: "",
                         detail: "the input is \(count) bytes, over the limit of \(limits.maximumBytes)")
    }

    private static func parseValue(_ bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int, depth: Int, path: [PathComponent],
                                   limits: Limits, skipping: SkippedMembers? = nil) -> Result<JSONValue, Violation> {
        var parser = Parser(bytes: bytes, baseOffset: baseOffset, limits: limits)
        do {
            return .success(try parser.document(depth: depth, skipping: skipping.flatMap { $0.isEmpty ? nil : $0 }))
        } catch let violation as Violation {
            return .failure(violation.rendered(under: path))
        } catch {
            return .failure(Violation(kind: .syntax, offset: baseOffset + parser.position, path: "", detail: "\(error)"))
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

    /// UTF-8 well-formedness (overlongs, surrogates encoded directly, code points past U+10FFFF and
    /// truncated sequences are refused), with a fast path for ASCII, which bundles mostly are.
    enum UTF8Check {
        static func firstViolation(in bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int) -> Violation? {
            guard let base = bytes.baseAddress else { return nil }
            let count = bytes.count
            var index = 0
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index < count {
                // ASCII 32 bytes at a time (one test for four words), then eight.
                if index + 32 <= count {
                    let words = UnsafeRawPointer(base + index)
                    let any = words.loadUnaligned(as: UInt64.self) | words.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        | words.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | words.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                    if any & highs == 0 { index += 32; continue }
                }
                if index + 8 <= count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if word & highs == 0 { index += 8; continue }
                }
                let lead = bytes[index]
                if lead < 0x80 { index += 1; continue }
                func refuse(_ detail: String) -> Violation {
                    Violation(kind: .invalidUTF8, offset: baseOffset + index, path: "", detail: detail)
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
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Where `bytes` starts in the whole document, so offsets in violations are the document's.
        let baseOffset: Int
        let limits: Limits
        var position = 0
        /// The plain keys of the objects being skimmed, innermost last (see `skimObject`).
        var plainKeys: [Range<Int>] = []
        /// What each object's members start from. Making a dictionary with room for members
        /// (`reserveCapacity`, `init(minimumCapacity:)`) looks up its storage's generic metadata in
        /// a table every core shares, on every call; a copy of this one takes it from the original.
        /// One per parse, not one per process: a shared one would have its reference count changed
        /// by every core for every object.
        /// Made on first use: a parse that builds no object (an envelope read as byte ranges)
        /// allocates nothing for it.
        lazy var emptyMembers = [String: JSONValue](minimumCapacity: 8)
        /// The member of the object at `depth` whose plain string value is left as bytes (see
        /// `parseElement(_:range:key:index:limits:leavingStringAsBytes:)`), and where it was found.
        var stringLeftAsBytes: (member: String, depth: Int)?
        var stringBytes: Range<Int>?

        init(bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int, limits: Limits) {
            self.bytes = bytes
            self.baseOffset = baseOffset
            self.limits = limits
        }

        /// A violation at the current position. Its path is collected as it unwinds (each
        /// enclosing member or element adds its step), so reading valid input never builds one.
        func violation(_ kind: Violation.Kind, _ detail: String) -> Violation {
            var violation = Violation(kind: kind, offset: baseOffset + position, path: "", detail: detail)
            violation.pendingPath = []
            return violation
        }

        /// Runs `body`, adding `component` to the path of any violation it throws.
        @inline(__always)
        func within<T>(_ component: @autoclosure () -> PathComponent, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch var violation as Violation {
                violation.pendingPath?.append(component())
                throw violation
            }
        }

        /// One whole value filling `bytes`, whitespace around it allowed.
        mutating func document(depth: Int, skipping: SkippedMembers? = nil) throws -> JSONValue {
            skipWhitespace()
            let value = try value(depth: depth, skipping: skipping)
            skipWhitespace()
            if position != bytes.count {
                throw Violation(kind: .trailingData, offset: baseOffset + position, path: "", detail: "data after the end of the JSON value")
            }
            return value
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

        mutating func value(depth: Int, skipping: SkippedMembers? = nil) throws -> JSONValue {
            guard depth <= limits.maximumDepth else {
                throw violation(.tooDeep, "nesting deeper than \(limits.maximumDepth) levels")
            }
            guard position < bytes.count else { throw violation(.syntax, "unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return .object(try object(depth: depth, skipping: skipping))
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

        /// Reads an object's members. `deferring` may take over a member's value (it returns true
        /// when it consumed the value); such a member is left out of the result.
        mutating func object(depth: Int, deferring: ((inout Parser, String, Int) throws -> Bool)? = nil,
                             skipping: SkippedMembers? = nil) throws -> [String: JSONValue] {
            position += 1
            // Most objects in a record have a handful of members: one allocation, no regrowth.
            // Copied from this parse's empty dictionary of that capacity (see `emptyMembers`).
            var members = emptyMembers
            var deferredKeys: [String] = []
            var skippedKeys: [String] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return members }
            while true {
                let (key, keyStart) = try memberKey()
                if !deferredKeys.isEmpty, deferredKeys.contains(key) {
                    position = keyStart
                    throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                }
                try nameSeparator()
                if let deferring, try within(.key(key), { try deferring(&self, key, depth + 1) }) {
                    if members[key] != nil {
                        position = keyStart
                        throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                    }
                    deferredKeys.append(key)
                } else if let next = skipping?.child(key), next.isLeaf {
                    // Checked like any member, in the same order (value, then duplicate key), not built.
                    try within(.key(key)) { try skimSkippedMember(depth: depth + 1) }
                    if skippedKeys.contains(key) {
                        position = keyStart
                        throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                    }
                    skippedKeys.append(key)
                } else if let left = stringLeftAsBytes, left.depth == depth, left.member == key, let end = plainStringEnd(depth: depth + 1) {
                    // Accepted exactly as `value` would accept it (a string without escapes, at a
                    // depth within the limit), and a duplicate of it found after its value as below.
                    let isDuplicate = stringBytes != nil || members[key] != nil
                    stringBytes = (baseOffset + position + 1)..<(baseOffset + end)
                    position = end + 1
                    if isDuplicate {
                        position = keyStart
                        throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                    }
                } else {
                    let next = skipping?.child(key)
                    let member = try within(.key(key)) { try memberValue(key: key, depth: depth + 1, skipping: next) }
                    // One hash per key: a duplicate is found as it is inserted (after its value
                    // was read, so a malformed value after a duplicate key reports the value).
                    // A member left as bytes is not in `members`: its key is checked on its own.
                    if members.updateValue(member, forKey: key) != nil
                        || (stringBytes != nil && stringLeftAsBytes.map { $0.depth == depth && $0.member == key } == true) {
                        position = keyStart
                        throw violation(.duplicateKey, "duplicate key \"\(key)\"")
                    }
                }
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return members
            }
        }

        /// The member names of a DSSE envelope and of its signatures.
        enum EnvelopeKey: CaseIterable {
            case payload, payloadType, signatures, keyid, sig
            var text: StaticString {
                switch self {
                case .payload: "payload"
                case .payloadType: "payloadType"
                case .signatures: "signatures"
                case .keyid: "keyid"
                case .sig: "sig"
                }
            }
        }

        /// See `StrictJSON.plainEnvelope`.
        mutating func plainEnvelope() -> PlainEnvelope? {
            var payloadType: Range<Int>?
            var payload: Range<Int>?
            var signatures: [PlainEnvelope.Signature]?
            let complete = members { key, parser in
                if key == .payload, payload == nil {
                    payload = parser.plainString()
                    return payload != nil
                }
                if key == .payloadType, payloadType == nil {
                    payloadType = parser.plainString()
                    return payloadType != nil
                }
                guard key == .signatures, signatures == nil, parser.take(UInt8(ascii: "[")) else { return false }
                var found: [PlainEnvelope.Signature] = []
                repeat {
                    var keyid: Range<Int>?
                    var sig: Range<Int>?
                    let signature = parser.members { key, parser in
                        if key == .keyid, keyid == nil {
                            keyid = parser.plainString()
                            return keyid != nil
                        }
                        guard key == .sig, sig == nil else { return false }
                        sig = parser.plainString()
                        return sig != nil
                    }
                    guard signature, let keyid, let sig else { return false }
                    found.append(PlainEnvelope.Signature(keyid: keyid, sig: sig))
                } while parser.take(UInt8(ascii: ","))
                guard parser.take(UInt8(ascii: "]")) else { return false }
                signatures = found
                return true
            }
            skipWhitespace()
            guard complete, position == bytes.count, let payloadType, let payload, let signatures else { return nil }
            return PlainEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
        }

        /// An object at `position` (after white space) whose keys are all plain, each member's
        /// value read by `member` (false: not of the shape wanted); false on anything else.
        /// `member` is handed the key only when it is one of the envelope's.
        mutating func members(_ member: (EnvelopeKey, inout Parser) -> Bool) -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            repeat {
                skipWhitespace()
                guard let key = plainString(), take(UInt8(ascii: ":")) else { return false }
                var known: EnvelopeKey?
                for name in EnvelopeKey.allCases where sameText(key, name.text) { known = name }
                guard let known, member(known, &self) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}"))
        }

        /// After white space, `byte` taken when it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// After white space, a string without escapes or control characters: the range of its
        /// characters in the document; nil (position unspecified) for anything else.
        mutating func plainString() -> Range<Int>? {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            let end = firstSpecial(from: position + 1)
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
            defer { position = end + 1 }
            return (baseOffset + position + 1)..<(baseOffset + end)
        }

        /// Whether the characters at `range` (document offsets) are `text`'s.
        func sameText(_ range: Range<Int>, _ text: StaticString) -> Bool {
            guard range.count == text.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
            return memcmp(base + (range.lowerBound - baseOffset), text.utf8Start, range.count) == 0
        }

        /// A member's value, as `value` reads it. An object or array with nothing skipped inside
        /// is taken from this thread's `BuiltValues` when the same member of an earlier parse, at
        /// the same depth, had the same bytes (see there), and remembered otherwise.
        mutating func memberValue(key: String, depth: Int, skipping: SkippedMembers?) throws -> JSONValue {
            guard skipping == nil, depth <= BuiltValues.deepest,
                  position < bytes.count, bytes[position] == UInt8(ascii: "{") || bytes[position] == UInt8(ascii: "["),
                  let built = BuiltValues.ofThisThread else {
                return try value(depth: depth, skipping: skipping)
            }
            let rest = UnsafeBufferPointer(rebasing: bytes[position...])
            let slot = built.slot(key: key, depth: depth, maximumDepth: limits.maximumDepth)
            if let (value, length) = built.value(in: slot, startingWith: rest) {
                position += length
                return value
            }
            let start = position
            let value = try value(depth: depth, skipping: nil)
            built.remember(value, bytes: UnsafeBufferPointer(rebasing: bytes[start..<position]), in: slot)
            return value
        }

        /// A member's key (decoded, so keys compare by value) and where it starts.
        mutating func memberKey() throws -> (String, Int) {
            skipWhitespace()
            let start = position
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw violation(.syntax, "expected a string key")
            }
            return (try string(), start)
        }

        /// The ':' between a key and its value, with whitespace around it.
        mutating func nameSeparator() throws {
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
        }

        /// `skimValue` for a skipped member, remembering the objects and arrays it accepts (see
        /// `AcceptedValues`): the records of a bundle repeat the same system and git objects byte
        /// for byte, and those bytes are accepted again with one comparison.
        mutating func skimSkippedMember(depth: Int) throws {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "{") || bytes[position] == UInt8(ascii: "["),
                  let accepted = AcceptedValues.ofThisThread else {
                return try skimValue(depth: depth)
            }
            let rest = UnsafeBufferPointer(rebasing: bytes[position...])
            if let length = accepted.lengthOfAcceptedPrefix(of: rest, depth: depth, maximumDepth: limits.maximumDepth) {
                position += length
                return
            }
            let start = position
            try skimValue(depth: depth)
            accepted.remember(UnsafeBufferPointer(rebasing: bytes[start..<position]), depth: depth, maximumDepth: limits.maximumDepth)
        }

        /// Where the string at `position` ends (its closing quote) when `value(depth:)` would
        /// read it as a string without escapes; nil for any other value, left to `value`.
        func plainStringEnd(depth: Int) -> Int? {
            guard depth <= limits.maximumDepth, position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            let end = firstSpecial(from: position + 1)
            return end < bytes.count && bytes[end] == UInt8(ascii: "\"") ? end : nil
        }

        /// Checks one value by exactly the rules `value` applies, building nothing but keys (which
        /// duplicate detection compares by value, as `object` does).
        mutating func skimValue(depth: Int) throws {
            guard depth <= limits.maximumDepth else {
                throw violation(.tooDeep, "nesting deeper than \(limits.maximumDepth) levels")
            }
            guard position < bytes.count else { throw violation(.syntax, "unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): try skimObject(depth: depth)
            case UInt8(ascii: "["): try skimArray(depth: depth)
            case UInt8(ascii: "\""): try skimString()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }

        /// `object`'s grammar and checks, members not kept.
        mutating func skimObject(depth: Int) throws {
            position += 1
            // While every key is plain ASCII (no escape, no byte past 0x7F), keys are compared as
            // bytes, kept as ranges on a stack shared by the whole parse: for ASCII, equal bytes
            // and equal strings are the same thing. Any other key ("\u0061", or "\u{212A}" which
            // Swift holds equal to "K"), or a 17th key, turns the object to decoded keys in a set,
            // compared exactly as `object` compares them (and a hostile object of many keys does
            // not cost their square).
            let base = plainKeys.count
            defer { plainKeys.removeSubrange(base...) }
            var decoded: Set<String>?
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipWhitespace()
                let keyStart = position
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw violation(.syntax, "expected a string key")
                }
                var plain: Range<Int>?
                var key: String?
                let end = firstSpecial(from: position + 1)
                if decoded == nil, end < bytes.count, bytes[end] == UInt8(ascii: "\""), isASCII(position + 1..<end) {
                    plain = position + 1..<end
                    position = end + 1
                } else {
                    key = try string()
                }
                try nameSeparator()
                try within(.key(key ?? text(of: plain))) { try skimValue(depth: depth + 1) }
                var duplicate = false
                if let plain, decoded == nil {
                    duplicate = plainKeys[base...].contains { sameBytes($0, plain) }
                    plainKeys.append(plain)
                    if plainKeys.count - base > 16 { decoded = Set(plainKeys[base...].map(text(of:))) }
                } else {
                    var set = decoded ?? Set(plainKeys[base...].map(text(of:)))
                    duplicate = !set.insert(key ?? text(of: plain)).inserted
                    decoded = set
                }
                if duplicate {
                    position = keyStart
                    throw violation(.duplicateKey, "duplicate key \"\(key ?? text(of: plain))\"")
                }
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return
            }
        }

        func isASCII(_ range: Range<Int>) -> Bool {
            for index in range where bytes[index] >= 0x80 { return false }
            return true
        }

        func sameBytes(_ first: Range<Int>, _ second: Range<Int>) -> Bool {
            guard first.count == second.count, let base = bytes.baseAddress else { return false }
            return first.isEmpty || memcmp(base + first.lowerBound, base + second.lowerBound, first.count) == 0
        }

        /// A plain key's text (nil: none).
        func text(of range: Range<Int>?) -> String {
            guard let range else { return "" }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        /// `array`'s grammar and checks, elements not kept.
        mutating func skimArray(depth: Int) throws {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
            var count = 0
            while true {
                skipWhitespace()
                try within(.index(count)) { try skimValue(depth: depth + 1) }
                count += 1
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return
            }
        }

        /// `string`'s checks: a string without escapes or control characters is passed over; any
        /// other is read by `string` itself, so escapes and surrogates are judged in one place.
        mutating func skimString() throws {
            let end = firstSpecial(from: position + 1)
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                position = end + 1
                return
            }
            _ = try string()
        }

        /// The index of the first quote, backslash or control character at or after `start`
        /// (`bytes.count` when there is none): eight bytes at a time, since a base64 payload is
        /// one string of thousands of plain characters.
        func firstSpecial(from start: Int) -> Int {
            guard let base = bytes.baseAddress else { return bytes.count }
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            // A zero byte in `quote` or `backslash`, or a byte below 0x20 in `word`, sets that
            // byte's high bit (exact tests: no byte is flagged that is not one of these).
            func special(_ word: UInt64) -> UInt64 {
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                return (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)) & highs
            }
            var index = start
            // Long strings (base64 payloads) 32 bytes at a time, one test for four words; the
            // eight-byte loop then finds the word that holds the special byte.
            while index + 32 <= bytes.count {
                let words = UnsafeRawPointer(base + index)
                let found = special(words.loadUnaligned(as: UInt64.self)) | special(words.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    | special(words.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) | special(words.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
                if found != 0 { break }
                index += 32
            }
            while index + 8 <= bytes.count {
                if special(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) != 0 { break }
                index += 8
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return index }
                index += 1
            }
            return index
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

        /// Finds the byte range of each element of the array at `position` without reading the
        /// elements: strings are matched to their closing quote, brackets by nesting. Whatever is
        /// inside an element is checked when the element itself is parsed.
        mutating func scanArrayElements(depth: Int) throws -> [Range<Int>] {
            guard depth <= limits.maximumDepth else {
                throw violation(.tooDeep, "nesting deeper than \(limits.maximumDepth) levels")
            }
            position += 1
            skipWhitespace()
            var ranges: [Range<Int>] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return ranges }
            while true {
                skipWhitespace()
                let start = position
                try within(.index(ranges.count)) {
                    try skipValue()
                    guard position > start else { throw violation(.syntax, "expected a value") }
                }
                ranges.append((baseOffset + start)..<(baseOffset + position))
                skipWhitespace()
                guard position < bytes.count else { throw violation(.syntax, "unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return ranges
            }
        }

        /// Moves past one value by its structure alone (see `scanArrayElements`).
        mutating func skipValue() throws {
            var nesting = 0
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    try skipString()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    nesting += 1
                    position += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if nesting == 0 { return }
                    nesting -= 1
                    position += 1
                case UInt8(ascii: ","), 0x20, 0x09, 0x0A, 0x0D:
                    if nesting == 0 { return }
                    position += 1
                default:
                    position += 1
                }
                if nesting == 0, position > start, byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "\"") {
                    return
                }
            }
            if nesting > 0 { throw violation(.syntax, "unterminated array or object") }
        }

        /// Moves past a string from its opening quote to just after its closing quote, using
        /// memchr: a quote preceded by an odd number of backslashes is escaped.
        mutating func skipString() throws {
            guard let base = bytes.baseAddress else { throw violation(.syntax, "unterminated string") }
            var search = position + 1
            while search < bytes.count {
                guard let found = memchr(base + search, Int32(UInt8(ascii: "\"")), bytes.count - search) else { break }
                let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var backslashes = 0
                while quote - backslashes - 1 > position, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
                if backslashes % 2 == 0 {
                    position = quote + 1
                    return
                }
                search = quote + 1
            }
            throw violation(.syntax, "unterminated string")
        }

        /// Reads a string, decoding escapes, so duplicate keys are compared by value
        /// ("a" and "\u0061" are the same key).
        mutating func string() throws -> String {
            position += 1
            // Fast path: no escape before the closing quote (base64 payloads, most keys).
            let end = firstSpecial(from: position)
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
                position = end + 1
                return text
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
                        let unit = try hex4()
                        if (0xD800...0xDBFF).contains(unit) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                                throw violation(.loneSurrogate, "high surrogate \\u\(String(unit, radix: 16)) without a low surrogate")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else {
                                throw violation(.loneSurrogate, "high surrogate followed by \\u\(String(low, radix: 16))")
                            }
                            let combined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            if let scalar = Unicode.Scalar(combined) { scalars.append(scalar) }
                        } else if (0xDC00...0xDFFF).contains(unit) {
                            throw violation(.loneSurrogate, "lone low surrogate \\u\(String(unit, radix: 16))")
                        } else if let scalar = Unicode.Scalar(unit) {
                            scalars.append(scalar)
                        }
                    default:
                        throw violation(.syntax, "invalid escape")
                    }
                case 0x00..<0x20:
                    throw violation(.syntax, "unescaped control character in a string")
                default:
                    run.append(byte)
                    position += 1
                }
            }
            throw violation(.syntax, "unterminated string")
        }

        /// Exact powers of ten: every one up to 10^22 is a Double.
        /// (A literal: the compiler makes it a constant, with no reference count for cores to share.)
        static let powersOfTen: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

        /// The value of the number already checked between `start` (its first digit) and
        /// `position`, when it has a fraction or exponent and is a decimal m × 10^e with m ≤ 2^53
        /// and |e| ≤ 22: then m and 10^|e| are both exact Doubles, and one multiplication or
        /// division rounds correctly (Clinger's fast path), giving exactly what `Double(text)`
        /// gives, without making a string. Nil for any other number, left to `Double(text)`.
        func exactDecimal(from start: Int, negative: Bool) -> Double? {
            var mantissa: UInt64 = 0
            var digits = 0
            var fractionDigits = 0
            var index = start
            var inFraction = false
            while index < position {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    inFraction = true
                } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    break
                } else {
                    // Nineteen digits fit a UInt64; leading zeros are not counted.
                    if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                    guard digits <= 19 else { return nil }
                    mantissa = mantissa * 10 + UInt64(byte &- UInt8(ascii: "0"))
                    if inFraction { fractionDigits += 1 }
                }
                index += 1
            }
            var exponent = 0
            if index < position {
                // The exponent, already checked to be digits after an optional sign.
                index += 1
                var exponentNegative = false
                if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    exponentNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                guard position - index <= 4 else { return nil }
                while index < position {
                    exponent = exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                    index += 1
                }
                if exponentNegative { exponent = -exponent }
            }
            exponent -= fractionDigits
            guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
            let magnitude = exponent < 0 ? Double(mantissa) / Self.powersOfTen[-exponent] : Double(mantissa) * Self.powersOfTen[exponent]
            return negative ? -magnitude : magnitude
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw violation(.syntax, "truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = hexDigit(bytes[position]) else { throw violation(.syntax, "invalid \\u escape") }
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
            // Most numbers in a record are short integers: read them exactly without a string.
            // Fifteen digits stay below 2^53, so the Double is exact and the range rule holds.
            let negative = bytes[start] == UInt8(ascii: "-")
            let firstDigit = negative ? start + 1 : start
            if isInteger, position - firstDigit <= 15 {
                var magnitude: Int64 = 0
                for index in firstDigit..<position { magnitude = magnitude * 10 + Int64(bytes[index] &- UInt8(ascii: "0")) }
                // -0 stays a negative zero, as Double("-0") gives.
                return negative ? -Double(magnitude) : Double(magnitude)
            }
            if !isInteger, let value = exactDecimal(from: firstDigit, negative: negative) { return value }
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

/// The objects and arrays this thread's parses last built for each member name, by their exact
/// bytes: the records of a bundle repeat many byte for byte (a gate's definition, its criteria,
/// the subject), and a value built once is then shared rather than built and freed again.
///
/// Why a value is reused only for the same member at the same depth under the same limit, and is
/// then exactly what parsing would build: what `value` builds, and whether it accepts, depends
/// only on the bytes, the depth and the depth limit (the input's UTF-8 is checked before any parse
/// starts, and nothing is skipped inside a remembered value), and it reads nothing past the
/// value's closing bracket. Input that starts with the remembered bytes therefore holds that very
/// value, accepted; what is accepted and refused, and where, is unchanged. A `JSONValue` is
/// immutable, so sharing one between records (and the statements a verifier keeps) is safe.
final class BuiltValues {
    struct Slot {
        var key: String
        var depth: Int
        var maximumDepth: Int
        var bytes: [UInt8] = []
        var value: JSONValue = .null
        /// Misses since the last hit: a member that differs in every record (a chain link, a
        /// signature) stops being copied after a few, and is tried again now and then.
        var misses = 0
    }

    /// Only members of the root and of its objects (a statement's predicate): deeper values, the
    /// entries of a measurement for one, are many and seldom repeat, and would only evict these.
    static let deepest = 3
    /// Enough for the members of a record that hold objects; values of modest size.
    private static let capacity = 16
    private static let largestValue = 16 << 10
    /// Behind a pointer rather than in an array property: every member of every record reads a
    /// slot, and a class's array property would check exclusive access at run time on each read.
    private let slots = UnsafeMutablePointer<Slot>.allocate(capacity: BuiltValues.capacity)
    // Only ever used by the thread that owns this object (see `ofThisThread`).
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var nextReplaced = 0

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// The slot for `key` at `depth`, made (replacing the oldest when full) if there is none.
    /// Keys compare as bytes: a slot only says where to look, and what is reused is decided by
    /// the value's own bytes.
    func slot(key: String, depth: Int, maximumDepth: Int) -> Int {
        let length = key.utf8.count
        for index in 0..<count where slots[index].depth == depth && slots[index].maximumDepth == maximumDepth
            && slots[index].key.utf8.count == length && slots[index].key.hasSameBytes(as: key) {
            return index
        }
        let slot = Slot(key: key, depth: depth, maximumDepth: maximumDepth)
        if count < Self.capacity {
            (slots + count).initialize(to: slot)
            count += 1
            return count - 1
        }
        let index = nextReplaced
        slots[index] = slot
        nextReplaced = (nextReplaced + 1) % Self.capacity
        return index
    }

    /// The value remembered in `slot` and its length, when `input` starts with its bytes.
    func value(in slot: Int, startingWith input: UnsafeBufferPointer<UInt8>) -> (JSONValue, Int)? {
        let length = slots[slot].bytes.count
        guard length > 0, length <= input.count, let inputBase = input.baseAddress else { return nil }
        let equal = slots[slot].bytes.withUnsafeBufferPointer { known in
            known.baseAddress.map { memcmp($0, inputBase, length) == 0 } ?? false
        }
        guard equal else {
            slots[slot].misses += 1
            return nil
        }
        slots[slot].misses = 0
        return (slots[slot].value, length)
    }

    /// Remembers `value`, built from `bytes`, in `slot` (unless it is large, or the member has
    /// differed many times in a row: then only every 16th miss).
    func remember(_ value: JSONValue, bytes: UnsafeBufferPointer<UInt8>, in slot: Int) {
        let misses = slots[slot].misses
        guard bytes.count <= Self.largestValue, misses < 4 || misses % 16 == 0 else { return }
        slots[slot].bytes = Array(bytes)
        slots[slot].value = value
    }

    /// Each thread has its own (the verifier parses records on every core); nil only if the
    /// thread-specific key could not be made, and then nothing is remembered.
    static var ofThisThread: BuiltValues? { perThread.object { BuiltValues() } }
    private static let perThread = ThreadLocalObject<BuiltValues>()
}

/// Objects and arrays this thread's parses accepted as skipped members, by their exact bytes.
///
/// Why a value accepted once is accepted again without a second look: whether `skimValue` accepts
/// an object or array depends only on its bytes, the depth it starts at and the depth limit (the
/// document's UTF-8 is checked before any parse starts), and it reads nothing past the value's own
/// closing bracket. So input that starts with bytes accepted at the same depth under the same
/// limit holds exactly that value, accepted, and parsing goes on right after it. What is accepted
/// and refused, and where, is unchanged; only the time to check a repeated value is.
final class AcceptedValues {
    private struct Entry {
        var bytes: [UInt8]
        var depth: Int
        var maximumDepth: Int
    }

    /// A few values (a record's system and git objects) of modest size: memory stays bounded.
    private static let capacity = 4
    private static let largestValue = 16 << 10
    private var entries: [Entry] = []
    private var nextReplaced = 0

    /// The length of the accepted value that `input` starts with, if any.
    func lengthOfAcceptedPrefix(of input: UnsafeBufferPointer<UInt8>, depth: Int, maximumDepth: Int) -> Int? {
        guard let inputBase = input.baseAddress else { return nil }
        for entry in entries where entry.depth == depth && entry.maximumDepth == maximumDepth && entry.bytes.count <= input.count {
            let equal = entry.bytes.withUnsafeBufferPointer { known in
                known.baseAddress.map { memcmp($0, inputBase, known.count) == 0 } ?? false
            }
            if equal { return entry.bytes.count }
        }
        return nil
    }

    func remember(_ value: UnsafeBufferPointer<UInt8>, depth: Int, maximumDepth: Int) {
        guard value.count <= Self.largestValue else { return }
        let entry = Entry(bytes: Array(value), depth: depth, maximumDepth: maximumDepth)
        if entries.count < Self.capacity {
            entries.append(entry)
        } else {
            entries[nextReplaced] = entry
            nextReplaced = (nextReplaced + 1) % Self.capacity
        }
    }

    /// Each thread has its own (the verifier parses records on every core); nil only if the
    /// thread-specific key could not be made, and then nothing is remembered.
    static var ofThisThread: AcceptedValues? { perThread.object { AcceptedValues() } }
    private static let perThread = ThreadLocalObject<AcceptedValues>()
}

/// An object of each thread's own, made on its first use there and released when the thread
/// ends (pthread keys: Foundation's thread dictionary costs a hashed lookup per use).
struct ThreadLocalObject<Object: AnyObject>: Sendable {
    /// Nil only if no key could be made: then there is no object.
    private let key: pthread_key_t?

    init() {
        var key = pthread_key_t()
        let result = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
        self.key = result == 0 ? key : nil
    }

    /// This thread's object, made by `make` the first time.
    func object(_ make: () -> Object) -> Object? {
        guard let key else { return nil }
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Object>.fromOpaque(existing).takeUnretainedValue()
        }
        let made = make()
        let retained = Unmanaged.passRetained(made)
        guard pthread_setspecific(key, retained.toOpaque()) == 0 else {
            retained.release()
            return nil
        }
        return made
    }
}
