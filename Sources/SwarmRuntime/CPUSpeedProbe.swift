/// Each CPU's current speed: a fixed number of work-kernel iterations on one thread pinned to the
/// CPU, timed by that thread's CPU clock, so the reading is the core's speed (clock frequency,
/// what shares its caches) and not whether the scheduler happened to run something else meanwhile
/// (other tenants' load is measured apart). Equal iterations make the readings of one run comparable.
package enum CPUSpeedProbe {
    package struct Reading: Sendable, Equatable {
        package var cpu: Int
        package var iterations: Int
        /// CLOCK_THREAD_CPUTIME_ID seconds the iterations took.
        package var cpuSeconds: Double
    }

    /// One reading per CPU, in the order given.
    package static func measure(cpus: [Int], iterations: Int) throws -> [Reading] {
        try cpus.map { cpu in
            let swarm = try Swarm(botCount: 1, mode: .threaded, pinnedCPU: cpu)
            defer { swarm.stop() }
            let reports = swarm.run([(bot: 0, task: .work(seed: 1, iterations: max(1, iterations)))])
            return Reading(cpu: cpu, iterations: iterations, cpuSeconds: reports.first?.cpuSeconds ?? 0)
        }
    }
}
