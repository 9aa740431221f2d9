import Testing
@testable import Evidence

@Suite("Inline texts and the chain check's texts")
struct InlineTextTests {
    @Test("a text reads back exactly, inline up to 32 bytes and from its worker's table beyond it",
          arguments: ["", "2026-11-18T09:46:40.123Z", "2026-11-18T09:46:40.123456+01:00", String(repeating: "x", count: 32),
                      String(repeating: "y", count: 33), "2026-11-18T09:46:40.123456789+01:00", "é\u{301}✓ – \u{212A}"])
    func roundTrip(text: String) {
        var table = SharedTexts(worker: 0)
        let inline = InlineText(text, texts: &table)
        #expect(table.table.count == (text.utf8.count > InlineText.capacity ? 1 : 0))
        let read = inline.text(in: ChainTexts(tables: [table.table]))
        #expect(read == text)
        // The same bytes, not merely an equal string: "é" composed and decomposed stay apart.
        #expect(Array(read.utf8) == Array(text.utf8))
    }

    @Test("texts of the same bytes get one number whichever worker kept them; canonically equal texts of other bytes do not")
    func numbersByBytes() {
        var first = SharedTexts(worker: 0), second = SharedTexts(worker: 1)
        let composed = first.add("caf\u{E9}")
        let run = first.runID("run-a")
        let decomposed = second.add("cafe\u{301}")
        let runAgain = second.runID("run-a")
        let other = second.runID("run-b")
        let texts = ChainTexts(tables: [first.table, second.table])
        #expect(texts.number(run) == texts.number(runAgain))
        #expect(texts.number(run) != texts.number(other))
        #expect(texts.number(composed) != texts.number(decomposed))
        #expect(texts.text(decomposed) == "cafe\u{301}" && Array(texts.text(decomposed).utf8) == Array("cafe\u{301}".utf8))
        #expect(texts.texts.count == 4)
        // A worker hands the last record's run id back for the same bytes, without keeping it twice.
        #expect(second.runID("run-b") == other && second.table.count == 3)
    }

    @Test("the most common number is the first of those tied, in order of appearance", arguments: [
        ([Int32](), nil), ([2], 2), ([1, 0, 0, 1], 1), ([0, 1, 1, 0, 2], 0), ([2, 1, 1], 1), ([3, 3, 0], 3),
    ] as [([Int32], Int32?)])
    func mostCommon(numbers: [Int32], expected: Int32?) {
        #expect(Statistics.mostCommon(numbers, distinct: 4) == expected)
    }
}
