import Testing
@testable import SwarmRuntime

@Suite("Work kernel")
struct WorkKernelTests {
    @Test("portable SHA-256 matches the FIPS 180-4 examples")
    func sha256() {
        #expect(PortableSHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(PortableSHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(PortableSHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Fixed vectors: the same (seed, iterations) must give these digests on any machine. A change
    /// here changes every recorded digest, so replays of old bundles would fail: never edit them.
    @Test("digests match fixed vectors", arguments: [
        (UInt64(0), 0, "c8cbf78355039f58f49415188c1a691b335255ed1e1044ecaa012250c0191243"),
        (UInt64(1), 1000, "eb39a5c507caf9229cc1f3a31f3f818ffb7ca9c086e66725162f67888dc3bfa2"),
        (UInt64(42), 1_000_000, "b8ed4f2d667c12a3be68f6b7c8caef9b490fcab7fbc0215ced7224d0bce9f18b"),
        (UInt64.max, 65_537, "1e90feaef12f47bd4c0df0a04e759249037f5477694682243032ea37fa2beb56"),
    ])
    func vectors(seed: UInt64, iterations: Int, digest: String) {
        #expect(WorkKernel.run(seed: seed, iterations: iterations) == digest)
    }

    @Test("the digest depends only on seed and iterations, not on chunking")
    func stable() {
        let whole = WorkKernel.run(seed: 42, iterations: 200_000)
        var state = WorkKernel.State(seed: 42)
        for _ in 0..<4 { state.advance(50_000) }
        #expect(state.digest == whole)
        #expect(WorkKernel.run(seed: 43, iterations: 200_000) != whole)
        #expect(WorkKernel.run(seed: 42, iterations: 200_001) != whole)
    }

    @Test("cost is linear: twice the iterations take about twice the CPU time")
    func linearCost() {
        func cpu(_ iterations: Int) -> Double {
            var samples: [Double] = []
            for trial in 0..<3 {
                let start = Clocks.threadCPUSeconds()
                _ = WorkKernel.run(seed: UInt64(trial), iterations: iterations)
                samples.append(Clocks.threadCPUSeconds() - start)
            }
            return samples.sorted()[1]
        }
        let base = 4_000_000
        let ratio = cpu(base * 2) / cpu(base)
        #expect(ratio > 1.5 && ratio < 2.7, "ratio \(ratio)")
    }

    @Test("calibration finds iterations for the target on one core")
    func calibration() {
        let calibration = WorkKernel.calibrate(targetSeconds: 0.1)
        #expect(calibration.iterations > 0)
        #expect(calibration.trialSeconds.count == 3)
        let start = Clocks.threadCPUSeconds()
        _ = WorkKernel.run(seed: 9, iterations: calibration.iterations)
        let seconds = Clocks.threadCPUSeconds() - start
        #expect(seconds > 0.05 && seconds < 0.2, "\(seconds) s for a 0.1 s target")
    }
}
