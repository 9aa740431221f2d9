import Foundation
import Testing
@testable import Evidence

@Suite("Decoding records straight from the parsed tree")
struct JSONValueDecoderTests {
    enum Mode: String, Codable, Equatable { case threaded, cooperative }

    struct Inner: Codable, Equatable {
        var name: String
        var values: [Double]
    }

    struct Sample: Codable, Equatable {
        var count: Int
        var ratio: Double
        var flag: Bool
        var label: String
        var thread: Int32
        var optional: Int?
        var nullable: String?
        var inner: Inner
        var list: [Inner]
        var table: [String: Int]
        var nested: [[Int]]
        var mode: Mode
        var bytes: Data
    }

    static func viaText<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func viaTree<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try StrictJSON.parse(Data(text.utf8)).get().decode(type)
    }

    @Test("gives what JSONDecoder gives for the same text")
    func sameAsJSONDecoder() throws {
        let text = #"""
        {"count": 3, "ratio": 0.75, "flag": true, "label": "é \"q\"", "thread": -12, "nullable": null,
         "inner": {"name": "a", "values": [1, 2.5, -0.001]}, "list": [{"name": "b", "values": []}],
         "table": {"x": 1, "y": 2}, "nested": [[1], [], [2, 3]], "mode": "cooperative", "bytes": "AAEC"}
        """#
        let expected = try Self.viaText(Sample.self, text)
        #expect(try Self.viaTree(Sample.self, text) == expected)
        #expect(expected.optional == nil && expected.nullable == nil && expected.bytes == Data([0, 1, 2]))
    }

    @Test("refuses what JSONDecoder refuses", arguments: [
        #"{"count": 1.5}"#, #"{"count": "3"}"#, #"{"count": null}"#, #"{}"#, #"{"count": 1e300}"#, #"[1]"#,
    ])
    func refuses(_ text: String) {
        struct Count: Decodable { var count: Int }
        #expect(throws: (any Error).self) { try Self.viaText(Count.self, text) }
        #expect(throws: (any Error).self) { try Self.viaTree(Count.self, text) }
    }

    @Test("integers must fit their type", arguments: [("{\"v\": 4294967296}", false), ("{\"v\": -2147483648}", true)])
    func integerRange(_ text: String, fits: Bool) {
        struct Small: Decodable { var v: Int32 }
        #expect(((try? Self.viaTree(Small.self, text)) != nil) == fits)
        #expect(((try? Self.viaText(Small.self, text)) != nil) == fits)
    }
}
