import Foundation
import Testing
import Evidence
@testable import Gates

/// The scaling math on exact synthetic data, and verify's re-derivation of a scaling record.
@Suite("Scaling")
struct ScalingTests {
    @Test("the cap rule: counts above P become P, duplicates go, ascending", arguments: [
        ([1, 2, 4, 8], 2, [1, 2]),
        ([8, 4, 4, 1], 16, [1, 4, 8]),
        ([3, 3, 3], 2, [2]),
        ([0, 2], 4, [2]),
        ([1, 2, 4, 8], 1, [1]),
    ])
    func cap(requested: [Int], p: Int, expected: [Int]) {
        #expect(Scaling.counts(requested: requested, availableParallelism: p) == expected)
    }

    static func amdahl(_ f: Double, _ counts: [Int]) -> [(processors: Int, speedup: Double)] {
        counts.map { ($0, 1 / (f + (1 - f) / Double($0))) }
    }

    @Test("speedups generated from Amdahl's law give back their serial fraction, with residual ≈ 0", arguments: [0.0, 0.1, 0.25, 0.5, 0.9])
    func recoversSerialFraction(f: Double) throws {
        let fit = try #require(Scaling.amdahlFit(Self.amdahl(f, [1, 2, 4, 8])))
        #expect(abs(fit.serialFraction - f) < 1e-12, "f = \(fit.serialFraction)")
        #expect(fit.residual < 1e-12, "residual \(fit.residual)")
        #expect(fit.countsUsed == 3)
    }

    @Test("noisy speedups: the fit is the least-squares f and the residual is the RMS of S − S_fit")
    func noisy() throws {
        // k = 2 and 4 with S = 1.6 and 2.5: x = 1/2, 3/4; y = 1/1.6 − 1/2 = 0.125, 1/2.5 − 1/4 = 0.15.
        let fit = try #require(Scaling.amdahlFit([(2, 1.6), (4, 2.5)]))
        let f = (0.5 * 0.125 + 0.75 * 0.15) / (0.25 + 0.5625)
        #expect(abs(fit.serialFraction - f) < 1e-12)
        let r2 = 1.6 - Scaling.amdahlSpeedup(serialFraction: f, processors: 2)
        let r4 = 2.5 - Scaling.amdahlSpeedup(serialFraction: f, processors: 4)
        #expect(abs(fit.residual - ((r2 * r2 + r4 * r4) / 2).squareRoot()) < 1e-12)
        #expect(fit.residual > 0.01)
    }

    @Test("superlinear speedups clamp f at 0; no count above 1 gives no fit; Karp–Flatt agrees with Amdahl at one count")
    func edges() throws {
        #expect(Scaling.amdahlFit([(2, 2.5), (4, 5)])?.serialFraction == 0)
        #expect(Scaling.amdahlFit([(1, 1)]) == nil)
        #expect(Scaling.amdahlFit([]) == nil)
        // With one count k > 1 the least-squares f is exactly that count's Karp–Flatt e.
        let fit = try #require(Scaling.amdahlFit([(1, 0.98), (2, 1.7)]))
        let e = try #require(Statistics.karpFlatt(speedup: 1.7, workers: 2))
        #expect(abs(fit.serialFraction - e) < 1e-12)
    }

    /// Gate-2 measurements at `workers` workers on P = 2, where the parallel run takes `parallelWall`.
    static func point(workers: Int, parallelWall: Double) -> Scaling.Point {
        var parameters = CriteriaTests.parameters
        parameters.workers = workers
        parameters.seeds = (0..<workers).map(String.init)
        var measurements = CriteriaTests.measurements(parallelWall: parallelWall)
        for index in measurements.rounds.indices {
            measurements.rounds[index].sequential = CriteriaTests.configuration(wall: Double(workers), taskCPU: 1, workers: workers)
            measurements.rounds[index].parallel = CriteriaTests.configuration(wall: parallelWall, taskCPU: 1, workers: workers)
        }
        measurements.controls = [
            .init(name: "pinned_one_cpu", description: "", sequential: nil, parallel: CriteriaTests.configuration(wall: Double(workers), taskCPU: 1, workers: workers)),
            .init(name: "sleep_only", description: "", sequential: CriteriaTests.configuration(wall: Double(workers), taskCPU: 0, workers: workers),
                  parallel: CriteriaTests.configuration(wall: 1, taskCPU: 0, workers: workers)),
        ]
        return Scaling.Point(workers: workers, parameters: parameters, measurements: measurements)
    }

    static func record(requested: [Int] = [1, 2, 4]) -> Scaling.Record {
        let points = [point(workers: 1, parallelWall: 1.0), point(workers: 2, parallelWall: 1.05)]
        let parameters = Scaling.Parameters(
            requestedCounts: requested, availableParallelism: 2, availableParallelismDerivation: "test", capRule: Scaling.capRule,
            counts: [1, 2], taskSeconds: 1, rounds: 3, iterationsPerTask: 1000, mode: "threaded")
        return Scaling.Record(parameters: parameters, criteria: .standard, points: points,
                              figures: Scaling.figures(points: points, criteria: .standard))
    }

    @Test("per-count figures come from gate 2's judgement: S, E and Karp–Flatt")
    func figures() throws {
        let figures = Self.record().figures
        #expect(figures.points.map(\.workers) == [1, 2])
        let two = try #require(figures.points.last)
        #expect(abs(two.speedup - 2 / 1.05) < 1e-12)
        #expect(abs(two.efficiency - 1 / 1.05) < 1e-12)
        #expect(abs((two.karpFlattSerialFraction ?? -1) - (1.05 / 2 - 0.5) / 0.5) < 1e-12)
        #expect(figures.points.first?.karpFlattSerialFraction == nil)
        #expect(figures.amdahl != nil)
    }

    /// A signed bundle: gate 2 (passing), the scaling `record`, and a summary claiming MINIMAL.
    static func bundle(_ record: Scaling.Record) throws -> Data {
        guard case .object(let predicate) = try JSONValue(encoding: record) else { throw CocoaError(.coderInvalidValue) }
        return try bundle(scalingPredicate: predicate)
    }

    static func bundle(scalingPredicate: [String: JSONValue]) throws -> Data {
        var predicate = scalingPredicate
        let key = RederivationTests.key
        let builder = try BundleBuilder(signingKey: key, subject: .gitCommit(name: "t", commit: String(repeating: "1", count: 40)),
                                        runID: String(repeating: "b", count: 32))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let git = GitReading.unavailable(reason: .notARepository, message: "test")
        try builder.append(gate: GateRecordContent(
            gate: GateIdentity(number: 2, name: "concurrency_proof", title: "Concurrency proof", critical: true),
            startedAt: start, finishedAt: start, durationSeconds: 1, system: RederivationTests.system, git: git,
            parameters: try JSONValue(encoding: CriteriaTests.parameters),
            measurements: try JSONValue(encoding: CriteriaTests.measurements(parallelWall: 2.05)),
            criteria: try JSONValue(encoding: ConcurrencyProof.Criteria.standard),
            result: GateResultRecord(status: "passed", passed: true, summary: "passed")))
        predicate["startedAt"] = .string(Timestamp.format(start))
        predicate["finishedAt"] = .string(Timestamp.format(start))
        try builder.append(predicateType: PredicateType.scaling, predicate: predicate)
        return try builder.seal(
            gates: [GateSummaryEntry(number: 2, name: "concurrency_proof", status: "passed", passed: true)],
            verdict: Verdict.minimal.rawValue, startedAt: start, finishedAt: start.addingTimeInterval(1),
            system: RederivationTests.system, git: git).encoded()
    }

    @Test("an honest scaling record verifies and leaves the verdict alone")
    func honest() throws {
        let report = RederivationTests.verify(try Self.bundle(Self.record()))
        #expect(report.isVerified, "\(report.allFindings)")
        #expect(report.records.map(\.label).contains("scaling"))
        #expect(report.verdict == Verdict.minimal.rawValue)
    }

    @Test("a tampered scaling figure, re-signed, is flagged by verify")
    func tamperedFigure() throws {
        var record = Self.record()
        record.figures.points[1].speedup = 1.99
        record.figures.amdahl?.serialFraction = 0.01
        let report = RederivationTests.verify(try Self.bundle(record))
        #expect(!report.isVerified)
        let mismatches = report.allFindings.filter { $0.code == "scaling.figure-mismatch" }
        #expect(mismatches.contains { $0.message.contains("speedup 1.99") }, "\(mismatches)")
        #expect(mismatches.contains { $0.message.contains("serial fraction of 0.01") }, "\(mismatches)")
        #expect(mismatches.allSatisfy { $0.recordIndex == 1 })
        // Signatures are fine: only the re-derivation catches it.
        #expect(!report.allFindings.contains { $0.code.hasPrefix("signature.") })
    }

    @Test("counts that do not follow the cap rule are flagged")
    func tamperedCounts() throws {
        var record = Self.record()
        record.parameters.requestedCounts = [1, 2, 4, 8]
        record.parameters.availableParallelism = 8
        let report = RederivationTests.verify(try Self.bundle(record))
        #expect(report.allFindings.contains { $0.code == "scaling.counts" }, "\(report.allFindings)")
    }

    @Test("an unreadable scaling record is a finding, not a crash")
    func unreadable() throws {
        let report = RederivationTests.verify(try Self.bundle(scalingPredicate: ["points": .string("x")]))
        #expect(report.allFindings.map(\.code) == ["scaling.unreadable"], "\(report.allFindings)")
    }
}
