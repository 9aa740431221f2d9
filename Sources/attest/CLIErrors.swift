import ArgumentParser
import Evidence
import Foundation
import Gates

/// The one place that turns errors into `error:` / `hint:` lines and exit codes:
/// 0 verified, 1 verification failed, 2 usage or unreadable input, 3 a FAILED run, 130 interrupted.
enum CLIErrors {
    static func printError(_ message: String, hint: String?) {
        var text = "error: \(message)\n"
        if let hint { text += "hint: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Runs `body`; a library error is printed with its hint and ends the process with exit 2
    /// (130 for an interruption).
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GateError where error == .interrupted {
            printError(error.message, hint: error.hint)
            throw ExitCode(130)
        } catch let error as any HintedError {
            printError(error.message, hint: error.hint)
            throw ExitCode(2)
        } catch let error as AtomicFileError {
            printError("cannot write \(error.path): \(String(cString: strerror(error.code)))", hint: "check that the folder is writable")
            throw ExitCode(2)
        }
    }
}
