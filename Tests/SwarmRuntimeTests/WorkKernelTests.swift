import Testing
@testable import SwarmRuntime

extension SwarmRuntimeSuite {
    @Suite("Work kernel")
    struct WorkKernelTests {
        @Test("portable SHA-256 matches the FIPS 180-4 examples")
        func sha256() {
            #expect(PortableSHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(PortableSHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(PortableSHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                    == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            // 32 bytes, the kernel's state size; computed with `printf '\x00…\x1f' | sha256sum`.
            #expect(PortableSHA256.hex((0..<32).map { UInt8($0) })
                    == "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd")
        }

        /// Fixed vectors: the same (seed, iterations) must give these digests on any machine. A
        /// change here changes every recorded digest, so replays of old bundles would fail: never
        /// edit them.
        @Test("digests match fixed vectors", arguments: [
            (UInt64(0), 0, "c8cbf78355039f58f49415188c1a691b335255ed1e1044ecaa012250c0191243"),
            (UInt64(1), 1000, "eb39a5c507caf9229cc1f3a31f3f818ffb7ca9c086e66725162f67888dc3bfa2"),
            (UInt64(42), 1_000_000, "b8ed4f2d667c12a3be68f6b7c8caef9b490fcab7fbc0215ced7224d0bce9f18b"),
            (UInt64.max, 65_537, "1e90feaef12f47bd4c0df0a04e759249037f5477694682243032ea37fa2beb56"),
        ])
        func vectors(seed: UInt64, iterations: Int, digest: String) {
            #expect(WorkKernel.run(seed: seed, iterations: iterations) == digest)
        }

        @Test("the digest depends only on seed and iterations, not on chunking or the runner")
        func stable() throws {
            let whole = WorkKernel.run(seed: 42, iterations: 200_000)
            var state = WorkKernel.State(seed: 42)
            for _ in 0..<4 { state.advance(50_000) }
            #expect(state.digest == whole)
            #expect(WorkKernel.run(seed: 43, iterations: 200_000) != whole)
            #expect(WorkKernel.run(seed: 42, iterations: 200_001) != whole)
            // A bot thread and a cooperative slice runner reach the same digest.
            for mode in SwarmMode.allCases {
                let swarm = try Swarm(botCount: 1, mode: mode)
                defer { swarm.stop() }
                let report = try #require(swarm.runSequentially([.work(seed: 42, iterations: 200_000)]).first)
                #expect(report.digest == whole, "\(mode)")
            }
        }

        @Test("cost is linear: twice the iterations take about twice the CPU time (1.5–2.7)")
        func linearCost() {
            // Thread CPU time, so preemption does not count; single and double runs alternate, so
            // a slower spell of the shared machine hits both; median of 5 each. A tenant can still
            // slow the CPU itself for a whole attempt: up to three attempts (a kernel whose cost is
            // not linear fails all three).
            let base = WorkKernel.calibrate(targetSeconds: 0.03, trials: 1).iterations
            var attempts: [String] = []
            for _ in 0..<3 {
                var single: [Double] = []
                var double: [Double] = []
                for seed in 0..<5 {
                    single.append(Support.kernelCPUSeconds(seed: UInt64(seed), iterations: base))
                    double.append(Support.kernelCPUSeconds(seed: UInt64(seed), iterations: base * 2))
                }
                let ratio = Support.median(double) / Support.median(single)
                if ratio > 1.5 && ratio < 2.7 { return }
                attempts.append("ratio \(ratio): \(Support.median(single)) s for \(base), \(Support.median(double)) s for twice that")
            }
            Issue.record("not linear in three attempts: \(attempts.joined(separator: "; "))")
        }

        @Test("calibration: the median of its trials, scaled, takes about the target on one core")
        func calibration() {
            let calibration = WorkKernel.calibrate(targetSeconds: 0.1, trials: 3)
            #expect(calibration.iterations > 0)
            #expect(calibration.trialSeconds.count == 3)
            #expect(calibration.trialSeconds.allSatisfy { $0 > 0 })
            #expect(calibration.medianTrialSeconds == Support.median(calibration.trialSeconds))
            let seconds = Support.kernelCPUSeconds(seed: 9, iterations: calibration.iterations)
            #expect(seconds > 0.05 && seconds < 0.2, "\(seconds) s for a 0.1 s target")
        }
    }
}
