import Foundation
import Evidence
import SwarmRuntime

/// One measuring session of an external command: a warm-up round, R rounds of (baseline,
/// parallel) in random order, and the negative control. Gates 2–5 of an external run are all
/// judged from this one session's runs (each record holds the figures its criterion reads).
struct ExternalSession: Sendable {
    var parameters: ExternalProof.Parameters
    var measurements: ExternalProof.Measurements
}

struct ExternalMeasurer {
    let configuration: ExternalCommandConfiguration
    let workers: Int
    let rounds: Int
    let sampleHz: Double
    /// Rounds may be added up to this many while the intervals cannot decide (nil: exactly `rounds`).
    var maxRounds: Int? = nil
    var timeBudgetSeconds: Double? = nil

    static let protocolDescription =
        "1 warm-up round, then R rounds each running the baseline and the parallel command once in random order; then the parallel command with its affinity set to one CPU (negative control); medians over the rounds"

    /// Runs the protocol. `progress` receives a phase, the round and the round count.
    func session(progress: (String, Int?, Int?) -> Void) throws -> ExternalSession {
        let commands = try configuration.prepare()
        let snapshot = SystemProbe.snapshot()
        let runner = ExternalRunner(cpus: snapshot.affinityCPUs, resultFile: configuration.resultFileURL, sampleHz: sampleHz)
        let parameters = ExternalProof.Parameters(
            target: commands.parallel.target, baseline: commands.baseline.target, workers: workers, rounds: rounds,
            warmupRounds: 1, resultFile: configuration.resultFileURL?.path, sampleHz: sampleHz,
            protocolDescription: Self.protocolDescription, maxRounds: max(rounds, maxRounds ?? rounds),
            timeBudgetSeconds: timeBudgetSeconds)
        let measurements = try Self.measure(parallel: commands.parallel, baseline: commands.baseline, parameters: parameters,
                                            runner: runner, snapshot: snapshot, progress: progress)
        return ExternalSession(parameters: parameters, measurements: measurements)
    }

    /// The protocol for prepared commands: used by a run and by a replay.
    static func measure(parallel: PreparedCommand, baseline: PreparedCommand, parameters: ExternalProof.Parameters,
                        criteria: ConcurrencyProof.Criteria = .standard, runner: ExternalRunner,
                        snapshot: SystemSnapshot, progress: (String, Int?, Int?) -> Void) throws -> ExternalProof.Measurements {
        var generator = SystemRandomNumberGenerator()
        let budget = parameters.budget
        let k = max(1, min(parameters.workers, snapshot.availableParallelism))
        let probeIterations = criteria.maxProbeDrift == nil ? 0 : WorkKernel.calibrate(targetSeconds: 0.03).iterations
        func round(_ index: Int, label: String) throws -> ExternalProof.Round {
            let order = Bool.random(using: &generator) ? ["baseline", "parallel"] : ["parallel", "baseline"]
            var runs: [String: ExternalProof.CommandRun] = [:]
            var probes: [String: [ConcurrencyProof.SpeedProbe]] = [:]
            for role in order {
                progress("\(label): \(role) command", index, budget.maxRounds)
                if criteria.maxProbeDrift != nil {
                    probes[role] = try SwarmMeasurer.probe(cpus: snapshot.affinityCPUs, iterations: probeIterations)
                }
                runs[role] = try runner.run(role == "baseline" ? baseline : parallel)
            }
            guard let baselineRun = runs["baseline"], let parallelRun = runs["parallel"] else {
                throw ExternalCommandError.spawnFailed(flag: "--cmd", reason: "a command did not run")
            }
            var round = ExternalProof.Round(index: index, order: order, baseline: baselineRun, parallel: parallelRun,
                                            baselineProbes: probes["baseline"], parallelProbes: probes["parallel"])
            if criteria.maxProbeDrift != nil {
                round.disturbed = PairedRounds.isDisturbed(round.baselineProbes, round.parallelProbes, criteria: criteria)
            }
            return round
        }
        let warmup = try round(0, label: "warm-up")
        let (measured, analysis) = try PairedRounds.measure(criteria: criteria, budget: budget, k: k,
                                                            round: { try round($0, label: "round") },
                                                            paired: { ExternalProof.pairedRounds($0, criteria: criteria) },
                                                            digestsEqual: { ExternalProof.sameWork([warmup] + $0) })
        let pinCPU = snapshot.affinityCPUs.first ?? 0
        progress("negative control: the parallel command pinned to CPU \(pinCPU)", nil, nil)
        let pinned = try runner.run(parallel, pinnedCPU: pinCPU)
        return ExternalProof.Measurements(
            availableParallelism: snapshot.availableParallelism,
            availableParallelismDerivation: snapshot.availableParallelismDerivation,
            affinityCPUs: snapshot.affinityCPUs, warmup: [warmup], rounds: measured,
            controls: [.init(name: "pinned_one_cpu", description: "the parallel command with its affinity set to CPU \(pinCPU)", parallel: pinned)],
            analysis: analysis, hardwareCounters: HardwareCounters.availability())
    }
}

extension RunOrchestrator {
    /// One gate of an external-command run. Gate 1 audits the sources; gates 2–5 share one session.
    func measureExternal(_ gate: GateKind, _ external: ExternalCommandConfiguration,
                         context: inout GateContext) throws -> MeasuredGate {
        let progress = self.progress
        if gate == .codeAudit {
            let (parameters, measurements) = try CodeAudit.measure(directory: configuration.auditPath)
            let outcome = CodeAudit.evaluate(measurements)
            let target = try external.prepare().parallel.target
            return try MeasuredGate(
                parameters: Self.adding(target: target, to: JSONValue(encoding: parameters)),
                measurements: JSONValue(encoding: measurements), criteria: JSONValue(encoding: CodeAudit.Criteria.standard),
                outcome: outcome,
                diagnosis: outcome.status.passed ? [] : ["the audited sources do not show OS threads or processes in the bot and manager; \(CodeAudit.weakEvidenceNote)"])
        }
        let session: ExternalSession
        if let existing = context.externalSession {
            session = existing
        } else {
            let budget = configuration.roundBudget
            let measurer = ExternalMeasurer(configuration: external, workers: configuration.workers, rounds: budget.minRounds,
                                            sampleHz: 20, maxRounds: budget.maxRounds, timeBudgetSeconds: budget.seconds)
            session = try measurer.session { phase, round, total in progress(.phase(gate, phase, round: round, of: total)) }
            context.externalSession = session
        }
        let target = session.parameters.target
        let derived = ExternalDerivedGates.Parameters(target: target, baseline: session.parameters.baseline,
                                                      source: "the measured rounds of gate 2's session (the same runs)")
        switch gate {
        case .codeAudit, .concurrencyProof:
            let judgement = ExternalProof.judge(parameters: session.parameters, measurements: session.measurements, criteria: .standard)
            return try MeasuredGate(parameters: JSONValue(encoding: session.parameters), measurements: JSONValue(encoding: session.measurements),
                                    criteria: JSONValue(encoding: ConcurrencyProof.Criteria.standard), outcome: judgement.outcome,
                                    diagnosis: judgement.diagnosis)
        case .threadCount:
            let parameters = ExternalThreadCount.Parameters(target: target, bots: configuration.bots, sampleHz: session.parameters.sampleHz,
                                                            source: derived.source)
            let measurements = ExternalThreadCount.measurements(session.measurements.rounds)
            let outcome = ExternalThreadCount.evaluate(parameters: parameters, measurements: measurements)
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: ExternalThreadCount.Criteria.standard), outcome: outcome,
                                    diagnosis: outcome.status.passed ? [] : ["the command's process tree held fewer OS threads than --bots \(configuration.bots): check the claim, or that the workers are threads or processes and not coroutines"])
        case .cpuUtilization:
            let measurements = ExternalDerivedGates.cpuUtilization(session.measurements)
            let outcome = CPUUtilization.evaluate(measurements: measurements, criteria: .standard)
            return try MeasuredGate(parameters: JSONValue(encoding: derived), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: CPUUtilization.Criteria.standard), outcome: outcome,
                                    diagnosis: outcome.status.passed ? [] : ["the command's threads loaded fewer cores than 0.8·P (P = \(measurements.availableParallelism), \(measurements.availableParallelismDerivation))"])
        case .baselineComparison:
            guard let measurements = ExternalDerivedGates.comparison(session.measurements) else {
                throw ExternalCommandError.spawnFailed(flag: "--cmd", reason: "no measured round to compare")
            }
            let outcome = BaselineComparison.evaluate(measurements: measurements, criteria: .standard)
            return try MeasuredGate(parameters: JSONValue(encoding: derived), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: BaselineComparison.Criteria.standard), outcome: outcome,
                                    diagnosis: outcome.status.passed ? [] : ["the parallel command is not better than the baseline command in enough ways"])
        }
    }

    /// `parameters` with `target` added: every record of an external run names the command.
    static func adding(target: CommandTarget, to parameters: JSONValue) throws -> JSONValue {
        guard case .object(var object) = parameters else { return parameters }
        object["target"] = try JSONValue(encoding: target)
        return .object(object)
    }
}
