import Testing
@testable import Evidence

@Suite("Inline texts")
struct InlineTextTests {
    @Test("a text reads back exactly, inline up to 32 bytes and beyond it",
          arguments: ["", "2026-11-18T09:46:40.123Z", "2026-11-18T09:46:40.123456+01:00", String(repeating: "x", count: 32),
                      String(repeating: "y", count: 33), "2026-11-18T09:46:40.123456789+01:00", "é\u{301}✓ – \u{212A}"])
    func roundTrip(text: String) {
        let inline = InlineText(text)
        #expect(inline.description == text)
        // The same bytes, not merely an equal string: "é" composed and decomposed stay apart.
        #expect(Array(inline.description.utf8) == Array(text.utf8))
    }
}
