import Foundation
import Testing
import Evidence
@testable import Report

/// Headless Chromium opens the report from disk and takes a screenshot: the page must render
/// (a non-blank picture) and must not ask for anything on the network. Skipped, and saying so,
/// where Chromium is not installed; `.ci/run` installs it.
@Suite("HTML report in headless Chromium", .serialized)
struct ChromiumRenderingTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let skipReason: Comment = "chromium is not installed: rendering check skipped (apt-get install chromium, or scripts/setup.sh --with-chromium; .ci/run installs it)"

    /// Decodes a PNG (8-bit, non-interlaced) with the standard library only and reports its size,
    /// distinct colours (every 4th pixel) and the share of pixels that are not the most common
    /// colour; reads a Chromium net log and lists the http(s)/ws(s) requests the page (a file://
    /// document) made. Chromium's own background requests are not the page's and are left out.
    static let analyser = #"""
    import json, struct, sys, zlib

    def png(path):
        data = open(path, "rb").read()
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise SystemExit("not a PNG: " + path)
        pos, idat, header = 8, [], None
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                header = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat.append(body)
            pos += 12 + length
        width, height, depth, colour, _, _, interlace = header
        channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        if depth != 8 or interlace != 0:
            raise SystemExit("unsupported PNG")
        raw = zlib.decompress(b"".join(idat))
        stride = width * channels
        previous = bytearray(stride)
        colours = {}
        for y in range(height):
            start = y * (stride + 1)
            kind = raw[start]
            line = bytearray(raw[start + 1:start + 1 + stride])
            if kind == 1:
                for i in range(channels, stride):
                    line[i] = (line[i] + line[i - channels]) & 0xFF
            elif kind == 2:
                line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
            elif kind == 3:
                for i in range(stride):
                    left = line[i - channels] if i >= channels else 0
                    line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
            elif kind == 4:
                for i in range(stride):
                    a = line[i - channels] if i >= channels else 0
                    b = previous[i]
                    c = previous[i - channels] if i >= channels else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            row = bytes(line)
            for x in range(0, stride, channels * 4):
                pixel = row[x:x + channels]
                colours[pixel] = colours.get(pixel, 0) + 1
            previous = line
        total = sum(colours.values())
        return {"width": width, "height": height, "colours": len(colours),
                "nonBackground": (total - max(colours.values())) / total}

    def page_requests(path):
        text = open(path, encoding="utf-8", errors="replace").read().rstrip().rstrip(",")
        for suffix in ("", "]}", "}]}"):
            try:
                log = json.loads(text + suffix)
                break
            except ValueError:
                continue
        else:
            raise SystemExit("unreadable net log")
        types = {value: name for name, value in log["constants"]["logEventTypes"].items()}
        found = []
        for event in log.get("events", []):
            params = event.get("params")
            if types.get(event.get("type")) != "URL_REQUEST_START_JOB" or not isinstance(params, dict):
                continue
            url = str(params.get("url", ""))
            page = "file://" in str(params.get("network_isolation_key", "")) or str(params.get("initiator", "")) in ("null", "file://")
            if page and url.split(":", 1)[0].lower() in ("http", "https", "ws", "wss", "ftp"):
                found.append(url)
        return found

    if sys.argv[1] == "blank":
        width, height = 64, 48
        rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
        def chunk(kind, body):
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        open(sys.argv[2], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                                      + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    else:
        result = png(sys.argv[1])
        result["pageRequests"] = page_requests(sys.argv[2]) if len(sys.argv) > 2 else []
        print(json.dumps(result))
    """#

    struct Analysis: Decodable {
        var width: Int
        var height: Int
        var colours: Int
        var nonBackground: Double
        var pageRequests: [String]

        /// Non-blank: more than a handful of colours, and a real share of the page drawn on.
        var isNonBlank: Bool { colours >= 16 && nonBackground > 0.02 }
    }

    static func run(_ executable: String, _ arguments: [String], seconds: Double = 120) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A hung browser must not hang the suite.
        let deadline = DispatchTime.now() + seconds
        DispatchQueue.global().asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Opens `html` from disk in headless Chromium; returns the screenshot's analysis and the page's network requests.
    static func screenshot(_ html: String, in folder: URL, name: String) throws -> Analysis {
        let page = folder.appendingPathComponent("\(name).html")
        try Data(html.utf8).write(to: page)
        let png = folder.appendingPathComponent("\(name).png")
        let netLog = folder.appendingPathComponent("\(name).netlog.json")
        let chromium = try #require(Self.chromium)
        _ = try run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(folder.appendingPathComponent("profile-\(name)").path)",
            "--log-net-log=\(netLog.path)", "--screenshot=\(png.path)", "--window-size=1200,2000", page.absoluteString,
        ])
        #expect(FileManager.default.fileExists(atPath: png.path), "chromium wrote no screenshot for \(name)")
        #expect(FileManager.default.fileExists(atPath: netLog.path), "chromium wrote no net log for \(name)")
        let script = folder.appendingPathComponent("analyse.py")
        try Data(analyser.utf8).write(to: script)
        let result = try run("/usr/bin/env", ["python3", script.path, png.path, netLog.path])
        #expect(result.status == 0, "\(result.output)")
        return try JSONDecoder().decode(Analysis.self, from: Data(result.output.utf8))
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("Chromium renders the report (non-blank screenshot) and the page makes no network request",
          .enabled(if: chromium != nil, skipReason))
    func renders() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let html = HTMLReport.make(bundleData: try ReportFixtures.bundle(), bundleName: "bundle.json",
                                   trustedKeys: [ReportFixtures.key.publicKey], generatedAt: Date()).html
        let report = try Self.screenshot(html, in: folder, name: "report")
        #expect(report.width == 1200 && report.height == 2000)
        #expect(report.isNonBlank, "colours \(report.colours), non-background \(report.nonBackground)")
        #expect(report.pageRequests.isEmpty, "\(report.pageRequests)")

        // The checks can fail: a page that fetches something is caught, and a blank picture is judged blank.
        let fetching = "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\"/><p>x</p></body></html>"
        let control = try Self.screenshot(fetching, in: folder, name: "fetching")
        #expect(control.pageRequests.contains("http://example.invalid/x.png"), "the net-log check missed a request: \(control.pageRequests)")
        let blank = folder.appendingPathComponent("blank.png")
        let script = folder.appendingPathComponent("analyse.py")
        _ = try Self.run("/usr/bin/env", ["python3", script.path, "blank", blank.path])
        let judged = try JSONDecoder().decode(Analysis.self, from: Data(try Self.run("/usr/bin/env", ["python3", script.path, blank.path]).output.utf8))
        #expect(!judged.isNonBlank)
    }
}
