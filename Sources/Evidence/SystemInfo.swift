/// A cgroup CPU quota as recorded.
package struct CgroupCPUQuota: Codable, Sendable, Equatable {
    package var source: String
    package var quotaMicroseconds: Int
    package var periodMicroseconds: Int
    package var cpus: Double

    package init(source: String, quotaMicroseconds: Int, periodMicroseconds: Int, cpus: Double) {
        self.source = source
        self.quotaMicroseconds = quotaMicroseconds
        self.periodMicroseconds = periodMicroseconds
        self.cpus = cpus
    }
}

/// The machine a record was measured on. Plain data: the caller probes it (SwarmRuntime's
/// SystemProbe) so system facts are read in one place.
package struct SystemInfo: Codable, Sendable, Equatable {
    package var osName: String
    package var osVersion: String
    package var kernelRelease: String
    package var cpuModel: String
    package var logicalCPUsOnline: Int
    package var affinityCPUs: [Int]
    package var cgroupCPUQuota: CgroupCPUQuota?
    package var totalMemoryBytes: UInt64
    package var loadAverage: [Double]
    package var attestVersion: String
    package var opensslVersion: String
    package var swiftCompilerVersion: String
    package var availableParallelism: Int
    package var availableParallelismDerivation: String

    package init(osName: String, osVersion: String, kernelRelease: String, cpuModel: String, logicalCPUsOnline: Int,
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
