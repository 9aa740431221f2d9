package import Evidence
import SwarmRuntime

/// How a replay of the concurrency proof ended on this machine.
package enum ReplayVerdict: String, Sendable {
    /// The recorded work was redone with the same outputs, and the replay's intervals reached the
    /// same decided outcome (passed or failed) as the original's.
    case reproduced = "REPRODUCED"
    /// The replay reached the other decided outcome, or the recorded work was not what was done.
    case notReproduced = "NOT REPRODUCED"
    /// Either side undecided (one CPU, load from other processes, intervals that straddle the line).
    case inconclusive = "INCONCLUSIVE"
}

/// The outcome of `attest verify --replay`, with the original and replay figures side by side.
package struct ReplayResult: Sendable {
    package var verdict: ReplayVerdict
    package var reason: String
    package var findings: [Finding]
    package var original: ConcurrencyProof.Figures?
    package var originalParallelism: Int
    package var originalDerivation: String
    package var replay: ConcurrencyProof.Figures?
    package var replayParallelism: Int?
    package var replayDerivation: String?
    package var replayOutcome: GateOutcome?
    /// The replay's raw measurements (nil when the digest check stopped it).
    package var replayMeasurements: ConcurrencyProof.Measurements?
    /// What was compared besides the figures (for an external command: the executable's and the
    /// argument files' SHA-256, recorded and here).
    package var notes: [String] = []
    /// An external command's replay measurements (nil for the built-in proof).
    package var replayExternalMeasurements: ExternalProof.Measurements? = nil
}

/// Re-runs gate 2 with a verified bundle's recorded parameters (W, iterations, per-task seeds,
/// rounds) and judges it with this machine's available parallelism.
package enum Replay {
    package enum Failure: Error, HintedError {
        case noConcurrencyProof
        case unreadable(String)

        package var message: String {
            switch self {
            case .noConcurrencyProof: "the bundle has no concurrency-proof (gate 2) record to replay"
            case .unreadable(let reason): "the gate 2 record cannot be read for a replay: \(reason)"
            }
        }

        package var hint: String? {
            switch self {
            case .noConcurrencyProof: "replay needs a bundle from `attest run` with gate 2 (the default, or --quick)"
            case .unreadable: "the bundle verified but its gate 2 record is not in the format this attest writes"
            }
        }
    }

    /// The replay's round budget: the original's, or the run's default for a bundle of the first rule.
    static func replayMaxRounds(minimum: Int, recorded: Int?) -> Int {
        max(minimum, recorded ?? RunConfiguration.defaultMaxRounds)
    }

    /// - Parameter statements: the verified bundle's statements (VerificationReport.statements).
    package static func run(statements: [VerifiedStatement], progress: @escaping (String) -> Void = { _ in }) throws -> ReplayResult {
        guard let record = statements.first(where: {
            $0.predicateType == PredicateType.gate && $0.predicate["gate"]?["number"]?.intValue == GateKind.concurrencyProof.rawValue
        }) else { throw Failure.noConcurrencyProof }
        if let parameters = record.predicate["parameters"], CommandTarget.isExternal(parameters) {
            return try ExternalReplay.run(record: record, progress: progress)
        }
        let parameters: ConcurrencyProof.Parameters
        let originalMeasurements: ConcurrencyProof.Measurements
        let criteria: ConcurrencyProof.Criteria
        do {
            guard let p = record.predicate["parameters"], let m = record.predicate["measurements"], let c = record.predicate["criteria"] else {
                throw Failure.unreadable("parameters, measurements or criteria missing")
            }
            parameters = try p.decode(ConcurrencyProof.Parameters.self)
            originalMeasurements = try m.decode(ConcurrencyProof.Measurements.self)
            criteria = try c.decode(ConcurrencyProof.Criteria.self)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable("\(error)")
        }
        let original = ConcurrencyProof.judge(parameters: parameters, measurements: originalMeasurements, criteria: criteria)
        var result = ReplayResult(
            verdict: .notReproduced, reason: "", findings: [], original: original.figures,
            originalParallelism: originalMeasurements.availableParallelism,
            originalDerivation: originalMeasurements.availableParallelismDerivation,
            replay: nil, replayParallelism: nil, replayDerivation: nil, replayOutcome: nil, replayMeasurements: nil)

        // 1. The same work: every task's output must be the recorded one. Invented digests end here.
        let measurer = SwarmMeasurer(mode: .threaded, sampleHz: 1)
        progress("redoing the \(parameters.workers) recorded tasks to check their output digests")
        let tasks = parameters.seeds.map { BotTask.work(seed: UInt64($0) ?? 0, iterations: parameters.iterationsPerTask) }
        let check = try measurer.runConfiguration(tasks, parallel: false, cpus: SystemProbe.affinityCPUs())
        let recorded = originalMeasurements.rounds.first?.sequential.tasks.sorted { $0.index < $1.index } ?? []
        for task in check.tasks {
            let expected = recorded.first { $0.index == task.index }?.digest ?? "(none recorded)"
            if expected != task.digest {
                result.findings.append(Finding(
                    code: "replay.digest-mismatch",
                    message: "task \(task.index) (seed \(task.seed), \(task.iterations) iterations): recorded digest \(expected), recomputed \(task.digest) — the recorded work was not what was done"))
            }
        }
        if !result.findings.isEmpty {
            result.reason = "the recorded output digests do not match the work"
            return result
        }

        // 2. The claim, judged with this machine's parallelism.
        // The replay is judged by today's interval rule whatever rule the original used.
        var replayParameters = parameters
        replayParameters.maxRounds = replayMaxRounds(minimum: parameters.rounds, recorded: parameters.maxRounds)
        let measurements = try measurer.proofMeasurements(parameters: replayParameters, calibration: originalMeasurements.calibration) { phase, round, total in
            progress(round.map { "\(phase) (round \($0)/\(total ?? 0))" } ?? phase)
        }
        let replay = ConcurrencyProof.judge(parameters: replayParameters, measurements: measurements, criteria: .standard)
        result.replay = replay.figures
        result.replayParallelism = measurements.availableParallelism
        result.replayDerivation = measurements.availableParallelismDerivation
        result.replayOutcome = replay.outcome
        result.replayMeasurements = measurements
        (result.verdict, result.reason) = verdict(original: original, replay: replay)
        return result
    }

    /// The replay's verdict: the original's outcome and the replay's, each decided by its own
    /// intervals. The same decided outcome → reproduced; the other decided outcome → not
    /// reproduced; anything undecided on either side (inconclusive, one CPU, a broken control)
    /// → inconclusive. A failed original that fails again is reproduced too: the claim is the outcome.
    static func verdict(original: ConcurrencyProof.Judgement, replay: ConcurrencyProof.Judgement) -> (ReplayVerdict, String) {
        let before = original.outcome.status
        let after = replay.outcome.status
        let originalS = interval(original.figures)
        let replayS = interval(replay.figures)
        let sides = "original \(before.rawValue) with S = \(originalS), replay \(after.rawValue) with S = \(replayS)"
        let decided: Set<GateStatus> = [.passed, .failed]
        guard decided.contains(after) else {
            return (.inconclusive, "\(replay.outcome.summary) — the replay did not reach a decision here (\(sides))")
        }
        guard decided.contains(before) else {
            return (.inconclusive, "the original outcome was not decided (\(sides)): there is no decided claim to reproduce")
        }
        if before == after {
            return (.reproduced, "the replay reached the original's outcome, \(after.rawValue) (\(sides))")
        }
        return (.notReproduced, "the replay reached the other outcome (\(sides)): \(replay.outcome.summary)")
    }

    /// "1.93 (95% CI 1.85–2.01)" for figures of the interval rule, the median S for the first rule.
    package static func interval(_ figures: ConcurrencyProof.Figures?) -> String {
        guard let figures else { return "none" }
        return figures.analysis?.speedup.text ?? "\(ConcurrencyProof.format(figures.speedup)) (median rule, no interval)"
    }
}
