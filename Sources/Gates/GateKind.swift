/// The five gates of the parallelism proof, with the names, files and criticality the original
/// "Phase 4" used, so that people who knew the old system find the same outputs.
package enum GateKind: Int, CaseIterable, Codable, Sendable, Comparable {
    case codeAudit = 1
    case concurrencyProof = 2
    case threadCount = 3
    case cpuUtilization = 4
    case baselineComparison = 5

    /// The machine name recorded in evidence (`gate.name`).
    package var name: String {
        switch self {
        case .codeAudit: "code_audit"
        case .concurrencyProof: "concurrency_proof"
        case .threadCount: "thread_count"
        case .cpuUtilization: "cpu_utilization"
        case .baselineComparison: "comparison"
        }
    }

    /// The title people read.
    package var title: String {
        switch self {
        case .codeAudit: "Code audit"
        case .concurrencyProof: "Concurrency proof"
        case .threadCount: "Thread count"
        case .cpuUtilization: "CPU core utilisation"
        case .baselineComparison: "Baseline comparison"
        }
    }

    /// The per-gate result file under `.checkpoints/`.
    package var resultFileName: String {
        switch self {
        case .codeAudit: "gate1_code_audit_results.json"
        case .concurrencyProof: "gate2_concurrency_proof_results.json"
        case .threadCount: "gate3_thread_count_results.json"
        case .cpuUtilization: "gate4_cpu_utilization_results.json"
        case .baselineComparison: "gate5_comparison_results.json"
        }
    }

    /// Only the concurrency proof can make or break the verdict on its own.
    package var isCritical: Bool { self == .concurrencyProof }

    /// Parses a gate given by number (`2`) or by name (`concurrency_proof`).
    package init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        if let number = Int(trimmed), let gate = GateKind(rawValue: number) {
            self = gate
        } else if let gate = GateKind.allCases.first(where: { $0.name == trimmed }) {
            self = gate
        } else {
            return nil
        }
    }

    package static func < (lhs: GateKind, rhs: GateKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How a gate ended. Only `passed` counts towards a verdict.
package enum GateStatus: String, Codable, Sendable, CaseIterable {
    case passed
    case failed
    /// The measurement could not decide (e.g. too much load from other tenants): re-run.
    case inconclusive
    /// A negative control passed, so the measurement itself is broken and proves nothing.
    case invalid
    /// The claim cannot be shown on this machine (e.g. one CPU available).
    case notShown = "not_shown"

    package var passed: Bool { self == .passed }
}

/// A gate's outcome: its status and a one-line reason a person can read.
package struct GateOutcome: Codable, Sendable, Equatable {
    package var status: GateStatus
    package var summary: String

    package init(status: GateStatus, summary: String) {
        self.status = status
        self.summary = summary
    }
}
