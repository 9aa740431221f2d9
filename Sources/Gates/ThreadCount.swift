/// Gate 3: does the process really hold one OS thread per bot for the whole sampling window?
/// Counted by the kernel (/proc/self/status `Threads:` and /proc/self/task), not by the bots.
package enum ThreadCount {
    package struct Parameters: Codable, Sendable, Equatable {
        package var bots: Int
        package var sampleSeconds: Double
        package var sampleHz: Double
        package var mode: String
    }

    package struct Sample: Codable, Sendable, Equatable {
        /// Seconds since sampling began (monotonic).
        package var seconds: Double
        package var threadCount: Int
        /// How many of the bots' kernel thread ids were present in /proc/self/task.
        package var botsAlive: Int
    }

    package struct Measurements: Codable, Sendable, Equatable {
        package var threadsBeforeSpawn: Int
        package var botThreadIDs: [Int32]
        /// Distinct OS threads the bots ran on (1 in cooperative mode, B in threaded mode).
        package var distinctBotThreads: Int
        package var samples: [Sample]
        package var threadsAfterJoin: Int
    }

    package struct Criteria: Codable, Sendable, Equatable {
        package var rule: String
        package static let standard = Criteria(rule: "average OS thread count ≥ bots, and every bot's thread alive in every sample")
    }

    package static func evaluate(parameters: Parameters, measurements: Measurements) -> GateOutcome {
        let samples = measurements.samples
        guard let average = Statistics.mean(samples.map { Double($0.threadCount) }) else {
            return GateOutcome(status: .failed, summary: "no samples were taken")
        }
        let averageText = String(format: "%.1f", average)
        var problems: [String] = []
        if average < Double(parameters.bots) {
            problems.append("average \(averageText) threads < \(parameters.bots) bots")
        }
        if measurements.distinctBotThreads < parameters.bots {
            problems.append("the \(parameters.bots) bots ran on \(measurements.distinctBotThreads) OS thread(s)")
        }
        let missing = samples.filter { $0.botsAlive < parameters.bots }.count
        if missing > 0 {
            problems.append("in \(missing) of \(samples.count) samples not every bot's thread was alive")
        }
        let figures = "average \(averageText) OS threads over \(samples.count) samples for \(parameters.bots) bots"
        return problems.isEmpty
            ? GateOutcome(status: .passed, summary: figures)
            : GateOutcome(status: .failed, summary: figures + "; " + problems.joined(separator: "; "))
    }
}

import Foundation
