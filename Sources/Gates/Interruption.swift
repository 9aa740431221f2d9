import Foundation

/// A Ctrl-C (SIGINT) or SIGTERM request to stop a run gracefully: the run finishes the task in
/// hand, joins its bots, writes nothing sealed, and reports `GateError.interrupted` (exit 130).
/// Work tasks are pure and cannot be cut short, so stopping takes at most one task's time.
package final class Interruption: @unchecked Sendable {
    // @unchecked Sendable: the only state is one flag, guarded by the lock.
    private let lock = NSLock()
    private var requested = false
    private var sources: [any DispatchSourceSignal] = []

    package static let shared = Interruption()

    private init() {}

    package var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    package func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    /// Routes SIGINT and SIGTERM to the flag instead of killing the process.
    package func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            sources.append(source)
        }
    }

    /// Throws `GateError.interrupted` once a stop was requested; called between phases.
    package func check() throws {
        if isRequested { throw GateError.interrupted }
    }

    /// Sleeps for up to `seconds`, waking early (and throwing) when a stop is requested.
    package func sleep(seconds: Double) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9)
        while true {
            try check()
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return }
            let slice = min(deadline - now, 50_000_000)
            usleep(UInt32(slice / 1_000))
        }
    }
}
