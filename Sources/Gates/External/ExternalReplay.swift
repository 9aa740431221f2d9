import Foundation
import Evidence
import SwarmRuntime

/// `attest verify --replay` of an external-command bundle: runs the recorded commands again in the
/// recorded folder (when they exist here), compares the executables' and argument files' SHA-256
/// with the recorded ones, checks that every output has the recorded digest, and judges the
/// criterion with this machine's parallelism.
enum ExternalReplay {
    static func run(record: VerifiedStatement, progress: @escaping (String) -> Void) throws -> ReplayResult {
        let parameters: ExternalProof.Parameters
        let originalMeasurements: ExternalProof.Measurements
        let criteria: ConcurrencyProof.Criteria
        do {
            guard let p = record.predicate["parameters"], let m = record.predicate["measurements"], let c = record.predicate["criteria"] else {
                throw Replay.Failure.unreadable("parameters, measurements or criteria missing")
            }
            parameters = try p.decode(ExternalProof.Parameters.self)
            originalMeasurements = try m.decode(ExternalProof.Measurements.self)
            criteria = try c.decode(ConcurrencyProof.Criteria.self)
        } catch let failure as Replay.Failure {
            throw failure
        } catch {
            throw Replay.Failure.unreadable("\(error)")
        }
        let original = ExternalProof.judge(parameters: parameters, measurements: originalMeasurements, criteria: criteria)
        var result = ReplayResult(
            verdict: .inconclusive, reason: "", findings: [], original: original.figures,
            originalParallelism: originalMeasurements.availableParallelism,
            originalDerivation: originalMeasurements.availableParallelismDerivation,
            replay: nil, replayParallelism: nil, replayDerivation: nil, replayOutcome: nil, replayMeasurements: nil)

        // 1. The same commands, if they can run here.
        let directory = URL(fileURLWithPath: parameters.target.cwd)
        let configuration = ExternalCommandConfiguration(
            command: parameters.target.command, baselineCommand: parameters.baseline.command, shell: parameters.target.shell,
            resultFile: parameters.resultFile, directory: directory)
        let commands: (parallel: PreparedCommand, baseline: PreparedCommand)
        do {
            commands = try configuration.prepare()
        } catch {
            result.reason = "the recorded command cannot run here: \(error.message)"
            return result
        }
        var sameProgram = true
        for (recorded, here) in [(parameters.target, commands.parallel.target), (parameters.baseline, commands.baseline.target)] {
            let same = recorded.executableSHA256 == here.executableSHA256 && recorded.argvSHA256 == here.argvSHA256
            sameProgram = sameProgram && same
            result.notes.append("\(recorded.role) executable \(here.executableResolved): recorded SHA-256 \(recorded.executableSHA256), here \(here.executableSHA256) — \(same ? "same" : "DIFFERENT")")
            for file in recorded.argumentFiles {
                let found = here.argumentFiles.first { $0.argument == file.argument }?.sha256 ?? "(missing)"
                sameProgram = sameProgram && found == file.sha256
                result.notes.append("\(recorded.role) argument \(file.argument): recorded SHA-256 \(file.sha256), here \(found) — \(found == file.sha256 ? "same" : "DIFFERENT")")
            }
        }

        // 2. The same protocol, judged with this machine's parallelism.
        let snapshot = SystemProbe.snapshot()
        let runner = ExternalRunner(cpus: snapshot.affinityCPUs, resultFile: configuration.resultFileURL, sampleHz: parameters.sampleHz)
        let measurements: ExternalProof.Measurements
        // The replay is judged by today's interval rule whatever rule the original used.
        var replayParameters = parameters
        replayParameters.maxRounds = Replay.replayMaxRounds(minimum: parameters.rounds, recorded: parameters.maxRounds)
        do {
            measurements = try ExternalMeasurer.measure(
                parallel: commands.parallel, baseline: commands.baseline, parameters: replayParameters, runner: runner,
                snapshot: snapshot) { phase, round, total in
                    progress(round.map { "\(phase) (round \($0)/\(total ?? 0))" } ?? phase)
                }
        } catch let error as ExternalCommandError {
            result.verdict = .notReproduced
            result.reason = "the recorded command failed here: \(error.message)"
            return result
        }

        // 3. The same outputs as recorded.
        let recordedOutput = originalMeasurements.rounds.first?.baseline.outputSHA256 ?? "(none recorded)"
        let replayRuns = (measurements.warmup + measurements.rounds).flatMap { [$0.baseline, $0.parallel] }
        for run in replayRuns where run.outputSHA256 != recordedOutput {
            result.findings.append(Finding(
                code: "replay.output-mismatch",
                message: "a \(run.role) run's output has SHA-256 \(run.outputSHA256), the recorded output \(recordedOutput) — not the recorded work"))
        }
        let replay = ExternalProof.judge(parameters: replayParameters, measurements: measurements, criteria: .standard)
        result.replay = replay.figures
        result.replayParallelism = measurements.availableParallelism
        result.replayDerivation = measurements.availableParallelismDerivation
        result.replayOutcome = replay.outcome
        result.replayExternalMeasurements = measurements
        if !result.findings.isEmpty {
            result.verdict = .notReproduced
            result.reason = "the outputs here differ from the recorded ones"
        } else if !sameProgram {
            result.verdict = .inconclusive
            result.reason = "the executable or a script here differs from the recorded one: the replay measured another program (\(replay.outcome.summary))"
        } else {
            (result.verdict, result.reason) = Replay.verdict(original: original, replay: replay)
        }
        return result
    }
}
