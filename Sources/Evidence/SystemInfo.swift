/// A cgroup CPU quota as recorded.
public struct CgroupCPUQuota: Codable, Sendable, Equatable {
    public var source: String
    public var quotaMicroseconds: Int
    public var periodMicroseconds: Int
    public var cpus: Double

    public init(source: String, quotaMicroseconds: Int, periodMicroseconds: Int, cpus: Double) {
        self.source = source
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
        self.cpus = cpus
    }
}

/// The machine a record was measured on. Plain data: the caller probes it (SwarmRuntime's
/// SystemProbe) so system facts are read in one place.
public struct SystemInfo: Codable, Sendable, Equatable {
    public var osName: String
    public var osVersion: String
    public var kernelRelease: String
    public var cpuModel: String
    public var logicalCPUsOnline: Int
    public var affinityCPUs: [Int]
    public var cgroupCPUQuota: CgroupCPUQuota?
    public var totalMemoryBytes: UInt64
    public var loadAverage: [Double]
    public var attestVersion: String
    public var opensslVersion: String
    public var swiftCompilerVersion: String
    public var availableParallelism: Int
    public var availableParallelismDerivation: String

    public init(osName: String, osVersion: String, kernelRelease: String, cpuModel: String, logicalCPUsOnline: Int,
                affinityCPUs: [Int], cgroupCPUQuota: CgroupCPUQuota?, totalMemoryBytes: UInt64, loadAverage: [Double],
                attestVersion: String, opensslVersion: String, swiftCompilerVersion: String,
                availableParallelism: Int, availableParallelismDerivation: String) {
        self.osName = osName
        self.osVersion = osVersion
        self.kernelRelease = kernelRelease
        self.cpuModel = cpuModel
        self.logicalCPUsOnline = logicalCPUsOnline
        self.affinityCPUs = affinityCPUs
        self.cgroupCPUQuota = cgroupCPUQuota
        self.totalMemoryBytes = totalMemoryBytes
        self.loadAverage = loadAverage
        self.attestVersion = attestVersion
        self.opensslVersion = opensslVersion
        self.swiftCompilerVersion = swiftCompilerVersion
        self.availableParallelism = availableParallelism
        self.availableParallelismDerivation = availableParallelismDerivation
    }

    var json: JSONValue {
        var value = (try? JSONValue(encoding: self)) ?? .object([:])
        if case .object(var object) = value, object["cgroupCPUQuota"] == nil {
            object["cgroupCPUQuota"] = .null
            value = .object(object)
        }
        return value
    }
}
