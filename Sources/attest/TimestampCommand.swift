import ArgumentParser
import Evidence
import Foundation

/// `--timestamp-url`, shared by `attest run` and `attest timestamp`.
struct TimestampURLOptions: ParsableArguments {
    @Option(name: .customLong("timestamp-url"),
            help: "After the bundle is written and signed, ask this RFC 3161 TSA for a timestamp over its seal (repeatable).")
    var urls: [String] = []

    func validate() throws {
        for url in urls where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ValidationError("--timestamp-url '\(url)' is not an http or https URL\nhint: give the TSA's RFC 3161 endpoint, e.g. --timestamp-url https://freetsa.org/tsr")
        }
    }
}

/// `attest timestamp BUNDLE --timestamp-url URL`: adds RFC 3161 timestamps to a bundle already written.
struct TimestampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timestamp",
        abstract: "Add RFC 3161 timestamps over a bundle's seal, from one or more TSAs.",
        discussion: """
        The tokens go in the bundle's unsigned `timestamps` member; no signed byte changes. Check them
        with `attest verify BUNDLE --timestamp-ca TSA-CA.pem`. Exit status: 0 when every TSA gave a
        token, 2 when one did not (the bundle keeps the tokens that were given).
        """)

    @Argument(help: "The bundle file (rewritten atomically with the tokens added).")
    var bundle: String

    @OptionGroup var timestamping: TimestampURLOptions

    @Flag(help: "Print what was added and what failed as JSON.")
    var json = false

    func validate() throws {
        if timestamping.urls.isEmpty {
            throw ValidationError("no TSA to ask\nhint: add --timestamp-url URL, e.g. --timestamp-url https://freetsa.org/tsr")
        }
    }

    func run() throws {
        let outcome = try CLIErrors.reporting {
            try BundleTimestamper.timestamp(files: [URL(fileURLWithPath: bundle)], urls: timestamping.urls)
        }
        TimestampPrinter.report(outcome, json: json)
        if !outcome.failures.isEmpty { throw ExitCode(2) }
    }
}

/// What asking the TSAs did, for people (standard output and `warning:` lines) or as JSON.
enum TimestampPrinter {
    /// Asks the TSAs after `attest run` wrote its bundles; a failure is a warning (printed by
    /// `report`), never a lost run.
    static func afterRun(urls: [String], files: [URL]) -> TimestampingOutcome? {
        guard !urls.isEmpty else { return nil }
        do {
            return try BundleTimestamper.timestamp(files: files, urls: urls)
        } catch {
            let reason = (error as? any HintedError)?.message ?? "\(error)"
            var outcome = TimestampingOutcome()
            outcome.failures = [TimestampError.notSealed(path: files.first?.path ?? "", reason: reason)]
            return outcome
        }
    }

    static func warn(_ message: String, hint: String?) {
        var text = "warning: \(message)\n"
        if let hint { text += "hint: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func report(_ outcome: TimestampingOutcome, json: Bool) {
        if json {
            print(String(decoding: outcome.json.serializedBytes(pretty: true), as: UTF8.self))
            warnings(outcome)
            return
        }
        for granted in outcome.granted {
            print("timestamp: \(granted.url) sealed no later than \(Timestamp.format(granted.genTime))"
                  + (granted.tsaName.map { " by \($0)" } ?? "") + " (not yet checked against a CA: attest verify --timestamp-ca)")
        }
        warnings(outcome)
        if !outcome.granted.isEmpty { print("timestamps added to \(outcome.files.map(\.path).joined(separator: ", "))") }
    }

    /// A `warning:` and `hint:` on standard error for each TSA that gave no token.
    static func warnings(_ outcome: TimestampingOutcome) {
        for failure in outcome.failures { warn(failure.message, hint: failure.hint) }
    }

    /// `attest run --json`'s summary with the `timestamping` note added.
    static func merged(_ summary: Data, _ outcome: TimestampingOutcome?) -> String {
        guard let outcome, case .success(.object(var object)) = StrictJSON.parse(summary) else { return String(decoding: summary, as: UTF8.self) }
        object["timestamping"] = outcome.json
        return String(decoding: JSONValue.object(object).serializedBytes(pretty: true), as: UTF8.self)
    }
}

/// `attest verify --timestamp-ca/--require-timestamp`: the bundle's tokens checked (by
/// TimestampVerification) and their findings and trusted time printed.
struct TimestampCheck {
    var report: TimestampReport
    /// The max-age finding measured from the TSA's time, when a verified token gave one.
    var ageFindings: [Finding] = []

    /// Nil when neither option is given: tokens are then left unchecked, as before.
    static func run(data: Data, caFiles: [String], required: Bool, maximumAge: TimeInterval?) throws -> TimestampCheck? {
        guard !caFiles.isEmpty || required else { return nil }
        let cas = try CLIErrors.reporting { try caFiles.map { try TimestampVerification.loadCA(URL(fileURLWithPath: $0)) } }
        var check = TimestampCheck(report: TimestampVerification.verify(bundleData: data, trustedCAs: cas, requireTimestamp: required))
        if let maximumAge, let trustedTime = check.report.trustedTime {
            check.ageFindings = TimestampVerification.ageFindings(trustedTime: trustedTime, maximumAge: maximumAge, now: Date())
        }
        return check
    }

    var findings: [Finding] { report.findings + ageFindings }

    /// Lines after the verification report: each trusted time, notes, and which time --max-age used.
    func printLines(maxAge: String?) {
        for trusted in report.verified { print("✓ timestamp: \(trusted.sentence)") }
        for note in report.notes { print("  \(note)") }
        if let maxAge {
            if let time = report.trustedTime {
                print("--max-age \(maxAge) checked against the TSA's time \(Timestamp.format(time))")
            } else {
                print("--max-age \(maxAge) checked against the seal's own claimed time (no verified timestamp)")
            }
        }
    }

    /// The verification report's JSON with a `timestamps` member added.
    static func merged(_ reportJSON: Data, _ check: TimestampCheck) -> Data {
        guard case .success(.object(var object)) = StrictJSON.parse(reportJSON),
              let encoded = try? JSONEncoder().encode(check.report),
              case .success(var timestamps) = StrictJSON.parse(encoded) else { return reportJSON }
        if case .object(var members) = timestamps {
            members["trustedTime"] = check.report.trustedTime.map { .string(Timestamp.format($0)) } ?? .null
            timestamps = .object(members)
        }
        object["timestamps"] = timestamps
        return Data(JSONValue.object(object).serializedBytes(pretty: true))
    }
}
