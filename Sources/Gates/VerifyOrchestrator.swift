package import Evidence
package import Foundation

/// What `attest verify` does between parsing its options and printing: locate and read the
/// bundle, verify it, and then the checks that follow a verified bundle (archive note,
/// reproductions, replay). The CLI calls it and prints what it returns.
package enum VerifyOrchestrator {
    /// Where the bundle comes from.
    package enum Source: Sendable {
        case file(String)
        /// The bundle archived for this revision (git note under refs/notes/attest).
        case notes(revision: String, repository: URL)
    }

    /// A bundle read and verified.
    package struct Verified: Sendable {
        package var bundlePath: String
        /// The archive note the bundle was found by, for `.notes`.
        package var archiveNote: ArchiveNote?
        package var report: VerificationReport
        package var readSeconds: Double
        package var parseSeconds: Double
    }

    /// A bundle's bytes as read, before verification.
    package struct Read: Sendable {
        package var bundlePath: String
        package var archiveNote: ArchiveNote?
        /// The bundle document; a JSON Lines file is already turned into one (`JSONLines`).
        package var data: Data
        package var readSeconds: Double
    }

    /// Locates and reads the bundle; throws input errors (no such file, an empty file, an
    /// unreadable note). The JSON Lines form is put in chain order here, so every later step
    /// sees the same document either form gives.
    package static func read(_ source: Source) throws -> Read {
        let started = ContinuousClock.now
        let path: String
        var note: ArchiveNote?
        switch source {
        case .file(let file):
            path = file
        case .notes(let revision, let repository):
            let located = try Archive.locate(revision: revision, repository: repository)
            note = located.note
            path = located.file.path
        }
        let data = try FileReader.read(URL(fileURLWithPath: path), what: "bundle")
        guard !data.isEmpty else { throw EvidenceError.emptyFile(path: path, what: "bundle") }
        // A JSON Lines bundle's RFC 3161 tokens sit in a sidecar file; they join the document as
        // the unsigned `timestamps` member a JSON bundle carries.
        let document = JSONLines.isJSONLines(data)
            ? JSONLines.bundleDocument(data, timestamps: try JSONLines.sidecarTimestamps(for: URL(fileURLWithPath: path)))
            : data
        return Read(bundlePath: path, archiveNote: note, data: document, readSeconds: seconds(since: started))
    }

    /// Verifies what `read` returned. A document that is not a bundle is not an error here:
    /// `report.notABundle` says so.
    package static func verify(_ read: Read, trustedKeys: [PublicKey], policies: [any RecordPolicy],
                              options: VerificationOptions) -> Verified {
        var read = read
        let started = ContinuousClock.now
        // Parsed first, so that the bundle's bytes are let go of before its records are checked.
        let parsed = StrictJSON.parse(read.data, limits: options.limits)
        read.data = Data()
        let parseSeconds = seconds(since: started)
        let report = Verifier(trustedKeys: trustedKeys, policies: policies, options: options).verify(parsed: parsed)
        return Verified(bundlePath: read.bundlePath, archiveNote: read.archiveNote, report: report,
                        readSeconds: read.readSeconds, parseSeconds: parseSeconds)
    }

    /// `read`, then `verify`.
    package static func verify(_ source: Source, trustedKeys: [PublicKey], policies: [any RecordPolicy],
                              options: VerificationOptions) throws -> Verified {
        verify(try read(source), trustedKeys: trustedKeys, policies: policies, options: options)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// What to do after a bundle verified.
    package struct FollowUps {
        /// Reproduction bundles of this bundle to count (path and bytes).
        package var reproductions: [(path: String, data: Data)] = []
        package var replay = false
        /// With `replay`: sign a reproduction bundle with this key and write it here.
        package var reproductionSigner: (key: SigningKey, destination: URL)?
        /// The repository whose git state a reproduction bundle records.
        package var repository: URL

        package init(repository: URL) {
            self.repository = repository
        }
    }

    /// What the follow-up checks found.
    package struct FollowUpResults: Sendable {
        /// Findings of the archive check, nil when the bundle did not come from a note.
        package var archiveFindings: [Finding]?
        package var tally: Reproduction.Tally?
        package var replay: ReplayResult?
        /// The reproduction bundle written, and the id of the key that signed it.
        package var reproductionBundle: (path: URL, keyID: String)?

        /// True when any follow-up failed: the note names another bundle, no trusted key
        /// reproduced it, or the replay did not reproduce it.
        package var failed: Bool {
            !(archiveFindings ?? []).isEmpty || tally.map { $0.reproducingKeys.isEmpty } == true
                || replay.map { $0.verdict != .reproduced } == true
        }
    }

    /// The checks that follow a verified bundle; `progress` hears the replay's phases.
    package static func followUps(_ verified: Verified, _ requested: FollowUps, trustedKeys: [PublicKey],
                                 progress: @escaping (String) -> Void = { _ in }) throws -> FollowUpResults {
        var results = FollowUpResults()
        let statements = verified.report.statements
        if let note = verified.archiveNote {
            results.archiveFindings = Archive.check(note: note, statements: statements)
        }
        if !requested.reproductions.isEmpty {
            results.tally = Reproduction.tally(files: requested.reproductions, original: statements, trustedKeys: trustedKeys)
        }
        guard requested.replay else { return results }
        let startedAt = Date()
        let replay = try Replay.run(statements: statements, progress: progress)
        results.replay = replay
        if let (signer, destination) = requested.reproductionSigner {
            let reproduction = try Reproduction.bundle(
                for: replay, original: statements, signingKey: signer, system: ThisMachine.systemInfo(),
                git: GitSnapshot.read(at: requested.repository), startedAt: startedAt, finishedAt: Date())
            try reproduction.write(to: destination, exclusive: true)
            results.reproductionBundle = (destination, signer.publicKey.keyID)
        }
        return results
    }
}
