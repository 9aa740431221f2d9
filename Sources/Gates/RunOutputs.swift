import Foundation
import Evidence

/// The files a run writes under `.checkpoints/`. Every write is atomic (temp file, fsync, rename),
/// so a crash leaves the previous file or the new one, never half of one. Archived bundles get a
/// unique name and are created exclusively, so two runs in one folder never clobber each other's
/// archive; the latest-bundle file is replaced atomically, and the last run to finish owns it.
struct RunOutputs {
    static let bundleFileName = "PHASE4_VERIFICATION_BUNDLE.json"
    let directory: URL
    let proofDirectory: URL

    init(directory: URL) throws {
        self.directory = directory
        proofDirectory = directory.appendingPathComponent("proof", isDirectory: true)
        try Self.makeDirectories(proofDirectory)
        // Fail now, not after minutes of measuring.
        guard access(directory.path, W_OK) == 0, access(proofDirectory.path, W_OK) == 0 else {
            throw GateError.checkpointsUnwritable(path: directory.path, reason: String(cString: strerror(errno)))
        }
    }

    /// mkdir -p with the system's own reason on failure (Foundation's is an opaque code).
    static func makeDirectories(_ url: URL) throws {
        var path = ""
        for component in url.standardizedFileURL.pathComponents {
            path = component == "/" ? "/" : (path == "/" ? "/" + component : path + "/" + component)
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw GateError.checkpointsUnwritable(path: path, reason: String(cString: strerror(errno)))
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw GateError.checkpointsUnwritable(path: path, reason: "it is a file, not a folder")
            }
        }
    }

    func writeGateResult(_ gate: GateKind, payload: Data) throws -> URL {
        let file = directory.appendingPathComponent(gate.resultFileName)
        try AtomicFile.write(Self.pretty(payload), to: file)
        return file
    }

    /// The scaling record's statement, next to gate 2's file.
    static let scalingFileName = "gate2_scaling_results.json"

    func writeScalingResult(payload: Data) throws -> URL {
        let file = directory.appendingPathComponent(Self.scalingFileName)
        try AtomicFile.write(Self.pretty(payload), to: file)
        return file
    }

    /// Writes the archive copy first (exclusively, under a unique name), then the latest bundle.
    func writeBundle(_ bundle: EvidenceBundle, shortCommit: String) throws -> (bundle: URL, archive: URL) {
        let data = bundle.encoded()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stem = "\(formatter.string(from: Date()))-\(shortCommit)"
        var archive = proofDirectory.appendingPathComponent("\(stem).bundle.json")
        var attempt = 1
        while true {
            do {
                try AtomicFile.write(data, to: archive, exclusive: true)
                break
            } catch let error as AtomicFileError where error.isDestinationExists && attempt < 1000 {
                attempt += 1
                archive = proofDirectory.appendingPathComponent("\(stem)-\(attempt).bundle.json")
            }
        }
        let latest = directory.appendingPathComponent(Self.bundleFileName)
        try AtomicFile.write(data, to: latest)
        return (latest, archive)
    }

    /// The same envelopes as in-toto's JSON Lines bundle, one per line, beside the JSON bundle.
    func writeJSONLines(_ bundle: EvidenceBundle) throws -> URL {
        let file = directory.appendingPathComponent(Self.jsonLinesFileName)
        try bundle.writeJSONLines(to: file)
        return file
    }

    static let jsonLinesFileName = "PHASE4_VERIFICATION_BUNDLE." + JSONLines.fileExtension

    /// Gate files are for people: the statement, indented. The signed bytes live in the bundle.
    static func pretty(_ payload: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: payload),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return payload }
        return data
    }
}
