import Foundation
import Testing
import Evidence
@testable import Gates

/// The interval rule on fixed synthetic rounds: every figure here is exact, nothing is timed.
@Suite("Paired rounds: intervals, decisions and stopping")
struct PairedRoundsTests {
    /// A round whose speedup is `speedup`: 4 tasks of 1 CPU-second each, 4 s one after another.
    static func round(_ index: Int, speedup: Double, parallelCPUPerTask: Double = 1,
                      probes: (Double, Double)? = nil) -> ConcurrencyProof.Round {
        var round = ConcurrencyProof.Round(
            index: index, order: ["sequential", "parallel"],
            sequential: CriteriaTests.configuration(wall: 4, taskCPU: 1),
            parallel: CriteriaTests.configuration(wall: 4 / speedup, taskCPU: parallelCPUPerTask))
        if let (before, after) = probes {
            round.sequentialProbes = [.init(cpu: 0, iterations: 1000, seconds: before), .init(cpu: 1, iterations: 1000, seconds: 0.03)]
            round.parallelProbes = [.init(cpu: 0, iterations: 1000, seconds: after), .init(cpu: 1, iterations: 1000, seconds: 0.03)]
            round.disturbed = PairedRounds.isDisturbed(round.sequentialProbes, round.parallelProbes, criteria: .standard)
        }
        return round
    }

    static func parameters(rounds: Int = 3, maxRounds: Int = 12, budget: Double? = nil) -> ConcurrencyProof.Parameters {
        var parameters = CriteriaTests.parameters
        parameters.rounds = rounds
        parameters.maxRounds = maxRounds
        parameters.timeBudgetSeconds = budget
        return parameters
    }

    static func measurements(_ rounds: [ConcurrencyProof.Round], parameters: ConcurrencyProof.Parameters) -> ConcurrencyProof.Measurements {
        var measurements = CriteriaTests.measurements(parallelWall: 2)
        measurements.rounds = rounds
        measurements.analysis = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: .standard).figures?.analysis
        return measurements
    }

    static func judge(_ speedups: [Double], parameters: ConcurrencyProof.Parameters = parameters()) -> ConcurrencyProof.Judgement {
        let rounds = speedups.enumerated().map { round($0.offset + 1, speedup: $0.element) }
        return ConcurrencyProof.judge(parameters: parameters, measurements: measurements(rounds, parameters: parameters), criteria: .standard)
    }

    @Test("the t-interval on log r: exp(m ± t·s/√n), with the table's t for n − 1 degrees of freedom")
    func interval() throws {
        #expect(Statistics.tQuantile975(degreesOfFreedom: 1) == 12.706)
        #expect(Statistics.tQuantile975(degreesOfFreedom: 11) == 2.201)
        #expect(abs((Statistics.tQuantile975(degreesOfFreedom: 60) ?? 0) - 2.000) < 0.002)
        // log r = ±0.1: m = 0, s = 0.1·√2, half-width = 12.706 · s / √2 = 1.2706.
        let result = try #require(Statistics.geometricInterval([exp(0.1), exp(-0.1)]))
        #expect(abs(result.estimate - 1) < 1e-12)
        #expect(abs((result.lower ?? 0) - exp(-1.2706)) < 1e-9)
        #expect(abs((result.upper ?? 0) - exp(1.2706)) < 1e-9)
        // One round: an estimate, no interval.
        let one = try #require(Statistics.geometricInterval([1.9]))
        #expect(one.lower == nil && one.upper == nil)
    }

    @Test("a clear pass: the interval's lower bound clears 0.75·k at the minimum of rounds")
    func clearPass() throws {
        let judgement = Self.judge([1.90, 1.95, 2.00])
        let analysis = try #require(judgement.figures?.analysis)
        #expect(judgement.outcome.status == .passed, "\(judgement.outcome.summary)")
        #expect(analysis.decision == .passed && analysis.stop == .decided && analysis.roundsUsed == 3)
        #expect((analysis.speedup.lower ?? 0) >= 1.5)
        #expect(analysis.speedup.values.count == 3 && analysis.method.contains("t-interval") && analysis.level == 0.95)
        #expect(judgement.outcome.summary.contains("95% CI"))
        #expect(judgement.claimProblems.isEmpty)
    }

    @Test("a clear fail: the interval's upper bound is below 0.75·k")
    func clearFail() throws {
        let judgement = Self.judge([1.00, 1.05, 0.98])
        #expect(judgement.outcome.status == .failed)
        #expect(judgement.figures?.analysis?.speedupDecision == .failed)
        #expect(judgement.figures?.analysis?.stop == .decided)
    }

    @Test("an undecided set below the budget asks for more rounds")
    func undecidedAsksForMore() throws {
        let paired = ConcurrencyProof.pairedRounds([1.3, 1.8, 1.5].enumerated().map { Self.round($0.offset + 1, speedup: $0.element) },
                                                   criteria: .standard)
        let analysis = PairedRounds.analyse(paired, expectedParallelism: 2, digestsEqual: true, criteria: .standard,
                                            budget: .init(minRounds: 3, maxRounds: 12, seconds: nil))
        #expect(analysis.speedupDecision == .undecided)
        #expect(analysis.stop == nil, "the run must add a round")
        #expect((analysis.roundsLikelyNeeded ?? 0) > 3)
    }

    @Test("an undecided set at the round budget is inconclusive, with the threshold and the rounds a decision would need")
    func undecidedAtBudget() throws {
        let speedups = (0..<12).map { $0 % 2 == 0 ? 1.3 : 1.8 }
        let judgement = Self.judge(speedups)
        #expect(judgement.outcome.status == .inconclusive, "\(judgement.outcome.summary)")
        #expect(judgement.figures?.analysis?.stop == .maxRounds)
        #expect(judgement.outcome.summary.contains("threshold 1.50"))
        #expect(judgement.outcome.summary.contains("rounds would likely decide"))
        #expect(judgement.claimProblems.isEmpty)
    }

    @Test("the time budget stops an undecided run before the round budget")
    func timeBudget() throws {
        // Each round measures 4 s sequential + about 2.6 s parallel; 15 s are reached in round 3.
        let judgement = Self.judge([1.3, 1.8, 1.5], parameters: Self.parameters(rounds: 2, budget: 15))
        #expect(judgement.figures?.analysis?.stop == .timeBudget)
        #expect(judgement.outcome.status == .inconclusive)
    }

    @Test("a round whose probes drift is flagged, left out of the statistics and repeated")
    func drift() throws {
        let steady = Self.round(1, speedup: 1.95, probes: (0.030, 0.031))
        let drifted = Self.round(2, speedup: 1.2, probes: (0.030, 0.040))
        #expect(steady.disturbed == false && drifted.disturbed == true)
        let rounds = [steady, drifted, Self.round(3, speedup: 1.9, probes: (0.03, 0.03)), Self.round(4, speedup: 2.0, probes: (0.03, 0.03))]
        let parameters = Self.parameters(rounds: 3)
        let paired = ConcurrencyProof.pairedRounds(Array(rounds.prefix(3)), criteria: .standard)
        // Three measured rounds, two of them usable: below the minimum, so the run repeats one.
        #expect(PairedRounds.analyse(paired, expectedParallelism: 2, digestsEqual: true, criteria: .standard, budget: parameters.budget).stop == nil)
        let judgement = ConcurrencyProof.judge(parameters: parameters, measurements: Self.measurements(rounds, parameters: parameters), criteria: .standard)
        let analysis = try #require(judgement.figures?.analysis)
        #expect(analysis.roundsUsed == 3 && analysis.roundsMeasured == 4)
        #expect(!analysis.speedup.values.contains(1.2))
        #expect(judgement.outcome.status == .passed, "\(judgement.outcome.summary)")
        #expect(judgement.claimProblems.isEmpty, "\(judgement.claimProblems)")
    }

    @Test("the CPU-per-task band is judged by its interval: a helper that burns 1.6× the CPU fails it")
    func cpuBand() throws {
        let rounds = [1.55, 1.6, 1.65].enumerated().map { Self.round($0.offset + 1, speedup: 1.95, parallelCPUPerTask: $0.element) }
        let judgement = ConcurrencyProof.judge(parameters: Self.parameters(), measurements: Self.measurements(rounds, parameters: Self.parameters()),
                                               criteria: .standard)
        #expect(judgement.figures?.analysis?.cpuPerTaskDecision == .failed)
        #expect(judgement.outcome.status == .failed)
        // Contended but honest (1.05–1.36×, drifting): within the band.
        let honest = [1.05, 1.36, 1.2].enumerated().map { Self.round($0.offset + 1, speedup: 1.9, parallelCPUPerTask: $0.element) }
        let judged = ConcurrencyProof.judge(parameters: Self.parameters(), measurements: Self.measurements(honest, parameters: Self.parameters()),
                                            criteria: .standard)
        #expect(judged.figures?.analysis?.cpuPerTaskDecision == .passed)
    }

    // MARK: Re-derivation by verify

    static func bundle(_ measurements: ConcurrencyProof.Measurements, parameters: ConcurrencyProof.Parameters,
                       criteria: ConcurrencyProof.Criteria = .standard, claimed: GateStatus) throws -> Data {
        try RederivationTests.gate2Bundle(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                          criteria: criteria, claimedStatus: claimed,
                                          claimedVerdict: claimed == .passed ? .minimal : .failed)
    }

    @Test("a re-signed record whose interval does not follow from its rounds is flagged")
    func tamperedInterval() throws {
        let parameters = Self.parameters()
        var measurements = Self.measurements([1.3, 1.8, 1.5].enumerated().map { Self.round($0.offset + 1, speedup: $0.element) },
                                             parameters: parameters)
        measurements.analysis?.speedup.lower = 1.52
        measurements.analysis?.speedupDecision = .passed
        measurements.analysis?.decision = .passed
        measurements.analysis?.stop = .decided
        let report = RederivationTests.verify(try Self.bundle(measurements, parameters: parameters, claimed: .inconclusive))
        #expect(report.allFindings.map(\.code).contains("verdict.analysis-mismatch"), "\(report.allFindings)")
    }

    @Test("a run that went on after its rule stopped (rounds picked until a pass) is flagged")
    func stoppedLate() throws {
        let parameters = Self.parameters()
        // Decided (failed) at round 3; two more rounds were added until the interval looked better.
        let rounds = [1.0, 1.05, 0.98, 1.9, 1.95].enumerated().map { Self.round($0.offset + 1, speedup: $0.element) }
        let measurements = Self.measurements(rounds, parameters: parameters)
        let report = RederivationTests.verify(try Self.bundle(measurements, parameters: parameters,
                                                              claimed: measurements.analysis?.decision == .passed ? .passed : .failed))
        #expect(report.allFindings.contains { $0.code == "verdict.analysis-mismatch" && $0.message.contains("stopping rule stops after 3") },
                "\(report.allFindings)")
    }

    @Test("an honest interval-rule bundle verifies")
    func honest() throws {
        let parameters = Self.parameters()
        let measurements = Self.measurements([1.9, 1.95, 2.0].enumerated().map { Self.round($0.offset + 1, speedup: $0.element) },
                                             parameters: parameters)
        let report = RederivationTests.verify(try Self.bundle(measurements, parameters: parameters, claimed: .passed))
        #expect(report.isVerified, "\(report.allFindings)")
    }

    @Test("a bundle of the first rule (medians, no analysis, no criteria version) still verifies by that rule")
    func firstRule() throws {
        var measurements = CriteriaTests.measurements(parallelWall: 2.05)
        measurements.analysis = nil
        var parameters = CriteriaTests.parameters
        parameters.maxRounds = nil
        // The record as the first rule wrote it: no version, the band 0.8–1.25.
        guard case .object(var criteria) = try JSONValue(encoding: ConcurrencyProof.Criteria.medianRule) else { throw CocoaError(.coderInvalidValue) }
        criteria["version"] = nil
        criteria["maxProbeDrift"] = nil
        let decoded = try JSONValue.object(criteria).decode(ConcurrencyProof.Criteria.self)
        #expect(!decoded.usesIntervals)
        let report = RederivationTests.verify(try Self.bundle(measurements, parameters: parameters, criteria: decoded, claimed: .passed))
        #expect(report.isVerified, "\(report.allFindings)")
        // …and that rule is still the one applied: one round's median, no interval.
        let judgement = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: decoded)
        #expect(judgement.figures?.analysis == nil && judgement.outcome.status == .passed)
    }

    // MARK: Gate 5

    static func pair(_ candidateWall: Double) -> BaselineComparison.Pair {
        .init(candidate: .init(mode: "threaded", wallSeconds: candidateWall, taskCPUSeconds: 4, peakThreadCount: 7, threadsBeforeSpawn: 3,
                               coresUsed: 2, digests: ["a", "b"]),
              baseline: .init(mode: "cooperative", wallSeconds: 4, taskCPUSeconds: 4, peakThreadCount: 4, threadsBeforeSpawn: 3,
                              coresUsed: 1, digests: ["a", "b"]))
    }

    @Test("gate 5 judges its speedup by the 95% interval over paired rounds")
    func gate5() throws {
        let steady = BaselineComparison.Measurements(pairs: [2.0, 2.05, 2.1].map(Self.pair))
        let speedup = try #require(BaselineComparison.improvements(steady, criteria: .standard).first)
        #expect(speedup.improved && speedup.name.contains("95% CI"), "\(speedup.name)")
        // Median 2.0 s (S = 2), but the interval reaches below 1.5: not shown with confidence.
        let noisy = BaselineComparison.Measurements(pairs: [1.5, 2.0, 3.5].map(Self.pair))
        #expect(BaselineComparison.improvements(noisy, criteria: .standard).first?.improved == false)
        // The first rule, for its bundles: one run of each mode.
        var first = BaselineComparison.Criteria.standard
        first.version = nil
        #expect(BaselineComparison.improvements(noisy, criteria: first).first?.improved == true)
    }

    // MARK: Replay

    static func judgement(_ status: GateStatus) -> ConcurrencyProof.Judgement {
        ConcurrencyProof.Judgement(outcome: GateOutcome(status: status, summary: status.rawValue), figures: nil, controls: [], diagnosis: [])
    }

    @Test("replay: the same decided outcome reproduces, the other does not, an undecided side is inconclusive", arguments: [
        (GateStatus.passed, GateStatus.passed, ReplayVerdict.reproduced),
        (.failed, .failed, .reproduced),
        (.failed, .passed, .notReproduced),
        (.passed, .failed, .notReproduced),
        (.passed, .inconclusive, .inconclusive),
        (.inconclusive, .passed, .inconclusive),
        (.passed, .notShown, .inconclusive),
    ])
    func replayVerdict(original: GateStatus, replay: GateStatus, expected: ReplayVerdict) {
        let (verdict, reason) = Replay.verdict(original: Self.judgement(original), replay: Self.judgement(replay))
        #expect(verdict == expected, "\(reason)")
        #expect(reason.contains("original \(original.rawValue)"))
    }
}
