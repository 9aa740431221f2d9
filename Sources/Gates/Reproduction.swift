package import Foundation
package import Evidence

/// Signed reproductions: a replayer publishes that it re-ran the proof, in a bundle of its own
/// whose subject is the SHA-256 of the original bundle's summary payload.
package enum Reproduction {
    /// The subject name of a reproduction bundle.
    package static let subjectName = "attest-bundle-summary"

    /// The summary payload digest that names an original bundle.
    package static func summaryDigest(of statements: [VerifiedStatement]) -> String? {
        guard let summary = statements.last, summary.predicateType == PredicateType.summary else { return nil }
        return SHA256Digest.hex(summary.payload)
    }

    /// Builds and seals a reproduction bundle for `result`, a replay of the bundle whose verified
    /// statements are `original`.
    package static func bundle(for result: ReplayResult, original: [VerifiedStatement], signingKey: SigningKey,
                              system: SystemInfo, git: GitReading, startedAt: Date, finishedAt: Date) throws -> EvidenceBundle {
        guard let digest = summaryDigest(of: original) else { throw Replay.Failure.unreadable("the original has no summary") }
        let originalRunID = original.last?.predicate["chain"]?["runId"]?.stringValue ?? ""
        let builder = try BundleBuilder(signingKey: signingKey, subject: .sourceDigest(name: subjectName, sha256: digest))
        let figures: (ConcurrencyProof.Figures?) -> JSONValue = { figures in
            figures.flatMap { try? JSONValue(encoding: $0) } ?? .null
        }
        try builder.append(predicateType: PredicateType.reproduction, predicate: [
            "originalRunId": .string(originalRunID),
            "originalSubject": original.last?.subject ?? .null,
            "originalSummaryDigest": .string(digest),
            "startedAt": .string(Timestamp.format(startedAt)),
            "finishedAt": .string(Timestamp.format(finishedAt)),
            "system": (try? JSONValue(encoding: system)) ?? .null,
            "original": figures(result.original),
            "replay": figures(result.replay),
            "replayMeasurements": result.replayMeasurements.flatMap { try? JSONValue(encoding: $0) }
                ?? result.replayExternalMeasurements.flatMap { try? JSONValue(encoding: $0) } ?? .null,
            "replayNotes": .array(result.notes.map(JSONValue.string)),
            "replayAvailableParallelism": result.replayParallelism.map { .number(Double($0)) } ?? .null,
            "replayAvailableParallelismDerivation": result.replayDerivation.map(JSONValue.string) ?? .null,
            "findings": .array(result.findings.map { .object(["code": .string($0.code), "message": .string($0.message)]) }),
            "verdict": .string(result.verdict.rawValue),
            "reason": .string(result.reason),
        ])
        return try builder.seal(gates: [], verdict: result.verdict.rawValue, startedAt: startedAt, finishedAt: finishedAt,
                                system: system, git: git)
    }

    /// What a set of reproduction bundles says about an original.
    package struct Tally: Sendable {
        /// Distinct trusted keys whose reproduction verified, names this original and says REPRODUCED.
        package var reproducingKeys: Set<String>
        /// One line per reproduction file that does not count, with why.
        package var rejected: [String]
    }

    /// Counts distinct trusted keys — never signatures — that reproduced `original`.
    package static func tally(files: [(path: String, data: Data)], original: [VerifiedStatement], trustedKeys: [PublicKey]) -> Tally {
        var tally = Tally(reproducingKeys: [], rejected: [])
        let digest = summaryDigest(of: original)
        let originalRunID = original.last?.predicate["chain"]?["runId"]?.stringValue
        let verifier = Verifier(trustedKeys: trustedKeys, policies: [GateVerdictPolicy(), TestResultPolicy()])
        for file in files {
            let report = verifier.verify(bundleData: file.data)
            guard report.isVerified else {
                tally.rejected.append("\(file.path): does not verify (\(report.allFindings.first?.message ?? "no records"))")
                continue
            }
            guard let record = report.statements.first(where: { $0.predicateType == PredicateType.reproduction }) else {
                tally.rejected.append("\(file.path): holds no reproduction record")
                continue
            }
            if record.subject["digest"]?["sha256"]?.stringValue != digest {
                tally.rejected.append("\(file.path): reproduces another bundle (subject \(record.subject["digest"]?["sha256"]?.stringValue ?? "?"), expected \(digest ?? "?"))")
                continue
            }
            if record.predicate["originalRunId"]?.stringValue != originalRunID {
                tally.rejected.append("\(file.path): names run \(record.predicate["originalRunId"]?.stringValue ?? "?"), not \(originalRunID ?? "?")")
                continue
            }
            guard record.predicate["verdict"]?.stringValue == ReplayVerdict.reproduced.rawValue else {
                tally.rejected.append("\(file.path): its verdict is \(record.predicate["verdict"]?.stringValue ?? "?")")
                continue
            }
            tally.reproducingKeys.formUnion(record.signedBy)
        }
        return tally
    }
}
