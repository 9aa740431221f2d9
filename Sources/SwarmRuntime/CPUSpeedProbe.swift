/// Each CPU's current speed: a fixed number of work-kernel iterations on one thread pinned to the
/// CPU, timed by the wall clock (so a CPU another process is using reads as slower, as it is for
/// the work measured next). Equal iterations make readings of one run comparable.
public enum CPUSpeedProbe {
    public struct Reading: Sendable, Equatable {
        public var cpu: Int
        public var iterations: Int
        public var wallSeconds: Double
    }

    /// One reading per CPU, in the order given.
    public static func measure(cpus: [Int], iterations: Int) throws -> [Reading] {
        try cpus.map { cpu in
            let swarm = try Swarm(botCount: 1, mode: .threaded, pinnedCPU: cpu)
            defer { swarm.stop() }
            let reports = swarm.run([(bot: 0, task: .work(seed: 1, iterations: max(1, iterations)))])
            return Reading(cpu: cpu, iterations: iterations, wallSeconds: reports.first?.wallSeconds ?? 0)
        }
    }
}
