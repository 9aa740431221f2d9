package import Foundation
package import Evidence

/// What `attest archive` records in the git note of the attested commit.
package struct ArchiveNote: Codable, Sendable, Equatable {
    /// SHA-256 of the archived bundle's summary payload: the bundle's identity.
    package var bundleSummaryDigest: String
    package var verdict: String
    /// The archived file, relative to the repository's work tree.
    package var archivedPath: String
    package var runId: String
    package var commit: String
}

/// Archives verified bundles next to the code (`.checkpoints/proof/<tag or short commit>/`) and
/// points the attested commit at them with a git note (`refs/notes/attest`).
package enum Archive {
    package enum Failure: Error, HintedError {
        case notBoundToCommit
        case badTag(String)
        case unreadableNote(String)

        package var message: String {
            switch self {
            case .notBoundToCommit: "the bundle's subject is not a git commit, so no commit can carry its note"
            case .badTag(let tag): "--tag '\(tag)' is not a plain name"
            case .unreadableNote(let reason): "the git note is not an attest archive note: \(reason)"
            }
        }

        package var hint: String? {
            switch self {
            case .notBoundToCommit: "archive bundles made by `attest run` inside a git work tree with commits"
            case .badTag: "use letters, digits, '.', '_' and '-' only, e.g. v1.2.0"
            case .unreadableNote: "the note under refs/notes/attest was written by something else; archive the bundle again"
            }
        }
    }

    static func isPlainName(_ tag: String) -> Bool {
        !tag.isEmpty && tag != "." && tag != ".." && tag.count <= 100
            && tag.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) } && tag.allSatisfy(\.isASCII)
    }

    /// Copies a verified bundle into the archive (never overwriting) and writes the commit's note.
    package static func archive(bundleData: Data, statements: [VerifiedStatement], repository: URL, tag: String?) throws -> (file: URL, note: ArchiveNote) {
        if let tag, !isPlainName(tag) { throw Failure.badTag(tag) }
        guard let summary = statements.last, summary.predicateType == PredicateType.summary,
              let commit = summary.subject["digest"]?["gitCommit"]?.stringValue, let digest = Reproduction.summaryDigest(of: statements) else {
            throw Failure.notBoundToCommit
        }
        let root = try GitNotes.workTree(of: repository)
        let runID = summary.predicate["chain"]?["runId"]?.stringValue ?? "unknown-run"
        let relativeFolder = ".checkpoints/proof/\(tag ?? String(commit.prefix(12)))"
        let folder = root.appendingPathComponent(relativeFolder, isDirectory: true)
        try RunOutputs.makeDirectories(folder)
        let relativePath = "\(relativeFolder)/\(runID).bundle.json"
        let file = root.appendingPathComponent(relativePath)
        do {
            try AtomicFile.write(bundleData, to: file, exclusive: true)
        } catch let error as AtomicFileError where error.isDestinationExists {
            // Archiving the same bundle twice is harmless; a different file under that name is not.
            guard (try? Data(contentsOf: file)) == bundleData else { throw EvidenceError.destinationExists(path: file.path) }
        }
        let note = ArchiveNote(bundleSummaryDigest: digest, verdict: summary.predicate["verdict"]?.stringValue ?? "?",
                               archivedPath: relativePath, runId: runID, commit: commit)
        try GitNotes.write(String(decoding: try JSONValue(encoding: note).serializedBytes(pretty: true), as: UTF8.self) + "\n",
                           forCommit: commit, in: root)
        return (file, note)
    }

    /// The note of `revision` and the archived bundle it names.
    package static func locate(revision: String, repository: URL) throws -> (note: ArchiveNote, file: URL) {
        let (_, text) = try GitNotes.read(revision: revision, in: repository)
        let note: ArchiveNote
        switch StrictJSON.parse(Data(text.utf8)) {
        case .failure(let violation): throw Failure.unreadableNote("\(violation)")
        case .success(let value):
            do { note = try value.decode(ArchiveNote.self) } catch { throw Failure.unreadableNote("\(error)") }
        }
        guard !note.archivedPath.hasPrefix("/"), !note.archivedPath.split(separator: "/").contains("..") else {
            throw Failure.unreadableNote("the archived path \(note.archivedPath) leaves the repository")
        }
        return (note, try GitNotes.workTree(of: repository).appendingPathComponent(note.archivedPath))
    }

    /// The findings of checking a verified archived bundle against its note.
    package static func check(note: ArchiveNote, statements: [VerifiedStatement]) -> [Finding] {
        var findings: [Finding] = []
        let digest = Reproduction.summaryDigest(of: statements)
        if digest != note.bundleSummaryDigest {
            findings.append(Finding(code: "archive.digest-mismatch",
                                    message: "the note names summary digest \(note.bundleSummaryDigest), the archived file has \(digest ?? "none")"))
        }
        let commit = statements.last?.subject["digest"]?["gitCommit"]?.stringValue
        if commit != note.commit {
            findings.append(Finding(code: "archive.commit-mismatch", message: "the note is on commit \(note.commit), the archived bundle attests \(commit ?? "no commit")"))
        }
        return findings
    }
}
