package import Foundation
package import Evidence

/// How the swarm executes bots during a run.
package enum ExecutionMode: String, Codable, Sendable, CaseIterable {
    /// One OS thread per bot.
    case threaded
    /// Every bot multiplexed on one OS thread: the asyncio-like baseline that must fail the proof.
    case cooperative
}

/// Everything `attest run` needs to know, validated before any work starts.
package struct RunConfiguration: Sendable, Equatable {
    package var gates: [GateKind]
    package var bots: Int
    package var workers: Int
    package var taskSeconds: Double
    /// The minimum of measured rounds of gate 2 (after one warm-up).
    package var rounds: Int
    /// While gate 2's intervals cannot decide, rounds are added one at a time up to this many
    /// (never fewer than `rounds`).
    package var maxRounds = RunConfiguration.defaultMaxRounds
    package static let defaultMaxRounds = 12
    /// …or until the measured rounds' wall time (both configurations) reaches this many seconds.
    package var timeBudgetSeconds: Double?
    package var threadSampleSeconds: Double
    package var cpuSampleSeconds: Double
    package var sampleHz: Double
    package var mode: ExecutionMode
    package var auditPath: URL
    /// Where gate files and the bundle go (`.checkpoints`).
    package var outputDirectory: URL
    /// The private key that signs the bundle; created with its public half on first use.
    package var keyFile: URL
    /// Create `keyFile` (and its `.pub`) when it does not exist. True for the default key only:
    /// a key path the user named must exist.
    package var createKeyIfMissing: Bool
    /// Where the code under test lives (its git commit is the bundle's subject).
    package var repositoryDirectory: URL
    /// Read a repository owned by another user (libgit2's ownership check off), when asked.
    package var trustRepositoryOwner = false
    /// Worker counts for a scaling curve (`--scaling 1,2,4,8`): gate 2's protocol at each count,
    /// capped at P (`Scaling.capRule`). Empty: no scaling.
    package var scalingCounts: [Int] = []
    /// Measure this external command (and its baseline) instead of the built-in swarm.
    package var external: ExternalCommandConfiguration?

    /// Limits that keep a run meaningful and finite. Bots beyond the maximum would exhaust
    /// thread limits long before proving anything.
    package static let botRange = 1...10_000
    package static let workerRange = 1...256
    package static let roundRange = 1...100
    package static let secondsRange = 0.01...3_600.0

    package init(gates: [GateKind] = GateKind.allCases, bots: Int = 24, workers: Int = 4, taskSeconds: Double = 2,
                rounds: Int = 3, threadSampleSeconds: Double = 30, cpuSampleSeconds: Double = 60, sampleHz: Double = 1,
                mode: ExecutionMode = .threaded, auditPath: URL, outputDirectory: URL, keyFile: URL, createKeyIfMissing: Bool = false, repositoryDirectory: URL) {
        self.gates = gates
        self.bots = bots
        self.workers = workers
        self.taskSeconds = taskSeconds
        self.rounds = rounds
        self.threadSampleSeconds = threadSampleSeconds
        self.cpuSampleSeconds = cpuSampleSeconds
        self.sampleHz = sampleHz
        self.mode = mode
        self.auditPath = auditPath
        self.outputDirectory = outputDirectory
        self.keyFile = keyFile
        self.createKeyIfMissing = createKeyIfMissing
        self.repositoryDirectory = repositoryDirectory
    }

    /// Gate 2's stopping rule for this run.
    package var roundBudget: PairedRounds.Budget {
        PairedRounds.Budget(minRounds: rounds, maxRounds: max(rounds, maxRounds), seconds: timeBudgetSeconds)
    }

    /// Throws the first parameter that is out of range, naming the flag and the allowed values.
    package func validate() throws(GateError) {
        func check(_ ok: Bool, _ name: String, _ value: String, _ expected: String) throws(GateError) {
            if !ok { throw GateError.invalidParameter(name: name, value: value, expected: expected) }
        }
        try check(!gates.isEmpty, "--gates", "(empty)", "listing at least one gate, e.g. 1,2")
        try check(Self.botRange.contains(bots), "--bots", "\(bots)", "from 1 to 10000")
        try check(Self.workerRange.contains(workers), "--workers", "\(workers)", "from 1 to 256")
        try check(Self.roundRange.contains(rounds), "--rounds", "\(rounds)", "from 1 to 100")
        try check(Self.roundRange.contains(maxRounds), "--max-rounds", "\(maxRounds)", "from 1 to 100")
        if let timeBudgetSeconds {
            try check(Self.secondsRange.contains(timeBudgetSeconds), "--time-budget", "\(timeBudgetSeconds)", "above 0.01 and at most 3600")
        }
        try check(Self.secondsRange.contains(taskSeconds), "--task-seconds", "\(taskSeconds)", "above 0.01 and at most 3600")
        try check(Self.secondsRange.contains(threadSampleSeconds), "--sample-seconds (D3)", "\(threadSampleSeconds)", "above 0.01 and at most 3600")
        try check(Self.secondsRange.contains(cpuSampleSeconds), "--sample-seconds (D4)", "\(cpuSampleSeconds)", "above 0.01 and at most 3600")
        if !scalingCounts.isEmpty {
            guard external == nil else {
                throw GateError.invalidOption(message: "--scaling measures the built-in swarm and cannot be combined with --cmd",
                                              hint: "run the external command at each worker count with its own `attest run --cmd`, or drop --scaling")
            }
            guard gates.contains(.concurrencyProof) else {
                throw GateError.invalidOption(message: "--scaling needs gate 2 (concurrency_proof): scaling repeats its protocol",
                                              hint: "add 2 to --gates, or drop --scaling")
            }
            guard scalingCounts.count <= Scaling.maximumCounts else {
                throw GateError.invalidOption(message: "--scaling lists \(scalingCounts.count) counts; at most \(Scaling.maximumCounts) are allowed",
                                              hint: "each count is a whole gate-2 protocol: give a few, e.g. --scaling 1,2,4,8")
            }
            for count in scalingCounts {
                try check(Self.workerRange.contains(count), "--scaling count", "\(count)", "from 1 to 256")
            }
        }
        try check((0.1...20).contains(sampleHz), "sample rate", "\(sampleHz)", "from 0.1 to 20 Hz")
        if let external {
            if mode != .threaded { throw GateError.external(.modeNotApplicable) }
            do { _ = try external.prepare() } catch { throw GateError.external(error) }
        }
    }
}

/// What a run reports while it works, for a live display. Plain values: the CLI decides how to show them.
package enum RunEvent: Sendable {
    case keyCreated(keyID: String, privateKey: URL, publicKey: URL)
    case gateStarted(GateKind, expectedSeconds: Double)
    case phase(GateKind, String, round: Int?, of: Int?)
    case samples(GateKind, taken: Int)
    case gateFinished(GateKind, GateOutcome, seconds: Double)
    /// Gate 2's protocol is about to run again at each of `counts` workers (after the cap rule).
    case scalingStarted(counts: [Int], expectedSeconds: Double)
    case scalingFinished(Scaling.Figures, seconds: Double)
    /// Tracked files are modified or staged: the run measures the working tree, not the commit.
    case dirtyTree(GitState)
}
