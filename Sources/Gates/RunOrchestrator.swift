import Foundation
import Evidence
import SwarmRuntime

/// Runs the selected gates in order, records each as a signed, chained record, seals the bundle
/// and writes every output atomically. The CLI only renders its events and result.
package final class RunOrchestrator {
    let configuration: RunConfiguration
    let progress: @Sendable (RunEvent) -> Void
    private let measurer: SwarmMeasurer

    package init(configuration: RunConfiguration, progress: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.progress = progress
        self.measurer = SwarmMeasurer(mode: configuration.mode, sampleHz: configuration.sampleHz)
    }

    package func run() throws -> RunResult {
        let runClock = MonotonicStopwatch()
        var timings = PhaseTimings()
        try configuration.validate()
        let (signingKey, publicKeyFile) = try loadOrCreateKey()
        let outputs = try RunOutputs(directory: configuration.outputDirectory)
        let git = GitSnapshot.read(at: configuration.repositoryDirectory, trustOwnership: configuration.trustRepositoryOwner,
                                   ownOutputs: ownOutputs(publicKeyFile: publicKeyFile))
        if case .repository(let state) = git, state.dirty { progress(.dirtyTree(state)) }
        let system = measurer.systemInfo()
        let subject = try makeSubject(git: git)
        let builder = try BundleBuilder(signingKey: signingKey, subject: subject)
        let runID = builder.runID
        let runStartedAt = Date()
        timings.setupSeconds = runClock.seconds

        var gateRuns: [GateRun] = []
        var statuses: [GateKind: GateStatus] = [:]
        var threadedFigures = GateContext()
        var scaling: Scaling.Figures?
        for gate in configuration.gates {
            progress(.gateStarted(gate, expectedSeconds: expectedSeconds(gate)))
            let startedAt = Date()
            let gateClock = MonotonicStopwatch()
            let record = try measure(gate, runID: runID, context: &threadedFigures)
            let seconds = gateClock.seconds
            timings.measuredSeconds += seconds
            let finishedAt = Date()
            let evidenceClock = MonotonicStopwatch()
            let content = GateRecordContent(
                gate: GateIdentity(number: gate.rawValue, name: gate.name, title: gate.title, critical: gate.isCritical),
                startedAt: startedAt, finishedAt: finishedAt, durationSeconds: seconds,
                system: system, git: git,
                parameters: record.parameters, measurements: record.measurements, criteria: record.criteria,
                result: GateResultRecord(status: record.outcome.status.rawValue, passed: record.outcome.status.passed,
                                         summary: record.outcome.summary))
            let statementPayload = try builder.append(gate: content)
            try Interruption.shared.check()
            let resultFile = try outputs.writeGateResult(gate, payload: statementPayload)
            timings.evidenceSeconds += evidenceClock.seconds
            statuses[gate] = record.outcome.status
            gateRuns.append(GateRun(kind: gate, outcome: record.outcome, diagnosis: record.diagnosis,
                                    resultFile: resultFile, seconds: seconds))
            progress(.gateFinished(gate, record.outcome, seconds: seconds))
            if gate == .concurrencyProof && !configuration.scalingCounts.isEmpty {
                let measuredScaling = try measureScaling(runID: runID, builder: builder, system: system,
                                                         outputs: outputs, context: threadedFigures)
                scaling = measuredScaling.figures
                timings.measuredSeconds += measuredScaling.seconds
            }
        }

        let evidenceClock = MonotonicStopwatch()
        let verdict = Verdict.derive(from: statuses)
        try appendTestResult(builder: builder, statuses: statuses)
        let bundle = try builder.seal(
            gates: gateRuns.map { GateSummaryEntry(number: $0.kind.rawValue, name: $0.kind.name,
                                                   status: $0.outcome.status.rawValue, passed: $0.outcome.status.passed) },
            verdict: verdict.rawValue, startedAt: runStartedAt, finishedAt: Date(), system: system, git: git)
        let shortCommit = subject.shortName
        let (bundleFile, archiveFile) = try outputs.writeBundle(bundle, shortCommit: shortCommit)
        let jsonLinesFile = try outputs.writeJSONLines(bundle)
        timings.evidenceSeconds += evidenceClock.seconds
        timings.totalSeconds = runClock.seconds
        return RunResult(runID: runID, gates: gateRuns, verdict: verdict, bundleFile: bundleFile, archiveFile: archiveFile,
                         keyID: signingKey.publicKey.keyID, publicKeyFile: publicKeyFile, subject: subject.description,
                         timings: timings, scaling: scaling, git: git, jsonLinesFile: jsonLinesFile)
    }

    /// Gate 2's protocol at each scaling count, recorded as a scaling record right after gate 2's
    /// (and in `gate2_scaling_results.json`). It informs: no gate status or verdict reads it.
    private func measureScaling(runID: String, builder: BundleBuilder, system: SystemInfo,
                                outputs: RunOutputs, context: GateContext) throws -> (figures: Scaling.Figures, seconds: Double) {
        let progress = self.progress
        let expected = Scaling.counts(requested: configuration.scalingCounts, availableParallelism: system.availableParallelism)
        progress(.scalingStarted(counts: expected, expectedSeconds: expected.reduce(0) { $0 + expectedProofSeconds(workers: $1) }))
        let startedAt = Date()
        let clock = MonotonicStopwatch()
        let (parameters, points) = try measurer.scaling(
            requested: configuration.scalingCounts, taskSeconds: configuration.taskSeconds, budget: configuration.roundBudget,
            runID: runID, calibration: context.calibration,
            progress: { phase, round, total in progress(.phase(.concurrencyProof, phase, round: round, of: total)) })
        let seconds = clock.seconds
        let criteria = ConcurrencyProof.Criteria.standard
        let record = Scaling.Record(parameters: parameters, criteria: criteria, points: points,
                                    figures: Scaling.figures(points: points, criteria: criteria))
        guard case .object(var predicate) = try JSONValue(encoding: record) else {
            throw GateError.swarmFailed("the scaling record could not be encoded")
        }
        predicate["startedAt"] = .string(Timestamp.format(startedAt))
        predicate["finishedAt"] = .string(Timestamp.format(Date()))
        predicate["durationSeconds"] = .number(seconds)
        predicate["system"] = try JSONValue(encoding: system)
        let payload = try builder.append(predicateType: PredicateType.scaling, predicate: predicate)
        try Interruption.shared.check()
        _ = try outputs.writeScalingResult(payload: payload)
        progress(.scalingFinished(record.figures, seconds: seconds))
        return (record.figures, seconds)
    }

    /// What one gate produced, ready to be recorded.
    struct MeasuredGate {
        var parameters: JSONValue
        var measurements: JSONValue
        var criteria: JSONValue
        var outcome: GateOutcome
        var diagnosis: [String]
    }

    private func measure(_ gate: GateKind, runID: String, context: inout GateContext) throws -> MeasuredGate {
        if let external = configuration.external {
            return try measureExternal(gate, external, context: &context)
        }
        let progress = self.progress
        switch gate {
        case .codeAudit:
            let (parameters, measurements) = try CodeAudit.measure(directory: configuration.auditPath)
            let outcome = CodeAudit.evaluate(measurements)
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: CodeAudit.Criteria.standard), outcome: outcome,
                                    diagnosis: outcome.status.passed ? [] : ["the audited sources do not show OS threads in the bot and manager; \(CodeAudit.weakEvidenceNote)"])
        case .concurrencyProof:
            let (parameters, measurements, calibration) = try measurer.concurrencyProof(
                workers: configuration.workers, taskSeconds: configuration.taskSeconds, budget: configuration.roundBudget,
                runID: runID, progress: { phase, round, total in progress(.phase(gate, phase, round: round, of: total)) })
            let judgement = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: .standard)
            context.calibration = calibration
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: ConcurrencyProof.Criteria.standard), outcome: judgement.outcome,
                                    diagnosis: judgement.diagnosis)
        case .threadCount:
            let (parameters, measurements) = try measurer.threadCount(
                bots: configuration.bots, seconds: configuration.threadSampleSeconds,
                samples: { progress(.samples(gate, taken: $0)) })
            let outcome = ThreadCount.evaluate(parameters: parameters, measurements: measurements)
            let diagnosis = outcome.status.passed ? [] : [
                configuration.mode == .cooperative
                    ? "cooperative mode runs every bot on one OS thread: the OS sees 1 thread, not \(configuration.bots)"
                    : "fewer OS threads than bots were alive: check `ulimit -u` and that no bot exited early",
            ]
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: ThreadCount.Criteria.standard), outcome: outcome, diagnosis: diagnosis)
        case .cpuUtilization:
            let (parameters, measurements) = try measurer.cpuUtilization(
                bots: configuration.bots, seconds: configuration.cpuSampleSeconds,
                calibration: context.calibration,
                samples: { progress(.samples(gate, taken: $0)) })
            let outcome = CPUUtilization.evaluate(measurements: measurements, criteria: .standard)
            var diagnosis: [String] = []
            if !outcome.status.passed {
                diagnosis.append("only \(measurements.availableParallelism) CPU(s) available to this process (\(measurements.availableParallelismDerivation))")
                if configuration.mode == .cooperative { diagnosis.append("cooperative mode keeps every bot on one core") }
            }
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: CPUUtilization.Criteria.standard), outcome: outcome, diagnosis: diagnosis)
        case .baselineComparison:
            let (parameters, measurements) = try measurer.baselineComparison(
                workers: configuration.workers, taskSeconds: configuration.taskSeconds, rounds: configuration.rounds, runID: runID,
                calibration: context.calibration, progress: { phase in progress(.phase(gate, phase, round: nil, of: nil)) })
            let outcome = BaselineComparison.evaluate(measurements: measurements, criteria: .standard)
            let diagnosis = outcome.status.passed ? [] : ["the run's mode (\(configuration.mode.rawValue)) is not better than the cooperative single-thread baseline: the bots do not run in parallel"]
            return try MeasuredGate(parameters: JSONValue(encoding: parameters), measurements: JSONValue(encoding: measurements),
                                    criteria: JSONValue(encoding: BaselineComparison.Criteria.standard), outcome: outcome, diagnosis: diagnosis)
        }
    }

    private func expectedSeconds(_ gate: GateKind) -> Double {
        if configuration.external != nil {
            // Unknown until the commands have run (0: the display shows no estimate); gates 3-5
            // reuse gate 2's runs, unless gate 2 was not asked for.
            return gate == .codeAudit ? 1 : 0
        }
        let t = configuration.taskSeconds
        let w = Double(configuration.workers)
        switch gate {
        case .codeAudit: return 1
        case .concurrencyProof: return expectedProofSeconds(workers: configuration.workers)
        case .threadCount: return configuration.threadSampleSeconds + 1
        case .cpuUtilization: return configuration.cpuSampleSeconds + 1
        case .baselineComparison: return w * t * 1.5 + 1
        }
    }

    /// Gate 2's protocol at W workers: warm-up plus rounds, each a sequential (W·T) and a parallel
    /// (≈ W·T/k) run, plus controls.
    private func expectedProofSeconds(workers: Int) -> Double {
        let t = configuration.taskSeconds
        let w = Double(workers)
        return Double(configuration.rounds + 1) * (w * t + w * t / 2) + w * t + 2
    }

    private func loadOrCreateKey() throws -> (SigningKey, URL) {
        let keyFile = configuration.keyFile
        let publicFile = keyFile.deletingPathExtension().appendingPathExtension("pub")
        if FileManager.default.fileExists(atPath: keyFile.path) || !configuration.createKeyIfMissing {
            return (try SigningKey.load(pemFile: keyFile), publicFile)
        }
        do {
            let created = try KeyFiles.generate(in: keyFile.deletingLastPathComponent(), force: false)
            progress(.keyCreated(keyID: created.keyID, privateKey: created.privateKey, publicKey: created.publicKey))
            return (try SigningKey.load(pemFile: created.privateKey), created.publicKey)
        } catch EvidenceError.keyExists {
            // Another run made the key a moment ago: use it.
            return (try SigningKey.load(pemFile: keyFile), publicFile)
        }
    }

    /// The verdict as in-toto's Test Results predicate, signed in the chain before the seal.
    private func appendTestResult(builder: BundleBuilder, statuses: [GateKind: GateStatus]) throws {
        var commands: [CommandTarget] = []
        if let external = configuration.external {
            let prepared = try external.prepare()
            commands = [prepared.parallel.target, prepared.baseline.target]
        }
        let resources = try TestResultRecord.configuration(executable: TestResultRecord.runningExecutable, commands: commands)
        let derived = TestResultRecord.derive(statuses.map { ($0.key, $0.value) })
        try builder.append(predicateType: PredicateType.testResult,
                           predicate: TestResultRecord.predicate(derived, configuration: resources, at: Date()))
    }

    /// attest's own files: the key pair and the output folder never make the tree dirty.
    private func ownOutputs(publicKeyFile: URL) -> [URL] {
        [configuration.keyFile, publicKeyFile, configuration.outputDirectory]
    }

    /// The commit when the tree is clean; when it is dirty, what was measured: the working tree's
    /// tracked content as a git tree (the commit stays in the records' `git.commit`).
    private func makeSubject(git: GitReading) throws -> Subject {
        if case .repository(let state) = git {
            if state.dirty, let tree = state.workingTree { return Subject.gitTree(name: state.repository, tree: tree) }
            return Subject.gitCommit(name: state.repository, commit: state.commit)
        }
        // No commit to name: pin the audited sources instead, and say why in the record.
        let (_, audit) = try CodeAudit.measure(directory: configuration.auditPath)
        let listing = audit.files.map { "\($0.sha256)  \($0.path)\n" }.joined()
        return Subject.sourceDigest(name: configuration.auditPath.lastPathComponent, sha256: SHA256Digest.hex(Data(listing.utf8)))
    }
}

/// Figures one gate hands to a later one (gate 4 sizes its work from gate 2's calibration).
struct GateContext {
    var calibration: WorkKernel.Calibration?
    /// An external command's measuring session, shared by gates 2-5.
    var externalSession: ExternalSession?
}

/// Seconds from a monotonic clock since creation.
struct MonotonicStopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
