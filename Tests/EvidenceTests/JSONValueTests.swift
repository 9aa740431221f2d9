import Foundation
import Testing
@testable import Evidence

@Suite("JSON serialisation")
struct JSONValueTests {
    // "é" precomposed; its decomposed form would be the same Swift key, so it stands alone.
    static let keys = ["b", "a", "", "ab", "aa", "B", "é", "z", "\u{10FFFF}", "\u{7F}", "a\u{0}b", "ä", "e", "ea"]

    @Test("object keys are written in the order of their UTF-8 bytes, prefixes first")
    func keyOrder() {
        let object = JSONValue.object(Dictionary(uniqueKeysWithValues: Self.keys.map { ($0, JSONValue.null) }))
        let expected = Self.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(expected.prefix(3) == ["", "B", "a"])
        let text = "{" + expected.map { JSONValue.string($0).serialized() + ":null" }.joined(separator: ",") + "}"
        #expect(object.serialized() == text)
    }

    @Test("the byte comparison agrees with the generic one on every pair")
    func comparison() {
        for left in Self.keys + ["e\u{301}"] {
            for right in Self.keys + ["e\u{301}"] {
                #expect(JSONValue.utf8Precedes(left, right) == left.utf8.lexicographicallyPrecedes(right.utf8), "\(left) vs \(right)")
            }
        }
    }
}

@Suite("JSON serialisation from pre-serialised members")
struct JSONFragmentTests {
    @Test("members written from their own bytes give exactly the whole serialisation")
    func fragments() {
        let system: JSONValue = .object(["cpu": .string("x \"q\" é"), "cores": .number(2), "list": .array([.null, .bool(true)])])
        let object: JSONValue = .object(["z": .number(1.5), "system": system, "a": .string("first"), "git": .null])
        let fragments = ["system": system.serializedBytes(), "git": JSONValue.null.serializedBytes()]
        #expect(object.serializedBytes(fragments: fragments) == object.serializedBytes())
        #expect(object.serializedBytes(fragments: [:]) == object.serializedBytes())
        #expect(JSONValue.object([:]).serializedBytes(fragments: fragments) == Array("{}".utf8))
        #expect(JSONValue.array([.null]).serializedBytes(fragments: fragments) == Array("[null]".utf8))
    }

    @Test("every payload a bundle builder signs is the canonical serialisation of its own statement")
    func builderPayloadsAreCanonical() throws {
        let bundle = try Fixtures.bundle()
        #expect(bundle.records.count >= 3)
        for record in bundle.records {
            let payload = try #require(Base64.decode(record.payload))
            let statement = try StrictJSON.parse(Data(payload)).get()
            #expect(statement.serializedBytes() == payload)
            #expect(statement["predicate"]?["system"]?.objectValue?.isEmpty == false)
        }
    }
}
