import CSystemShims
import Glibc

/// Hardware counters (perf_event_open): equal instructions for equal work, whatever the clock
/// speed, would be the strongest evidence that the parallel run did the same work. Many VMs
/// expose no PMU, so whether the kernel offers them is recorded either way.
package enum HardwareCounters {
    /// "not supported: <why>" with the errno perf_event_open returned, or a sentence saying the
    /// kernel offers them (counting them per run is not implemented yet).
    package static func availability() -> String {
        let code = attest_perf_instructions_available()
        guard code != 0 else { return "supported by this kernel; instruction counts are not recorded by this version" }
        let reason = String(cString: strerror(code))
        return "not supported: perf_event_open(PERF_COUNT_HW_INSTRUCTIONS) failed with errno \(code) (\(reason))"
    }
}
