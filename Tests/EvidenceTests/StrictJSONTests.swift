import Foundation
import Testing
@testable import Evidence

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

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22]] {
            #expect(StrictJSON.validate(Data(bytes))?.kind == .invalidUTF8, "\(bytes)")
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
    }

    @Test("malformed timestamps are refused", arguments: [
        "", "2026-11-18", "2026-11-18 09:46:40Z", "2026-13-18T09:46:40Z", "2026-11-18T09:46:40", "2026-11-18T09:46:40.Z",
        "2026-11-18T25:46:40Z", "2026-11-18T09:46:40Zjunk", "2026-11-18T09:46:40+0100",
    ])
    func refused(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
