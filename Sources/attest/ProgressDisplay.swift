import Foundation
import Gates
import Evidence

/// Shows a run's progress on stderr: one live, rewritten line on a terminal; plain lines otherwise
/// (logs, CI). Colour only on a terminal and never when NO_COLOR is set.
final class ProgressDisplay: @unchecked Sendable {
    // @unchecked Sendable: events arrive from the run's thread only; the lock guards the state
    // anyway, so a future caller on another thread stays safe.
    private let lock = NSLock()
    private let enabled: Bool
    private let isTerminal: Bool
    private let useColour: Bool
    private var gateStart = Date()
    private var expected: Double = 0
    private var current: (gate: GateKind, phase: String)?
    private var liveLineShown = false

    private var ticker: (any DispatchSourceTimer)?
    private var lastSamples: Int?

    init(enabled: Bool) {
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) == 1
        useColour = isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        if enabled && isTerminal {
            // Keep the elapsed time moving between events (a task can take seconds).
            let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
            timer.setEventHandler { [weak self] in self?.tick() }
            timer.resume()
            ticker = timer
        }
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        if current != nil { show(samples: lastSamples) }
    }

    var handle: @Sendable (RunEvent) -> Void {
        { [self] event in self.receive(event) }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func receive(_ event: RunEvent) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .dirtyTree(let state):
            clearLiveLine()
            write(paint("warning:", "33") + " the working tree is \(state.treeState)\n"
                  + "  the bundle will attest this working tree, not commit \(state.commit); commit first to attest the commit\n")
        case .keyCreated(let keyID, let privateKey, let publicKey):
            clearLiveLine()
            write("created a signing key pair: \(privateKey.path) (private, 0600) and \(publicKey.path)\n  key id \(keyID)\n")
        case .gateStarted(let gate, let expectedSeconds):
            clearLiveLine()
            gateStart = Date()
            expected = expectedSeconds
            current = (gate, "starting")
            // An external command's duration is unknown until it has run (expected 0).
            write("gate \(gate.rawValue) \(gate.title)" + (expectedSeconds > 0 ? ": about \(Int(expectedSeconds.rounded(.up))) s\n" : "\n"))
        case .phase(let gate, let phase, let round, let total):
            var text = phase
            if let round, let total { text += " (round \(round)/\(total))" }
            current = (gate, text)
            lastSamples = nil
            show(samples: nil)
        case .samples(_, let taken):
            lastSamples = taken
            show(samples: taken)
        case .gateFinished(let gate, let outcome, let seconds):
            clearLiveLine()
            lastSamples = nil
            let mark = outcome.status.passed ? paint("✓", "32") : paint("✗", "31")
            write("\(mark) gate \(gate.rawValue) \(gate.title): \(outcome.status.rawValue.uppercased()) in \(String(format: "%.1f", seconds)) s — \(outcome.summary)\n")
            current = nil
        case .scalingStarted(let counts, let expectedSeconds):
            clearLiveLine()
            gateStart = Date()
            expected = expectedSeconds
            current = (.concurrencyProof, "scaling")
            write("scaling: gate 2's protocol at \(counts.map(String.init).joined(separator: ", ")) worker(s): about \(Int(expectedSeconds.rounded(.up))) s\n")
        case .scalingFinished(let figures, let seconds):
            clearLiveLine()
            lastSamples = nil
            let fit = figures.amdahl.map { "Amdahl serial fraction \(String(format: "%.3f", $0.serialFraction)) (residual \(String(format: "%.3f", $0.residual)))" } ?? "no Amdahl fit (no count above 1 worker)"
            write("scaling done in \(String(format: "%.1f", seconds)) s — \(fit)\n")
            current = nil
        }
    }

    private func show(samples: Int?) {
        guard let current else { return }
        let elapsed = Date().timeIntervalSince(gateStart)
        var line = "  gate \(current.gate.rawValue): \(current.phase) — \(String(format: "%.0f", elapsed)) s"
            + (expected > 0 ? " / ~\(String(format: "%.0f", expected)) s" : "")
        if let samples { line += ", \(samples) samples" }
        if isTerminal {
            write("\r\u{1B}[2K" + line)
            liveLineShown = true
        } else if samples == nil {
            // Plain mode: phases only; one line per sample would flood a log.
            write(line + "\n")
        }
    }

    private func clearLiveLine() {
        if liveLineShown {
            write("\r\u{1B}[2K")
            liveLineShown = false
        }
    }

    func finish() {
        ticker?.cancel()
        ticker = nil
        lock.lock()
        current = nil
        clearLiveLine()
        lock.unlock()
    }
}

/// The end-of-run table and, for each gate that did not pass, its diagnosis and fix.
enum RunSummaryPrinter {
    static func print(_ result: RunResult) {
        var lines: [String] = []
        lines.append("")
        lines.append(pad("gate", 26) + pad("result", 14) + "key figures")
        lines.append(String(repeating: "-", count: 78))
        for gate in result.gates {
            let label = "\(gate.kind.rawValue) \(gate.kind.title)"
            lines.append(pad(label, 26) + pad(gate.outcome.status.rawValue.uppercased(), 14) + gate.outcome.summary)
        }
        lines.append(String(repeating: "-", count: 78))
        lines.append("verdict: \(result.verdict.rawValue)")
        if case .repository(let state) = result.git {
            lines.append("tree:    \(state.treeState)")
        }
        if let scaling = result.scaling {
            lines.append("")
            lines.append("scaling (informs, does not change the verdict)")
            lines.append(pad("workers", 10) + pad("k", 5) + pad("S", 9) + pad("E", 9) + pad("Karp–Flatt e", 14) + "gate-2 status")
            for point in scaling.points {
                lines.append(pad("\(point.workers)", 10) + pad("\(point.expectedParallelism)", 5) + pad(number(point.speedup), 9)
                             + pad(number(point.efficiency), 9) + pad(point.karpFlattSerialFraction.map(number) ?? "—", 14) + point.status)
            }
            if let fit = scaling.amdahl {
                lines.append("Amdahl fit: serial fraction f = \(number(fit.serialFraction)), residual \(number(fit.residual)) (RMS of S, \(fit.countsUsed) count(s))")
            } else {
                lines.append("Amdahl fit: none (no count with more than one worker ran)")
            }
        }
        for gate in result.gates where !gate.outcome.status.passed && !gate.diagnosis.isEmpty {
            lines.append("")
            lines.append("gate \(gate.kind.rawValue) \(gate.kind.title) — diagnosis:")
            lines.append(contentsOf: gate.diagnosis.map { "  - " + $0 })
        }
        lines.append("")
        lines.append("bundle:  \(result.bundleFile.path)")
        lines.append("archive: \(result.archiveFile.path)")
        if let jsonLines = result.jsonLinesFile { lines.append("in-toto: \(jsonLines.path) (the same envelopes, one per line)") }
        lines.append("signed by key \(result.keyID)")
        lines.append("check it: attest verify \(result.bundleFile.path) --key \(result.publicKeyFile.path)")
        Swift.print(lines.joined(separator: "\n"))
    }

    private static func number(_ value: Double) -> String { String(format: "%.3f", value) }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
