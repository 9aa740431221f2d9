import Foundation

/// The round as the unit of evidence: each measured round ran the sequential (baseline) and the
/// parallel configuration back to back, so its ratios share that minute's machine speed. The
/// criterion judges the geometric means of the per-round ratios by their 95% intervals, and the
/// run adds rounds while the intervals cannot decide. Pure: `attest verify` re-derives all of it.
package enum PairedRounds {
    /// The interval method, recorded in every analysis.
    package static let method = "Student t-interval on the natural log of the per-round ratios, mapped back with exp (geometric mean)"
    package static let level = 0.95

    /// One round's figures, whatever measured them (the built-in swarm or an external command).
    struct Round {
        var sequentialWall: Double
        var parallelWall: Double
        /// CPU time of the parallel configuration's work (task threads, or the command's tree).
        var parallelCPU: Double
        var sequentialCPUPerTask: Double
        var parallelCPUPerTask: Double
        /// A round whose speed probes drifted: recorded, but left out of the statistics.
        var disturbed = false

        var speedup: Double { parallelWall > 0 ? sequentialWall / parallelWall : 0 }
        var cpuPerWall: Double { parallelWall > 0 ? parallelCPU / parallelWall : 0 }
        var cpuPerTaskRatio: Double { sequentialCPUPerTask > 0 ? parallelCPUPerTask / sequentialCPUPerTask : 0 }
    }

    /// A geometric mean with its interval and every value it came from.
    package struct Interval: Codable, Sendable, Equatable {
        package var estimate: Double
        /// Nil below two rounds: one ratio has no spread, so no interval.
        package var lower: Double?
        package var upper: Double?
        package var values: [Double]

        init(_ values: [Double]) {
            self.values = values
            if let result = Statistics.geometricInterval(values) {
                estimate = result.estimate
                lower = result.lower
                upper = result.upper
            } else {
                // A ratio of zero (an empty or instant run): no logarithm, so no interval.
                estimate = Statistics.median(values) ?? 0
            }
        }

        func scaled(by factor: Double) -> Interval {
            var copy = self
            copy.estimate *= factor
            copy.lower = lower.map { $0 * factor }
            copy.upper = upper.map { $0 * factor }
            copy.values = values.map { $0 * factor }
            return copy
        }

        /// "1.93 (95% CI 1.85–2.01)", or the estimate alone without an interval.
        package var text: String {
            let estimateText = ConcurrencyProof.format(estimate)
            guard let lower, let upper else { return "\(estimateText) (no interval from \(values.count) round\(values.count == 1 ? "" : "s"))" }
            return "\(estimateText) (95% CI \(ConcurrencyProof.format(lower))–\(ConcurrencyProof.format(upper)))"
        }
    }

    /// What the intervals say about one check.
    package enum Decision: String, Codable, Sendable {
        case passed, failed, undecided
    }

    /// Why the run stopped adding rounds.
    package enum StopReason: String, Codable, Sendable {
        /// Every check decided (or one failed) at this round count.
        case decided
        case maxRounds = "max_rounds"
        /// The measured rounds' wall time (both configurations) reached the time budget.
        case timeBudget = "time_budget"
        /// k = 1 (one CPU, or one worker): no parallelism to decide, so no round is added.
        case kIsOne = "k_is_1"
    }

    /// The statistics of gate 2, recorded by the run beside the measurements and re-derived by
    /// `attest verify` from the rounds alone.
    package struct Analysis: Codable, Sendable, Equatable {
        package var method: String
        package var level: Double
        /// The rounds the statistics used (a disturbed round is left out) and the round count.
        package var roundsUsed: Int
        package var roundsMeasured: Int
        package var speedup: Interval
        package var efficiency: Interval
        package var parallelCPUPerWall: Interval
        package var cpuPerTaskRatio: Interval
        package var speedupThreshold: Double
        package var speedupDecision: Decision
        package var cpuPerWallDecision: Decision
        package var cpuPerTaskDecision: Decision
        /// All three checks together (and the outputs equal): failed if any failed, passed if all passed.
        package var decision: Decision
        package var stop: StopReason?
        /// Roughly how many rounds the speedup interval would need to clear the threshold at this
        /// spread: (t·s / |log S − log threshold|)², with t ≈ 2. Nil when decided or no spread known.
        package var roundsLikelyNeeded: Int?
    }

    /// The stopping rule's inputs, from the gate's parameters.
    package struct Budget: Sendable, Equatable {
        package var minRounds: Int
        package var maxRounds: Int
        /// Seconds of measured rounds (both configurations' wall time summed); nil for none.
        package var seconds: Double?

        package init(minRounds: Int, maxRounds: Int, seconds: Double?) {
            self.minRounds = minRounds
            self.maxRounds = maxRounds
            self.seconds = seconds
        }
    }

    /// The three checks of gate 2 judged by their intervals, and the stopping decision.
    static func analyse(_ rounds: [Round], expectedParallelism k: Int, digestsEqual: Bool,
                        criteria: ConcurrencyProof.Criteria, budget: Budget) -> Analysis {
        let used = rounds.filter { !$0.disturbed }
        let speedup = Interval(used.map(\.speedup))
        let cpuWall = Interval(used.map(\.cpuPerWall))
        let cpuPerTask = Interval(used.map(\.cpuPerTaskRatio))
        let threshold = criteria.speedupFactor * Double(k)
        let speedDecision = atLeast(speedup, threshold)
        let cpuWallDecision = atLeast(cpuWall, criteria.cpuWallFactor * Double(k))
        let bandDecision = within(cpuPerTask, low: criteria.cpuPerTaskRange.first ?? 0.8, high: criteria.cpuPerTaskRange.last ?? 1.25)
        let decisions = [speedDecision, cpuWallDecision, bandDecision]
        let decision: Decision = !digestsEqual || decisions.contains(.failed) ? .failed
            : decisions.allSatisfy { $0 == .passed } ? .passed : .undecided
        var needed: Int?
        if decision == .undecided, let spread = Statistics.geometricInterval(speedup.values)?.logSD, spread > 0 {
            let distance = abs(Foundation.log(speedup.estimate) - Foundation.log(threshold))
            if distance > 0 { needed = Int((2 * spread / distance) * (2 * spread / distance)) + 1 }
        }
        return Analysis(
            method: method, level: level, roundsUsed: used.count, roundsMeasured: rounds.count,
            speedup: speedup, efficiency: speedup.scaled(by: 1 / Double(max(1, k))), parallelCPUPerWall: cpuWall,
            cpuPerTaskRatio: cpuPerTask, speedupThreshold: threshold, speedupDecision: speedDecision,
            cpuPerWallDecision: cpuWallDecision, cpuPerTaskDecision: bandDecision, decision: decision,
            stop: k <= 1 && rounds.count >= budget.minRounds ? .kIsOne : stopReason(decision: decision, rounds: rounds, budget: budget),
            roundsLikelyNeeded: needed)
    }

    /// Nil while the run must go on: undecided (or short of the minimum of undisturbed rounds)
    /// within the budget. A disturbed round does not count towards the minimum, so it is
    /// repeated; the maximum counts every measured round, so the repeats are bounded.
    static func stopReason(decision: Decision, rounds: [Round], budget: Budget) -> StopReason? {
        let used = rounds.filter { !$0.disturbed }.count
        if used >= budget.minRounds && decision != .undecided { return .decided }
        if rounds.count >= budget.maxRounds { return .maxRounds }
        if let seconds = budget.seconds, rounds.reduce(0, { $0 + $1.sequentialWall + $1.parallelWall }) >= seconds {
            return .timeBudget
        }
        return nil
    }

    /// Measures rounds (numbered from 1) until the stopping rule says stop: the interval rule adds
    /// them one at a time; the first rule ran exactly the minimum. Shared by the built-in proof
    /// and an external command's, so both stop by one rule.
    static func measure<R>(criteria: ConcurrencyProof.Criteria, budget: Budget, k: Int, round: (Int) throws -> R,
                           paired: ([R]) -> [Round], digestsEqual: ([R]) -> Bool) throws -> ([R], Analysis?) {
        var measured: [R] = []
        var analysis: Analysis?
        repeat {
            measured.append(try round(measured.count + 1))
            if criteria.usesIntervals {
                analysis = analyse(paired(measured), expectedParallelism: k, digestsEqual: digestsEqual(measured),
                                   criteria: criteria, budget: budget)
            }
        } while criteria.usesIntervals ? analysis?.stop == nil : measured.count < max(1, budget.minRounds)
        return (measured, analysis)
    }

    /// The first round count at which the rule stops, judged on the recorded rounds' prefixes;
    /// a run that went on past it, or stopped before it, did not follow its rule.
    /// `digestsEqual(n)` says whether the outputs agreed over the first n rounds, as the run knew then.
    static func expectedStop(_ rounds: [Round], expectedParallelism k: Int, digestsEqual: (Int) -> Bool,
                             criteria: ConcurrencyProof.Criteria, budget: Budget) -> Int? {
        guard !rounds.isEmpty else { return nil }
        for count in 1...rounds.count {
            let prefix = Array(rounds.prefix(count))
            if analyse(prefix, expectedParallelism: k, digestsEqual: digestsEqual(count), criteria: criteria, budget: budget).stop != nil {
                return count
            }
        }
        return nil
    }

    /// The largest |ln(speed before the sequential ÷ speed before the parallel)| over the CPUs
    /// probed before both; nil without probes.
    static func drift(_ sequential: [ConcurrencyProof.SpeedProbe]?, _ parallel: [ConcurrencyProof.SpeedProbe]?) -> Double? {
        guard let sequential, let parallel else { return nil }
        var largest: Double?
        for before in sequential {
            guard let other = parallel.first(where: { $0.cpu == before.cpu }),
                  before.iterationsPerSecond > 0, other.iterationsPerSecond > 0 else { continue }
            let drift = abs(Foundation.log(before.iterationsPerSecond / other.iterationsPerSecond))
            largest = max(largest ?? 0, drift)
        }
        return largest
    }

    static func isDisturbed(_ sequential: [ConcurrencyProof.SpeedProbe]?, _ parallel: [ConcurrencyProof.SpeedProbe]?,
                            criteria: ConcurrencyProof.Criteria) -> Bool {
        guard let tolerance = criteria.maxProbeDrift, let drift = drift(sequential, parallel) else { return false }
        return drift > tolerance
    }

    static func atLeast(_ interval: Interval, _ threshold: Double) -> Decision {
        guard let lower = interval.lower, let upper = interval.upper else { return .undecided }
        if lower >= threshold { return .passed }
        if upper < threshold { return .failed }
        return .undecided
    }

    /// The CPU-per-task band: failed only when the whole interval lies outside the band (the
    /// baseline's own CPU drifts between rounds), passed when the estimate lies inside it.
    static func within(_ interval: Interval, low: Double, high: Double) -> Decision {
        guard let lower = interval.lower, let upper = interval.upper else { return .undecided }
        if upper < low || lower > high { return .failed }
        if interval.estimate >= low && interval.estimate <= high { return .passed }
        return .undecided
    }
}

extension PairedRounds.Interval {
    func agrees(with other: PairedRounds.Interval) -> Bool {
        PairedRounds.close(estimate, other.estimate) && PairedRounds.close(lower, other.lower)
            && PairedRounds.close(upper, other.upper) && values.count == other.values.count
            && zip(values, other.values).allSatisfy { PairedRounds.close($0, $1) }
    }
}

extension PairedRounds.Analysis {
    /// Equal decisions and counts, and numbers equal to within rounding (a number's last digit
    /// may change on its way through JSON).
    func agrees(with other: PairedRounds.Analysis) -> Bool {
        method == other.method && level == other.level && roundsUsed == other.roundsUsed
            && roundsMeasured == other.roundsMeasured && speedupDecision == other.speedupDecision
            && cpuPerWallDecision == other.cpuPerWallDecision && cpuPerTaskDecision == other.cpuPerTaskDecision
            && decision == other.decision && stop == other.stop && roundsLikelyNeeded == other.roundsLikelyNeeded
            && PairedRounds.close(speedupThreshold, other.speedupThreshold)
            && speedup.agrees(with: other.speedup) && efficiency.agrees(with: other.efficiency)
            && parallelCPUPerWall.agrees(with: other.parallelCPUPerWall) && cpuPerTaskRatio.agrees(with: other.cpuPerTaskRatio)
    }

    var brief: String {
        "S = \(speedup.text), decision \(decision.rawValue), stop \(stop?.rawValue ?? "none") after \(roundsMeasured) rounds (\(roundsUsed) used)"
    }
}

extension PairedRounds {
    static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        default: false
        }
    }

    /// What is wrong with a record's claimed statistics, stopping decision and disturbed flags,
    /// given what its rounds give; empty when every claim follows. The first rule claims none.
    static func claimProblems(claimed: Analysis?, derived: Analysis?, rounds: [Round], recordedDisturbed: [Bool?],
                              expectedParallelism k: Int, digestsEqual: (Int) -> Bool,
                              criteria: ConcurrencyProof.Criteria, budget: Budget) -> [String] {
        guard criteria.usesIntervals else { return [] }
        var problems: [String] = []
        guard let claimed, let derived else {
            return ["the record's criteria use the interval rule (version \(criteria.version ?? 1)) but it holds no analysis of its rounds"]
        }
        if !claimed.agrees(with: derived) {
            problems.append("the recorded analysis does not follow from the rounds: it claims \(claimed.brief); the rounds give \(derived.brief)")
        }
        for (index, pair) in zip(rounds, recordedDisturbed).enumerated() where (pair.1 ?? false) != pair.0.disturbed {
            problems.append("round \(index + 1) is recorded as \(pair.1 ?? false ? "disturbed" : "undisturbed") but its speed probes make it \(pair.0.disturbed ? "disturbed" : "undisturbed")")
        }
        let stop = expectedStop(rounds, expectedParallelism: k, digestsEqual: digestsEqual, criteria: criteria, budget: budget)
        if stop != rounds.count {
            problems.append(stop.map { "the run measured \(rounds.count) rounds but its stopping rule stops after \($0)" }
                ?? "the run stopped after \(rounds.count) rounds although its stopping rule asks for more")
        }
        return problems
    }
}
