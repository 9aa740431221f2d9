import Foundation
import Testing
@testable import Evidence

/// Single-byte mutations of a real bundle, one at a time: each mutant must be rejected, or decode
/// to exactly the same payloads and signatures (a harmless change, such as white space between
/// tokens or the unauthenticated keyid hint).
@Suite("Mutation")
struct MutationTests {
    /// splitmix64: a fixed, seeded sequence so the test is deterministic.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What the signatures cover, read from the bundle's bytes apart from the verifier's report:
    /// each record's payloadType, decoded payload and decoded signatures, in order.
    static func signedContent(_ data: Data) -> [[UInt8]] {
        guard case .success(let root) = StrictJSON.parse(data) else { return [] }
        var content: [[UInt8]] = []
        for record in root["records"]?.arrayValue ?? [] {
            content.append(Array((record["payloadType"]?.stringValue ?? "").utf8))
            content.append(record["payload"]?.stringValue.flatMap(Base64.decode) ?? [])
            for signature in record["signatures"]?.arrayValue ?? [] {
                content.append(signature["sig"]?.stringValue.flatMap(Base64.decode) ?? [])
            }
        }
        return content
    }

    @Test("5,000 single-byte mutants: every one rejected or harmless")
    func mutants() throws {
        let original = try Fixtures.bundle(gates: 2).encoded()
        let verifier = Verifier(trustedKeys: [Fixtures.signingKey.publicKey])
        let baseline = verifier.verify(bundleData: original)
        #expect(baseline.isVerified)
        let expected = Self.signedContent(original)
        #expect(!expected.isEmpty)
        var generator = SeededGenerator(state: 0x5EED)
        var rejected = 0
        var harmless = 0
        let count = 5_000
        for _ in 0..<count {
            var mutant = original
            let position = Int.random(in: 0..<mutant.count, using: &generator)
            var byte = UInt8.random(in: 0...255, using: &generator)
            if byte == mutant[position] { byte ^= 0x01 }
            mutant[position] = byte
            let report = verifier.verify(bundleData: mutant)
            if report.isVerified {
                // Verified: then it must be the same signed bytes, and the same statements.
                #expect(Self.signedContent(mutant) == expected, "a mutant at byte \(position) verified with different signed content")
                #expect(report.statements.map(\.payload) == baseline.statements.map(\.payload))
                harmless += 1
            } else {
                rejected += 1
            }
        }
        print("mutation: \(count) mutants, \(rejected) rejected, \(harmless) harmless")
        #expect(rejected > count * 9 / 10)
    }
}
