import ArgumentParser
import Foundation

@main
struct Attest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Signed, hash-chained, reproducible evidence that a thread swarm really runs in parallel.",
        discussion: """
        Exit status: 0 verified and the claim holds (run: VERIFIED or MINIMAL), 1 verification failed,
        2 usage or input error, 3 the verdict is FAILED, 4 the verdict is INCONCLUSIVE, 130 interrupted.
        """,
        version: "0.1.0",
        subcommands: [RunCommand.self, VerifyCommand.self, ReportCommand.self, ArchiveCommand.self, TimestampCommand.self, KeygenCommand.self, KeyIDCommand.self])

    /// Parses and runs, so that usage errors follow the house rule — `error:` and `hint:` lines,
    /// exit 2 — instead of ArgumentParser's default exit 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                Self.exit(withError: error)  // --help, --version
            }
            let message = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            let lines = message.split(separator: "\n", maxSplits: 1).map(String.init)
            var text = "error: \(lines.first ?? message)\n"
            if lines.count > 1, lines[1].hasPrefix("hint: ") {
                text += lines[1] + "\n"
            } else {
                text += "hint: see `attest help` or `attest help <command>` for the options\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
            Foundation.exit(2)
        }
    }
}
