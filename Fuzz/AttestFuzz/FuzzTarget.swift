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
/// Plain `attest verify`'s way: only the summary kept, and predicate members no policy reads
/// validated without being built.
let summaryVerifier = Verifier(trustedKeys: fuzzKey.map { [$0.publicKey] } ?? [], policies: [GateVerdictPolicy()],
                               retention: .summaryOnly)
/// Members a skimming parse leaves out of a bundle, to compare it with a whole parse.
let skippedBundleMembers = StrictJSON.SkippedMembers(paths: [["records"], ["verificationMaterial", "publicKeys"]])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let report = verifier.verify(bundleData: data)
    // Exercise the report's encoders too: `--json` output is reachable from input.
    _ = try? JSONEncoder().encode(report)
    // Differential oracle: the verifier parses records apart (a structural scan, then each
    // record on its own core); that must accept exactly what one whole parse accepts.
    let whole = StrictJSON.validate(data) == nil
    if whole != acceptedApart(data) {
        preconditionFailure("StrictJSON: parsing the records apart disagrees with one parse (whole accepted: \(whole))")
    }
    // Leaving a record's payload string as bytes (as the verifier does) must not change what a
    // record parses to, nor the violation reported.
    if case .success(let document) = StrictJSON.parseObject(data, deferring: "records") {
        for (index, range) in (document.elementRanges ?? []).enumerated() {
            let built = StrictJSON.parseElement(data, range: range, key: document.key, index: index)
            let left = StrictJSON.parseElement(data, range: range, key: document.key, index: index, leavingStringAsBytes: "payload")
            switch (built, left) {
            case (.failure(let a), .failure(let b)) where a == b: break
            case (.success(let whole), .success(let parsed)):
                var value = parsed.value
                if let bytes = parsed.bytes, case .object(var members) = value, members["payload"] == nil {
                    members["payload"] = .string(String(decoding: data[bytes], as: UTF8.self))
                    value = .object(members)
                }
                if value != whole { preconditionFailure("StrictJSON: the payload left as bytes changed record \(index)") }
            default: preconditionFailure("StrictJSON: leaving the payload as bytes disagrees with building it: \(built) vs \(left)")
            }
        }
    }
    // An envelope read as byte ranges (the verifier's way for the usual shape) must be one the
    // parse accepts, with exactly those strings.
    if case .success(let document) = StrictJSON.parseObject(data, deferring: "records") {
        for (index, range) in (document.elementRanges ?? []).enumerated() {
            let plain = data.withUnsafeBytes { raw in
                StrictJSON.plainEnvelope(document: raw.bindMemory(to: UInt8.self), range: range, limits: .standard)
            }
            guard let plain else { continue }
            guard case .success(let parsed) = StrictJSON.parseElement(data, range: range, key: document.key, index: index,
                                                                     leavingStringAsBytes: "payload") else {
                preconditionFailure("StrictJSON: record \(index) read as ranges, but the parse refuses it")
            }
            func text(_ range: Range<Int>) -> String { String(decoding: data[range], as: UTF8.self) }
            let signatures = parsed.value["signatures"]?.arrayValue ?? []
            let same = parsed.bytes == plain.payload && parsed.value["payloadType"]?.stringValue == text(plain.payloadType)
                && signatures.count == plain.signatures.count
                && zip(signatures, plain.signatures).allSatisfy {
                    $0["keyid"]?.stringValue == text($1.keyid) && $0["sig"]?.stringValue == text($1.sig)
                }
            if !same { preconditionFailure("StrictJSON: record \(index) read as ranges differs from its parse") }
        }
    }
    // Values this thread built before and reuses (BuiltValues) must give what a thread that
    // remembers nothing builds.
    let here = StrictJSON.parse(data)
    switch (here, parsedOnFreshThread(data)) {
    case (.failure(let a), .failure(let b)) where a == b: break
    case (.success(let a), .success(let b)) where a == b: break
    case (let a, let b): preconditionFailure("StrictJSON: a parse reusing built values disagrees with a fresh one: \(a) vs \(b)")
    }
    // Skipping members must not change what is accepted or refused, nor the violation reported.
    let full = StrictJSON.parse(data)
    let skimmed = StrictJSON.parse(data, skipping: skippedBundleMembers)
    switch (full, skimmed) {
    case (.failure(let a), .failure(let b)) where a == b: break
    case (.success, .success): break
    default: preconditionFailure("StrictJSON: a parse skipping members disagrees with a whole one: \(full) vs \(skimmed)")
    }
    // And verification keeping only the summary (skimming what no policy reads) must find exactly
    // what keeping everything finds.
    let summaryOnly = summaryVerifier.verify(bundleData: data)
    if summaryOnly.allFindings != report.allFindings || summaryOnly.verdict != report.verdict {
        preconditionFailure("Verifier: keeping only the summary changed the findings: \(summaryOnly.allFindings) vs \(report.allFindings)")
    }
    return 0
}

/// `StrictJSON.parse` on a thread of its own, which has built nothing before. Joined, not just
/// waited for: the thread has let go of everything before the leak checker looks.
func parsedOnFreshThread(_ data: Data) -> Result<JSONValue, StrictJSON.Violation> {
    final class Job {
        let data: Data
        var result: Result<JSONValue, StrictJSON.Violation>?
        init(data: Data) { self.data = data }
    }
    let job = Job(data: data)
    let context = Unmanaged.passRetained(job).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { context in
        guard let context else { return nil }
        let job = Unmanaged<Job>.fromOpaque(context).takeRetainedValue()
        job.result = StrictJSON.parse(job.data)
        return nil
    }, context)
    if started == 0 {
        pthread_join(thread, nil)
    } else {
        Unmanaged<Job>.fromOpaque(context).release()
    }
    return job.result ?? .failure(StrictJSON.Violation(kind: .syntax, offset: 0, path: "", detail: "no thread"))
}

/// The verifier's way of parsing: the top-level object with its "records" parsed one by one.
func acceptedApart(_ data: Data) -> Bool {
    guard case .success(let document) = StrictJSON.parseObject(data, deferring: "records") else { return false }
    for (index, range) in (document.elementRanges ?? []).enumerated() {
        guard case .success = StrictJSON.parseElement(data, range: range, key: document.key, index: index) else { return false }
    }
    return true
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
