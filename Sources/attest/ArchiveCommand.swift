import ArgumentParser
import Evidence
import Foundation
import Gates

/// `attest archive`: verify, archive next to the code, and note it on the attested commit.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Verify a bundle, copy it to .checkpoints/proof/<tag or short commit>/ and note it on the attested commit (refs/notes/attest).")

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "Archive folder name (e.g. a release tag); default the short commit.")
    var tag: String?

    @OptionGroup var trust: TrustedKeyOptions

    func run() throws {
        let trusted = try CLIErrors.reporting { try TrustedKeys.load(TrustedKeys.files(trust.keys)) }
        let data = try CLIErrors.reporting { try BundleFile.read(URL(fileURLWithPath: bundle)) }
        let report = Verifier(trustedKeys: trusted, policies: VerifyCommand.policies).verify(bundleData: data)
        guard report.isVerified else {
            VerificationPrinter.print(report, file: bundle)
            CLIErrors.printError("\(bundle) does not verify, so it is not archived", hint: "archive only bundles that `attest verify` accepts")
            throw ExitCode(1)
        }
        let (file, note) = try CLIErrors.reporting {
            try Archive.archive(bundleData: data, statements: report.statements,
                                repository: URL(fileURLWithPath: FileManager.default.currentDirectoryPath), tag: tag)
        }
        print("archived \(file.path)")
        print("noted on commit \(note.commit) under \(GitNotes.notesRef): verdict \(note.verdict), summary digest \(note.bundleSummaryDigest)")
        print("check it: attest verify --from-notes \(String(note.commit.prefix(12)))")
    }
}
