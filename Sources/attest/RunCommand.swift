public import ArgumentParser
import Foundation
public import Gates

/// `attest run`: runs the gates, signs the bundle, prints a summary. The work is in Gates.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the parallelism gates and write a signed evidence bundle.",
        discussion: """
        Default: all five gates. --quick runs gates 1 and 2. Exit status: 0 for a VERIFIED or MINIMAL
        verdict, 3 for FAILED, 4 for INCONCLUSIVE, 2 for usage errors.

        With --cmd and --baseline-cmd the gates measure that program instead of the built-in swarm:
        --cmd runs its parallel configuration, --baseline-cmd the same work done sequentially; both
        must exit 0 and print (or write to --result-file) the same output on every run.
        """)

    @Flag(help: "Run gates 1 and 2 only (the original `make quick`).")
    var quick = false

    @Option(help: "Gates to run, by number or name, comma-separated (e.g. 1,2,4).", transform: GateList.init(parsing:))
    var gates: GateList?

    @Option(help: "Bots for gates 3 and 4 (default 24; with --cmd: the OS threads the program claims, default --workers).")
    var bots: Int?

    @Option(help: "Tasks (and bots) in the concurrency proof; with --cmd: the program's claimed parallelism.")
    var workers: Int = 4

    @Option(help: "Seconds each proof task takes on one core (calibrated).")
    var taskSeconds: Double = 2

    @Option(help: "The minimum of measured rounds of the concurrency proof (after one warm-up).")
    var rounds: Int = 3

    @Option(help: "Rounds are added one at a time while gate 2's 95% intervals cannot decide, up to this many; then INCONCLUSIVE.")
    var maxRounds: Int = RunConfiguration.defaultMaxRounds

    @Option(help: "Stop adding rounds once the measured rounds took this many seconds (both configurations; default: no limit).")
    var timeBudget: Double?

    @Option(help: "Sampling seconds for gate 3 and gate 4, as D3,D4 (default 30,60).", transform: SampleSeconds.init(parsing:))
    var sampleSeconds = SampleSeconds(threads: 30, cpu: 60)

    @Option(help: "threaded (one OS thread per bot) or cooperative (all bots on one thread: the baseline).")
    var mode: ExecutionMode = .threaded

    @Option(help: "Sources for the code audit (Swift or Python). Default Sources/SwarmRuntime; with --cmd: this folder.")
    var auditPath: String?

    @Option(help: "Measure this program's parallel configuration (split into words, no shell unless --shell).")
    var cmd: String?

    @Option(help: "The same work done sequentially, e.g. the program with one worker (required with --cmd).")
    var baselineCmd: String?

    @Flag(help: "With --cmd: run both commands through /bin/sh -c.")
    var shell = false

    @Option(help: "With --cmd: hash this file (written by each run) instead of stdout.")
    var resultFile: String?

    @Option(help: "Private key that signs the bundle (default keys/attest.key, created with its .pub on first use).")
    var key: String?

    @Option(help: "Folder for gate results and the bundle.")
    var out: String = ".checkpoints"

    @Flag(help: "Read the git repository even when another user owns it (libgit2's ownership check off).")
    var trustRepositoryOwner = false

    @Option(help: "Also run gate 2's protocol at these worker counts (e.g. 1,2,4,8; capped at P) for a scaling curve and an Amdahl fit.",
            transform: WorkerCounts.init(parsing:))
    var scaling: WorkerCounts?

    @Flag(help: "Print the result as JSON instead of a table.")
    var json = false

    @OptionGroup var timestamping: TimestampURLOptions

    var selectedGates: [GateKind] {
        quick ? [.codeAudit, .concurrencyProof] : gates?.gates ?? GateKind.allCases
    }

    func makeConfiguration() throws -> RunConfiguration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let external = try externalCommand(directory: cwd)
        let auditPath = self.auditPath ?? (external == nil ? "Sources/SwarmRuntime" : ".")
        var configuration = RunConfiguration(
            gates: selectedGates, bots: bots ?? (external == nil ? 24 : workers), workers: workers, taskSeconds: taskSeconds, rounds: rounds,
            threadSampleSeconds: sampleSeconds.threads, cpuSampleSeconds: sampleSeconds.cpu, mode: mode,
            auditPath: URL(fileURLWithPath: auditPath, relativeTo: cwd).standardizedFileURL,
            outputDirectory: URL(fileURLWithPath: out, relativeTo: cwd).standardizedFileURL,
            keyFile: URL(fileURLWithPath: key ?? "keys/attest.key", relativeTo: cwd).standardizedFileURL,
            createKeyIfMissing: key == nil,
            repositoryDirectory: cwd)
        configuration.trustRepositoryOwner = trustRepositoryOwner
        configuration.maxRounds = maxRounds
        configuration.timeBudgetSeconds = timeBudget
        configuration.scalingCounts = scaling?.counts ?? []
        configuration.external = external
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.message + (error.hint.map { "\nhint: " + $0 } ?? ""))
        }
        return configuration
    }

    /// The external command to measure, when --cmd or --baseline-cmd is given (both must be).
    func externalCommand(directory: URL) throws -> ExternalCommandConfiguration? {
        func refuse(_ error: ExternalCommandError) -> ValidationError {
            ValidationError(error.message + (error.hint.map { "\nhint: " + $0 } ?? ""))
        }
        switch (cmd, baselineCmd) {
        case (nil, nil):
            if shell { throw refuse(.needsCommand(option: "--shell")) }
            if resultFile != nil { throw refuse(.needsCommand(option: "--result-file")) }
            return nil
        case (.some, nil): throw refuse(.missingPartner(given: "--cmd", missing: "--baseline-cmd"))
        case (nil, .some): throw refuse(.missingPartner(given: "--baseline-cmd", missing: "--cmd"))
        case (.some(let command), .some(let baseline)):
            return ExternalCommandConfiguration(command: command, baselineCommand: baseline, shell: shell,
                                                resultFile: resultFile, directory: directory)
        }
    }

    func validate() throws {
        _ = try makeConfiguration()
    }

    func run() throws {
        let configuration = try makeConfiguration()
        Interruption.shared.install()
        let display = ProgressDisplay(enabled: !json)
        let result: RunResult
        do {
            defer { display.finish() }
            result = try CLIErrors.reporting {
                try RunOrchestrator(configuration: configuration, progress: display.handle).run()
            }
        }
        // Trusted time (RFC 3161): asked for only now that the bundle is written and signed.
        let timestamps = TimestampPrinter.afterRun(urls: timestamping.urls, files: [result.bundleFile, result.archiveFile] + (result.jsonLinesFile.map { [$0] } ?? []))
        if json {
            print(TimestampPrinter.merged(try result.jsonSummary(), timestamps))
            if let timestamps { TimestampPrinter.warnings(timestamps) }
        } else {
            if let external = configuration.external {
                print("measured command: \(external.command)\nbaseline command: \(external.baselineCommand)")
            }
            RunSummaryPrinter.print(result)
            if let timestamps { TimestampPrinter.report(timestamps, json: false) }
        }
        throw ExitCode(result.verdict.exitCode)
    }
}

extension ExecutionMode: ExpressibleByArgument {}
