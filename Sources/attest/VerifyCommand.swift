import ArgumentParser
import Evidence
import Foundation
import Gates

/// `attest verify`: every check, every finding.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's signatures, chain, seal and every gate's verdict.",
        discussion: "Exit status: 0 verified, 1 verification failed, 2 usage or unreadable input.")

    @Argument(help: "The bundle file (or --from-notes REV).")
    var bundle: String?

    @Option(help: "Verify the bundle archived for this commit (git note under refs/notes/attest), checking its digest.")
    var fromNotes: String?

    @Option(name: .customLong("key"), help: "A trusted public key (repeatable). Default: keys/*.pub here.")
    var keys: [String] = []

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

    @Option(help: "Fail when the bundle was sealed longer ago than this (e.g. 30d, 12h, 45m).")
    var maxAge: String?

    @Flag(help: "Print how long each step took (loading keys, reading, scanning, checking records, chain, policies, printing) on standard error.")
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
    var allPolicies: [any RecordPolicy] {
        var policies = Self.policies
        if expectCommit != nil || maxAge != nil {
            policies.append(BindingPolicy(expectedCommitPrefix: expectCommit, maximumAge: maxAge.flatMap(BindingPolicy.parseDuration)))
        }
        return policies
    }

    /// The content policies every verification applies.
    static let policies: [any RecordPolicy] = [GateVerdictPolicy()]

    /// From this size on, the bundle's memory is given back while the report is printed.
    static let largeBundleSize = 1 << 20

    func run() throws {
        var clock = StepClock()
        var archiveNote: ArchiveNote?
        let bundle: String
        let trusted: [PublicKey]
        var data: Data
        let keysSeconds: Double
        let readSeconds: Double
        let keyFiles = try TrustedKeys.files(keys)
        if let fromNotes {
            trusted = try CLIErrors.reporting { try TrustedKeys.load(keyFiles) }
            keysSeconds = clock.lap()
            let located = try CLIErrors.reporting {
                try Archive.locate(revision: fromNotes, repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            }
            archiveNote = located.note
            bundle = located.file.path
            print("note on \(located.note.commit): \(located.note.archivedPath) (summary digest \(located.note.bundleSummaryDigest))")
            clock = StepClock()
            data = try CLIErrors.reporting { try BundleFile.read(URL(fileURLWithPath: bundle)) }
            readSeconds = clock.lap()
        } else {
            bundle = self.bundle ?? ""
            // The keys load (OpenSSL starting up, mostly: 1.2 ms) on another core while this one
            // reads the bundle. Errors are reported as before: the keys' first.
            let (read, loaded) = ParallelMap.both({ () -> (Result<Data, any Error>, Double) in
                var readClock = StepClock()
                return (Result { try BundleFile.read(URL(fileURLWithPath: bundle)) }, readClock.lap())
            }, { () -> (Result<[PublicKey], any Error>, Double) in
                var keysClock = StepClock()
                return (Result { try TrustedKeys.load(keyFiles) }, keysClock.lap())
            })
            trusted = try CLIErrors.reporting { try loaded.0.get() }
            data = try CLIErrors.reporting { try read.0.get() }
            (keysSeconds, readSeconds) = (loaded.1, read.1)
            _ = clock.lap()
        }
        let limits = StrictJSON.Limits(maximumBytes: maxMib << 20, maximumDepth: StrictJSON.Limits.standard.maximumDepth)
        // Only replay reads the gate records after verification; without it, keep just the summary.
        let report = Verifier(trustedKeys: trusted, policies: allPolicies, limits: limits, retention: replay ? .all : .summaryOnly)
            .verify(bundleData: data)
        let verifySeconds = clock.lap()
        if let problem = NotABundle(report: report) {
            CLIErrors.printError("\(bundle) is not an attest bundle: \(problem.message)", hint: problem.hint)
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if data.count >= Self.largeBundleSize {
            // The bundle's memory, megabytes of it, is given back on another core while this
            // one prints (unmapping 20 MB took 1.1 ms after the report was written).
            _ = ParallelMap.both({ VerificationPrinter.print(report, file: bundle) }, { data = Data() })
        } else {
            VerificationPrinter.print(report, file: bundle)
        }
        if timings {
            let measured = report.timings
            let steps = [(fromNotes == nil ? "keys (while reading)" : "keys", keysSeconds), ("read", readSeconds), ("scan", measured.scanSeconds),
                         ("records", measured.recordsSeconds), ("chain", measured.chainSeconds),
                         ("policies", measured.policiesSeconds),
                         (measured.chainAndPoliciesAtOnce ? "chain and policies at once" : "chain and policies", measured.chainAndPoliciesSeconds),
                         ("other verification", max(0, verifySeconds - measured.scanSeconds - measured.recordsSeconds
                                                    - measured.chainAndPoliciesSeconds)),
                         ("print", clock.lap())]
            FileHandle.standardError.write(Data(("timings: " + steps.map { String(format: "%@ %.1f ms", $0.0, $0.1 * 1000) }
                .joined(separator: ", ") + "\n").utf8))
        }
        if !report.isVerified { throw ExitCode(1) }
        var failed = false
        if let archiveNote {
            let findings = Archive.check(note: archiveNote, statements: report.statements)
            for finding in findings { print("✗ \(finding.code): \(finding.message)") }
            if findings.isEmpty { print("✓ the archived bundle is the one the note names") }
            failed = !findings.isEmpty
        }
        if !reproduction.isEmpty {
            let files = try CLIErrors.reporting { try reproduction.map { (path: $0, data: try BundleFile.read(URL(fileURLWithPath: $0))) } }
            let tally = Reproduction.tally(files: files, original: report.statements, trustedKeys: trusted)
            for line in tally.rejected { print("✗ reproduction \(line)") }
            print("reproduced by \(tally.reproducingKeys.count) distinct trusted key\(tally.reproducingKeys.count == 1 ? "" : "s")"
                  + (tally.reproducingKeys.isEmpty ? "" : ": " + tally.reproducingKeys.sorted().joined(separator: ", ")))
            failed = tally.reproducingKeys.isEmpty
        }
        if replay {
            // Load the signing key first: a bad key must fail before minutes of measuring.
            let signer = try signWith.map { path in try CLIErrors.reporting { try SigningKey.load(pemFile: URL(fileURLWithPath: path)) } }
            let startedAt = Date()
            let result = try CLIErrors.reporting {
                try Replay.run(statements: report.statements) { phase in
                    FileHandle.standardError.write(Data("replay: \(phase)\n".utf8))
                }
            }
            ReplayPrinter.print(result)
            if let signer {
                let destination = URL(fileURLWithPath: out ?? (bundle + ".reproduction.json"))
                try CLIErrors.reporting {
                    let reproduction = try Reproduction.bundle(
                        for: result, original: report.statements, signingKey: signer, system: ThisMachine.systemInfo(),
                        git: GitSnapshot.read(at: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)),
                        startedAt: startedAt, finishedAt: Date())
                    try reproduction.write(to: destination, exclusive: true)
                }
                print("reproduction bundle: \(destination.path) (signed by \(signer.publicKey.keyID))")
            }
            failed = failed || result.verdict != .reproduced
        }
        if failed { throw ExitCode(1) }
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

/// The keys a verification trusts: the given files, or keys/*.pub here when none are given.
enum TrustedKeys {
    /// The key files to load: those given, or keys/*.pub here. Exits 2 with a hint when there are none.
    static func files(_ paths: [String]) throws -> [String] {
        guard paths.isEmpty else { return paths }
        let folder = URL(fileURLWithPath: "keys")
        let found = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
            .filter { $0.hasSuffix(".pub") }.sorted().map { folder.appendingPathComponent($0).path } ?? []
        guard !found.isEmpty else {
            CLIErrors.printError("no trusted key: pass --key PUBFILE",
                                 hint: "a bundle's own key material is never trusted; get the signer's attest.pub from a source you trust and pass --key attest.pub")
            throw ExitCode(2)
        }
        return found
    }

    /// The public keys in `files`; the first that cannot be read throws (for CLIErrors.reporting).
    static func load(_ files: [String]) throws -> [PublicKey] {
        try files.map { try PublicKey.load(pemFile: URL(fileURLWithPath: $0)) }
    }
}

/// Reads a bundle file with the checks that make an input error exit 2 rather than a finding.
enum BundleFile {
    static func read(_ url: URL) throws -> Data {
        let data = try FileReader.read(url, what: "bundle")
        guard !data.isEmpty else { throw EvidenceError.emptyFile(path: url.path, what: "bundle") }
        return data
    }
}

/// Input that is not a bundle at all is a usage error (exit 2), not a failed verification (exit 1):
/// not JSON, not an object, no records, another media type.
struct NotABundle {
    var message: String
    var hint: String

    static let codes: Set<String> = ["json.syntax", "json.invalid-utf8", "json.too-large", "bundle.shape", "bundle.media-type", "bundle.empty"]

    init?(report: VerificationReport) {
        guard report.records.isEmpty, let finding = report.bundleFindings.first(where: { Self.codes.contains($0.code) }) else { return nil }
        message = finding.message
        switch finding.code {
        case "bundle.media-type":
            hint = "attest reads bundles of media type application/vnd.attest.bundle.v1+json, written by `attest run`"
        case "json.too-large":
            hint = "bundles are far smaller; check that this is the right file"
        default:
            hint = "pass a bundle written by `attest run`, such as .checkpoints/PHASE4_VERIFICATION_BUNDLE.json"
        }
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
        // One buffer of UTF-8 for the whole report, written once: bundles can hold thousands of
        // records, and appending to a String cost 2.6 ms for 10,000 lines.
        var text: [UInt8] = []
        text.reserveCapacity(80 * (report.records.count + 8))
        func append(_ part: String) {
            var part = part
            part.withUTF8 { text.append(contentsOf: $0) }
        }
        func line(_ parts: String...) {
            for part in parts { append(part) }
            text.append(UInt8(ascii: "\n"))
        }
        line("bundle ", file)
        if let subject = report.subject { line("subject ", subject) }
        if let runID = report.runID { line("run ", runID) }
        line("trusted keys: ", report.trustedKeyIDs.joined(separator: ", "))
        // Nearly every record is signed by the same key: its " (signed by …)" text is built
        // again only when the signers change from one record to the next.
        var lastSigners: [String] = []
        var signer: [UInt8] = []
        let passed = Array("✓ ".utf8), failed = Array("✗ ".utf8)
        for record in report.records {
            if record.signedBy != lastSigners {
                lastSigners = record.signedBy
                signer = lastSigners.isEmpty ? [] : Array(" (signed by \(lastSigners.map { String($0.prefix(16)) }.joined(separator: ", ")))".utf8)
            }
            text.append(contentsOf: record.ok ? passed : failed)
            appendDecimal(record.index, to: &text)
            text.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            append(record.label)
            text.append(contentsOf: signer)
            text.append(UInt8(ascii: "\n"))
            for finding in record.findings { line("    ", finding.code, ": ", finding.message) }
        }
        for finding in report.bundleFindings { line("✗ bundle: ", finding.code, ": ", finding.message) }
        if report.isVerified {
            line(ClaimAssessment(verdict: report.verdict, records: report.records.count).line)
        } else {
            let count = report.findingCount
            line("NOT VERIFIED: \(count) finding\(count == 1 ? "" : "s")")
        }
        // What earlier print calls left in standard output's buffer goes out first.
        fflush(nil)
        try? FileHandle.standardOutput.write(contentsOf: text)
    }

    /// A non-negative integer's decimal digits.
    static func appendDecimal(_ value: Int, to text: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var rest = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[buffer.count - 1 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            if value < 0 {
                buffer[buffer.count - 1 - count] = UInt8(ascii: "-")
                count += 1
            }
            text.append(contentsOf: buffer[(buffer.count - count)...])
        }
    }
}
