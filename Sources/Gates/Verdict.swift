/// The bundle verdict, derived from the gates' statuses by one rule used both when a run is
/// sealed and when `attest verify` re-derives it.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case full = "VERIFIED (FULL)"
    case partial = "VERIFIED (PARTIAL)"
    case minimal = "MINIMAL"
    case failed = "FAILED"

    /// VERIFIED (FULL) = gate 2 and at least 4 gates passed; VERIFIED (PARTIAL) = gate 2 and 3;
    /// MINIMAL = gate 2 only (or with one other); FAILED = gate 2 not passed, whatever else passed.
    public static func derive(from statuses: [GateKind: GateStatus]) -> Verdict {
        guard statuses[.concurrencyProof] == .passed else { return .failed }
        let passedCount = statuses.values.filter(\.passed).count
        switch passedCount {
        case 4...: return .full
        case 3: return .partial
        default: return .minimal
        }
    }

    /// Exit status of `attest run` for this verdict: 0 for a VERIFIED or MINIMAL verdict, 3 for FAILED.
    public var exitCode: Int32 { self == .failed ? 3 : 0 }
}
