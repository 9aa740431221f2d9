import Foundation
import Testing
@testable import Evidence

/// in-toto's JSON Lines bundle: order comes from chain.index, not from the lines, and every
/// chain, truncation and seal check gives the findings it gives on the JSON form.
@Suite("JSON Lines bundles")
struct JSONLinesTests {
    static func verify(_ data: Data) -> VerificationReport {
        Verifier(trustedKeys: [Fixtures.signingKey.publicKey]).verify(bundleData: data)
    }

    /// The JSON Lines form of `records`, lines shuffled by a seeded generator, read back.
    static func viaLines(_ records: [DSSEEnvelope], seed: UInt64) -> Data {
        var lines = JSONLines.encode(EvidenceBundle(records: records))
            .split(separator: UInt8(ascii: "\n")).map { Data($0) + Data("\n".utf8) }
        var generator = MutationTests.SeededGenerator(state: seed)
        lines.shuffle(using: &generator)
        let file = lines.reduce(Data(), +)
        #expect(JSONLines.isJSONLines(file))
        return JSONLines.bundleDocument(file)
    }

    @Test("one envelope per line, compact; a JSON bundle is not taken for JSON Lines")
    func encoding() throws {
        let bundle = try Fixtures.bundle()
        let text = String(decoding: JSONLines.encode(bundle), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == bundle.records.count)
        #expect(text.hasSuffix("\n"))
        #expect(lines.allSatisfy { $0.hasPrefix("{\"payload\":") })
        #expect(!JSONLines.isJSONLines(bundle.encoded()))
    }

    @Test("the same bundle with its lines shuffled verifies", arguments: [UInt64(1), 2, 3, 0x5EED])
    func shuffled(seed: UInt64) throws {
        let bundle = try Fixtures.bundle(gates: 5)
        let report = Self.verify(Self.viaLines(bundle.records, seed: seed))
        #expect(report.isVerified, "\(report.allFindings)")
        #expect(report.records.count == bundle.records.count)
    }

    enum Change: String, CaseIterable {
        case removed, duplicated, foreign, removedSummary
    }

    @Test("a removed, duplicated or foreign line fails with the findings the JSON form gives", arguments: Change.allCases)
    func changed(_ change: Change) throws {
        var records = try Fixtures.bundle(gates: 4).records
        switch change {
        case .removed: records.remove(at: 2)
        case .duplicated: records.insert(records[2], at: 3)
        case .foreign: records[2] = try Fixtures.bundle(runID: String(repeating: "f", count: 32), gates: 4).records[2]
        case .removedSummary: records.removeLast()
        }
        let json = Self.verify(EvidenceBundle(records: records).encoded())
        let lines = Self.verify(Self.viaLines(records, seed: 7))
        #expect(!json.isVerified)
        #expect(!json.allFindings.isEmpty)
        #expect(lines.allFindings == json.allFindings)
        #expect(lines.records.map(\.label) == json.records.map(\.label))
    }

    @Test("a line that is not JSON is a finding, not a crash")
    func garbageLine() throws {
        let bundle = try Fixtures.bundle()
        let file = JSONLines.encode(bundle) + Data("not json\n".utf8)
        let report = Self.verify(JSONLines.bundleDocument(file))
        #expect(!report.isVerified)
        #expect(report.records.count == bundle.records.count + 1)
    }
}
