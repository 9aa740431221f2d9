package import Foundation
package import Evidence

/// What `attest run --cmd … --baseline-cmd …` measures: somebody else's program, in its parallel
/// configuration and in its sequential baseline, each run as a child process without a shell.
package struct ExternalCommandConfiguration: Sendable, Equatable {
    /// The parallel configuration, as typed (e.g. `python3 swarm.py --bots 4`).
    package var command: String
    /// The same work done sequentially (e.g. `python3 swarm.py --bots 1`).
    package var baselineCommand: String
    /// Run both through `/bin/sh -c` instead of splitting them into words.
    package var shell: Bool
    /// A file the program writes its result to; hashed instead of stdout. Relative to `directory`.
    package var resultFile: String?
    /// The working directory the commands run in (recorded).
    package var directory: URL

    package init(command: String, baselineCommand: String, shell: Bool = false, resultFile: String? = nil, directory: URL) {
        self.command = command
        self.baselineCommand = baselineCommand
        self.shell = shell
        self.resultFile = resultFile
        self.directory = directory
    }

    /// The result file's URL, when one is named.
    var resultFileURL: URL? {
        resultFile.map { URL(fileURLWithPath: Self.path($0, in: directory)) }
    }

    /// `path` itself when absolute, else inside `directory` (whether or not its URL ends in '/').
    static func path(_ path: String, in directory: URL) -> String {
        path.hasPrefix("/") ? URL(fileURLWithPath: path).standardizedFileURL.path
            : directory.appendingPathComponent(path).standardizedFileURL.path
    }

    /// Splits, resolves and hashes both commands: every input error surfaces here, before any work.
    func prepare(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ExternalCommandError) -> (parallel: PreparedCommand, baseline: PreparedCommand) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .directoryMissing(directory.path)
        }
        let parallel = try PreparedCommand(flag: "--cmd", role: "parallel", command: command, shell: shell,
                                           directory: directory, environment: environment)
        let baseline = try PreparedCommand(flag: "--baseline-cmd", role: "baseline", command: baselineCommand, shell: shell,
                                           directory: directory, environment: environment)
        return (parallel, baseline)
    }
}

/// A command as recorded in every gate record of an external run (`parameters.target`): enough to
/// know what ran and to run it again.
package struct CommandTarget: Codable, Sendable, Equatable {
    /// Always "external_command": `attest verify` dispatches re-derivation on it.
    package var kind: String
    /// "parallel" (--cmd) or "baseline" (--baseline-cmd).
    package var role: String
    /// The command line as given.
    package var command: String
    package var shell: Bool
    package var argv: [String]
    /// SHA-256 of the argv elements, each followed by a NUL byte.
    package var argvSHA256: String
    /// The executable found for argv[0] (PATH searched when it has no '/').
    package var executable: String
    /// The executable with symbolic links resolved: the file that was hashed.
    package var executableResolved: String
    package var executableSHA256: String
    /// Arguments that name regular files (a script such as swarm.py), with their SHA-256.
    package var argumentFiles: [ArgumentFile]
    package var cwd: String
    /// The environment the command ran with; values of variables whose names look secret are
    /// replaced by "<redacted>".
    package var environment: [String: String]
    package var redactedVariables: [String]

    package struct ArgumentFile: Codable, Sendable, Equatable {
        package var argument: String
        package var path: String
        package var sha256: String
    }

    package static let kindValue = "external_command"

    /// True when a record's `parameters` describe an external command.
    package static func isExternal(_ parameters: JSONValue) -> Bool {
        parameters["target"]?["kind"]?.stringValue == kindValue
    }
}

/// A command ready to spawn: its record, and the real (unredacted) environment.
struct PreparedCommand: Sendable, Equatable {
    var target: CommandTarget
    var environment: [String: String]

    init(flag: String, role: String, command: String, shell: Bool, directory: URL,
         environment: [String: String]) throws(ExternalCommandError) {
        guard !command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyCommand(flag: flag) }
        let argv = shell ? ["/bin/sh", "-c", command] : try CommandLineWords.split(command, flag: flag)
        guard let program = argv.first else { throw .emptyCommand(flag: flag) }
        let executable = try Self.resolve(program, flag: flag, directory: directory, path: environment["PATH"])
        let resolved = URL(fileURLWithPath: executable).resolvingSymlinksInPath().path
        let executableDigest: String
        do { executableDigest = SHA256Digest.hex(try Data(contentsOf: URL(fileURLWithPath: resolved))) } catch {
            throw .unreadableExecutable(flag: flag, path: resolved, reason: error.localizedDescription)
        }
        let (recorded, redacted) = EnvironmentRecord.redact(environment)
        target = CommandTarget(
            kind: CommandTarget.kindValue, role: role, command: command, shell: shell, argv: argv,
            argvSHA256: Self.argvDigest(argv), executable: executable, executableResolved: resolved,
            executableSHA256: executableDigest,
            argumentFiles: Self.argumentFiles(Array(argv.dropFirst()), directory: directory),
            cwd: directory.standardizedFileURL.path, environment: recorded, redactedVariables: redacted)
        self.environment = environment
    }

    /// SHA-256 of "arg0\0arg1\0…": a fixed encoding of the argument vector.
    static func argvDigest(_ argv: [String]) -> String {
        var bytes: [UInt8] = []
        for argument in argv { bytes += Array(argument.utf8) + [0] }
        return SHA256Digest.hex(bytes)
    }

    /// argv[0] as a path (relative to `directory`) when it holds a '/', else the first executable
    /// regular file of that name on `path`.
    static func resolve(_ program: String, flag: String, directory: URL, path: String?) throws(ExternalCommandError) -> String {
        func isExecutable(_ candidate: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: candidate)
        }
        if program.contains("/") {
            let candidate = ExternalCommandConfiguration.path(program, in: directory)
            guard FileManager.default.fileExists(atPath: candidate) else { throw .executableNotFound(flag: flag, program: program, searched: candidate) }
            guard isExecutable(candidate) else { throw .notExecutable(flag: flag, path: candidate) }
            return candidate
        }
        let folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        for folder in folders {
            let base = ExternalCommandConfiguration.path(folder.isEmpty ? "." : folder, in: directory)
            let candidate = base + "/" + program
            if isExecutable(candidate) { return candidate }
        }
        throw .executableNotFound(flag: flag, program: program, searched: "PATH")
    }

    static func argumentFiles(_ arguments: [String], directory: URL) -> [CommandTarget.ArgumentFile] {
        arguments.compactMap { argument in
            guard !argument.isEmpty, !argument.hasPrefix("-") else { return nil }
            let url = URL(fileURLWithPath: ExternalCommandConfiguration.path(argument, in: directory))
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  ((attributes[.size] as? NSNumber)?.intValue ?? 0) <= 64 << 20,
                  let data = try? Data(contentsOf: url) else { return nil }
            return CommandTarget.ArgumentFile(argument: argument, path: url.path, sha256: SHA256Digest.hex(data))
        }
    }
}

/// Splits a command line into words the way a shell would, without expanding anything:
/// blanks separate words, '…' is literal, "…" honours \" \\ \$ \`, a backslash outside quotes
/// escapes the next character. Pipes, redirections and variables need `--shell`.
enum CommandLineWords {
    static func split(_ text: String, flag: String) throws(ExternalCommandError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                if quote == "\"" && !"\"\\$`".contains(character) { current.append("\\") }
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                current.append(character)
            case (_, "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil || escaped { throw .unterminatedQuote(flag: flag, command: text) }
        if inWord { words.append(current) }
        return words
    }
}

/// The recorded environment: every variable, with the values of those whose names look secret
/// (KEY, TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL, AUTH, COOKIE, SESSION) replaced.
enum EnvironmentRecord {
    static let secretMarkers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION"]
    static let redactedValue = "<redacted>"

    static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretMarkers.contains { upper.contains($0) }
    }

    static func redact(_ environment: [String: String]) -> (recorded: [String: String], redacted: [String]) {
        var recorded: [String: String] = [:]
        var redacted: [String] = []
        for (name, value) in environment {
            if looksSecret(name) {
                recorded[name] = redactedValue
                redacted.append(name)
            } else {
                recorded[name] = value
            }
        }
        return (recorded, redacted.sorted())
    }
}

/// Bad input and failures of an external command, with what to do about them.
package enum ExternalCommandError: Error, Sendable, Equatable {
    case emptyCommand(flag: String)
    case missingPartner(given: String, missing: String)
    case needsCommand(option: String)
    case unterminatedQuote(flag: String, command: String)
    case executableNotFound(flag: String, program: String, searched: String)
    case notExecutable(flag: String, path: String)
    case unreadableExecutable(flag: String, path: String, reason: String)
    case directoryMissing(String)
    case spawnFailed(flag: String, reason: String)
    case nonZeroExit(flag: String, command: String, status: Int32, stderrTail: String)
    case killed(flag: String, command: String, signal: Int32, stderrTail: String)
    case resultFileMissing(flag: String, path: String)
    case modeNotApplicable

    package var message: String {
        switch self {
        case .emptyCommand(let flag): "\(flag) is empty"
        case .missingPartner(let given, let missing): "\(given) needs \(missing)"
        case .needsCommand(let option): "\(option) applies to an external command and needs --cmd and --baseline-cmd"
        case .unterminatedQuote(let flag, let command): "\(flag) has an unterminated quote or a trailing backslash: \(command)"
        case .executableNotFound(let flag, let program, let searched):
            searched == "PATH" ? "the program '\(program)' of \(flag) was not found on PATH" : "the program '\(program)' of \(flag) does not exist (\(searched))"
        case .notExecutable(let flag, let path): "the program \(path) of \(flag) is not an executable file"
        case .unreadableExecutable(let flag, let path, let reason): "cannot read the program \(path) of \(flag) to hash it: \(reason)"
        case .directoryMissing(let path): "the working directory \(path) does not exist"
        case .spawnFailed(let flag, let reason): "\(flag) could not be started: \(reason)"
        case .nonZeroExit(let flag, let command, let status, let tail):
            "\(flag) exited with status \(status): \(command)" + (tail.isEmpty ? "" : "; its stderr ended with: \(tail)")
        case .killed(let flag, let command, let signal, let tail):
            "\(flag) was killed by signal \(signal): \(command)" + (tail.isEmpty ? "" : "; its stderr ended with: \(tail)")
        case .resultFileMissing(let flag, let path): "\(flag) did not write the result file \(path)"
        case .modeNotApplicable: "--mode applies to the built-in swarm, not to an external command"
        }
    }

    package var hint: String? {
        switch self {
        case .emptyCommand(let flag): "give \(flag) a command line, e.g. \(flag) \"python3 swarm.py --bots 4\""
        case .missingPartner: "give both --cmd (the parallel configuration) and --baseline-cmd (the same work done sequentially)"
        case .needsCommand: "add --cmd \"COMMAND\" --baseline-cmd \"COMMAND\", or leave the option out"
        case .unterminatedQuote: "close the quote, or pass --shell to have /bin/sh read the command line"
        case .executableNotFound: "check the spelling, give the program's path, or install it"
        case .notExecutable(_, let path): "run `chmod +x \(path)`, or name its interpreter first (e.g. python3 \(URL(fileURLWithPath: path).lastPathComponent))"
        case .unreadableExecutable: "check the file's permissions"
        case .directoryMissing: "run attest from an existing folder"
        case .spawnFailed: "check that the program can be run by hand in this folder"
        case .nonZeroExit, .killed: "every run must succeed for its timing to mean anything: run the command by hand, fix it, and run attest again (nothing was sealed)"
        case .resultFileMissing: "check --result-file: the command must write that file on every run (attest removes it before each run)"
        case .modeNotApplicable: "leave --mode out: the external command runs as it is"
        }
    }
}

extension ExternalCommandError: HintedError {}
