import ArgumentParser

@main
struct Attest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Signed, hash-chained, reproducible evidence that a thread swarm really runs in parallel.",
        discussion: """
        Exit status: 0 verified (run: VERIFIED or MINIMAL), 1 verification failed, 2 usage or input error,
        3 a run whose verdict is FAILED, 130 interrupted.
        """,
        version: "0.1.0",
        subcommands: [RunCommand.self, VerifyCommand.self, KeygenCommand.self, KeyIDCommand.self])
}
