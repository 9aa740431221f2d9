package import Foundation

/// Reads the files attest is given (bundles, keys), with errors that say which file and why.
package enum FileReader {
    /// The file's bytes; `what` names it in errors ("bundle", "public key").
    package static func read(_ url: URL, what: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw EvidenceError.fileMissing(path: url.path, what: what)
        }
        guard !isDirectory.boolValue else { throw EvidenceError.notAFile(path: url.path) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw EvidenceError.unreadable(path: url.path, reason: (error as NSError).localizedFailureReason ?? error.localizedDescription)
        }
    }
}
