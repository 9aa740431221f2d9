public import Evidence

/// This machine as evidence records describe it (probed by SwarmRuntime, in one place).
public enum ThisMachine {
    public static func systemInfo() -> SystemInfo {
        SwarmMeasurer(mode: .threaded, sampleHz: 1).systemInfo()
    }
}
