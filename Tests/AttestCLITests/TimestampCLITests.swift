import Foundation
import Testing

/// `attest run --timestamp-url`, `attest timestamp` and `attest verify --timestamp-ca`, end to end,
/// against Tests/TimestampAuthority/serve.py: a TSA on 127.0.0.1 that the suite starts and stops.
@Suite("RFC 3161 timestamps, end to end", .serialized)
struct TimestampCLITests {
    static let bundle = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.json"

    /// serve.py in `folder`/tsa (it makes its CA there first) and its port.
    static func startTSA(in folder: URL) throws -> (Process, Int) {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TimestampAuthority/serve.py").path, folder.appendingPathComponent("tsa").path]
        let output = Pipe()
        server.standardOutput = output
        server.standardInput = FileHandle.nullDevice
        try server.run()
        // The port is the first line, printed once the server listens.
        let port = Int(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        guard let port else {
            kill(server.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "serve.py printed no port"])
        }
        return (server, port)
    }

    static func stop(_ server: Process) {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }

    static func json(_ path: URL) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: path))
        return try #require(parsed as? [String: Any])
    }

    @Test("a run with --timestamp-url: attest verifies the token, and so does openssl ts -verify on its own")
    func runWithATimestamp() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try Self.startTSA(in: folder)
        defer { Self.stop(server) }
        let run = try CLI.run(["run", "--gates", "1", "--timestamp-url", "http://127.0.0.1:\(port)/ok"], in: folder)
        #expect(run.stdout.contains("timestamp: http://127.0.0.1:\(port)/ok sealed no later than"), "\(run.stdout)\(run.stderr)")
        #expect(!run.stderr.contains("warning:"))

        // A gate-1-only run proves no parallelism: its verdict is FAILED, so an authentic bundle exits 3.
        let verified = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "--require-timestamp", "--max-age", "1h"], in: folder)
        #expect(verified.status == 3, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("✓ timestamp: sealed no later than 20"))
        #expect(verified.stdout.contains("(±1s) by CN = attest test TSA, O = attest tests"))
        #expect(verified.stdout.contains("--max-age 1h checked against the TSA's time 20"))
        let report = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "--json"], in: folder)
        #expect(report.stdout.contains("\"trustedTime\": \"20"), "\(report.stdout)")

        // The report's banner shows the trusted time.
        let page = try CLI.run(["report", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "-o", "r.html"], in: folder)
        #expect(page.status == 0, "\(page.stdout)\(page.stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
        #expect(html.contains("<dt>Trusted time (RFC 3161)</dt><dd>sealed no later than 20"))

        // The JSON Lines form keeps the same token in its sidecar, and verifies with it.
        let lines = ".checkpoints/PHASE4_VERIFICATION_BUNDLE.intoto.jsonl"
        let sidecar = try Self.json(folder.appendingPathComponent(lines + ".timestamps.json"))
        #expect(Set(sidecar.keys) == ["timestamps"])
        let viaLines = try CLI.run(["verify", lines, "--timestamp-ca", "tsa/ca.pem", "--require-timestamp"], in: folder)
        #expect(viaLines.status == 3, "\(viaLines.stdout)\(viaLines.stderr)")
        #expect(viaLines.stdout.contains("✓ timestamp: sealed no later than 20"))
        // A sidecar that is not a timestamps file is an input error, not a silent pass.
        try Data("[]".utf8).write(to: folder.appendingPathComponent(lines + ".timestamps.json"))
        let badSidecar = try CLI.run(["verify", lines, "--timestamp-ca", "tsa/ca.pem"], in: folder)
        #expect(badSidecar.status == 2, "\(badSidecar.stdout)\(badSidecar.stderr)")
        #expect(badSidecar.stderr.contains("is not a timestamps file"))

        // The archived copy carries the same token.
        let proof = folder.appendingPathComponent(".checkpoints/proof")
        let names = try FileManager.default.contentsOfDirectory(atPath: proof.path)
        let archived = try #require(names.first { $0.hasSuffix(".bundle.json") })
        #expect(try Data(contentsOf: proof.appendingPathComponent(archived)) == Data(contentsOf: folder.appendingPathComponent(Self.bundle)))

        // openssl alone: the token over SHA-256 of the seal's signature, against the TSA's CA.
        let bundle = try Self.json(folder.appendingPathComponent(Self.bundle))
        let stamps = try #require(bundle["timestamps"] as? [[String: Any]])
        let records = try #require(bundle["records"] as? [[String: Any]])
        #expect(stamps.count == 1 && stamps[0]["record"] as? Int == records.count - 1)
        let tokenText = try #require(stamps[0]["rfc3161"] as? String)
        let token = try #require(Data(base64Encoded: tokenText))
        let signatures = try #require(records.last?["signatures"] as? [[String: Any]])
        let sealText = try #require(signatures.first?["sig"] as? String)
        let seal = try #require(Data(base64Encoded: sealText))
        try token.write(to: folder.appendingPathComponent("token.der"))
        try seal.write(to: folder.appendingPathComponent("seal.sig"))
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/bin/sh")
        openssl.arguments = ["-c", "openssl ts -verify -token_in -in token.der -digest $(sha256sum seal.sig | cut -c1-64) -CAfile tsa/ca.pem"]
        openssl.currentDirectoryURL = folder
        let output = Pipe()
        openssl.standardOutput = output
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        #expect(printed.contains("Verification: OK"), "\(printed)")

        // Under another CA: a finding, never a pass.
        let other = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/other-ca.pem"], in: folder)
        #expect(other.status == 1)
        #expect(other.stdout.contains("rfc3161.untrusted"))
    }

    @Test("the TSA down or refusing: the bundle is written and verifies, with a warning; --require-timestamp then fails")
    func theTSADown() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, port) = try Self.startTSA(in: folder)
        defer { Self.stop(server) }
        // Port 9 (discard) is closed here: nothing listens on it.
        let run = try CLI.run(["run", "--gates", "1", "--json", "--timestamp-url", "http://127.0.0.1:9/ok",
                               "--timestamp-url", "http://127.0.0.1:\(port)/reject"], in: folder)
        #expect(run.stderr.contains("warning: the TSA http://127.0.0.1:9/ok did not answer (3 attempts)"), "\(run.stderr)")
        #expect(run.stderr.contains("warning: the TSA http://127.0.0.1:\(port)/reject refused the request: status 2 (rejection), failure info badAlg"))
        #expect(run.stderr.contains("hint: "))
        let parsed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        let summary = try #require(parsed as? [String: Any])
        let note = try #require(summary["timestamping"] as? [String: Any])
        #expect((note["failed"] as? [Any])?.count == 2)
        #expect((note["added"] as? [Any])?.isEmpty == true)
        #expect(try Self.json(folder.appendingPathComponent(Self.bundle))["timestamps"] == nil)

        let plain = try CLI.run(["verify", Self.bundle, "--max-age", "1h"], in: folder)
        #expect(plain.status == 3, "\(plain.stdout)\(plain.stderr)")
        let checked = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "--max-age", "1h"], in: folder)
        #expect(checked.status == 3)
        #expect(checked.stdout.contains("--max-age 1h checked against the seal's own claimed time (no verified timestamp)"))
        let required = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "--require-timestamp"], in: folder)
        #expect(required.status == 1)
        #expect(required.stdout.contains("rfc3161.missing: a verified timestamp is required (--require-timestamp): the bundle has no RFC 3161 timestamp"))

        // Added later with `attest timestamp`; then the requirement is met.
        let added = try CLI.run(["timestamp", Self.bundle, "--timestamp-url", "http://127.0.0.1:\(port)/ok"], in: folder)
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        let now = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "tsa/ca.pem", "--require-timestamp"], in: folder)
        #expect(now.status == 3, "\(now.stdout)\(now.stderr)")
        let refused = try CLI.run(["timestamp", Self.bundle, "--timestamp-url", "http://127.0.0.1:\(port)/http500"], in: folder)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("warning: the TSA http://127.0.0.1:\(port)/http500 answered HTTP 500 (3 attempts)"))
    }

    @Test("a --timestamp-url that is not http(s), or a CA file without a certificate, is a usage error")
    func badInput() throws {
        let folder = try RunCommandTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try CLI.run(["timestamp", "b.json", "--timestamp-url", "ftp://tsa"], in: folder)
        #expect(url.status == 2)
        #expect(url.stderr.contains("error: --timestamp-url 'ftp://tsa' is not an http or https URL"))
        #expect(url.stderr.contains("hint: "))
        _ = try CLI.run(["run", "--gates", "1"], in: folder)
        try "not a certificate".write(to: folder.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        let ca = try CLI.run(["verify", Self.bundle, "--timestamp-ca", "ca.pem"], in: folder)
        #expect(ca.status == 2)
        #expect(ca.stderr.contains("holds no PEM certificate"))
        #expect(ca.stderr.contains("hint: pass the TSA's CA certificate"))
    }
}
