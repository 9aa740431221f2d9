/// An error a person can act on: what failed, and what to do next. The CLI prints `message` as
/// `error: …` and `hint` as `hint: …`.
package protocol HintedError: Error {
    var message: String { get }
    var hint: String? { get }
}

/// What can go wrong with keys, files, signing and git.
package enum EvidenceError: HintedError, Equatable {
    case fileMissing(path: String, what: String)
    case notAFile(path: String)
    case unreadable(path: String, reason: String)
    case emptyFile(path: String, what: String)
    case keyPermissionsTooOpen(path: String, mode: String)
    case keyEncrypted(path: String)
    case notAPrivateKey(path: String)
    case notAPublicKey(path: String)
    case wrongKeyAlgorithm(path: String, found: String)
    case keyExists(path: String)
    case writeFailed(path: String, reason: String)
    case destinationExists(path: String)
    case openssl(operation: String, message: String)
    case selfVerificationFailed(keyID: String)
    case invalidSubject(String)
    case unreadableSidecar(path: String)

    package var message: String {
        switch self {
        case .fileMissing(let path, let what): "\(what) \(path) does not exist"
        case .notAFile(let path): "\(path) is a directory, not a file"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .emptyFile(let path, let what): "the \(what) \(path) is empty"
        case .keyPermissionsTooOpen(let path, let mode): "private key \(path) is readable by others (mode \(mode))"
        case .keyEncrypted(let path): "private key \(path) is encrypted"
        case .notAPrivateKey(let path): "\(path) does not hold a private key"
        case .notAPublicKey(let path): "\(path) does not hold a public key"
        case .wrongKeyAlgorithm(let path, let found): "\(path) holds a key of type \(found), not Ed25519"
        case .keyExists(let path): "\(path) already exists"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .destinationExists(let path): "\(path) already exists and is never overwritten"
        case .openssl(let operation, let message): "OpenSSL \(operation) failed: \(message)"
        case .selfVerificationFailed(let keyID): "a signature made with key \(keyID) did not verify; nothing was written"
        case .invalidSubject(let reason): "invalid subject: \(reason)"
        case .unreadableSidecar(let path): "\(path) is not a timestamps file (one JSON object holding only \"timestamps\")"
        }
    }

    package var hint: String? {
        switch self {
        case .fileMissing(_, let what) where what.contains("private"):
            "create one with `attest keygen`, or pass the right path with --key"
        case .fileMissing: "check the path"
        case .notAFile: "pass a file, not a directory"
        case .unreadable: "check the file's permissions"
        case .emptyFile: "the file has no content: pass the file attest wrote (a bundle from `attest run`, keys from `attest keygen`)"
        case .keyPermissionsTooOpen(let path, _): "run `chmod 600 \(path)`: a private key must be readable by its owner only"
        case .keyEncrypted: "attest never prompts for a passphrase; decrypt a copy with `openssl pkey -in KEY -out attest.key` and protect it with file permissions"
        case .notAPrivateKey: "pass the private key (attest.key, BEGIN PRIVATE KEY), not the public key"
        case .notAPublicKey: "pass the public key (attest.pub, BEGIN PUBLIC KEY), not the private key"
        case .wrongKeyAlgorithm: "attest signs with Ed25519 only: make a key with `attest keygen` or `openssl genpkey -algorithm ed25519`"
        case .keyExists: "pass --force to replace it (the old key's bundles will no longer match a new key), or --out for another folder"
        case .writeFailed: "check that the folder exists and is writable"
        case .destinationExists: "choose another name"
        case .openssl: "check the OpenSSL installation (libssl3)"
        case .selfVerificationFailed: "the key or OpenSSL is broken; make a new key with `attest keygen --force`"
        case .invalidSubject: nil
        case .unreadableSidecar: "it is written by `attest run --timestamp-url` or `attest timestamp` beside a JSON Lines bundle; remove it, or timestamp the bundle again"
        }
    }
}
