import Foundation
import Testing
@testable import Evidence

/// attest's parser against an independent one: Python's `json`, with the rules attest adds to
/// RFC 8259 written out in Python (duplicate and canonically equivalent keys, lone surrogates,
/// integers beyond 2^53, numbers beyond a Double, depth). Both must accept and refuse alike.
@Suite("Strict JSON against Python's json")
struct DifferentialTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The oracle: reads hex-encoded documents, one a line, and prints 1 (accepted) or 0 for each.
    static let oracle = #"""
import sys, json, math, unicodedata

class Refused(Exception):
    pass

def pairs(members):
    seen, normalised = set(), set()
    for key, _ in members:
        if key in seen:
            raise Refused("duplicate key")
        seen.add(key)
        # attest's value tree is keyed by Swift strings, which hold canonically equivalent texts equal.
        form = unicodedata.normalize("NFD", key)
        if form in normalised:
            raise Refused("equivalent keys")
        normalised.add(form)
    return dict(members)

def constant(name):
    raise Refused("not JSON: " + name)

def check(value, depth):
    if depth > 64:
        raise Refused("too deep")
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > 2 ** 53:
            raise Refused("integer beyond 2^53")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Refused("number beyond a double")
    elif isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate from a \u escape raises here
    elif isinstance(value, list):
        for element in value:
            check(element, depth + 1)
    else:
        for key, member in value.items():
            key.encode("utf-8")
            check(member, depth + 1)

def accepts(data):
    try:
        text = data.decode("utf-8")
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
        check(value, 1)
        return True
    except (ValueError, Refused, RecursionError, UnicodeError):
        return False

sys.setrecursionlimit(10000)
# One document a line (an empty line is the empty document): exactly as many verdicts as lines.
lines = sys.stdin.read().split("\n")
sys.stdout.write("".join("1" if accepts(bytes.fromhex(line)) else "0" for line in lines))
"""#

    @Test("10,000+ generated and mutated documents, real bundles among them: accepted and refused alike",
          .enabled(if: python != nil, "python3 is not installed: the differential test against Python's json needs it"))
    func sameVerdicts() throws {
        var generator = MutationTests.SeededGenerator(state: 0xD1FF_0001)
        var documents = DocumentGenerator.edgeCases.map { Array($0.utf8) }
        for gates in 1...3 {
            documents.append(Array(try Fixtures.bundle(gates: gates).encoded()))
        }
        let bundles = documents.suffix(3)
        for _ in 0..<6_000 {
            documents.append(Array(DocumentGenerator.document(using: &generator).utf8))
        }
        // Mutants of the generated documents, and of the real bundles.
        let originals = documents
        for index in 0..<4_000 {
            let source = index % 10 == 0 ? Array(bundles[bundles.startIndex + index % bundles.count]) : originals[Int(generator.next() % UInt64(originals.count))]
            documents.append(DocumentGenerator.mutate(source, using: &generator))
        }
        #expect(documents.count >= 10_000)

        let verdicts = try Self.pythonVerdicts(documents)
        try #require(verdicts.count == documents.count, "the oracle answered \(verdicts.count) of \(documents.count)")
        var disagreements: [String] = []
        var accepted = 0
        for (document, python) in zip(documents, verdicts) {
            let attest = StrictJSON.parse(Data(document))
            let ours: Bool
            if case .success = attest { ours = true; accepted += 1 } else { ours = false }
            if ours != python {
                disagreements.append("attest \(ours ? "accepts" : "refuses (\(attest))"), Python \(python ? "accepts" : "refuses"): "
                                     + String(decoding: document.prefix(200), as: UTF8.self).debugDescription)
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, the first: \(disagreements.prefix(5).joined(separator: "\n"))")
        // Both outcomes are well represented, or the corpus tests little.
        #expect(accepted > documents.count / 5 && accepted < documents.count * 4 / 5, "\(accepted) of \(documents.count) accepted")
    }

    static func pythonVerdicts(_ documents: [[UInt8]]) throws -> [Bool] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-differential-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("oracle.py")
        try Data(oracle.utf8).write(to: script)
        let input = folder.appendingPathComponent("documents.hex")
        try Data(documents.map { Hex.encode($0) }.joined(separator: "\n").utf8).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python ?? "python3")
        process.arguments = [script.path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data.map { $0 == UInt8(ascii: "1") }
    }
}

/// Seeded JSON-ish documents aimed at where parsers differ.
enum DocumentGenerator {
    static let edgeCases = [
        "", " ", "null", "true", "false", "0", "-0", "01", "1.", ".5", "1e", "1e+", "-", "+1", "1E400", "-1e400", "1e-400",
        "9007199254740992", "9007199254740993", "-9007199254740992", "-9007199254740993", "9007199254740992.0", "1.5e3",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\u0000\"", "\"\\x\"", "\"a\u{01}\"",
        "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"é\":1,\"e\\u0301\":2}", "{\"K\":1,\"\u{212A}\":2}", "{\"a\":1,\"A\":2}",
        "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "NaN", "Infinity", "-Infinity", "[NaN]", "\u{FEFF}{}",
        "{} x", "[] ", "\t[\n]\r", "[\u{0B}]", "[\u{A0}]",
        String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        String(repeating: "[", count: 63) + "1" + String(repeating: "]", count: 63),
        String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64),
        String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000),
    ]

    static let keys = ["a", "b", "\\u0061", "é", "e\\u0301", "K", "\u{212A}", "k", "", "payload", "\\ud83d\\ude00", "😀", "a\\nb"]
    static let strings = ["", "x", "\\\"", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9", "é", "\\ud800", "\\udfff", "\\ud83d\\ude00",
                          "😀", "QUJD==", "\\u0000", "\u{212A}", "a b", "\\u12", "\\uZZZZ"]
    static let numbers = ["0", "-0", "1", "-1", "42", "3.25", "-2.5e-3", "1E10", "9007199254740992", "9007199254740993", "1e308",
                          "1e309", "123456789012345678901234567890", "0.1", "00", "1.e5", "-"]

    static func pick<T>(_ options: [T], _ generator: inout some RandomNumberGenerator) -> T {
        options[Int(generator.next() % UInt64(options.count))]
    }

    static func space(_ generator: inout some RandomNumberGenerator) -> String {
        pick(["", "", "", " ", "\n", "\t", "\r\n  "], &generator)
    }

    static func value(depth: Int, _ generator: inout some RandomNumberGenerator) -> String {
        let choice = depth > 5 ? generator.next() % 5 : generator.next() % 8
        switch choice {
        case 0: return pick(["null", "true", "false"], &generator)
        case 1, 2: return pick(numbers, &generator)
        case 3, 4: return "\"" + pick(strings, &generator) + "\""
        case 5:
            let count = Int(generator.next() % 4)
            let elements = (0..<count).map { _ in space(&generator) + value(depth: depth + 1, &generator) + space(&generator) }
            return "[" + elements.joined(separator: ",") + "]"
        default:
            let count = Int(generator.next() % 4)
            let members = (0..<count).map { _ in
                space(&generator) + "\"" + pick(keys, &generator) + "\"" + space(&generator) + ":" + space(&generator)
                    + value(depth: depth + 1, &generator) + space(&generator)
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func document(using generator: inout some RandomNumberGenerator) -> String {
        if generator.next() % 50 == 0 {
            // Near the depth limit, a scalar or not at the bottom.
            let depth = 62 + Int(generator.next() % 5)
            let inner = generator.next() % 2 == 0 ? "" : value(depth: 99, &generator)
            return String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
        }
        return space(&generator) + value(depth: 1, &generator) + space(&generator)
    }

    /// Bytes a mutation puts in: JSON's delimiters, escapes, and bytes that break UTF-8.
    static let interesting: [UInt8] = Array("\"\\{}[],:0123456789eE.-+ u/nt\t".utf8) + [0x00, 0x01, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    static func mutate(_ source: [UInt8], using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes = source
        for _ in 0...Int(generator.next() % 3) {
            let position = bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count))
            let byte = generator.next() % 4 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : pick(interesting, &generator)
            switch generator.next() % 4 {
            case 0 where !bytes.isEmpty: bytes[position] = byte
            case 1 where !bytes.isEmpty: bytes.remove(at: position)
            case 2:
                // A slice repeated: a duplicated member or element, often.
                let length = min(bytes.count - position, 1 + Int(generator.next() % 24))
                bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
            default: bytes.insert(byte, at: min(position, bytes.count))
            }
        }
        return bytes
    }
}
