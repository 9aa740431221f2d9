import Foundation
import Testing
@testable import Evidence

extension Result where Failure == StrictJSON.Violation {
    var failureKind: StrictJSON.Violation.Kind? {
        if case .failure(let violation) = self { return violation.kind }
        return nil
    }
}

@Suite("Strict JSON")
struct StrictJSONTests {
    static func check(_ text: String, limits: StrictJSON.Limits = .standard) -> StrictJSON.Violation? {
        StrictJSON.validate(Data(text.utf8), limits: limits)
    }

    @Test("well-formed JSON passes", arguments: [
        #"{"a": 1, "b": [true, false, null, -0.5e3, "x\u00e9\ud83d\ude00"], "c": {}}"#,
        "[]", "  \"text\"\n", "9007199254740992", "1.5e308",
    ])
    func accepts(_ text: String) {
        #expect(Self.check(text) == nil)
    }

    @Test("each hostile input is refused with its own kind", arguments: [
        (#"{"a": 1, "a": 2}"#, StrictJSON.Violation.Kind.duplicateKey),
        (#"{"a": {"b": 1, "\u0062": 2}}"#, .duplicateKey),
        (#"{"a": 1} x"#, .trailingData),
        (#"{"a": 1}{"a": 1}"#, .trailingData),
        (#"["\ud800"]"#, .loneSurrogate),
        (#"["\udc00"]"#, .loneSurrogate),
        ("9007199254740993", .numberOutOfRange),
        ("1e400", .numberOutOfRange),
        (#"{"a": }"#, .syntax),
        ("[1, 2", .syntax),
        ("01", .trailingData),
    ])
    func refuses(_ text: String, kind: StrictJSON.Violation.Kind) {
        #expect(Self.check(text)?.kind == kind)
    }

    @Test("duplicate keys are found at any depth, with their path")
    func duplicatePath() throws {
        let violation = try #require(Self.check(#"{"records": [{"payload": "a", "payload": "b"}]}"#))
        #expect(violation.kind == .duplicateKey)
        #expect(violation.path == "$.records[0]")
    }

    @Test("a violation's path names every object member and array element on the way to it")
    func deepPath() throws {
        let violation = try #require(Self.check(#"{"a": {"b": [0, {"c": tru}]}}"#))
        #expect(violation.kind == .syntax)
        #expect(violation.path == "$.a.b[1].c")
        #expect(violation.offset == 25)  // where the literal "tru" stops matching "true"
        let duplicate = try #require(Self.check(#"{"a": [{}, {"k": 1, "k": {"x": 1}}]}"#))
        #expect(duplicate.kind == .duplicateKey)
        #expect(duplicate.path == "$.a[1]")
        #expect(duplicate.offset == 20)  // the second "k", not the value after it
    }

    @Test("numbers keep their exact value: short integers, the 2^53 bound, negative zero, fractions")
    func numberValues() throws {
        let text = #"[0, -0, 7, -12, 123456789012345, 9007199254740992, -9007199254740992, 0.001, -2.5e3]"#
        let value = try StrictJSON.parse(Data(text.utf8)).get()
        let numbers = try #require(value.arrayValue).compactMap(\.numberValue)
        #expect(numbers == [0, 0, 7, -12, 123_456_789_012_345, 9_007_199_254_740_992, -9_007_199_254_740_992, 0.001, -2500])
        #expect(numbers[0].sign == .plus)
        #expect(numbers[1].sign == .minus)
        #expect(Self.check("-9007199254740993")?.kind == .numberOutOfRange)
        #expect(Self.check("1234567890123456789")?.kind == .numberOutOfRange)
    }

    @Test("every decimal with a fraction or exponent parses to the bits Double(text) gives, in and out of the exact fast path")
    func decimalsAgreeWithDouble() throws {
        var generator = MutationTests.SeededGenerator(state: 0x5EED_F10A7)
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
        }
        var texts = ["0.001", "-0.0", "0.0e5", "1e22", "1e23", "9007199254740993.0", "9007199254740992.5", "0.1", "123456789012345678.9",
                     "1.5e-22", "1.5e-23", "4.35", "1E+2", "2.5E-0003", "1e0022", "7e-00022", "0.30000000000000004"]
        for _ in 0..<20_000 {
            let whole = Bool.random(using: &generator) ? "0" : String(Int.random(in: 1...9, using: &generator)) + digits(Int.random(in: 0...12, using: &generator))
            var text = (Bool.random(using: &generator) ? "-" : "") + whole
            let hasFraction = Bool.random(using: &generator)
            if hasFraction { text += "." + digits(Int.random(in: 1...12, using: &generator)) }
            if !hasFraction || Bool.random(using: &generator) {
                text += ["e", "E"].randomElement(using: &generator) ?? "e"
                text += ["", "+", "-"].randomElement(using: &generator) ?? ""
                text += digits(Int.random(in: 1...3, using: &generator))
            }
            texts.append(text)
        }
        for text in texts {
            guard let expected = Double(text), expected.isFinite else { continue }
            let parsed = try StrictJSON.parse(Data(text.utf8)).get()
            let value = try #require(parsed.numberValue, "\(text)")
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) against \(expected)")
        }
    }

    @Test("strings read 32 and eight bytes at a time: a quote, escape or control character is found at every position")
    func everyPosition() throws {
        for length in 0...72 {
            let plain = String(repeating: "a", count: length)
            #expect(try StrictJSON.parse(Data("\"\(plain)\"".utf8)).get() == .string(plain))
            for position in 0..<max(length, 1) where length > 0 {
                var characters = Array(plain)
                characters[position] = "\u{01}"
                let control = "\"" + String(characters) + "\""
                #expect(Self.check(control)?.kind == .syntax, "control character at \(position) of \(length)")
                let escaped = "\"" + String(plain.prefix(position)) + "\\n" + String(plain.dropFirst(position)) + "\""
                #expect(try StrictJSON.parse(Data(escaped.utf8)).get() == .string(String(plain.prefix(position)) + "\n" + String(plain.dropFirst(position))))
            }
            #expect(Self.check("\"\(plain)")?.kind == .syntax, "unterminated, length \(length)")
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(StrictJSON.validate(Data(bytes))?.kind == .invalidUTF8, "\(bytes)")
        }
    }

    @Test("ASCII is checked 32 and eight bytes at a time: a bad byte is found at its offset, at every position")
    func invalidUTF8EveryPosition() {
        for length in 1...72 {
            for position in 0..<length {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = 0xFF
                let quoted = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
                let violation = StrictJSON.validate(Data(quoted))
                #expect(violation?.kind == .invalidUTF8 && violation?.offset == position + 1, "0xFF at \(position) of \(length)")
                // A valid two-byte character in the same place is accepted.
                let accented = [UInt8(ascii: "\"")] + bytes[..<position] + [0xC3, 0xA9] + bytes[(position + 1)...] + [UInt8(ascii: "\"")]
                #expect(StrictJSON.validate(Data(accented)) == nil, "é at \(position) of \(length)")
            }
        }
    }

    @Test("depth and size limits")
    func limits() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(Self.check(deep)?.kind == .tooDeep)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(Self.check(ok) == nil)
        #expect(Self.check("[1, 2, 3]", limits: .init(maximumBytes: 4, maximumDepth: 64))?.kind == .tooLarge)
    }
}

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("format and parse round-trip with milliseconds, and offsets are honoured")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let text = Timestamp.format(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - 1_795_000_000.123) < 0.0005)
        #expect(Timestamp.parse("2026-11-18T12:06:40+01:00")?.timeIntervalSince1970 == 1_795_000_000)
        #expect(Timestamp.parse("2026-11-18T11:06:40Z")?.timeIntervalSince1970 == 1_795_000_000)
        #expect(Timestamp.parse("2026-11-18t11:06:40z")?.timeIntervalSince1970 == 1_795_000_000)
        #expect(Timestamp.parse("2026-11-18T05:36:40-05:30")?.timeIntervalSince1970 == 1_795_000_000)
    }

    @Test("malformed timestamps are refused", arguments: [
        "", "2026-11-18", "2026-11-18 09:46:40Z", "2026-13-18T09:46:40Z", "2026-11-18T09:46:40", "2026-11-18T09:46:40.Z",
        "2026-11-18T25:46:40Z", "2026-11-18T09:46:40Zjunk", "2026-11-18T09:46:40+0100",
        "2026-11-18T09:46:40\u{FF3A}", "2026\u{2010}11-18T09:46:40Z", "2026-11-18T09:46:40.1234567890Z",
        // Days that do not exist: past the month's end, and February 29 outside leap years.
        "2026-02-31T00:00:00Z", "2026-04-31T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-01-32T00:00:00Z",
    ])
    func refused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("leap days exist in leap years only", arguments: ["2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-12-31T23:59:60Z"])
    func leapDays(_ text: String) {
        #expect(Timestamp.parse(text) != nil)
    }

    @Test("the arithmetic gives timegm's instant for every date it accepts, leap seconds included; other days are refused")
    func sameAsTimegm() throws {
        // Fixed seed: the same 20,000 dates every run, plus the edges written out.
        var generator = MutationTests.SeededGenerator(state: 0x5EED_1970)
        var dates: [(Int, Int, Int, Int, Int, Int)] = [
            (0, 1, 1, 0, 0, 0), (9999, 12, 31, 23, 59, 60), (1970, 1, 1, 0, 0, 0), (1969, 12, 31, 23, 59, 59),
            (2000, 2, 29, 12, 0, 0), (1900, 2, 29, 0, 0, 0), (2026, 2, 31, 0, 0, 0), (2024, 12, 31, 23, 59, 60),
        ]
        for _ in 0..<20_000 {
            dates.append((Int(generator.next() % 10_000), Int(generator.next() % 12) + 1, Int(generator.next() % 31) + 1,
                          Int(generator.next() % 24), Int(generator.next() % 60), Int(generator.next() % 61)))
        }
        for (year, month, day, hour, minute, second) in dates {
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second)
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            let expected = Double(timegm(&parts))
            // timegm counts a day past the month's end on into the next month: such a day is refused.
            guard day <= Timestamp.daysIn(month: month, year: year) else {
                #expect(Timestamp.parse(text) == nil, "\(text)")
                continue
            }
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(parsed.timeIntervalSince1970 == expected, "\(text)")
        }
    }
}

@Suite("Strict JSON: where a violation is")
struct ViolationPlaceTests {
    @Test("a violation inside a record names its offset in the document and its path")
    func offsetsAndPaths() throws {
        let text = #"{"records": [{"a": 1}, {"p": {"q": 1, "q": 2}}]}"#
        let violation = try #require(StrictJSON.validate(Data(text.utf8)))
        #expect(violation.kind == .duplicateKey)
        #expect(violation.path == "$.records[1].p")
        let offset = try #require(text.utf8.firstIndex(of: UInt8(ascii: "2")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) })
        #expect(violation.offset == offset - 5)  // the second "q" key
    }

    @Test("depth is counted from the document's root")
    func depth() {
        let nested = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        #expect(StrictJSON.validate(Data(#"{"records": [\#(nested)]}"#.utf8)) == nil)
        let deeper = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(StrictJSON.validate(Data(#"{"records": [\#(deeper)]}"#.utf8))?.kind == .tooDeep)
    }

    @Test("keys compare as bytes after unescaping: an escaped duplicate is a duplicate, a canonically equivalent key is refused apart")
    func keysAsBytes() {
        #expect(StrictJSON.validate(Data(#"{"a": 1, "\u0061": 2}"#.utf8))?.kind == .duplicateKey)
        #expect(StrictJSON.validate(Data(#"{"é": 1, "e\u0301": 2}"#.utf8))?.kind == .equivalentKeys)
        // KELVIN SIGN is canonically equivalent to "K".
        #expect(StrictJSON.validate(Data("{\"K\": 1, \"\u{212A}\": 2}".utf8))?.kind == .equivalentKeys)
        #expect(StrictJSON.validate(Data(#"{"a": 1, "A": 2}"#.utf8)) == nil)
        #expect(StrictJSON.validate(Data(#"{"": 1, "": 2}"#.utf8))?.kind == .duplicateKey)
    }
}

@Suite("Base64 as DSSE readers take it")
struct Base64Tests {
    @Test("every length round-trips against Foundation's encoder, in either alphabet, with and without padding")
    func roundTrip() throws {
        var generator = MutationTests.SeededGenerator(state: 0xBA5E_64)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let padded = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == padded)
            #expect(Base64.decode(padded) == bytes)
            #expect(Base64.decode(String(padded.prefix { $0 != "=" })) == bytes)
            let urlSafe = padded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(Base64.decode(urlSafe) == bytes)
        }
    }

    @Test("non-canonical, mixed and malformed texts are refused", arguments: [
        "QR==", "QUI=x", "Q", "QUJD=", "QU=I", "QUJ*", "QUJDRA===", "=QUJ", "QUJDR", "QUJ\n",
        // Non-zero bits past the last byte: "QQ==" is the one encoding of "A".
        "QR", "QUJ",
        // Both alphabets in one text.
        "+_8=", "-/8=", "ab+c-d==",
    ])
    func refused(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("each alphabet alone is accepted")
    func eachAlphabet() {
        #expect(Base64.decode("+/8=") == [0xFB, 0xFF])
        #expect(Base64.decode("-_8=") == [0xFB, 0xFF])
        #expect(Base64.decode("QQ==") == [0x41])
    }
}
