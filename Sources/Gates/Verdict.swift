/// The bundle verdict, derived from the gates' statuses by one rule used both when a run is
/// sealed and when `attest verify` re-derives it.
///
/// Three kinds of outcome, for whoever consumes a verdict: a VERIFIED or MINIMAL verdict means
/// gate 2 passed; FAILED means gate 2 failed (or was invalid, or not shown); INCONCLUSIVE means
/// gate 2's intervals could not decide within the round budget (or other tenants' load hid the
/// answer) — neither a pass nor a fail.
package enum Verdict: String, Codable, Sendable, CaseIterable {
    case full = "VERIFIED (FULL)"
    case partial = "VERIFIED (PARTIAL)"
    case minimal = "MINIMAL"
    case failed = "FAILED"
    case inconclusive = "INCONCLUSIVE"

    /// VERIFIED (FULL) = gate 2 and at least 4 gates passed; VERIFIED (PARTIAL) = gate 2 and 3;
    /// MINIMAL = gate 2 only (or with one other); INCONCLUSIVE = gate 2 inconclusive; FAILED =
    /// gate 2 otherwise not passed, whatever else passed. `firstRule`: the bundle's gate 2 used
    /// the first (median) rule, under which an inconclusive gate 2 made the verdict FAILED.
    package static func derive(from statuses: [GateKind: GateStatus], firstRule: Bool = false) -> Verdict {
        if statuses[.concurrencyProof] == .inconclusive && !firstRule { return .inconclusive }
        guard statuses[.concurrencyProof] == .passed else { return .failed }
        let passedCount = statuses.values.filter(\.passed).count
        switch passedCount {
        case 4...: return .full
        case 3: return .partial
        default: return .minimal
        }
    }

    /// Exit status of `attest run` (and of `attest verify` for an authentic bundle): 0 for a
    /// VERIFIED or MINIMAL verdict, 3 for FAILED, 4 for INCONCLUSIVE.
    package var exitCode: Int32 {
        switch self {
        case .failed: 3
        case .inconclusive: 4
        default: 0
        }
    }
}

/// What an authentic bundle's claimed verdict means for `attest verify`: authenticity and the
/// claim are two questions, and only a claim that holds exits 0.
package struct ClaimAssessment: Sendable, Equatable {
    /// 0 when the claim holds; 3 for a FAILED (or NOT REPRODUCED) claim; 4 for INCONCLUSIVE.
    package var exitCode: Int32
    /// The last line `attest verify` prints for an authentic bundle; it starts with VERIFIED only
    /// when the claim holds.
    package var line: String
    package var holds: Bool { exitCode == 0 }

    /// - Parameters: verdict: the summary's claimed verdict; records: how many records verified.
    package init(verdict: String?, records: Int) {
        let checked = "\(records) records, signatures, chain, seal and verdicts check out"
        switch verdict {
        case Verdict.failed.rawValue?, "NOT REPRODUCED"?:
            exitCode = 3
            line = "AUTHENTIC, CLAIM \(verdict ?? "?"): \(checked), but the verdict they prove is \(verdict ?? "?") — not a pass (exit 3)"
        case Verdict.inconclusive.rawValue?:
            exitCode = 4
            line = "AUTHENTIC, CLAIM INCONCLUSIVE: \(checked), but the verdict they prove is INCONCLUSIVE — neither a pass nor a fail (exit 4)"
        default:
            exitCode = 0
            line = "VERIFIED: \(checked); claimed verdict \(verdict ?? "?")"
        }
    }
}
