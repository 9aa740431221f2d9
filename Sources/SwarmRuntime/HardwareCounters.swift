import CSystemShims
import Glibc

/// Hardware counters (perf_event_open): equal instructions for equal work, whatever the clock
/// speed, are the strongest evidence that the parallel run did the same work. Many VMs expose no
/// PMU; then nothing is counted and the record says why.
package enum HardwareCounters {
    /// What the records say: how instructions were counted, or "not supported: <why>" with the
    /// errno perf_event_open returned.
    package static func availability() -> String {
        let code = attest_perf_instructions_available()
        guard code != 0 else {
            return "instructions counted (perf_event_open, user space): per task (instructions) for the built-in swarm, per command run and its descendants for --cmd"
        }
        let reason = String(cString: strerror(code))
        return "not supported: perf_event_open(PERF_COUNT_HW_INSTRUCTIONS) failed with errno \(code) (\(reason))"
    }
}

/// One open counting perf event; closed when released.
package final class InstructionCounter {
    /// What it counts: retired instructions, or the software task clock (nanoseconds), which
    /// every Linux kernel offers, so that the counting itself is tested where no PMU exists.
    package enum Event: Sendable {
        case instructions
        case taskClock
    }

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Counts the calling thread; nil where the kernel offers no such counter.
    package static func thisThread(_ event: Event = .instructions) -> InstructionCounter? {
        open(event, pid: 0, inherit: false)
    }

    /// Counts process `pid` and the children it starts from now on (their counts join when they
    /// end); nil where the kernel offers no such counter.
    package static func process(_ pid: Int32, _ event: Event = .instructions) -> InstructionCounter? {
        open(event, pid: pid, inherit: true)
    }

    private static func open(_ event: Event, pid: Int32, inherit: Bool) -> InstructionCounter? {
        let descriptor = attest_perf_open(event == .instructions ? 1 : 0, pid, inherit ? 1 : 0)
        return descriptor >= 0 ? InstructionCounter(descriptor: descriptor) : nil
    }

    /// The count so far; nil when it cannot be read.
    package func read() -> UInt64? {
        let value = attest_perf_read(descriptor)
        return value >= 0 ? UInt64(value) : nil
    }
}
