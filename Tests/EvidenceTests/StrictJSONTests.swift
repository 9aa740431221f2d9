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

    static let skipped = StrictJSON.SkippedMembers(paths: [["predicate", "system"], ["predicate", "git"], ["big"]])

    @Test("members skipped are checked exactly as when built: same value otherwise, same violation", arguments: [
        #"{"predicate": {"system": {"a": [1, 2.5, "x"], "b": null}, "git": "g", "gate": 1}, "big": [{"k": true}], "z": 0}"#,
        #"{"predicate": {"system": {"a": 1, "a": 2}}}"#,
        #"{"predicate": {"system": 1, "system": 2}}"#,
        #"{"predicate": {"system": 1, "system": {"x": tru}}}"#,
        #"{"predicate": {"system": {"s": "bad \q escape"}}}"#,
        #"{"predicate": {"system": {"s": "\ud800"}}}"#,
        #"{"predicate": {"system": {"s": "\u00e9 \"quoted\" \\"}}}"#,
        #"{"predicate": {"system": {"n": 9007199254740993}}}"#,
        #"{"predicate": {"system": {"n": 1e400}}}"#,
        #"{"predicate": {"system": {"n": -}}}"#,
        #"{"predicate": {"system": [1, 2,]}}"#,
        #"{"predicate": {"system": {"a": 1,}}}"#,
        #"{"predicate": {"system": {"a" 1}}}"#,
        #"{"predicate": {"system": "unterminated}}"#,
        #"{"predicate": {"system": \#(String(repeating: "[", count: 70))1\#(String(repeating: "]", count: 70))}}"#,
        #"{"predicate": {"system": {"é": 1, "e\u0301": 2}}}"#,
        #"{"predicate": {"system": {"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":3}}}"#,
        "{\"predicate\": {\"system\": {\"s\": \"control \u{01} character\"}}}",
        #"{"predicate": {"system": {"a": 1, "\u0061": 2}}}"#,
        #"{"predicate": {"system": {"\u0061": 1, "a": 2}}}"#,
        "{\"predicate\": {\"system\": {\"K\": 1, \"\u{212A}\": 2}}}",
        "{\"predicate\": {\"system\": {\"\u{212A}\": 1, \"K\": 2}}}",
        #"{"predicate": {"system": {"ab": 1, "a": 2, "b": {"ab": 3, "a": 4}, "abc": 5}}}"#,
        #"{"predicate": {"system": {"ab": 1, "a": 2, "b": {"ab": 3, "a": 4}, "b": 5}}}"#,
        #"{"predicate": {"system": {"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k18":18}}}"#,
        #"{"predicate": {"system": {"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k17":18}}}"#,
        #"{"predicate": {"system": {"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k\u0031":17}}}"#,
        #"{"predicate": {"system": {"": 1, "": 2}}}"#,
        #"{"big": [1, 2] "#,
        #"{"big": 1, "big": 1}"#,
    ])
    func skippingIsValidation(_ text: String) throws {
        let data = Data(text.utf8)
        let full = StrictJSON.parse(data)
        let skimmed = StrictJSON.parse(data, skipping: Self.skipped)
        // Again, now that this thread may remember the skipped values it accepted.
        let again = StrictJSON.parse(data, skipping: Self.skipped)
        #expect(String(describing: skimmed) == String(describing: again))
        switch (full, skimmed) {
        case (.failure(let whole), .failure(let skim)):
            #expect(whole == skim)
        case (.success(var whole), .success(let skim)):
            // The skimmed value is the whole one without the skipped members.
            if case .object(var root) = whole {
                root["big"] = nil
                if case .object(var predicate)? = root["predicate"] {
                    predicate["system"] = nil
                    predicate["git"] = nil
                    root["predicate"] = .object(predicate)
                }
                whole = .object(root)
            }
            #expect(whole == skim)
        default:
            Issue.record("whole: \(full), skipping: \(skimmed)")
        }
    }

    @Test("a skipped value accepted before is accepted again only as the same bytes, at the same depth, under the same limit")
    func acceptedValuesRemembered() throws {
        let system = #"{"a": [[[1]]], "b": "x"}"#
        let skipped = StrictJSON.SkippedMembers(paths: [["predicate", "system"]])
        // Accepted, and so remembered by this thread.
        #expect(throws: Never.self) { try StrictJSON.parse(Data(#"{"predicate": {"system": \#(system), "gate": 1}}"#.utf8), skipping: skipped).get() }
        let followers = [
            #"{"predicate": {"system": \#(system), "gate": 2}}"#,
            #"{"predicate": {"system": \#(system)x, "gate": 1}}"#,
            #"{"predicate": {"system": \#(system), "system": 1}}"#,
            #"{"predicate": {"system": \#(system)}"#,
            #"{"predicate": {"system": \#(system)}}}"#,
            #"{"predicate": {"system": \#(system.dropLast())}}"#,
            #"{"predicate": {"system": [\#(system)]}}"#,
        ]
        for text in followers {
            let data = Data(text.utf8)
            #expect(String(describing: StrictJSON.parse(data).map { _ in 0 }) == String(describing: StrictJSON.parse(data, skipping: skipped).map { _ in 0 }), "\(text)")
        }
        // The same bytes, deeper than a smaller limit allows: refused as when first seen.
        let shallow = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 5)
        let data = Data(#"{"predicate": {"system": \#(system)}}"#.utf8)
        #expect(StrictJSON.parse(data, limits: shallow).failureKind == .tooDeep)
        #expect(StrictJSON.parse(data, limits: shallow, skipping: skipped).failureKind == .tooDeep)
        // And one level deeper under the limit that just accepted it: refused there.
        let tight = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 7)
        #expect(throws: Never.self) { try StrictJSON.parse(data, limits: tight, skipping: skipped).get() }
        let deeper = Data(#"{"predicate": {"system": {"inner": \#(system)}}}"#.utf8)
        let deeperSkip = StrictJSON.SkippedMembers(paths: [["predicate", "system", "inner"]])
        #expect(StrictJSON.parse(deeper, limits: tight).failureKind == .tooDeep)
        #expect(StrictJSON.parse(deeper, limits: tight, skipping: deeperSkip).failureKind == .tooDeep)
    }

    /// `parse` on a thread of its own, whose remembered values are none yet.
    static func parseOnFreshThread(_ data: Data, limits: StrictJSON.Limits = .standard) -> Result<JSONValue, StrictJSON.Violation> {
        final class Box: @unchecked Sendable { var result: Result<JSONValue, StrictJSON.Violation>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = StrictJSON.parse(data, limits: limits)
            done.signal()
        }
        thread.start()
        done.wait()
        return box.result ?? .failure(StrictJSON.Violation(kind: .syntax, offset: 0, path: "", detail: "no result"))
    }

    @Test("a value built before is used again only for the same member, bytes, depth and limit: every parse as on a fresh thread")
    func builtValuesReused() throws {
        let gate = #"{"a": [[[1]]], "b": "x"}"#
        let limits = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 6)
        let first = Data(#"{"gate": \#(gate), "n": 1}"#.utf8)
        // Built, and so remembered by this thread.
        let built = try StrictJSON.parse(first, limits: limits).get()
        #expect(built == (try Self.parseOnFreshThread(first, limits: limits).get()))
        // Each follower parsed right after `first`, so that `gate` is what this thread remembers.
        let followers = [
            // One level deeper, past the limit of 6 there: refused, though accepted one level up.
            #"{"p": {"gate": \#(gate)}}"#,
            #"{"gate": \#(gate), "n": 2}"#,
            #"{"gate": \#(gate)x, "n": 2}"#,
            #"{"gate": \#(gate), "gate": 1}"#,
            #"{"gate": \#(gate)"#,
            #"{"gate": \#(gate.dropLast())}"#,
            #"{"gate": {"a": [[[1]]], "b": "xy"}}"#,
            #"{"other": \#(gate)}"#,
            #"{"gate": [\#(gate)]}"#,
        ]
        for text in followers {
            _ = StrictJSON.parse(first, limits: limits)
            let data = Data(text.utf8)
            // Values compare with ==, not as text: a dictionary's order differs from one instance to the next.
            switch (StrictJSON.parse(data, limits: limits), Self.parseOnFreshThread(data, limits: limits)) {
            case (.success(let again), .success(let fresh)): #expect(again == fresh, "\(text)")
            case (.failure(let again), .failure(let fresh)): #expect(again == fresh, "\(text)")
            case (let again, let fresh): Issue.record("\(text): \(again) against \(fresh) on a fresh thread")
            }
        }
        _ = StrictJSON.parse(first, limits: limits)
        #expect(StrictJSON.parse(Data(#"{"p": {"gate": \#(gate)}}"#.utf8), limits: limits).failureKind == .tooDeep)
        // The same bytes at the same depth under a lower limit: refused as on first sight.
        let lower = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 5)
        #expect(StrictJSON.parse(first, limits: lower).failureKind == .tooDeep)
        #expect(Self.parseOnFreshThread(first, limits: lower).failureKind == .tooDeep)
    }

    @Test("skipping leaves the named members out and nothing else")
    func skippingLeavesOut() throws {
        let text = #"{"predicate": {"system": {"a": 1}, "git": {"b": 2}, "chain": {"index": 3}}, "system": 4}"#
        let value = try StrictJSON.parse(Data(text.utf8), skipping: Self.skipped).get()
        #expect(value["predicate"]?["system"] == nil)
        #expect(value["predicate"]?["git"] == nil)
        #expect(value["predicate"]?["chain"]?["index"]?.intValue == 3)
        #expect(value["system"]?.intValue == 4)
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
                #expect(StrictJSON.parse(Data(control.utf8), skipping: .init(paths: [])).failureKind == .syntax)
                let escaped = "\"" + String(plain.prefix(position)) + "\\n" + String(plain.dropFirst(position)) + "\""
                #expect(try StrictJSON.parse(Data(escaped.utf8)).get() == .string(String(plain.prefix(position)) + "\n" + String(plain.dropFirst(position))))
                let skimmed = "{\"s\": \(escaped), \"t\": \"\(String(plain.prefix(position)))\\q\"}"
                #expect(StrictJSON.parse(Data(skimmed.utf8), skipping: .init(paths: [["s"], ["t"]])).failureKind == .syntax)
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
    ])
    func refused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test("the arithmetic gives timegm's instant for every date it accepts, days past a month's end and leap seconds included")
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
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            #expect(parsed.timeIntervalSince1970 == expected, "\(text)")
        }
    }
}

@Suite("Strict JSON: records parsed apart, on every core")
struct DeferredParseTests {
    /// The verifier's way: the top-level object with its "records" elements parsed one by one.
    static func deferred(_ text: String) -> StrictJSON.Violation? {
        let data = Data(text.utf8)
        switch StrictJSON.parseObject(data, deferring: "records") {
        case .failure(let violation): return violation
        case .success(let document):
            for (index, range) in (document.elementRanges ?? []).enumerated() {
                if case .failure(let violation) = StrictJSON.parseElement(data, range: range, key: document.key, index: index) {
                    return violation
                }
            }
            return nil
        }
    }

    @Test("parsing the records apart accepts and refuses exactly what one parse does", arguments: [
        #"{"records": [{"a": 1}, [1, 2], "x", 3, true, null, {"b": {"c": [{}]}}]}"#,
        #"{"mediaType": "m", "records": []}"#,
        #"{"records": [ {"s": "a \"quoted\" } ] string \\"} , {"t": "\\\\"} ] }"#,
        #"{"records": [{"a": 1, "a": 2}]}"#,
        #"{"records": [{"a": 1}], "records": []}"#,
        #"{"records": [{"a": 1}}"#,
        #"{"records": [{"a": 1}] } x"#,
        #"{"records": [{"a": "\ud800"}]}"#,
        #"{"records": [{"a": 9007199254740993}]}"#,
        #"{"records": [{"a": ]}"#,
        #"{"records": [{"a": 1]]}"#,
        #"{"records": [1 2]}"#,
        #"{"records": [,]}"#,
        #"{"records": [{"a": "unterminated}]}"#,
        #"{"records": [tru]}"#,
        #"{"records": {"not": "an array"}}"#,
        #"{"records": 1, "records": [{"a": 1}]}"#,
        #"{"records": [{"a": 1}], "mediaType": "m", "mediaType": "n"}"#,
        #"[1, 2]"#,
    ])
    func sameVerdict(_ text: String) {
        let whole = StrictJSON.validate(Data(text.utf8))
        let apart = Self.deferred(text)
        #expect((whole == nil) == (apart == nil), "whole: \(String(describing: whole)), apart: \(String(describing: apart))")
        if let whole, let apart { #expect(whole.kind == apart.kind) }
    }

    @Test("a violation inside a record names its offset in the document and its path")
    func offsetsAndPaths() throws {
        let text = #"{"records": [{"a": 1}, {"p": {"q": 1, "q": 2}}]}"#
        let violation = try #require(Self.deferred(text))
        #expect(violation.kind == .duplicateKey)
        #expect(violation.path == "$.records[1].p")
        let offset = try #require(text.utf8.firstIndex(of: UInt8(ascii: "2")).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) })
        #expect(violation.offset == offset - 5)  // the second "q" key
        #expect(StrictJSON.validate(Data(text.utf8)) == violation)
    }

    @Test("depth is counted from the document's root inside a deferred record")
    func depth() {
        let nested = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        #expect(Self.deferred(#"{"records": [\#(nested)]}"#) == nil)
        let deeper = String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(Self.deferred(#"{"records": [\#(deeper)]}"#)?.kind == .tooDeep)
        #expect(StrictJSON.validate(Data(#"{"records": [\#(deeper)]}"#.utf8))?.kind == .tooDeep)
    }
}

@Suite("Strict JSON: a record's payload left as bytes")
struct PayloadLeftAsBytesTests {
    /// Element 0 of `{"records": [element]}`, parsed with and without "payload" left as bytes.
    static func both(_ element: String, limits: StrictJSON.Limits = .standard)
        -> (whole: Result<JSONValue, StrictJSON.Violation>, left: Result<(value: JSONValue, bytes: Range<Int>?), StrictJSON.Violation>, data: Data) {
        let text = #"{"records": ["# + element + "]}"
        let data = Data(text.utf8)
        let range = 13..<(13 + element.utf8.count)
        return (StrictJSON.parseElement(data, range: range, key: "records", index: 0, limits: limits),
                StrictJSON.parseElement(data, range: range, key: "records", index: 0, limits: limits, leavingStringAsBytes: "payload"),
                data)
    }

    @Test("the same value once the payload is put back, or the same violation", arguments: [
        #"{"payload": "QUJD", "payloadType": "t", "signatures": []}"#,
        #"{"payloadType": "t", "payload": "QUJD"}"#,
        #"{"payload": ""}"#,
        #"{"payload": "Q\/JD"}"#,
        #"{"payload": "QUJD"}"#,
        #"{"payload": 5}"#,
        #"{"payload": null}"#,
        #"{"payload": {"payload": "QUJD"}}"#,
        #"{"x": {"payload": "QUJD"}}"#,
        #"["payload", "QUJD"]"#,
        #"{"payload": "QUJD", "payload": "QUJD"}"#,
        #"{"payload": "QUJD", "payload": 1}"#,
        #"{"payload": "Q\/JD", "payload": "QUJD"}"#,
        #"{"payload": "QUJD", "payload": "Q\/JD"}"#,
        #"{"payload": "QUJD", "payload": "QU"#,
        #"{"payload": "QUJD", "payload": }"#,
        #"{"payload": "QU\#tJD"}"#,
        #"{"payload": "QUJD" "x": 1}"#,
        #"{"payload": "QUJD",}"#,
        #"{"payload": "QUJD", "payload": "QUJD"}"#,
    ])
    func sameAsWhole(_ element: String) throws {
        let (whole, left, data) = Self.both(element)
        switch (whole, left) {
        case (.failure(let expected), .failure(let found)):
            #expect(found == expected)
        case (.success(let expected), .success(let parsed)):
            var value = parsed.value
            if let bytes = parsed.bytes, case .object(var members) = value {
                #expect(members["payload"] == nil, "a payload left as bytes is not in the value")
                members["payload"] = .string(String(decoding: data[bytes], as: UTF8.self))
                value = .object(members)
            }
            #expect(value == expected)
        default:
            Issue.record("whole: \(whole), left as bytes: \(left)")
        }
    }

    @Test("only a top-level payload string without escapes is left, and its range is its characters'")
    func whatIsLeft() throws {
        let (_, left, data) = Self.both(#"{"payloadType": "t", "payload": "QUJD"}"#)
        let parsed = try left.get()
        let bytes = try #require(parsed.bytes)
        #expect(String(decoding: data[bytes], as: UTF8.self) == "QUJD")
        #expect(parsed.value == .object(["payloadType": .string("t")]))
        for element in [#"{"payload": "Q\/JD"}"#, #"{"payload": 5}"#, #"{"x": {"payload": "QUJD"}}"#, #"["payload"]"#] {
            #expect(try Self.both(element).left.get().bytes == nil, "\(element)")
        }
    }

    @Test("a payload at a depth over the limit is refused as when it is built")
    func depthLimit() {
        let limits = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 3)
        let (whole, left, _) = Self.both(#"{"payload": "QUJD"}"#, limits: limits)
        guard case .failure(let expected) = whole, case .failure(let found) = left else {
            Issue.record("both must refuse: \(whole), \(left)")
            return
        }
        #expect(expected.kind == .tooDeep)
        #expect(found == expected)
    }
}

@Suite("Strict JSON: envelopes of the usual shape read without building a value")
struct PlainEnvelopeTests {
    static let usual = #"{"payload": "eyJhIjoxfQ==", "payloadType": "application/vnd.in-toto+json", "signatures": [{"keyid": "k1", "sig": "c2ln"}]}"#

    @Test("read as ranges only when parseElement accepts the envelope with exactly those strings; anything else is left to it", arguments: [
        (usual, true),
        (#"  {"signatures": [{"sig": "c2ln", "keyid": "k1"}], "payloadType": "t", "payload": "cA=="} "#, true),
        (#"{"payload":"cA==","payloadType":"t","signatures":[{"keyid":"a","sig":"b"},{"keyid":"c","sig":"d"}]}"#, true),
        ("{\n  \"payload\" :\t\"cA==\" ,\r\n \"payloadType\": \"t\", \"signatures\": [ { \"keyid\": \"k\", \"sig\": \"s\" } ]\n}", true),
        (#"{"payload": "cA==", "payloadType": "t\u0041", "signatures": [{"keyid": "k", "sig": "s"}]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}], "extra": 1}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s", "x": 1}]}"#, false),
        (#"{"payload": "cA==", "payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "keyid": "k", "sig": "s"}]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": []}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"sig": "s"}]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t"}"#, false),
        (#"{"payload": 1, "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"},]}"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}]"#, false),
        (#"{"payload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}]}x"#, false),
        (#"{"p\u0061yload": "cA==", "payloadType": "t", "signatures": [{"keyid": "k", "sig": "s"}]}"#, false),
        ("{\"payload\": \"c\tA==\", \"payloadType\": \"t\", \"signatures\": [{\"keyid\": \"k\", \"sig\": \"s\"}]}", false),
        (#"["payload"]"#, false),
    ])
    func sameAsParse(_ element: String, plain: Bool) throws {
        let (_, parsed, data) = PayloadLeftAsBytesTests.both(element)
        let range = 13..<(13 + element.utf8.count)
        let found = data.withUnsafeBytes { StrictJSON.plainEnvelope(document: $0.bindMemory(to: UInt8.self), range: range, limits: .standard) }
        #expect((found != nil) == plain)
        guard let found else { return }
        let (value, payloadBytes) = try parsed.get()
        func text(_ range: Range<Int>) -> String { String(decoding: data[range], as: UTF8.self) }
        #expect(found.payload == payloadBytes)
        #expect(text(found.payloadType) == value["payloadType"]?.stringValue)
        let signatures = try #require(value["signatures"]?.arrayValue)
        #expect(found.signatures.count == signatures.count)
        for (signature, parsedSignature) in zip(found.signatures, signatures) {
            #expect(text(signature.keyid) == parsedSignature["keyid"]?.stringValue)
            #expect(text(signature.sig) == parsedSignature["sig"]?.stringValue)
        }
    }

    @Test("under a depth limit that refuses the signatures' strings, the envelope is left to parseElement, which refuses it")
    func depthLimit() {
        let limits = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 5)
        let (whole, _, data) = PayloadLeftAsBytesTests.both(Self.usual, limits: limits)
        let range = 13..<(13 + Self.usual.utf8.count)
        #expect(data.withUnsafeBytes { StrictJSON.plainEnvelope(document: $0.bindMemory(to: UInt8.self), range: range, limits: limits) } == nil)
        #expect(whole.failureKind == .tooDeep)
        let six = StrictJSON.Limits(maximumBytes: 1 << 20, maximumDepth: 6)
        #expect(data.withUnsafeBytes { StrictJSON.plainEnvelope(document: $0.bindMemory(to: UInt8.self), range: range, limits: six) } != nil)
        #expect(PayloadLeftAsBytesTests.both(Self.usual, limits: six).whole.failureKind == nil)
    }
}

@Suite("Base64 as DSSE readers take it")
struct Base64Tests {
    @Test("every length round-trips against Foundation's encoder, with and without padding")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let padded = Data(bytes).base64EncodedString()
            #expect(Base64.decode(padded) == bytes)
            #expect(Base64.decode(String(padded.prefix { $0 != "=" })) == bytes)
            let urlSafe = padded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(Base64.decode(urlSafe) == bytes)
            // The verifier decodes a payload straight into its PAE message: the same message.
            for text in [padded, String(padded.prefix { $0 != "=" })] {
                let built = Array(text.utf8).withUnsafeBufferPointer { DSSE.pae(payloadType: "application/x", base64Payload: $0) }
                let (message, start) = try #require(built, "length \(length)")
                #expect(message == DSSE.pae(payloadType: "application/x", payload: bytes))
                #expect(Array(message[start...]) == bytes)
            }
        }
    }

    @Test("non-canonical and malformed texts are refused", arguments: [
        "QR==", "QUI=x", "Q", "QUJD=", "QU=I", "QUJ*", "QUJDRA===", "=QUJ", "QUJDR", "QUJ\n",
    ])
    func refused(_ text: String) {
        #expect(Base64.decode(text) == nil)
        #expect(Array(text.utf8).withUnsafeBufferPointer { DSSE.pae(payloadType: "t", base64Payload: $0) } == nil)
    }
}

@Suite("Base64 encoding")
struct Base64EncodingTests {
    @Test("every length encodes as Foundation does")
    func sameAsFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "length \(length)")
        }
    }
}
