package import Foundation
package import Evidence

/// One gate's part of a finished run.
package struct GateRun: Sendable {
    package var kind: GateKind
    package var outcome: GateOutcome
    /// What the failing figures point to and what to do; empty when the gate passed.
    package var diagnosis: [String]
    package var resultFile: URL
    package var seconds: Double
}

/// Where a run spent its wall time, so attest's own overhead is measured, not guessed.
package struct PhaseTimings: Codable, Sendable, Equatable {
    package var setupSeconds: Double = 0
    package var measuredSeconds: Double = 0
    package var evidenceSeconds: Double = 0
    package var totalSeconds: Double = 0

    /// Everything outside the measured phases: start-up, probes, signing, writing.
    package var overheadSeconds: Double { max(0, totalSeconds - measuredSeconds) }
}

/// What `attest run` produced.
package struct RunResult: Sendable {
    package var runID: String
    package var gates: [GateRun]
    package var verdict: Verdict
    package var bundleFile: URL
    package var archiveFile: URL
    package var keyID: String
    package var publicKeyFile: URL
    package var subject: String
    package var timings: PhaseTimings
    /// The scaling curve's figures, when the run had `--scaling`.
    package var scaling: Scaling.Figures? = nil
    /// The code's git state, as recorded (dirty or not, changed files).
    package var git: GitReading? = nil
    /// The same bundle as in-toto JSON Lines.
    package var jsonLinesFile: URL? = nil

    /// A machine-readable summary for `attest run --json`.
    package func jsonSummary() throws -> Data {
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
