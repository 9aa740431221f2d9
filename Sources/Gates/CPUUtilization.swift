import Foundation

/// Gate 4: how many cores carry load from *this process's* threads while B bots compute?
/// Load from other tenants is measured too and kept apart, so a busy neighbour cannot lend us cores.
package enum CPUUtilization {
    package struct Parameters: Codable, Sendable, Equatable {
        package var bots: Int
        package var sampleSeconds: Double
        package var sampleHz: Double
        package var iterationsPerBot: Int
        package var busyThreshold: Double
        package var mode: String
    }

    package struct CoreLoad: Codable, Sendable, Equatable {
        package var cpu: Int
        /// Fraction of this core's time spent running this process's threads.
        package var own: Double
        /// Fraction busy in total (all processes); foreign = total − own.
        package var total: Double
        package var steal: Double
    }

    package struct Sample: Codable, Sendable, Equatable {
        package var seconds: Double
        package var cores: [CoreLoad]
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var availableParallelism: Int
        package var availableParallelismDerivation: String
        package var affinityCPUs: [Int]
        package var samples: [Sample]
        package var wallSeconds: Double
    }

    package struct Criteria: Codable, Sendable, Equatable {
        package var busyThreshold: Double
        package var requiredFractionOfP: Double
        /// The original absolute criterion, reported beside the adaptive one.
        package var originalAbsoluteCores: Int
        package static let standard = Criteria(busyThreshold: 0.2, requiredFractionOfP: 0.8, originalAbsoluteCores: 8)
    }

    package struct Figures: Codable, Sendable, Equatable {
        package var averageOwnLoadByCPU: [String: Double]
        package var coresUsed: Int
        package var required: Int
        package var originalCriterionMet: Bool
    }

    package static func figures(measurements: Measurements, criteria: Criteria) -> Figures {
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

    package static func evaluate(measurements: Measurements, criteria: Criteria) -> GateOutcome {
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
