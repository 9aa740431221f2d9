import ArgumentParser
import Evidence
import Foundation
import Gates

/// `attest verify`: every check, every finding.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's signatures, chain, seal and every gate's verdict.",
        discussion: """
        Exit status: 0 authentic and the claim holds (and, with --replay, REPRODUCED), 1 verification
        failed (or a follow-up did: archive note, reproductions, replay), 2 usage or unreadable input,
        3 authentic but the verdict is FAILED, 4 authentic but the verdict is INCONCLUSIVE.
        """)

    @Argument(help: "The bundle file (or --from-notes REV).")
    var bundle: String?

    @Option(help: "Verify the bundle archived for this commit (git note under refs/notes/attest), checking its digest.")
    var fromNotes: String?

    @OptionGroup var trust: TrustedKeyOptions

    @Flag(help: "Print a machine-readable report.")
    var json = false

    @Flag(help: "After verifying, re-run the concurrency proof here with the recorded seeds and iterations (exit 0 only if REPRODUCED).")
    var replay = false

    @Option(help: "With --replay: sign a reproduction bundle with this private key.")
    var signWith: String?

    @Option(help: "With --sign-with: where to write the reproduction bundle (default BUNDLE.reproduction.json).")
    var out: String?

    @Option(help: "A reproduction bundle of BUNDLE (repeatable): counts the distinct trusted keys that reproduced it.")
    var reproduction: [String] = []

    @Option(help: "Refuse bundles larger than this many MiB (default 64).")
    var maxMib: Int = 64

    @Option(help: "Fail unless the bundle attests this commit (full id or a prefix of at least 7 hex characters).")
    var expectCommit: String?

    @Flag(help: "With --expect-commit: accept a dirty working tree built on that commit (its subject is the tree, not the commit).")
    var allowDirty = false

    @Option(help: "Fail when the bundle was sealed longer ago than this (e.g. 30d, 12h, 45m).")
    var maxAge: String?

    @Option(name: .customLong("timestamp-ca"),
            help: "A TSA's CA certificate or chain (PEM) that RFC 3161 timestamps must verify against (repeatable).")
    var timestampCAs: [String] = []

    @Flag(help: "Fail unless the bundle carries an RFC 3161 timestamp that verifies against --timestamp-ca.")
    var requireTimestamp = false

    @Flag(help: "Print how long each step took (loading keys, reading, parsing, checking records, chain, policies, printing) on standard error.")
    var timings = false

    func validate() throws {
        if (bundle == nil) == (fromNotes == nil) {
            throw ValidationError("give a bundle file or --from-notes REV, not both and not neither\nhint: attest verify .checkpoints/PHASE4_VERIFICATION_BUNDLE.json, or attest verify --from-notes HEAD")
        }
        guard (1...4096).contains(maxMib) else {
            throw ValidationError("--max-mib \(maxMib) is out of range\nhint: give a size from 1 to 4096 MiB")
        }
        if let expectCommit, !BindingPolicy.isCommitPrefix(expectCommit) {
            throw ValidationError("--expect-commit '\(expectCommit)' is not a commit id\nhint: give at least 7 hex characters (a shorter prefix is ambiguous), e.g. `git rev-parse HEAD`")
        }
        if allowDirty && expectCommit == nil {
            throw ValidationError("--allow-dirty needs --expect-commit\nhint: --allow-dirty accepts a dirty tree built on the commit --expect-commit names")
        }
        if signWith != nil && !replay {
            throw ValidationError("--sign-with needs --replay\nhint: a reproduction bundle records a replay: add --replay")
        }
        if out != nil && signWith == nil {
            throw ValidationError("--out needs --sign-with\nhint: --out names the reproduction bundle that --sign-with writes")
        }
        if let maxAge, BindingPolicy.parseDuration(maxAge) == nil {
            throw ValidationError("--max-age '\(maxAge)' is not a duration\nhint: write a number with a unit: s, m, h, d or w (e.g. 30d)")
        }
    }

    /// Every policy this verification applies: verdict re-derivation, plus binding when asked.
    /// With a TSA's time (`trustedTime`), --max-age is checked against it instead of the seal's claim.
    func allPolicies(trustedTime: Date? = nil) -> [any RecordPolicy] {
        var policies = Self.policies
        let maximumAge = trustedTime == nil ? maxAge.flatMap(BindingPolicy.parseDuration) : nil
        if expectCommit != nil || maximumAge != nil {
            policies.append(BindingPolicy(expectedCommitPrefix: expectCommit, maximumAge: maximumAge, allowDirty: allowDirty))
        }
        return policies
    }

    /// The content policies every verification applies.
    static let policies: [any RecordPolicy] = [GateVerdictPolicy(), TestResultPolicy()]

    func run() throws {
        var clock = StepClock()
        let trusted = try CLIErrors.reporting { try TrustedKeys.load(TrustedKeys.files(trust.keys)) }
        let keysSeconds = clock.lap()
        // Load the signing key first: a bad key must fail before minutes of measuring.
        let signer = try signWith.map { path in try CLIErrors.reporting { try SigningKey.load(pemFile: URL(fileURLWithPath: path)) } }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let source: VerifyOrchestrator.Source = fromNotes.map { .notes(revision: $0, repository: here) } ?? .file(bundle ?? "")
        let limits = StrictJSON.Limits(maximumBytes: maxMib << 20, maximumDepth: StrictJSON.Limits.standard.maximumDepth)
        // Only replay reads the gate records after verification; without it, keep just the summary.
        let options = VerificationOptions(limits: limits, retention: replay ? .all : .summaryOnly)
        let read = try CLIErrors.reporting { try VerifyOrchestrator.read(source) }
        let timestamps = try TimestampCheck.run(data: read.data, caFiles: timestampCAs, required: requireTimestamp,
                                                maximumAge: maxAge.flatMap(BindingPolicy.parseDuration))
        var verified = VerifyOrchestrator.verify(read, trustedKeys: trusted,
                                                 policies: allPolicies(trustedTime: timestamps?.report.trustedTime), options: options)
        verified.report.bundleFindings += timestamps?.findings ?? []
        _ = clock.lap()
        let report = verified.report
        if let note = verified.archiveNote {
            print("note on \(note.commit): \(note.archivedPath) (summary digest \(note.bundleSummaryDigest))")
        }
        if let problem = report.notABundle {
            CLIErrors.printError("\(verified.bundlePath) is not an attest bundle: \(problem.message)", hint: problem.hint)
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let encoded = try encoder.encode(report)
            print(String(decoding: timestamps.map { TimestampCheck.merged(encoded, $0) } ?? encoded, as: UTF8.self))
        } else {
            VerificationPrinter.print(report, file: verified.bundlePath)
        }
        if !json { timestamps?.printLines(maxAge: maxAge) }
        if timings {
            let measured = report.timings
            let steps: [(String, Double)] = [
                ("keys", keysSeconds), ("read", verified.readSeconds), ("parse", verified.parseSeconds), ("records", measured.recordsSeconds),
                ("chain", measured.chainSeconds), ("policies", measured.policiesSeconds), ("print", clock.lap()),
            ]
            FileHandle.standardError.write(Data(("timings: " + steps.map { String(format: "%@ %.1f ms", $0.0, $0.1 * 1000) }
                .joined(separator: ", ") + "\n").utf8))
        }
        if !report.isVerified { throw ExitCode(1) }

        var requested = VerifyOrchestrator.FollowUps(repository: here)
        requested.reproductions = try CLIErrors.reporting {
            try reproduction.map { (path: $0, data: try BundleFile.read(URL(fileURLWithPath: $0))) }
        }
        requested.replay = replay
        requested.reproductionSigner = signer.map { ($0, URL(fileURLWithPath: out ?? (verified.bundlePath + ".reproduction.json"))) }
        let results = try CLIErrors.reporting {
            try VerifyOrchestrator.followUps(verified, requested, trustedKeys: trusted) { phase in
                FileHandle.standardError.write(Data("replay: \(phase)\n".utf8))
            }
        }
        if let findings = results.archiveFindings {
            for finding in findings { print("✗ \(finding.code): \(finding.message)") }
            if findings.isEmpty { print("✓ the archived bundle is the one the note names") }
        }
        if let tally = results.tally {
            for line in tally.rejected { print("✗ reproduction \(line)") }
            print("reproduced by \(tally.reproducingKeys.count) distinct trusted key\(tally.reproducingKeys.count == 1 ? "" : "s")"
                  + (tally.reproducingKeys.isEmpty ? "" : ": " + tally.reproducingKeys.sorted().joined(separator: ", ")))
        }
        if let replayed = results.replay { ReplayPrinter.print(replayed) }
        if let written = results.reproductionBundle {
            print("reproduction bundle: \(written.path.path) (signed by \(written.keyID))")
        }
        if results.failed { throw ExitCode(1) }
        // Authentic, but the claim itself must hold for exit 0 (FAILED 3, INCONCLUSIVE 4).
        let claim = ClaimAssessment(verdict: report.verdict, records: report.records.count)
        if !claim.holds { throw ExitCode(claim.exitCode) }
    }
}

/// Seconds between laps, from a monotonic clock.
struct StepClock {
    private var start = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the previous lap (or since creation).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
}

/// Reads a bundle file with the checks that make an input error exit 2 rather than a finding.
enum BundleFile {
    static func read(_ url: URL) throws -> Data {
        try VerifyOrchestrator.read(.file(url.path)).data
    }
}

/// Original and replay side by side.
enum ReplayPrinter {
    static func print(_ result: ReplayResult) {
        func number(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "—" }
        var lines = ["", "replay of the concurrency proof"]
        lines.append("              original      replay")
        lines.append("  S           \(number(result.original?.speedup).padding(toLength: 14, withPad: " ", startingAt: 0))\(number(result.replay?.speedup))")
        lines.append("  S 95% CI    original \(Replay.interval(result.original)); replay \(Replay.interval(result.replay))")
        lines.append("  E           \(number(result.original?.efficiency).padding(toLength: 14, withPad: " ", startingAt: 0))\(number(result.replay?.efficiency))")
        lines.append("  CPU/wall    \(number(result.original?.parallelCPUPerWall).padding(toLength: 14, withPad: " ", startingAt: 0))\(number(result.replay?.parallelCPUPerWall))")
        lines.append("  P           \(String(result.originalParallelism).padding(toLength: 14, withPad: " ", startingAt: 0))\(result.replayParallelism.map(String.init) ?? "—")")
        lines.append("  P derived   original: \(result.originalDerivation)")
        if let derivation = result.replayDerivation { lines.append("              replay:   \(derivation)") }
        for note in result.notes { lines.append("  \(note)") }
        for finding in result.findings { lines.append("  ✗ \(finding.code): \(finding.message)") }
        lines.append("\(result.verdict.rawValue): \(result.reason)")
        Swift.print(lines.joined(separator: "\n"))
    }
}

enum VerificationPrinter {
    static func print(_ report: VerificationReport, file: String) {
        var lines = ["bundle \(file)"]
        if let subject = report.subject { lines.append("subject \(subject)") }
        if let summary = report.statements.last, let tree = GitState.treeState(recordedIn: summary.predicate) { lines.append("tree \(tree)") }
        if let runID = report.runID { lines.append("run \(runID)") }
        lines.append("trusted keys: \(report.trustedKeyIDs.joined(separator: ", "))")
        for record in report.records {
            let signers = record.signedBy.isEmpty ? "" : " (signed by \(record.signedBy.map { String($0.prefix(16)) }.joined(separator: ", ")))"
            lines.append("\(record.ok ? "✓" : "✗") \(record.index): \(record.label)\(signers)")
            for finding in record.findings { lines.append("    \(finding.code): \(finding.message)") }
        }
        for finding in report.bundleFindings { lines.append("✗ bundle: \(finding.code): \(finding.message)") }
        if report.isVerified {
            lines.append(ClaimAssessment(verdict: report.verdict, records: report.records.count).line)
        } else {
            let count = report.findingCount
            lines.append("NOT VERIFIED: \(count) finding\(count == 1 ? "" : "s")")
        }
        Swift.print(lines.joined(separator: "\n"))
    }
}
