import Foundation

/// Gate 4: how many cores carry load from *this process's* threads while B bots compute?
/// Load from other tenants is measured too and kept apart, so a busy neighbour cannot lend us cores.
public enum CPUUtilization {
    public struct Parameters: Codable, Sendable, Equatable {
        public var bots: Int
        public var sampleSeconds: Double
        public var sampleHz: Double
        public var iterationsPerBot: Int
        public var busyThreshold: Double
        public var mode: String
    }

    public struct CoreLoad: Codable, Sendable, Equatable {
        public var cpu: Int
        /// Fraction of this core's time spent running this process's threads.
        public var own: Double
        /// Fraction busy in total (all processes); foreign = total − own.
        public var total: Double
        public var steal: Double
    }

    public struct Sample: Codable, Sendable, Equatable {
        public var seconds: Double
        public var cores: [CoreLoad]
    }

    public struct Measurements: Codable, Sendable, Equatable {
        public var availableParallelism: Int
        public var availableParallelismDerivation: String
        public var affinityCPUs: [Int]
        public var samples: [Sample]
        public var wallSeconds: Double
    }

    public struct Criteria: Codable, Sendable, Equatable {
        public var busyThreshold: Double
        public var requiredFractionOfP: Double
        /// The original absolute criterion, reported beside the adaptive one.
        public var originalAbsoluteCores: Int
        public static let standard = Criteria(busyThreshold: 0.2, requiredFractionOfP: 0.8, originalAbsoluteCores: 8)
    }

    public struct Figures: Codable, Sendable, Equatable {
        public var averageOwnLoadByCPU: [String: Double]
        public var coresUsed: Int
        public var required: Int
        public var originalCriterionMet: Bool
    }

    public static func figures(measurements: Measurements, criteria: Criteria) -> Figures {
        var sums: [Int: (own: Double, count: Int)] = [:]
        for sample in measurements.samples {
            for core in sample.cores {
                let previous = sums[core.cpu] ?? (0, 0)
                sums[core.cpu] = (previous.own + core.own, previous.count + 1)
            }
        }
        var averages: [String: Double] = [:]
        for (cpu, sum) in sums where sum.count > 0 {
            averages[String(cpu)] = sum.own / Double(sum.count)
        }
        let used = averages.values.filter { $0 > criteria.busyThreshold }.count
        let required = Int((criteria.requiredFractionOfP * Double(measurements.availableParallelism)).rounded(.up))
        return Figures(averageOwnLoadByCPU: averages, coresUsed: used, required: required,
                       originalCriterionMet: used >= criteria.originalAbsoluteCores)
    }

    public static func evaluate(measurements: Measurements, criteria: Criteria) -> GateOutcome {
        guard !measurements.samples.isEmpty else {
            return GateOutcome(status: .failed, summary: "no samples were taken")
        }
        let figures = figures(measurements: measurements, criteria: criteria)
        let original = "original criterion ≥ \(criteria.originalAbsoluteCores) cores \(figures.originalCriterionMet ? "met" : "not met")"
        let text = "\(figures.coresUsed) cores > \(Int(criteria.busyThreshold * 100))% from this process; need ≥ \(figures.required) (0.8·P, P = \(measurements.availableParallelism)); \(original)"
        return figures.coresUsed >= figures.required && figures.required > 0
            ? GateOutcome(status: .passed, summary: text)
            : GateOutcome(status: .failed, summary: text + " — only \(measurements.availableParallelism) CPU(s) available to this process (\(measurements.availableParallelismDerivation))")
    }
}
