package import Evidence

/// Why a run could not be carried out, with what to do about it.
package enum GateError: Error, Sendable, Equatable {
    case auditPathMissing(String)
    case auditFileUnreadable(String, String)
    case invalidParameter(name: String, value: String, expected: String)
    case swarmFailed(String)
    case checkpointsUnwritable(path: String, reason: String)
    case interrupted
    /// Options that do not fit together or a list that is too long, with what to do.
    case invalidOption(message: String, hint: String)
    /// Bad input or a failed run of an external command (`attest run --cmd`).
    case external(ExternalCommandError)

    package var message: String {
        switch self {
        case .auditPathMissing(let path): "the audit path \(path) does not exist"
        case .auditFileUnreadable(let path, let reason): "cannot read \(path) for the code audit: \(reason)"
        case .invalidParameter(let name, let value, let expected): "\(name) \(value) is out of range: expected \(expected)"
        case .swarmFailed(let reason): "the swarm failed: \(reason)"
        case .checkpointsUnwritable(let path, let reason): "cannot write to \(path): \(reason)"
        case .interrupted: "the run was interrupted before it was sealed"
        case .invalidOption(let message, _): message
        case .external(let error): error.message
        }
    }

    package var hint: String? {
        switch self {
        case .auditPathMissing: "pass --audit-path with a folder of Swift or Python sources"
        case .auditFileUnreadable: "check the file's permissions, or exclude it by auditing another folder"
        case .invalidParameter(let name, _, let expected): "give \(name) a value \(expected)"
        case .swarmFailed: "check `ulimit -u` and the memory available; fewer bots (--bots) need fewer threads"
        case .checkpointsUnwritable(let path, _): "make \(path) writable, or pass --out with a writable folder"
        case .interrupted: "nothing was sealed; run `attest run` again"
        case .invalidOption(_, let hint): hint
        case .external(let error): error.hint
        }
    }
}
extension GateError: HintedError {}
