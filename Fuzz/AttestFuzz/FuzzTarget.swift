// attest-fuzz: a libFuzzer target over strict parsing + verification (+ verdict re-derivation).
//
//   make fuzz SECONDS=600        build with -sanitize=fuzzer,address and fuzz from a seed corpus
//   attest-fuzz FILE...           (normal build) replay inputs, e.g. crash reproducers
//   attest-fuzz --make-corpus DIR write seed bundles signed by the fuzz key
//
// Built normally it is a replayer with a main; built with -DFUZZING (by `make fuzz`) libFuzzer
// supplies main and calls LLVMFuzzerTestOneInput.
import Evidence
import Foundation
import Gates

/// RFC 8032 TEST 1's key: the seed corpus is signed with it so the fuzzer reaches past the
/// signature checks into the chain and verdict checks.
let fuzzKey: SigningKey? = SigningKey(seed: Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") ?? [])
let verifier = Verifier(trustedKeys: fuzzKey.map { [$0.publicKey] } ?? [], policies: [GateVerdictPolicy()])
/// Plain `attest verify`'s way: only the summary kept.
let summaryVerifier = Verifier(trustedKeys: fuzzKey.map { [$0.publicKey] } ?? [], policies: [GateVerdictPolicy()],
                               retention: .summaryOnly)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let report = verifier.verify(bundleData: data)
    // Exercise the report's encoders too: `--json` output is reachable from input.
    _ = try? JSONEncoder().encode(report)
    // What the one parser accepts is well-formed UTF-8, and its value survives a round trip
    // through attest's canonical serialisation byte for byte.
    if case .success(let value) = StrictJSON.parse(data) {
        if String(data: data, encoding: .utf8) == nil { preconditionFailure("StrictJSON: accepted input that is not UTF-8") }
        let canonical = value.serializedBytes()
        guard case .success(let again) = StrictJSON.parse(bytes: canonical) else {
            preconditionFailure("StrictJSON: refuses its own serialisation of an accepted value")
        }
        if again.serializedBytes() != canonical { preconditionFailure("StrictJSON: the canonical form does not round-trip") }
    }
    // Keeping only the summary must find exactly what keeping everything finds.
    let summaryOnly = summaryVerifier.verify(bundleData: data)
    if summaryOnly.allFindings != report.allFindings || summaryOnly.verdict != report.verdict {
        preconditionFailure("Verifier: keeping only the summary changed the findings: \(summaryOnly.allFindings) vs \(report.allFindings)")
    }
    return 0
}

/// Seed bundles: a real-shaped run (gate records with system and git data) and small variants.
func makeCorpus(in directory: URL) throws {
    guard let key = fuzzKey else { return }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let system = SystemInfo(
        osName: "Debian GNU/Linux 12", osVersion: "12", kernelRelease: "6.1", cpuModel: "cpu", logicalCPUsOnline: 2, affinityCPUs: [0, 1],
        cgroupCPUQuota: CgroupCPUQuota(source: "cgroup2 cpu.max", quotaMicroseconds: 200_000, periodMicroseconds: 100_000, cpus: 2),
        totalMemoryBytes: 1 << 30, loadAverage: [0.1, 0.2, 0.3], attestVersion: AttestBuild.version, opensslVersion: "OpenSSL 3",
        swiftCompilerVersion: "6.3", availableParallelism: 2, availableParallelismDerivation: "affinity 2 → 2")
    let git = GitReading.repository(GitState(repository: "attest", commit: String(repeating: "ab", count: 20), branch: "main",
                                             detached: false, dirty: true, modified: 1, staged: 0, untracked: 2))
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    for (index, gates) in [[1], [1, 3], [1, 3, 5]].enumerated() {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "attest", commit: String(repeating: "ab", count: 20)),
                                        runID: String(format: "%032x", index + 1))
        var entries: [GateSummaryEntry] = []
        for number in gates {
            let measurements: JSONValue
            if number == 1 {
                measurements = .object(["files": .array([]), "note": .string("seed")])
            } else {
                measurements = .object(["samples": .array([.object(["seconds": .number(0), "threadCount": .number(5), "botsAlive": .number(4)])])])
            }
            try builder.append(gate: GateRecordContent(
                gate: GateIdentity(number: number, name: GateKind(rawValue: number)?.name ?? "x", title: "seed", critical: number == 2),
                startedAt: start, finishedAt: start, durationSeconds: 0.1, system: system, git: git,
                parameters: .object(["bots": .number(4)]), measurements: measurements, criteria: .object(["rule": .string("seed")]),
                result: GateResultRecord(status: "failed", passed: false, summary: "seed")))
            entries.append(GateSummaryEntry(number: number, name: GateKind(rawValue: number)?.name ?? "x", status: "failed", passed: false))
        }
        let bundle = try builder.seal(gates: entries, verdict: "FAILED", startedAt: start, finishedAt: start, system: system, git: git)
        try bundle.encoded().write(to: directory.appendingPathComponent("seed-\(index).json"))
    }
}

#if FUZZING
// SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("attest_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector, { fuzzOneInput($0, $1) })
}
#else
@main
struct Replay {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--make-corpus", arguments.count == 2 {
            try makeCorpus(in: URL(fileURLWithPath: arguments[1]))
            return
        }
        for path in arguments {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = data.withUnsafeBytes { raw in
                fuzzOneInput(raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            print("replayed \(path): no crash")
        }
    }
}
#endif
