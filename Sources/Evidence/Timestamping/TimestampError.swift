/// Why a timestamp could not be obtained or added, for one TSA or one bundle.
package enum TimestampError: HintedError, Equatable {
    /// No HTTP answer after every attempt (refused, timed out, unresolvable…).
    case unreachable(url: String, reason: String, attempts: Int)
    /// An HTTP answer other than 200.
    case httpStatus(url: String, status: Int, attempts: Int)
    /// A 200 answer that is not a DER TimeStampResp.
    case notAReply(url: String, contentType: String?)
    /// The TSA answered with a PKIStatus that grants no token.
    case rejected(url: String, status: Int, failures: [String])
    /// A granted reply whose token does not match the request (another imprint or nonce).
    case mismatchedReply(url: String, what: String)
    /// The bundle has no seal (summary) record with a signature to timestamp.
    case notSealed(path: String, reason: String)
    /// A CA file for `--timestamp-ca` holds no PEM certificate.
    case noCertificates(path: String)

    package var message: String {
        switch self {
        case .unreachable(let url, let reason, let attempts):
            "the TSA \(url) did not answer (\(attempts) attempt\(attempts == 1 ? "" : "s")): \(reason)"
        case .httpStatus(let url, let status, let attempts):
            "the TSA \(url) answered HTTP \(status) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case .notAReply(let url, let contentType):
            "the TSA \(url) answered with something that is not an RFC 3161 reply (content type \(contentType ?? "none"))"
        case .rejected(let url, let status, let failures):
            "the TSA \(url) refused the request: status \(status) (\(Self.statusName(status)))"
                + (failures.isEmpty ? "" : ", failure info \(failures.joined(separator: ", "))")
        case .mismatchedReply(let url, let what): "the TSA \(url) returned a token for another request: \(what)"
        case .notSealed(let path, let reason): "\(path) has no seal to timestamp: \(reason)"
        case .noCertificates(let path): "\(path) holds no PEM certificate"
        }
    }

    package var hint: String? {
        let later = "the bundle is written and valid without a timestamp; add one later with `attest timestamp BUNDLE --timestamp-url URL`"
        return switch self {
        case .unreachable: "check the URL and the network (a proxy, a firewall); " + later
        case .httpStatus(_, let status, _) where status >= 500 || status == 429: "the TSA is failing or busy: try again later or another TSA; " + later
        case .httpStatus: "check that the URL is the TSA's RFC 3161 endpoint (it takes POST application/timestamp-query); " + later
        case .notAReply: "check that the URL is the TSA's RFC 3161 endpoint, not its web page; " + later
        case .rejected: "the TSA does not accept SHA-256 requests or is out of service: use another TSA; " + later
        case .mismatchedReply: "do not trust this TSA (or whatever sits between it and you): use another; " + later
        case .notSealed: "timestamp a bundle written by `attest run` (its last record is the seal)"
        case .noCertificates: "pass the TSA's CA certificate (or its chain) in PEM form: BEGIN CERTIFICATE"
        }
    }

    static func statusName(_ status: Int) -> String {
        switch status {
        case 0: "granted"
        case 1: "grantedWithMods"
        case 2: "rejection"
        case 3: "waiting"
        case 4: "revocationWarning"
        case 5: "revocationNotification"
        default: "unknown"
        }
    }
}
