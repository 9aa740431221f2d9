import Foundation

/// Gate 5: the same work in the run's mode and in SwarmRuntime's cooperative single-thread mode
/// (the asyncio-like baseline). Counts the measurements in which the run's mode is better.
package enum BaselineComparison {
    package struct Parameters: Codable, Sendable, Equatable {
        package var workers: Int
        package var iterationsPerTask: Int
        package var candidateMode: String
        package var baselineMode: String
    }

    /// One mode's figures from one run of W tasks on W bots.
    package struct ModeMeasurement: Codable, Sendable, Equatable {
        package var mode: String
        package var wallSeconds: Double
        package var taskCPUSeconds: Double
        package var peakThreadCount: Int
        package var threadsBeforeSpawn: Int
        /// Cores' worth of this process's load at once: the median over samples of the own load
        /// summed across cores, rounded (a migrating single thread counts as one core).
        package var coresUsed: Int
        package var digests: [String]

        package var cpuPerWall: Double { wallSeconds > 0 ? taskCPUSeconds / wallSeconds : 0 }
    }

    /// One round: both modes back to back, in random order.
    package struct Pair: Codable, Sendable, Equatable {
        package var candidate: ModeMeasurement
        package var baseline: ModeMeasurement

        var speedup: Double { candidate.wallSeconds > 0 ? baseline.wallSeconds / candidate.wallSeconds : 0 }
    }

    package struct Measurements: Codable, Sendable, Equatable {
        /// The round with the median speedup (the only round in bundles of the first rule).
        package var candidate: ModeMeasurement
        package var baseline: ModeMeasurement
        /// Every round (criteria version 2): the speedup is judged by its 95% interval over them.
        package var pairs: [Pair]? = nil

        /// The round with the median speedup stands for the others in the counts and the display.
        init(pairs: [Pair]) {
            let sorted = pairs.sorted { $0.speedup < $1.speedup }
            let middle = sorted.isEmpty ? nil : sorted[sorted.count / 2]
            candidate = middle?.candidate ?? ModeMeasurement(mode: "", wallSeconds: 0, taskCPUSeconds: 0, peakThreadCount: 0,
                                                              threadsBeforeSpawn: 0, coresUsed: 0, digests: [])
            baseline = middle?.baseline ?? candidate
            self.pairs = pairs
        }

        package init(candidate: ModeMeasurement, baseline: ModeMeasurement, pairs: [Pair]? = nil) {
            self.candidate = candidate
            self.baseline = baseline
            self.pairs = pairs
        }
    }

    package struct Criteria: Codable, Sendable, Equatable {
        package var minimumSpeedup: Double
        package var requiredImprovements: Int
        /// Nil: the first rule (one run of each mode). 2: the speedup's 95% interval over paired
        /// rounds must lie above `minimumSpeedup` (the `PairedRounds` statistics of gate 2).
        package var version: Int? = nil
        package static let standard = Criteria(minimumSpeedup: 1.5, requiredImprovements: 3, version: 2)
    }

    package struct Improvement: Codable, Sendable, Equatable {
        package var name: String
        package var candidate: Double
        package var baseline: Double
        package var improved: Bool
    }

    package static func improvements(_ measurements: Measurements, criteria: Criteria) -> [Improvement] {
        let candidate = measurements.candidate
        let baseline = measurements.baseline
        var speedup = candidate.wallSeconds > 0 ? baseline.wallSeconds / candidate.wallSeconds : 0
        var sameWork = candidate.digests == baseline.digests && !candidate.digests.isEmpty
        var speedupImproved = sameWork && speedup > criteria.minimumSpeedup
        var speedupName = "speedup > \(criteria.minimumSpeedup) (same outputs)"
        if (criteria.version ?? 1) >= 2, let pairs = measurements.pairs, !pairs.isEmpty {
            let interval = PairedRounds.Interval(pairs.map(\.speedup))
            sameWork = pairs.allSatisfy { $0.candidate.digests == $0.baseline.digests && !$0.candidate.digests.isEmpty }
            speedup = interval.estimate
            speedupImproved = sameWork && (interval.lower ?? 0) > criteria.minimumSpeedup
            speedupName = "speedup \(interval.text) > \(criteria.minimumSpeedup) with 95% confidence over \(pairs.count) paired rounds (same outputs)"
        }
        return [
            Improvement(name: speedupName, candidate: speedup, baseline: 1, improved: speedupImproved),
            Improvement(name: "OS threads higher", candidate: Double(candidate.peakThreadCount - candidate.threadsBeforeSpawn),
                        baseline: Double(baseline.peakThreadCount - baseline.threadsBeforeSpawn),
                        improved: candidate.peakThreadCount - candidate.threadsBeforeSpawn > baseline.peakThreadCount - baseline.threadsBeforeSpawn),
            Improvement(name: "cores used higher", candidate: Double(candidate.coresUsed), baseline: Double(baseline.coresUsed),
                        improved: candidate.coresUsed > baseline.coresUsed),
            Improvement(name: "CPU/wall higher", candidate: candidate.cpuPerWall, baseline: baseline.cpuPerWall,
                        improved: candidate.cpuPerWall > baseline.cpuPerWall * 1.2),
        ]
    }

    package static func evaluate(measurements: Measurements, criteria: Criteria) -> GateOutcome {
        let list = improvements(measurements, criteria: criteria)
        let count = list.filter(\.improved).count
        let text = "\(count) of \(list.count) improvements over \(measurements.baseline.mode): "
            + list.map { "\($0.name) \($0.improved ? "✓" : "✗")" }.joined(separator: ", ")
        return count >= criteria.requiredImprovements
            ? GateOutcome(status: .passed, summary: text)
            : GateOutcome(status: .failed, summary: text)
    }
}
