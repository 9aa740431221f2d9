package import Foundation

/// Binds a bundle to what the verifier expects, so that an old or foreign bundle cannot be passed
/// off for a new commit: the subject must be the expected commit, and the seal recent enough.
package struct BindingPolicy: RecordPolicy {
    /// A commit id or a prefix of one (at least 7 hex characters).
    package var expectedCommitPrefix: String?
    /// The seal's age limit in seconds.
    package var maximumAge: TimeInterval?
    /// The verifier's notion of now (injectable for tests).
    package var now: Date
    /// Seals this far in the future are refused: a clock that far off proves nothing.
    package static let allowedClockSkew: TimeInterval = 300

    /// Accept a dirty working tree built on the expected commit (`--allow-dirty`).
    package var allowDirty: Bool

    package init(expectedCommitPrefix: String? = nil, maximumAge: TimeInterval? = nil, now: Date = Date(), allowDirty: Bool = false) {
        self.expectedCommitPrefix = expectedCommitPrefix?.lowercased()
        self.allowDirty = allowDirty
        self.maximumAge = maximumAge
        self.now = now
    }

    /// Parses "30d", "12h", "45m", "90s" (or a bare number of seconds); nil when malformed.
    package static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let last = trimmed.last, let unit = units[last], let value = Double(trimmed.dropLast()), value > 0, value.isFinite {
            return value * unit
        }
        if let value = Double(trimmed), value > 0, value.isFinite { return value }
        return nil
    }

    /// True for 7 to 40 hex characters.
    package static func isCommitPrefix(_ text: String) -> Bool {
        (7...40).contains(text.count) && text.allSatisfy(\.isHexDigit)
    }

    /// Binding reads the summary alone, which the verifier always keeps.
    package func inspect(_ statement: VerifiedStatement) -> Never? { nil }

    package func check(statements: [VerifiedStatement], inspections: RecordInspections<Never>) -> [Finding] {
        var findings: [Finding] = []
        guard let summary = statements.last, summary.predicateType == PredicateType.summary else { return [] }
        if let expectedCommitPrefix {
            findings += checkCommit(expectedCommitPrefix, summary: summary)
        }
        if let maximumAge {
            guard let sealed = summary.predicate["finishedAt"]?.stringValue.flatMap(Timestamp.parse) else {
                findings.append(Finding(code: "binding.age-unknown", message: "the seal has no readable finishedAt", recordIndex: summary.index))
                return findings
            }
            let age = now.timeIntervalSince(sealed)
            if age > maximumAge {
                findings.append(Finding(code: "binding.too-old",
                                        message: "the bundle was sealed \(Self.describe(age)) ago, older than the allowed \(Self.describe(maximumAge))",
                                        recordIndex: summary.index))
            } else if age < -Self.allowedClockSkew {
                findings.append(Finding(code: "binding.from-the-future",
                                        message: "the bundle claims to be sealed \(Self.describe(-age)) in the future",
                                        recordIndex: summary.index))
            }
        }
        return findings
    }

    /// The subject must be the expected commit; a dirty tree (its subject a `gitTree`, or its git
    /// state dirty) passes only with `allowDirty`, and then its base commit must be the expected one.
    private func checkCommit(_ expected: String, summary: VerifiedStatement) -> [Finding] {
        let digest = summary.subject["digest"]
        let git = summary.predicate["git"]
        var dirty = digest?["gitTree"] != nil
        if case .bool(true)? = git?["dirty"] { dirty = true }
        let commit = dirty ? git?["commit"]?.stringValue : digest?["gitCommit"]?.stringValue
        guard let commit else {
            return [Finding(code: "binding.commit-mismatch",
                            message: "the bundle's subject is not a git commit (\(summary.subject.serialized())), expected \(expected)",
                            recordIndex: summary.index)]
        }
        if dirty && !allowDirty {
            let files = git?["changedFileCount"]?.intValue.map { "\($0) tracked file(s) changed" } ?? "tracked files changed"
            return [Finding(code: "binding.dirty-tree",
                            message: "the bundle attests a dirty working tree (\(files) since commit \(commit)), not commit \(commit); pass --allow-dirty to accept a dirty tree built on it",
                            recordIndex: summary.index)]
        }
        if !commit.lowercased().hasPrefix(expected) {
            return [Finding(code: "binding.commit-mismatch",
                            message: dirty ? "the bundle attests a working tree based on commit \(commit), expected \(expected)"
                                : "the bundle attests commit \(commit), expected \(expected)",
                            recordIndex: summary.index)]
        }
        return []
    }

    static func describe(_ seconds: TimeInterval) -> String {
        switch seconds {
        case 86_400...: String(format: "%.1f days", seconds / 86_400)
        case 3600...: String(format: "%.1f hours", seconds / 3600)
        case 60...: String(format: "%.1f minutes", seconds / 60)
        default: String(format: "%.0f seconds", seconds)
        }
    }
}
