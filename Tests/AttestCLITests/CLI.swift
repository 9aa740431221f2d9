import Foundation
import Testing

/// Runs the built `attest` binary, as a user would.
enum CLI {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built `attest` executable: it sits in the products folder beside the test bundle.
    static func attestBinary() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("attest")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            folder.deleteLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "attest next to \(CommandLine.arguments[0])"])
    }

    static func run(_ arguments: [String], in directory: URL, prefix: [String] = [], environment extra: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        let binary = try attestBinary()
        if prefix.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = prefix + [binary.path] + arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { _, given in given }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes are drained at once: reading one to its end first would block for good once
        // the child filled the other's buffer (64 KiB) and waited for it to be read.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let errorsRead = DispatchSemaphore(value: 0)
        let errorHandle = errors.fileHandleForReading
        Thread.detachNewThread {
            errBox.data = errorHandle.readDataToEndOfFile()
            errorsRead.signal()
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts the binary without waiting (output discarded), for kill and concurrency tests.
    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = try attestBinary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// splitmix64: a fixed, seeded sequence, so that a test that draws numbers reproduces.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("The CLI test harness")
struct CLIHarnessTests {
    @Test("a child that fills standard error before writing standard output does not block the harness")
    func bothPipesDrained() throws {
        // The harness runs `env PREFIX… attest ARGS…`: here the prefix is a shell that writes
        // 256 KiB to standard error, four times a pipe's buffer, then a line to standard output.
        let script = "head -c 262144 /dev/zero | tr '\\0' e >&2; echo done"
        let outcome = try CLI.run([], in: FileManager.default.temporaryDirectory, prefix: ["sh", "-c", script, "sh"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "done\n")
        #expect(outcome.stderr.utf8.count == 262_144)
    }
}
