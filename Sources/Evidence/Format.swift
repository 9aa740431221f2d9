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

    /// The constant equal to `type`, nil for a type attest does not write.
    static func known(_ type: String) -> String? {
        // Compared in turn (five short strings): cheaper than hashing `type` once per record.
        for known in ordered where known == type { return known }
        return nil
    }

    private static let ordered = [gate, summary, reproduction, scaling, testResult]
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

    /// PAE(type, body) with the body decoded from its base64 text straight into place (one
    /// buffer, no copy of the body): the message a signature covers, and where the body starts
    /// in it. Nil when `base64Payload` is not a canonical base64 encoding.
    public static func pae(payloadType: String, base64Payload: UnsafeBufferPointer<UInt8>) -> (message: [UInt8], payloadStart: Int)? {
        guard let length = Base64.decodedLength(of: base64Payload) else { return nil }
        // The lengths in decimal are short strings, held inline: the header costs no allocation.
        let type = payloadType.utf8, typeLength = String(type.count).utf8, payloadLength = String(length).utf8
        let prefix = "DSSEv1 ".utf8
        let headerCount = prefix.count + typeLength.count + 1 + type.count + 1 + payloadLength.count + 1
        var valid = false
        let message = [UInt8](unsafeUninitializedCapacity: headerCount + length) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            var position = 0
            func put(_ bytes: some Sequence<UInt8>) {
                for byte in bytes {
                    (base + position).initialize(to: byte)
                    position += 1
                }
            }
            put(prefix)
            put(typeLength)
            put(CollectionOfOne(UInt8(ascii: " ")))
            put(type)
            put(CollectionOfOne(UInt8(ascii: " ")))
            put(payloadLength)
            put(CollectionOfOne(UInt8(ascii: " ")))
            valid = position == headerCount && Base64.decode(base64Payload, into: base + headerCount)
            initialized = valid ? headerCount + length : 0
        }
        return valid ? (message, headerCount) : nil
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
