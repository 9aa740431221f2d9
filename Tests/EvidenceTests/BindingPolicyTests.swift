import Foundation
import Testing
@testable import Evidence

/// --expect-commit and --max-age: an old or foreign bundle cannot stand in for a new commit.
@Suite("Binding to a commit and an age")
struct BindingPolicyTests {
    static func verify(_ policy: BindingPolicy) throws -> Set<String> {
        let report = Verifier(trustedKeys: [Fixtures.signingKey.publicKey], policies: [policy]).verify(bundleData: try Fixtures.bundle().encoded())
        return Set(report.allFindings.map(\.code))
    }

    @Test("the expected commit, by full id or prefix, passes; another commit fails")
    func commit() throws {
        #expect(try Self.verify(BindingPolicy(expectedCommitPrefix: String(repeating: "ab", count: 20))).isEmpty)
        #expect(try Self.verify(BindingPolicy(expectedCommitPrefix: "ABABABA")).isEmpty)
        #expect(try Self.verify(BindingPolicy(expectedCommitPrefix: "cdcdcdc")) == ["binding.commit-mismatch"])
        #expect(!BindingPolicy.isCommitPrefix("abab"))
        #expect(!BindingPolicy.isCommitPrefix("xyzxyzx"))
        #expect(BindingPolicy.isCommitPrefix("abcdef0"))
    }

    @Test("an old bundle fails --max-age; a recent one passes; one from the future fails")
    func age() throws {
        let sealed = Fixtures.start.addingTimeInterval(100)
        #expect(try Self.verify(BindingPolicy(maximumAge: 86_400, now: sealed.addingTimeInterval(3600))).isEmpty)
        #expect(try Self.verify(BindingPolicy(maximumAge: 86_400, now: sealed.addingTimeInterval(2 * 86_400))) == ["binding.too-old"])
        #expect(try Self.verify(BindingPolicy(maximumAge: 86_400, now: sealed.addingTimeInterval(-3600))) == ["binding.from-the-future"])
    }

    @Test("durations parse with units", arguments: [("30d", 2_592_000.0), ("12h", 43_200), ("45m", 2700), ("90s", 90), ("2w", 1_209_600), ("600", 600)])
    func durations(_ text: String, _ seconds: Double) {
        #expect(BindingPolicy.parseDuration(text) == seconds)
    }

    @Test("malformed durations are refused", arguments: ["", "d", "-1d", "0", "1y", "abc"])
    func badDurations(_ text: String) {
        #expect(BindingPolicy.parseDuration(text) == nil)
    }
}
