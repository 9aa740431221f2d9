public import Foundation
public import Evidence

/// One gate's part of a finished run.
public struct GateRun: Sendable {
    public var kind: GateKind
    public var outcome: GateOutcome
    /// What the failing figures point to and what to do; empty when the gate passed.
    public var diagnosis: [String]
    public var resultFile: URL
    public var seconds: Double
}

/// Where a run spent its wall time, so attest's own overhead is measured, not guessed.
public struct PhaseTimings: Codable, Sendable, Equatable {
    public var setupSeconds: Double = 0
    public var measuredSeconds: Double = 0
    public var evidenceSeconds: Double = 0
    public var totalSeconds: Double = 0

    /// Everything outside the measured phases: start-up, probes, signing, writing.
    public var overheadSeconds: Double { max(0, totalSeconds - measuredSeconds) }
}

/// What `attest run` produced.
public struct RunResult: Sendable {
    public var runID: String
    public var gates: [GateRun]
    public var verdict: Verdict
    public var bundleFile: URL
    public var archiveFile: URL
    public var keyID: String
    public var publicKeyFile: URL
    public var subject: String
    public var timings: PhaseTimings
    /// The scaling curve's figures, when the run had `--scaling`.
    public var scaling: Scaling.Figures? = nil
    /// The code's git state, as recorded (dirty or not, changed files).
    public var git: GitReading? = nil
    /// The same bundle as in-toto JSON Lines.
    public var jsonLinesFile: URL? = nil

    /// A machine-readable summary for `attest run --json`.
    public func jsonSummary() throws -> Data {
        struct Gate: Encodable {
            var number: Int
            var name: String
            var status: String
            var summary: String
            var diagnosis: [String]
            var resultFile: String
        }
        struct Summary: Encodable {
            var runId: String
            var verdict: String
            var subject: String
            var gates: [Gate]
            var bundle: String
            var archive: String
            var keyId: String
            var timings: PhaseTimings
            var scaling: Scaling.Figures?
            var git: GitState?
            var jsonLines: String?
        }
        let summary = Summary(
            runId: runID, verdict: verdict.rawValue, subject: subject,
            gates: gates.map { Gate(number: $0.kind.rawValue, name: $0.kind.name, status: $0.outcome.status.rawValue,
                                    summary: $0.outcome.summary, diagnosis: $0.diagnosis, resultFile: $0.resultFile.path) },
            bundle: bundleFile.path, archive: archiveFile.path, keyId: keyID, timings: timings, scaling: scaling,
            git: { if case .repository(let state) = git { state } else { nil } }(), jsonLines: jsonLinesFile?.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(summary)
    }
}
