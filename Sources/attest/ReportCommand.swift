import ArgumentParser
import Evidence
import Foundation
import Report

/// `attest report`: one self-contained HTML page of a bundle, its verification and its charts.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report (inline SVG charts, no network) of a bundle and its verification.",
        discussion: """
        A bundle that does not verify is still rendered, under a red banner listing every finding.
        Exit status: 0 verified, 1 written but the bundle does not verify, 2 usage or unreadable input.
        """)

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(name: [.customShort("o"), .long], help: "The HTML file to write.")
    var output: String = "report.html"

    @OptionGroup var trust: TrustedKeyOptions

    @Option(help: "A reproduction bundle of BUNDLE (repeatable), shown in the report.")
    var reproduction: [String] = []

    @Option(name: .customLong("timestamp-ca"), help: "A TSA's CA certificate (PEM, repeatable): the banner shows the trusted time of the bundle's RFC 3161 timestamps.")
    var timestampCAs: [String] = []

    func run() throws {
        let trusted = try CLIErrors.reporting { try TrustedKeys.load(TrustedKeys.files(trust.keys)) }
        let data = try CLIErrors.reporting { try BundleFile.read(URL(fileURLWithPath: bundle)) }
        let reproductions = try CLIErrors.reporting { try reproduction.map { (path: $0, data: try BundleFile.read(URL(fileURLWithPath: $0))) } }
        let timestamps = try TimestampCheck.run(data: data, caFiles: timestampCAs, required: false, maximumAge: nil)
        let (html, verification) = HTMLReport.make(bundleData: data, bundleName: (bundle as NSString).lastPathComponent,
                                                   trustedKeys: trusted, reproductions: reproductions, generatedAt: Date(),
                                                   timestamps: timestamps?.report)
        if let problem = verification.notABundle {
            CLIErrors.printError("\(bundle) is not an attest bundle: \(problem.message)", hint: problem.hint)
            throw ExitCode(2)
        }
        let destination = URL(fileURLWithPath: output)
        try CLIErrors.reporting { try AtomicFile.write(Data(html.utf8), to: destination) }
        if verification.isVerified {
            print("report \(destination.path): VERIFIED, verdict \(verification.verdict ?? "?")")
        } else {
            print("report \(destination.path): NOT VERIFIED (\(verification.allFindings.count) finding\(verification.allFindings.count == 1 ? "" : "s"), listed in its red banner)")
            throw ExitCode(1)
        }
    }
}
