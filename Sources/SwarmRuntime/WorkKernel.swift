/// The deterministic, work-bounded CPU task the proof is made of.
///
/// Given (seed, iterations) it returns the SHA-256 of its final 32-byte state: the same inputs
/// give the same digest on any machine, and the cost is linear in iterations. There is no clock,
/// sleep, lock or I/O inside, so its running time can only shrink by running it in parallel —
/// never by a clock deciding when to stop.
package enum WorkKernel {
    /// Iterations per chunk: between chunks the runner may note which CPU it is on. The kernel's
    /// result does not depend on the chunking.
    package static let chunkIterations = 1 << 16

    /// The kernel's state: four 64-bit lanes.
    package struct State: Sendable, Equatable {
        var lanes: (UInt64, UInt64, UInt64, UInt64)

        /// The state a seed starts from: splitmix64 of the seed, four times.
        package init(seed: UInt64) {
            // splitmix64 spreads any seed (0 included) over all lanes.
            var x = seed
            func next() -> UInt64 {
                x &+= 0x9E37_79B9_7F4A_7C15
                var z = x
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
            lanes = (next(), next(), next(), next())
        }

        /// Lane-by-lane equality.
        package static func == (lhs: State, rhs: State) -> Bool {
            lhs.lanes.0 == rhs.lanes.0 && lhs.lanes.1 == rhs.lanes.1 && lhs.lanes.2 == rhs.lanes.2 && lhs.lanes.3 == rhs.lanes.3
        }

        /// Advances the state by `iterations` rounds of a xoshiro-style mix: integer only, with a
        /// data dependency from each round to the next so it cannot be skipped or vectorised away.
        @inline(__always)
        package mutating func advance(_ iterations: Int) {
            var (a, b, c, d) = lanes
            var remaining = iterations
            while remaining > 0 {
                let t = b << 17
                c ^= a
                d ^= b
                b ^= c
                a ^= d &* 0x2545_F491_4F6C_DD1D
                c ^= t
                d = (d << 45) | (d >> 19)
                remaining -= 1
            }
            lanes = (a, b, c, d)
        }

        /// The four 64-bit lanes, for cross-checking another implementation of the kernel (the
        /// bench's C reference) lane by lane.
        package var words: [UInt64] { [lanes.0, lanes.1, lanes.2, lanes.3] }

        /// SHA-256 of the state's 32 bytes, little-endian lanes, lowercase hex.
        package var digest: String {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32)
            for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
                for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: lane >> UInt64(shift))) }
            }
            return PortableSHA256.hex(bytes)
        }
    }

    /// Runs the kernel; `betweenChunks` is called after each chunk (to note the current CPU).
    package static func run(seed: UInt64, iterations: Int, betweenChunks: () -> Void = {}) -> String {
        var state = State(seed: seed)
        var remaining = max(0, iterations)
        while remaining > 0 {
            let chunk = min(remaining, chunkIterations)
            state.advance(chunk)
            remaining -= chunk
            betweenChunks()
        }
        return state.digest
    }

    /// How many iterations take about `targetSeconds` on one core of this machine.
    package struct Calibration: Codable, Sendable, Equatable {
        /// The time asked for, seconds on one core.
        package var targetSeconds: Double
        /// Iterations expected to take `targetSeconds` on one core.
        package var iterations: Int
        /// The iteration count each trial ran.
        package var trialIterations: Int
        /// Thread-CPU seconds (CLOCK_THREAD_CPUTIME_ID) of each trial, in the order run.
        package var trialSeconds: [Double]

        /// The median trial, the one the iteration count was scaled from.
        package var medianTrialSeconds: Double {
            let sorted = trialSeconds.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
    }

    /// Times `trials` runs of a probe size on the calling thread's CPU clock and scales linearly
    /// (the kernel's cost is linear) from the median. The probe is sized to about a tenth of the
    /// target, at least a few chunks, so timer resolution does not matter.
    package static func calibrate(targetSeconds: Double, trials: Int = 3) -> Calibration {
        var probe = chunkIterations * 4
        // Grow the probe until one run takes at least 20 ms, or a tenth of the target.
        let floor = min(0.02, targetSeconds / 10)
        while true {
            let start = Clocks.threadCPUSeconds()
            _ = run(seed: 1, iterations: probe)
            let seconds = Clocks.threadCPUSeconds() - start
            if seconds >= floor || probe >= 1 << 34 { break }
            probe *= 2
        }
        var samples: [Double] = []
        for trial in 0..<max(1, trials) {
            let start = Clocks.threadCPUSeconds()
            _ = run(seed: UInt64(trial + 2), iterations: probe)
            samples.append(Clocks.threadCPUSeconds() - start)
        }
        let sorted = samples.sorted()
        let median = sorted[sorted.count / 2]
        let perIteration = median / Double(probe)
        let iterations = perIteration > 0 ? Int((targetSeconds / perIteration).rounded()) : probe
        return Calibration(targetSeconds: targetSeconds, iterations: max(1, iterations), trialIterations: probe, trialSeconds: samples)
    }
}
