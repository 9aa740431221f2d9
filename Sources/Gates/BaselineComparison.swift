import Foundation

/// Gate 5: the same work in the run's mode and in SwarmRuntime's cooperative single-thread mode
/// (the asyncio-like baseline). Counts the measurements in which the run's mode is better.
public enum BaselineComparison {
    public struct Parameters: Codable, Sendable, Equatable {
        public var workers: Int
        public var iterationsPerTask: Int
        public var candidateMode: String
        public var baselineMode: String
    }

    /// One mode's figures from one run of W tasks on W bots.
    public struct ModeMeasurement: Codable, Sendable, Equatable {
        public var mode: String
        public var wallSeconds: Double
        public var taskCPUSeconds: Double
        public var peakThreadCount: Int
        public var threadsBeforeSpawn: Int
        /// Cores' worth of this process's load at once: the median over samples of the own load
        /// summed across cores, rounded (a migrating single thread counts as one core).
        public var coresUsed: Int
        public var digests: [String]

        public var cpuPerWall: Double { wallSeconds > 0 ? taskCPUSeconds / wallSeconds : 0 }
    }

    public struct Measurements: Codable, Sendable, Equatable {
        public var candidate: ModeMeasurement
        public var baseline: ModeMeasurement
    }

    public struct Criteria: Codable, Sendable, Equatable {
        public var minimumSpeedup: Double
        public var requiredImprovements: Int
        public static let standard = Criteria(minimumSpeedup: 1.5, requiredImprovements: 3)
    }

    public struct Improvement: Codable, Sendable, Equatable {
        public var name: String
        public var candidate: Double
        public var baseline: Double
        public var improved: Bool
    }

    public static func improvements(_ measurements: Measurements, criteria: Criteria) -> [Improvement] {
        let candidate = measurements.candidate
        let baseline = measurements.baseline
        let speedup = candidate.wallSeconds > 0 ? baseline.wallSeconds / candidate.wallSeconds : 0
        let sameWork = candidate.digests == baseline.digests && !candidate.digests.isEmpty
        return [
            Improvement(name: "speedup > \(criteria.minimumSpeedup) (same outputs)", candidate: speedup, baseline: 1,
                        improved: sameWork && speedup > criteria.minimumSpeedup),
            Improvement(name: "OS threads higher", candidate: Double(candidate.peakThreadCount - candidate.threadsBeforeSpawn),
                        baseline: Double(baseline.peakThreadCount - baseline.threadsBeforeSpawn),
                        improved: candidate.peakThreadCount - candidate.threadsBeforeSpawn > baseline.peakThreadCount - baseline.threadsBeforeSpawn),
            Improvement(name: "cores used higher", candidate: Double(candidate.coresUsed), baseline: Double(baseline.coresUsed),
                        improved: candidate.coresUsed > baseline.coresUsed),
            Improvement(name: "CPU/wall higher", candidate: candidate.cpuPerWall, baseline: baseline.cpuPerWall,
                        improved: candidate.cpuPerWall > baseline.cpuPerWall * 1.2),
        ]
    }

    public static func evaluate(measurements: Measurements, criteria: Criteria) -> GateOutcome {
        let list = improvements(measurements, criteria: criteria)
        let count = list.filter(\.improved).count
        let text = "\(count) of \(list.count) improvements over \(measurements.baseline.mode): "
            + list.map { "\($0.name) \($0.improved ? "✓" : "✗")" }.joined(separator: ", ")
        return count >= criteria.requiredImprovements
            ? GateOutcome(status: .passed, summary: text)
            : GateOutcome(status: .failed, summary: text)
    }
}
