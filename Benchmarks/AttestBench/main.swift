// attest-bench: attest's own costs, each printed as a ratio against a reference measured side by
// side in the same run (median and spread over the trials).
//   swift run -c release attest-bench [--trials N] [--records N]
import Evidence
import Foundation
import Gates
import SwarmRuntime

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
let trials = max(1, option("--trials", 5))
let recordCount = max(2, option("--records", 10_000))
/// Records whose system, git and criteria objects differ from one record to the next, so that
/// nothing is flattered by repetition.
let nonRepeating = arguments.contains("--non-repeating")

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func spread(_ values: [Double]) -> String {
    guard let low = values.min(), let high = values.max() else { return "" }
    return String(format: "[%.3g–%.3g]", low, high)
}

func line(_ label: String, _ values: [Double], unit: String) -> String {
    String(format: "%@ %.4g %@ %@", label, median(values), unit, spread(values))
}

/// Runs a program; returns wall seconds and its peak RSS in bytes. The RSS comes from GNU time's
/// %M when /usr/bin/time exists (getrusage's children figure would count this large process's
/// pages, copied at fork), else 0.
/// Runs a program to its end: wall time from spawn to reap, and its exit status.
/// posix_spawn and wait4 directly (SwarmRuntime.ChildProcess): Foundation's Process polls for the
/// child's end every 50 ms on Linux, which added up to 50 ms to every figure it timed.
func runTimed(_ executable: String, _ args: [String]) -> (seconds: Double, status: Int32) {
    let null = open("/dev/null", O_WRONLY)
    defer { close(null) }
    let start = now()
    do {
        let pid = try ChildProcess.spawn(executable: executable, arguments: [executable] + args,
                                         environment: ProcessInfo.processInfo.environment, directory: nil,
                                         stdoutDescriptor: null, stderrDescriptor: null)
        let end = try ChildProcess.wait(pid: pid)
        return (now() - start, end.exited ? end.code : 128 + end.signal)
    } catch {
        return (.nan, -1)
    }
}

/// A program's peak RSS in bytes, through GNU time (NaN without /usr/bin/time). Not wait4's
/// ru_maxrss on a child spawned from here: posix_spawn shares this process's memory until exec,
/// and Linux keeps that high-water mark, so every child would report this bench's own size.
func peakRSS(_ executable: String, _ args: [String]) -> Double {
    let timeTool = "/usr/bin/time"
    guard FileManager.default.isExecutableFile(atPath: timeTool) else { return .nan }
    let rssFile = FileManager.default.temporaryDirectory.appendingPathComponent("attest-bench-rss-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: rssFile) }
    guard runTimed(timeTool, ["-f", "%M", "-o", rssFile, executable] + args).status == 0 else { return .nan }
    let kilobytes = (try? String(contentsOfFile: rssFile, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    return (kilobytes ?? .nan) * 1024
}

let products = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent()
let attest = products.appendingPathComponent("attest").path
guard FileManager.default.isExecutableFile(atPath: attest) else {
    print("attest-bench needs the attest binary beside it: run `swift build -c release` first")
    exit(2)
}
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("attest-bench-\(getpid())")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }

guard let key = SigningKey(seed: [UInt8](repeating: 42, count: 32)) else { exit(1) }
let keyFile = scratch.appendingPathComponent("bench.pub")
try key.publicKey.pem.write(to: keyFile, atomically: true, encoding: .utf8)

let system = SystemInfo(
    osName: "bench", osVersion: "1", kernelRelease: "6", cpuModel: "cpu", logicalCPUsOnline: 2, affinityCPUs: [0, 1], cgroupCPUQuota: nil,
    totalMemoryBytes: 1 << 30, loadAverage: [0, 0, 0], attestVersion: AttestBuild.version, opensslVersion: AttestBuild.opensslVersion,
    swiftCompilerVersion: AttestBuild.swiftCompilerVersion, availableParallelism: 2, availableParallelismDerivation: "bench")
let git = GitReading.repository(GitState(repository: "bench", commit: String(repeating: "ab", count: 20), branch: "main",
                                         detached: false, dirty: false, modified: 0, staged: 0, untracked: 0))

/// One gate record (code-audit shaped, so verify's re-derivation runs), the same every time.
/// Record `index` of a generated bundle. Each has measurements and a duration of its own, as real
/// records do (the verifier shares values repeated byte for byte between records, and a bundle of
/// identical measurements would flatter it); the gate, its criteria and its result repeat, as they
/// do for every record of one gate.
func benchRecord(index: Int = 0) -> GateRecordContent {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    var system = system
    var git = git
    var criteria: JSONValue = .object(["rule": .string("bench")])
    if nonRepeating {
        system.cpuModel = "cpu \(index)"
        system.loadAverage = [Double(index % 100) / 10, 0.5, 0.25]
        git = GitReading.repository(GitState(repository: "bench", commit: String(repeating: "ab", count: 20), branch: "main",
                                             detached: false, dirty: index % 2 == 0, modified: index, staged: 0, untracked: 0))
        criteria = .object(["rule": .string("bench \(index)")])
    }
    return GateRecordContent(
        gate: GateIdentity(number: 1, name: "code_audit", title: "Code audit", critical: false),
        startedAt: start, finishedAt: start, durationSeconds: 0.001 * Double(1 + index % 997), system: system, git: git,
        parameters: .object([:]), measurements: .object(["files": .array([]), "note": .string("bench record \(index)")]),
        criteria: criteria,
        result: GateResultRecord(status: "failed", passed: false, summary: "no Swift or Python sources found to audit"))
}

/// A bundle of `count` gate records (code-audit shaped, so verify's re-derivation runs) and a summary.
func makeBundle(records count: Int) throws -> (EvidenceBundle, seconds: Double, payloads: [[UInt8]]) {
    let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "bench", commit: String(repeating: "ab", count: 20)),
                                    runID: String(repeating: "b", count: 32))
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    var payloads: [[UInt8]] = []
    let begin = now()
    for index in 0..<(count - 1) {
        payloads.append(Array(try builder.append(gate: benchRecord(index: index))))
    }
    let seconds = now() - begin
    let bundle = try builder.seal(gates: [], verdict: "FAILED", startedAt: start, finishedAt: start, system: system, git: git)
    return (bundle, seconds, payloads)
}

if arguments.contains("--profile-sign") {
    // Only building and signing records, for a profiler (perf record … attest-bench --profile-sign).
    let (_, seconds, payloads) = try makeBundle(records: recordCount)
    print(String(format: "%d records built and signed in %.3f s", payloads.count, seconds))
    exit(0)
}

if arguments.contains("--profile-keyless") {
    // Only the verifier's own work, for a profiler: a 1,000-record bundle verified 30 times with
    // no trusted key, so no signature is checked (perf record … attest-bench --profile-keyless).
    let data = try makeBundle(records: 1000).0.encoded()
    let keyless = Verifier(trustedKeys: [], policies: [GateVerdictPolicy()], retention: .summaryOnly)
    let begin = now()
    for _ in 0..<30 { _ = keyless.verify(bundleData: data) }
    print(String(format: "%.2f µs per record", (now() - begin) * 1e6 / 30_000))
    exit(0)
}

if arguments.contains("--profile-parts") {
    // What one gate record costs the verifier, part by part, on the calling thread (run it under
    // `taskset -c 0`): each part 1,000 times, and Verifier.verify of a 1,000-record bundle per record.
    let (bundle, _, payloads) = try makeBundle(records: 1000)
    let envelope = bundle.records[0]
    /// Runs `body` `repeats` times and prints the time per run divided by `per` (records per run).
    func cost(_ label: String, repeats: Int = 1000, per: Int = 1, _ body: () -> Void) {
        let begin = now()
        for _ in 0..<repeats { body() }
        print(label.padding(toLength: 48, withPad: " ", startingAt: 0),
              String(format: "%7.2f µs", (now() - begin) * 1e6 / Double(repeats) / Double(per)))
    }
    let data = bundle.encoded()
    cost("strict parse of the bundle, per record", repeats: 10, per: bundle.records.count) { _ = StrictJSON.parse(data) }
    cost("base64 decode payload") { _ = Base64.decode(envelope.payload) }
    cost("pae") { _ = DSSE.pae(payloadType: FormatConstants.payloadType, payload: payloads[0]) }
    let message = DSSE.pae(payloadType: FormatConstants.payloadType, payload: payloads[0])
    let signature = try key.sign(message)
    cost("ed25519 verify") { _ = key.publicKey.verify(signature: signature, message: message) }
    cost("sha256 hex of the payload") { _ = SHA256Digest.hex(payloads[0]) }
    var turn = 0
    func next() -> Int {
        turn = (turn + 1) % payloads.count
        return turn
    }
    let payloadData = payloads.map { Data($0) }
    cost("strict parse payload (and release the tree)") { _ = StrictJSON.parse(payloadData[next()]) }
    cost("timestamp parse") { _ = Timestamp.parse("2026-11-18T09:46:40.123Z") }
    let statement = (try? StrictJSON.parse(Data(payloads[0])).get()) ?? .null
    cost("subject serialized") { _ = statement["subject"]?.serialized() }
    let verified = VerifiedStatement(index: 1, predicateType: PredicateType.gate, predicate: statement["predicate"] ?? .null,
                                     subject: statement["subject"]?.arrayValue?.first ?? .null, payload: Data(payloads[0]), signedBy: [])
    cost("GateVerdictPolicy.inspect (re-derivation)") { _ = GateVerdictPolicy().inspect(verified) }
    let verifier = Verifier(trustedKeys: [key.publicKey], policies: [GateVerdictPolicy()], retention: .summaryOnly)
    cost("Verifier.verify of 1,000 records, per record", repeats: 3, per: bundle.records.count) { _ = verifier.verify(bundleData: data) }
    // With no trusted key no signature is checked: everything else a record costs, on records
    // that are not in cache (each is its own), findings for the missing signer included.
    let keyless = Verifier(trustedKeys: [], policies: [GateVerdictPolicy()], retention: .summaryOnly)
    cost("the same with no key (no signature checked)", repeats: 3, per: bundle.records.count) { _ = keyless.verify(bundleData: data) }
    print("(one core's figures when run under taskset -c 0; Verifier.verify then includes its sequential steps)")
    exit(0)
}

print("attest-bench — \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(trials) trials, median [min–max]; \(AttestBuild.opensslVersion)\n")

// 1. Signing throughput: records built, signed and self-verified per second vs raw sign+verify.
// Interleaved in blocks of 100 records (build and sign 100, then raw-sign their PAE bytes) so
// that a burst from another process hits both sides alike.
do {
    var ratios: [Double] = []
    var rates: [Double] = []
    for _ in 0..<trials {
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "bench", commit: String(repeating: "ab", count: 20)),
                                        runID: String(repeating: "b", count: 32))
        var built = 0.0
        var raw = 0.0
        var count = 0
        for _ in 0..<20 {
            var payloads: [Data] = []
            var begin = now()
            for _ in 0..<100 { payloads.append(try builder.append(gate: benchRecord())) }
            built += now() - begin
            let messages = payloads.map { DSSE.pae(payloadType: FormatConstants.payloadType, payload: Array($0)) }
            begin = now()
            for message in messages { _ = try key.sign(message) }  // sign() verifies its own signature: sign + verify
            raw += now() - begin
            count += payloads.count
        }
        rates.append(Double(count) / built)
        ratios.append(raw / built)
    }
    print("Signing: records/s built+signed+self-verified", String(format: "%.0f", median(rates)), spread(rates))
    print(line("  ratio to raw Ed25519 sign+verify on the same PAE bytes (target ≥ 0.9):", ratios, unit: "×"))
}

// 2. Hash throughput: chain hashing vs raw OpenSSL SHA-256 (EVP context reused, fetched once).
do {
    for size in [64, 1_024, 65_536] {
        let data = Data(repeating: 0x5A, count: size)
        let iterations = max(1_000, 50_000_000 / size)
        var ratios: [Double] = []
        var rates: [Double] = []
        for _ in 0..<trials {
            var begin = now()
            for _ in 0..<iterations { _ = SHA256Digest.bytes(data) }
            let ours = Double(size * iterations) / (now() - begin)
            begin = now()
            for _ in 0..<iterations { _ = RawSHA256.digest(data) }
            let raw = Double(size * iterations) / (now() - begin)
            rates.append(ours / 1e6)
            ratios.append(ours / raw)
        }
        print(String(format: "Hash %6d B: %.0f MB/s %@", size, median(rates), spread(rates)),
              line(" ratio to raw EVP (target ≥ 0.9):", ratios, unit: "×"))
    }
}

// 3. Verify throughput: `attest verify` of a large bundle vs the single-core raw verify rate.
do {
    let (bundle, _, payloads) = try makeBundle(records: recordCount)
    let file = scratch.appendingPathComponent("large.json")
    let data = bundle.encoded()
    try data.write(to: file)
    let small = try makeBundle(records: 6).0
    let smallFile = scratch.appendingPathComponent("small.json")
    try small.encoded().write(to: smallFile)
    let messages = payloads.map { DSSE.pae(payloadType: FormatConstants.payloadType, payload: $0) }
    let signatures = try messages.map { try key.sign($0) }
    var ratios: [Double] = []
    var ceilings: [Double] = []
    var ofCeiling: [Double] = []
    var walls: [Double] = []
    var rss: [Double] = []
    let baseline = peakRSS(attest, ["verify", smallFile.path, "--key", keyFile.path])
    let pairs = Array(zip(messages, signatures))
    let publicKey = key.publicKey
    for _ in 0..<trials {
        var begin = now()
        for (message, signature) in pairs { _ = publicKey.verify(signature: signature, message: message) }
        let rawSeconds = now() - begin
        // The machine's own ceiling: the same raw verifies spread over every core, nothing else.
        begin = now()
        _ = ParallelMap.map(pairs) { _, pair in publicKey.verify(signature: pair.1, message: pair.0) }
        let rawParallelSeconds = now() - begin
        let run = runTimed(attest, ["verify", file.path, "--key", keyFile.path])
        if run.status != 0 { print("  attest verify failed on the generated bundle (exit \(run.status))") }
        walls.append(run.seconds)
        ratios.append(rawSeconds / run.seconds)
        ceilings.append(rawSeconds / rawParallelSeconds)
        ofCeiling.append(rawParallelSeconds / run.seconds)
        rss.append(peakRSS(attest, ["verify", file.path, "--key", keyFile.path]))
    }
    print(String(format: "\nVerify %d records (%.1f MB): attest verify %.3f s %@", recordCount, Double(data.count) / 1e6, median(walls), spread(walls)))
    print(line("  speed vs the raw single-core verify rate, same signatures (target ≥ 1.5 on 2 cores):", ratios, unit: "×"))
    print(line("  the machine's ceiling: raw verifies alone on every core vs one core:", ceilings, unit: "×"))
    print(line("  attest verify (whole process) vs raw verifies alone on every core:", ofCeiling, unit: "×"))
    print(String(format: "  peak RSS %.1f MB; limit 3 × bundle + baseline = %.1f MB (baseline %.1f MB)", median(rss) / 1e6,
                 (3 * Double(data.count) + baseline) / 1e6, baseline / 1e6))
}

// 4. Small-bundle latency: attest verify (process start included) vs the openssl-CLI recipe.
do {
    let (bundle, _, payloads) = try makeBundle(records: 6)
    let file = scratch.appendingPathComponent("six.json")
    try bundle.encoded().write(to: file)
    var prepared: [(String, String)] = []
    for (index, payload) in payloads.enumerated() {
        let pae = scratch.appendingPathComponent("pae\(index).bin")
        let sig = scratch.appendingPathComponent("sig\(index).bin")
        let message = DSSE.pae(payloadType: FormatConstants.payloadType, payload: payload)
        try Data(message).write(to: pae)
        try Data(try key.sign(message)).write(to: sig)
        prepared.append((pae.path, sig.path))
    }
    var ratios: [Double] = []
    var ours: [Double] = []
    var theirs: [Double] = []
    let openssl = "/usr/bin/openssl"
    for _ in 0..<trials {
        let mine = runTimed(attest, ["verify", file.path, "--key", keyFile.path]).seconds
        var total = 0.0
        for (pae, sig) in prepared {
            total += runTimed(openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", keyFile.path, "-rawin", "-in", pae, "-sigfile", sig]).seconds
        }
        ours.append(mine)
        theirs.append(total)
        ratios.append(total / mine)
    }
    print(String(format: "\nSmall bundle (6 records): attest verify %.4f s %@; openssl CLI, one process per gate record (%d): %.4f s %@",
                 median(ours), spread(ours), prepared.count, median(theirs), spread(theirs)))
    print(line("  openssl-recipe time ÷ attest time (target > 1: attest faster):", ratios, unit: "×"))
}

// 5. Run overhead: attest run --quick with small T, wall time outside the measured phases.
do {
    let project = scratch.appendingPathComponent("project")
    let sources = project.appendingPathComponent("Sources/SwarmRuntime")
    try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
    try "final class Bot { let t = Thread {} }\n".write(to: sources.appendingPathComponent("Bot.swift"), atomically: true, encoding: .utf8)
    try "final class Swarm { let t = Thread {} }\n".write(to: sources.appendingPathComponent("Swarm.swift"), atomically: true, encoding: .utf8)
    var overheads: [Double] = []
    var totals: [Double] = []
    var walls: [Double] = []
    for _ in 0..<trials {
        let outputFile = scratch.appendingPathComponent("run-summary.json")
        let descriptor = open(outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let null = open("/dev/null", O_WRONLY)
        let begin = now()
        let pid = try ChildProcess.spawn(executable: attest,
                                         arguments: [attest, "run", "--quick", "--task-seconds", "0.2", "--rounds", "1", "--workers", "2", "--json"],
                                         environment: ProcessInfo.processInfo.environment, directory: project.path,
                                         stdoutDescriptor: descriptor, stderrDescriptor: null)
        _ = try ChildProcess.wait(pid: pid)
        let wall = now() - begin
        close(descriptor)
        close(null)
        let output = try Data(contentsOf: outputFile)
        guard let summary = try? JSONDecoder().decode(JSONValue.self, from: output), let timings = summary["timings"],
              let measured = timings["measuredSeconds"]?.numberValue else { continue }
        walls.append(wall)
        totals.append(timings["totalSeconds"]?.numberValue ?? .nan)
        // Everything the process spent outside the measured gate phases, start-up and exit included.
        overheads.append(wall - measured)
    }
    print(line("\nRun overhead (attest run --quick, T = 0.2 s, W = 2, R = 1): wall outside measured phases (target < 0.5 s):", overheads, unit: "s"))
    print(line("  process wall", walls, unit: "s"))
}

if arguments.contains("--profile-verify") {
    // In-process, interleaved: the verifier's CPU cost per record against the raw verifies alone.
    // Run under `taskset -c 0` to see the cost on one core without the spread over cores.
    let (bundle, _, payloads) = try makeBundle(records: recordCount)
    let data = bundle.encoded()
    let messages = payloads.map { DSSE.pae(payloadType: FormatConstants.payloadType, payload: $0) }
    let signatures = try messages.map { try key.sign($0) }
    var ratios: [Double] = []
    for _ in 0..<trials {
        var begin = now()
        for (message, signature) in zip(messages, signatures) { _ = key.publicKey.verify(signature: signature, message: message) }
        let raw = now() - begin
        begin = now()
        _ = StrictJSON.parse(data)
        let scan = now() - begin
        begin = now()
        let report = Verifier(trustedKeys: [key.publicKey], policies: [GateVerdictPolicy()], retention: .summaryOnly).verify(bundleData: data)
        let verify = now() - begin
        print(String(format: "raw verifies %.3f s; strict parse %.3f s; Verifier.verify %.3f s (%@)", raw, scan, verify,
                     report.isVerified ? "verified" : "NOT verified"))
        ratios.append(verify / raw)
    }
    print(line("Verifier.verify ÷ raw verifies, in process:", ratios, unit: "×"))
}

if let index = arguments.firstIndex(of: "--write-bundle"), index + 1 < arguments.count {
    try makeBundle(records: recordCount).0.encoded().write(to: URL(fileURLWithPath: arguments[index + 1]))
    try key.publicKey.pem.write(to: URL(fileURLWithPath: arguments[index + 1] + ".pub"), atomically: true, encoding: .utf8)
}
