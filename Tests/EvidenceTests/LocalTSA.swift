import Foundation

/// A throwaway RFC 3161 TSA for the tests: serve.py (Python's http.server answering with
/// `openssl ts -reply` on 127.0.0.1) in a fresh folder, where it first makes its CA and TSA
/// certificates with make-tsa.sh (the openssl CLI). Stopped, and its folder removed, by `stop()`.
final class LocalTSA {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TimestampAuthority")

    let folder: URL
    let port: Int
    private let server: Process

    var caPEM: [UInt8] { get throws { [UInt8](try Data(contentsOf: folder.appendingPathComponent("ca.pem"))) } }
    var otherCAPEM: [UInt8] { get throws { [UInt8](try Data(contentsOf: folder.appendingPathComponent("other-ca.pem"))) } }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// How many requests the server has answered, by path ("ok", "reject", …).
    func requests(_ path: String) -> Int {
        let log = (try? String(contentsOf: folder.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0 == "/" + path }.count
    }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("attest-tsa-\(UUID().uuidString)")
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", Self.scripts.appendingPathComponent("serve.py").path, folder.path]
        let output = Pipe()
        server.standardOutput = output
        server.standardInput = FileHandle.nullDevice
        try server.run()
        // The first line is the port: the server is listening once it is printed.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            server.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "serve.py printed no port"])
        }
        self.port = port
    }

    func stop() {
        // SIGKILL: a test runner may start us with SIGTERM ignored, and Python inherits that.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A port on 127.0.0.1 that nothing listens on: bound, then closed.
    static func closedPort() -> Int {
        let (socket, port) = boundSocket()
        close(socket)
        return port
    }

    /// A socket on 127.0.0.1 that listens and never answers (the kernel completes the handshake,
    /// nobody accepts): a TSA that hangs. Close it when done.
    static func silentListener() -> (socket: Int32, port: Int) {
        let (socket, port) = boundSocket()
        listen(socket, 4)
        return (socket, port)
    }

    private static func boundSocket() -> (Int32, Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let port = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> Int in
                guard bind(socket, generic, length) == 0, getsockname(socket, generic, &length) == 0 else { return 9 }
                return Int(UInt16(bigEndian: pointer.pointee.sin_port))
            }
        }
        return (socket, port)
    }
}
