import ArgumentParser
import Evidence
import Foundation

/// `--key`, declared once for every command that checks signatures.
struct TrustedKeyOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "A trusted public key (repeatable). Default: keys/*.pub here.")
    var keys: [String] = []
}

/// The keys a verification trusts: the given files, or keys/*.pub here when none are given.
enum TrustedKeys {
    /// The key files to load: those given, or keys/*.pub here. Exits 2 with a hint when there are none.
    static func files(_ paths: [String]) throws -> [String] {
        guard paths.isEmpty else { return paths }
        let folder = URL(fileURLWithPath: "keys")
        let found = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
            .filter { $0.hasSuffix(".pub") }.sorted().map { folder.appendingPathComponent($0).path } ?? []
        guard !found.isEmpty else {
            CLIErrors.printError("no trusted key: pass --key PUBFILE",
                                 hint: "a bundle's own key material is never trusted; get the signer's attest.pub from a source you trust and pass --key attest.pub")
            throw ExitCode(2)
        }
        return found
    }

    /// The public keys in `files`; the first that cannot be read throws (for CLIErrors.reporting).
    static func load(_ files: [String]) throws -> [PublicKey] {
        try files.map { try PublicKey.load(pemFile: URL(fileURLWithPath: $0)) }
    }
}
