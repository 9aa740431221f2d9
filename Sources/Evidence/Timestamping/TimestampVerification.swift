package import Foundation

/// A token that verified: the TSA vouches that the seal existed at `genTime`.
package struct TrustedTimestamp: Sendable, Equatable, Encodable {
    package var record: Int
    /// genTime, RFC 3339 UTC.
    package var genTime: String
    /// The token's stated accuracy in seconds (nil: none stated).
    package var accuracySeconds: Double?
    package var tsaName: String?
    package var serial: String
    package var policy: String

    /// "sealed no later than <genTime> by <TSA name>".
    package var sentence: String {
        "sealed no later than \(genTime)" + (accuracySeconds.map { String(format: " (±%gs)", $0) } ?? "")
            + " by \(tsaName ?? "an unnamed TSA")"
    }
}

/// The timestamps of one bundle, checked.
package struct TimestampReport: Sendable, Encodable {
    /// Tokens in the bundle's `timestamps` member.
    package var tokenCount = 0
    package var verified: [TrustedTimestamp] = []
    package var findings: [Finding] = []
    /// Why some tokens were not checked (no trusted TSA CA given), when that is so.
    package var notes: [String] = []
    /// The earliest verified genTime: the latest the seal can have been made.
    package var trustedTime: Date? {
        verified.compactMap { Timestamp.parse($0.genTime) }.min()
    }

    enum CodingKeys: String, CodingKey { case tokenCount, verified, findings, notes }
}

/// Checks a bundle's RFC 3161 tokens against the TSA CAs a reviewer trusts. A token under another
/// CA, over another imprint, altered, or attached to another record is a finding, never a pass.
package enum TimestampVerification {
    /// `trustedCAs`: PEM files' bytes, each a TSA's root or chain. `requireTimestamp`: no verified
    /// token is a finding. `seal` and the tokens are read from `bundleData` alone; the seal's
    /// signature itself is the bundle verifier's business.
    package static func verify(bundleData: Data, trustedCAs: [[UInt8]], requireTimestamp: Bool) -> TimestampReport {
        var report = TimestampReport()
        let object: [String: JSONValue]
        switch BundleTimestamps.object(bundleData) {
        case .success(let value): object = value
        case .failure:
            // The bundle verifier reports why; a timestamp cannot be checked on it.
            if requireTimestamp { report.findings.append(missing("the bundle cannot be read")) }
            return report
        }
        let (entries, shapeFindings) = BundleTimestamps.entries(object[BundleTimestamps.member])
        switch BundleTimestamps.seal(of: object) {
        case .success(let seal):
            return verify(entries: entries, shapeFindings: shapeFindings, seal: seal, trustedCAs: trustedCAs, requireTimestamp: requireTimestamp)
        case .failure(let unreadable):
            report.tokenCount = entries.count
            report.findings = shapeFindings
            if !entries.isEmpty || requireTimestamp {
                report.findings.append(Finding(code: "rfc3161.no-seal", message: "the timestamps cannot be checked: \(unreadable.reason)"))
            }
            return report
        }
    }

    /// The same checks for tokens kept apart from the bundle (e.g. beside a JSON Lines bundle),
    /// given its seal.
    package static func verify(entries: [TimestampEntry], shapeFindings: [Finding] = [], seal: SealReference,
                              trustedCAs: [[UInt8]], requireTimestamp: Bool) -> TimestampReport {
        var report = TimestampReport()
        report.tokenCount = entries.count
        report.findings = shapeFindings
        if trustedCAs.isEmpty {
            if !entries.isEmpty {
                report.notes.append("\(entries.count) RFC 3161 timestamp\(entries.count == 1 ? "" : "s") not checked: pass the TSA's CA with --timestamp-ca")
            }
        } else {
            for (position, entry) in entries.enumerated() {
                switch check(entry, seal: seal, trustedCAs: trustedCAs, position: position) {
                case .success(let trusted): report.verified.append(trusted)
                case .failure(let finding): report.findings.append(finding.finding)
                }
            }
        }
        if let claimed = seal.claimedTime {
            for trusted in report.verified {
                guard let genTime = Timestamp.parse(trusted.genTime) else { continue }
                let margin = trusted.accuracySeconds ?? 0
                if claimed.timeIntervalSince(genTime) > margin {
                    report.findings.append(Finding(
                        code: "rfc3161.seal-after-tsa-time",
                        message: "the seal claims it was made at \(Timestamp.format(claimed)), after the TSA's time \(trusted.genTime)"
                            + String(format: " (accuracy ±%gs)", margin) + ": the signer's clock or claim is wrong",
                        recordIndex: seal.index))
                }
            }
        }
        if requireTimestamp && report.verified.isEmpty {
            report.findings.append(missing(entries.isEmpty ? "the bundle has no RFC 3161 timestamp"
                                           : trustedCAs.isEmpty ? "no --timestamp-ca was given to check its timestamps"
                                           : "none of its timestamps verified"))
        }
        return report
    }

    private static func missing(_ reason: String) -> Finding {
        Finding(code: "rfc3161.missing", message: "a verified timestamp is required (--require-timestamp): \(reason)")
    }

    /// A finding as a failure value.
    struct Rejection: Error {
        var finding: Finding
    }

    static func check(_ entry: TimestampEntry, seal: SealReference, trustedCAs: [[UInt8]], position: Int) -> Result<TrustedTimestamp, Rejection> {
        func reject(_ code: String, _ message: String) -> Result<TrustedTimestamp, Rejection> {
            .failure(Rejection(finding: Finding(code: code, message: "timestamps[\(position)]: " + message, recordIndex: seal.index)))
        }
        guard entry.record == seal.index else {
            return reject("rfc3161.record", "timestamps record \(entry.record), expected the seal, record \(seal.index)")
        }
        guard let content = TimeStampBackend.content(token: entry.token) else {
            return reject("rfc3161.malformed", "not a DER RFC 3161 TimeStampToken")
        }
        let expected = seal.imprint
        guard content.imprintAlgorithm == "SHA256", content.imprint == expected else {
            return reject("rfc3161.imprint", "the token timestamps \(content.imprintAlgorithm) \(Hex.encode(content.imprint)), "
                          + "expected SHA256 \(Hex.encode(expected)) of the seal's signature: it belongs to another bundle or seal")
        }
        if let reason = TimeStampBackend.verify(token: entry.token, sha256: expected, trustedPEMs: trustedCAs) {
            return reject("rfc3161.untrusted", "the token from \(content.tsaName ?? "an unnamed TSA") does not verify against the given TSA CAs: \(reason)")
        }
        return .success(TrustedTimestamp(record: entry.record, genTime: Timestamp.format(content.genTime), accuracySeconds: content.accuracySeconds,
                                         tsaName: content.tsaName, serial: content.serialHex, policy: content.policy))
    }

    /// The PEM bytes of a `--timestamp-ca` file, refused when it holds no certificate.
    package static func loadCA(_ url: URL) throws -> [UInt8] {
        let bytes = [UInt8](try FileReader.read(url, what: "TSA CA certificate"))
        guard !TimeStampBackend.certificates(pem: bytes).isEmpty else { throw TimestampError.noCertificates(path: url.path) }
        return bytes
    }

    /// `--max-age` against the TSA's time: a finding when `trustedTime` is older than `maximumAge`.
    package static func ageFindings(trustedTime: Date, maximumAge: TimeInterval, now: Date) -> [Finding] {
        let age = now.timeIntervalSince(trustedTime)
        guard age > maximumAge else { return [] }
        return [Finding(code: "binding.too-old",
                        message: "the TSA's time says the bundle was sealed \(BindingPolicy.describe(age)) ago, older than the allowed \(BindingPolicy.describe(maximumAge))")]
    }
}
