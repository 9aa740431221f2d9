package import Foundation

/// in-toto's bundle format: JSON Lines, one DSSE envelope per line (compact JSON, "\n" after
/// each). Its processing must not depend on line order, so a reader orders the envelopes by their
/// statement's `chain.index` and hands the verifier the same bundle document the JSON form gives:
/// every chain, truncation and seal check then applies unchanged, and a missing line is a finding
/// exactly as a missing record is.
package enum JSONLines {
    /// The file written beside the JSON bundle.
    package static let fileExtension = "intoto.jsonl"

    /// Each envelope on its own line.
    package static func encode(_ bundle: EvidenceBundle) -> Data {
        var bytes: [UInt8] = []
        for record in bundle.records {
            bytes += record.json.serializedBytes()
            bytes.append(UInt8(ascii: "\n"))
        }
        return Data(bytes)
    }

    /// True when `data` reads as JSON Lines: its first line alone is a whole JSON object with a
    /// `payloadType` (a JSON bundle's first line is `{`, or the whole bundle with `records`).
    package static func isJSONLines(_ data: Data, limits: StrictJSON.Limits = .standard) -> Bool {
        guard let first = lines(data).first, case .success(let value) = StrictJSON.parse(Data(first), limits: limits) else { return false }
        return value["payloadType"] != nil
    }

    /// The bundle document (`{"mediaType": ..., "records": [...]}`) holding each line's envelope,
    /// ordered by its `chain.index`; lines whose index cannot be read keep their order after the
    /// others, and a line that is not JSON becomes a string record: the verifier reports each.
    package static func bundleDocument(_ data: Data, timestamps: JSONValue? = nil, limits: StrictJSON.Limits = .standard) -> Data {
        var records: [(index: Int, line: Int, bytes: [UInt8])] = []
        for (number, line) in lines(data).enumerated() {
            guard case .success(let envelope) = StrictJSON.parse(Data(line), limits: limits) else {
                records.append((Int.max, number, JSONValue.string(String(decoding: line, as: UTF8.self)).serializedBytes()))
                continue
            }
            records.append((chainIndex(of: envelope, limits: limits) ?? Int.max, number, Array(line)))
        }
        records.sort { ($0.index, $0.line) < ($1.index, $1.line) }
        var document = Array("{\"mediaType\":".utf8) + JSONValue.string(FormatConstants.bundleMediaType).serializedBytes()
        document += Array(",\"records\":[".utf8)
        for (position, record) in records.enumerated() {
            if position > 0 { document.append(UInt8(ascii: ",")) }
            document += record.bytes
        }
        document.append(UInt8(ascii: "]"))
        if let timestamps {
            document += Array(",\"\(BundleTimestamps.member)\":".utf8) + timestamps.serializedBytes()
        }
        document += Array("}\n".utf8)
        return Data(document)
    }

    /// The bundle document of `data`: JSON Lines put in chain order, any other bytes as they are.
    package static func document(_ data: Data) -> Data {
        isJSONLines(data) ? bundleDocument(data) : data
    }

    /// Where the RFC 3161 tokens of a JSON Lines bundle are kept (its lines hold envelopes only):
    /// `{"timestamps": [...]}`, the member a JSON bundle carries, in a file beside it.
    package static func timestampsFile(for jsonLines: URL) -> URL {
        URL(fileURLWithPath: jsonLines.path + ".timestamps.json")
    }

    /// The `timestamps` member of a JSON Lines bundle's sidecar file, nil when there is none.
    /// Throws when the sidecar exists but is not one object holding only `timestamps`.
    package static func sidecarTimestamps(for jsonLines: URL, limits: StrictJSON.Limits = .standard) throws -> JSONValue? {
        let sidecar = timestampsFile(for: jsonLines)
        guard FileManager.default.fileExists(atPath: sidecar.path) else { return nil }
        let data = try FileReader.read(sidecar, what: "timestamps")
        guard case .success(let value) = StrictJSON.parse(data, limits: limits), let object = value.objectValue,
              Set(object.keys) == [BundleTimestamps.member], let timestamps = object[BundleTimestamps.member] else {
            throw EvidenceError.unreadableSidecar(path: sidecar.path)
        }
        return timestamps
    }

    /// The non-empty lines, without their line ends ("\n" or "\r\n").
    static func lines(_ data: Data) -> [ArraySlice<UInt8>] {
        let bytes = [UInt8](data)
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }.filter { !$0.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }
    }

    /// The statement's `predicate.chain.index`, read from the envelope's payload.
    static func chainIndex(of envelope: JSONValue, limits: StrictJSON.Limits) -> Int? {
        guard let payload = envelope["payload"]?.stringValue, let bytes = Base64.decode(payload),
              case .success(let statement) = StrictJSON.parse(Data(bytes), limits: limits) else { return nil }
        return statement["predicate"]?["chain"]?["index"]?.intValue
    }
}

extension EvidenceBundle {
    /// Writes the JSON Lines form (`JSONLines`) atomically.
    package func writeJSONLines(to url: URL) throws {
        try AtomicFile.write(JSONLines.encode(self), to: url)
    }
}
