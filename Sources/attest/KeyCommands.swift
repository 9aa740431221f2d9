import ArgumentParser
import Evidence
import Foundation

/// `attest keygen`: a new Ed25519 key pair.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair: DIR/attest.key (PKCS#8 PEM, mode 0600) and DIR/attest.pub.")

    @Option(help: "Folder for the key pair.")
    var out: String = "keys"

    @Flag(help: "Replace an existing key pair.")
    var force = false

    func run() throws {
        let created = try CLIErrors.reporting {
            try KeyFiles.generate(in: URL(fileURLWithPath: out), force: force)
        }
        print("key id \(created.keyID)")
        print("private key: \(created.privateKey.path) (0600, keep it secret)")
        print("public key:  \(created.publicKey.path)")
    }
}

/// `attest keyid`: a public key's id.
struct KeyIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyid",
        abstract: "Print a public key's id: the SHA-256 of its DER SubjectPublicKeyInfo.")

    @Argument(help: "A public key PEM file (attest.pub).")
    var publicKey: String

    func run() throws {
        let key = try CLIErrors.reporting { try PublicKey.load(pemFile: URL(fileURLWithPath: publicKey)) }
        print(key.keyID)
    }
}
