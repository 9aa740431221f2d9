/// The format's constants, in one place (docs/FORMAT.md describes them).
public enum FormatConstants {
    public static let bundleMediaType = "application/vnd.attest.bundle.v1+json"
    public static let payloadType = "application/vnd.in-toto+json"
    public static let statementType = "https://in-toto.io/Statement/v1"
}

/// The predicate types attest writes.
public enum PredicateType {
    public static let gate = "urn:attest:predicate:gate:v1"
    public static let summary = "urn:attest:predicate:summary:v1"
    public static let reproduction = "urn:attest:predicate:reproduction:v1"
    /// Gate 2's protocol at several worker counts (`attest run --scaling`); informs, never decides.
    public static let scaling = "urn:attest:predicate:scaling:v1"
    /// in-toto's vetted Test Results predicate, derived from the gate records (`chain`,
    /// `startedAt` and `finishedAt` are attest's extra members, which consumers ignore).
    public static let testResult = "https://in-toto.io/attestation/test-result/v0.1"
    public static let all: Set<String> = [gate, summary, reproduction, scaling, testResult]
}

/// DSSE v1's pre-authentication encoding and envelope.
public enum DSSE {
    /// PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes as
    /// ASCII decimal.
    public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var output = Array("DSSEv1 \(type.count) ".utf8)
        output += type
        output += Array(" \(payload.count) ".utf8)
        output += payload
        return output
    }
}

/// One signature in a DSSE envelope. `keyid` is an unauthenticated hint.
public struct DSSESignature: Sendable, Equatable {
    public var keyid: String
    public var sig: String
}

/// A DSSE envelope: the signed payload, base64-encoded, and its signatures.
public struct DSSEEnvelope: Sendable, Equatable {
    public var payloadType: String
    public var payload: String
    public var signatures: [DSSESignature]

    var json: JSONValue {
        .object([
            "payloadType": .string(payloadType),
            "payload": .string(payload),
            "signatures": .array(signatures.map { .object(["keyid": .string($0.keyid), "sig": .string($0.sig)]) }),
        ])
    }
}

/// What a bundle attests to: the code under test.
public struct Subject: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// Digest algorithm ("gitCommit", "gitTree" or "sha256") and lowercase hex value.
    public var algorithm: String
    public var digest: String

    public static func gitCommit(name: String, commit: String) -> Subject {
        Subject(name: name, algorithm: "gitCommit", digest: commit.lowercased())
    }

    /// A dirty working tree: its tracked content as a git tree (in-toto's `gitTree` digest).
    public static func gitTree(name: String, tree: String) -> Subject {
        Subject(name: name, algorithm: "gitTree", digest: tree.lowercased())
    }

    public static func sourceDigest(name: String, sha256: String) -> Subject {
        Subject(name: name, algorithm: "sha256", digest: sha256.lowercased())
    }

    /// A short form for file names: 12 hex characters.
    public var shortName: String { String(digest.prefix(12)) }

    public var description: String { "\(name)@\(algorithm):\(digest)" }

    var json: JSONValue {
        .object(["name": .string(name), "digest": .object([algorithm: .string(digest)])])
    }
}
