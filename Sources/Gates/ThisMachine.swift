package import Evidence

/// This machine as evidence records describe it (probed by SwarmRuntime, in one place).
package enum ThisMachine {
    package static func systemInfo() -> SystemInfo {
        SwarmMeasurer(mode: .threaded, sampleHz: 1).systemInfo()
    }
}
