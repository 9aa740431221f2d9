package import Foundation

/// One RFC 3161 token in a bundle's unsigned `timestamps` member: the record it timestamps (the
/// seal) and the token's DER bytes. The TSA's signature authenticates it, not attest's.
package struct TimestampEntry: Sendable, Equatable {
    package var record: Int
    package var token: [UInt8]

    package init(record: Int, token: [UInt8]) {
        self.record = record
        self.token = token
    }

    var json: JSONValue {
        .object(["record": .number(Double(record)), "rfc3161": .string(Base64.encode(token))])
    }
}

/// The seal (the last record, the summary) as a timestamp sees it.
package struct SealReference: Sendable, Equatable {
    /// The seal's index in `records`.
    package var index: Int
    /// The seal's first signature, decoded: what the TSA timestamps (Sigstore's convention).
    package var signature: [UInt8]
    /// The seal's own claimed time (`finishedAt`), when it is readable.
    package var claimedTime: Date?

    package init(index: Int, signature: [UInt8], claimedTime: Date?) {
        self.index = index
        self.signature = signature
        self.claimedTime = claimedTime
    }

    /// The message imprint a token must carry: SHA-256 of the signature bytes.
    package var imprint: [UInt8] { SHA256Digest.bytes(signature) }
}

/// Reads and adds the `timestamps` member. It sits outside the signed envelopes on purpose: a
/// token is requested after the bundle is signed, and adding one changes no signed byte.
package enum BundleTimestamps {
    package static let member = "timestamps"

    /// Why a bundle's seal could not be read.
    struct Unreadable: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The bundle's JSON object, or why it is none.
    static func object(_ data: Data) -> Result<[String: JSONValue], Unreadable> {
        switch StrictJSON.parse(data) {
        case .failure(let violation): .failure(Unreadable("it is not acceptable JSON: \(violation)"))
        case .success(let value):
            if let object = value.objectValue { .success(object) } else { .failure(Unreadable("it is not a JSON object")) }
        }
    }

    /// The seal of a bundle object: its last record's first signature and claimed time.
    static func seal(of object: [String: JSONValue]) -> Result<SealReference, Unreadable> {
        guard let records = object["records"]?.arrayValue, let last = records.last else { return .failure(Unreadable("it has no records")) }
        guard let signature = last["signatures"]?.arrayValue?.first?["sig"]?.stringValue.flatMap(Base64.decode), !signature.isEmpty else {
            return .failure(Unreadable("its last record has no readable signature"))
        }
        let predicate = last["payload"]?.stringValue.flatMap(Base64.decode)
            .flatMap { try? StrictJSON.parse(Data($0)).get() }?["predicate"]
        guard predicate?["recordCount"] != nil else { return .failure(Unreadable("its last record is not a seal (summary) record")) }
        return .success(SealReference(index: records.count - 1, signature: signature,
                                      claimedTime: predicate?["finishedAt"]?.stringValue.flatMap(Timestamp.parse)))
    }

    /// The seal of the bundle in `data`.
    package static func seal(bundleData data: Data, path: String) throws(TimestampError) -> SealReference {
        let result = object(data).flatMap(seal(of:))
        switch result {
        case .success(let seal): return seal
        case .failure(let unreadable): throw .notSealed(path: path, reason: unreadable.reason)
        }
    }

    /// The entries of a `timestamps` member, and a finding for each part that is not one.
    static func entries(_ value: JSONValue?) -> (entries: [TimestampEntry], findings: [Finding]) {
        guard let value else { return ([], []) }
        guard let items = value.arrayValue else {
            return ([], [Finding(code: "rfc3161.shape", message: "\"timestamps\" is not an array")])
        }
        var entries: [TimestampEntry] = []
        var findings: [Finding] = []
        for (position, item) in items.enumerated() {
            guard let members = item.objectValue, Set(members.keys) == ["record", "rfc3161"],
                  let record = members["record"]?.numberValue, record >= 0, record == record.rounded(), record < 1e9,
                  let token = members["rfc3161"]?.stringValue.flatMap(Base64.decode), !token.isEmpty else {
                findings.append(Finding(code: "rfc3161.shape",
                                        message: "timestamps[\(position)] is not {\"record\": <index>, \"rfc3161\": \"<base64 DER token>\"}"))
                continue
            }
            entries.append(TimestampEntry(record: Int(record), token: token))
        }
        return (entries, findings)
    }

    /// The bundle's bytes with `added` appended to its `timestamps` (a token already there is not
    /// added twice); everything else is written as `attest run` writes it.
    package static func adding(_ added: [TimestampEntry], to data: Data, path: String) throws(TimestampError) -> Data {
        var object: [String: JSONValue]
        switch Self.object(data) {
        case .success(let value): object = value
        case .failure(let unreadable): throw .notSealed(path: path, reason: unreadable.reason)
        }
        var entries = Self.entries(object[member]).entries
        for entry in added where !entries.contains(entry) { entries.append(entry) }
        object[member] = .array(entries.map(\.json))
        var bytes = JSONValue.object(object).serializedBytes(pretty: true)
        bytes.append(UInt8(ascii: "\n"))
        return Data(bytes)
    }
}
