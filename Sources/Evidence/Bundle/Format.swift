/// The format's constants, in one place (docs/FORMAT.md describes them).
package enum FormatConstants {
    package static let bundleMediaType = "application/vnd.attest.bundle.v1+json"
    package static let payloadType = "application/vnd.in-toto+json"
    package static let statementType = "https://in-toto.io/Statement/v1"
}

/// The predicate types attest writes.
package enum PredicateType {
    package static let gate = "urn:attest:predicate:gate:v1"
    package static let summary = "urn:attest:predicate:summary:v1"
    package static let reproduction = "urn:attest:predicate:reproduction:v1"
    /// Gate 2's protocol at several worker counts (`attest run --scaling`); informs, never decides.
    package static let scaling = "urn:attest:predicate:scaling:v1"
    /// in-toto's vetted Test Results predicate, derived from the gate records (`chain`,
    /// `startedAt` and `finishedAt` are attest's extra members, which consumers ignore).
    package static let testResult = "https://in-toto.io/attestation/test-result/v0.1"
    package static let all: Set<String> = [gate, summary, reproduction, scaling, testResult]
}

/// DSSE v1's pre-authentication encoding and envelope.
package enum DSSE {
    /// PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes as
    /// ASCII decimal.
    package static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var output = Array("DSSEv1 \(type.count) ".utf8)
        output += type
        output += Array(" \(payload.count) ".utf8)
        output += payload
        return output
    }
}

/// One signature in a DSSE envelope. `keyid` is an unauthenticated hint.
package struct DSSESignature: Sendable, Equatable {
    package var keyid: String
    package var sig: String
}

/// A DSSE envelope: the signed payload, base64-encoded, and its signatures.
package struct DSSEEnvelope: Sendable, Equatable {
    package var payloadType: String
    package var payload: String
    package var signatures: [DSSESignature]

    var json: JSONValue {
        .object([
            "payloadType": .string(payloadType),
            "payload": .string(payload),
            "signatures": .array(signatures.map { .object(["keyid": .string($0.keyid), "sig": .string($0.sig)]) }),
        ])
    }
}

/// What a bundle attests to: the code under test.
package struct Subject: Sendable, Equatable, CustomStringConvertible {
    package var name: String
    /// Digest algorithm ("gitCommit", "gitTree" or "sha256") and lowercase hex value.
    package var algorithm: String
    package var digest: String

    package static func gitCommit(name: String, commit: String) -> Subject {
        Subject(name: name, algorithm: "gitCommit", digest: commit.lowercased())
    }

    /// A dirty working tree: its tracked content as a git tree (in-toto's `gitTree` digest).
    package static func gitTree(name: String, tree: String) -> Subject {
        Subject(name: name, algorithm: "gitTree", digest: tree.lowercased())
    }

    package static func sourceDigest(name: String, sha256: String) -> Subject {
        Subject(name: name, algorithm: "sha256", digest: sha256.lowercased())
    }

    /// A short form for file names: 12 hex characters.
    package var shortName: String { String(digest.prefix(12)) }

    package var description: String { "\(name)@\(algorithm):\(digest)" }

    var json: JSONValue {
        .object(["name": .string(name), "digest": .object([algorithm: .string(digest)])])
    }
}
