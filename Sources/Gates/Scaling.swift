package import Evidence

/// Scaling: gate 2's protocol run again at several worker counts, with speedup, efficiency and
/// the Karp–Flatt serial fraction per count, and Amdahl's law fitted over the counts.
///
/// Scaling informs; it never changes the verdict (the summary's gates and verdict do not read it).
/// It is recorded in a record of its own (`urn:attest:predicate:scaling:v1`) whose figures
/// `attest verify` re-derives from the recorded measurements, like a gate's status.
package enum Scaling {
    /// How the requested counts become the counts that run.
    package static let capRule = "each requested count is capped at P (the available parallelism: more workers than CPUs measure oversubscription, not Amdahl's serial fraction); duplicates removed; ascending"

    /// At most this many counts per run: each one is a whole gate-2 protocol.
    package static let maximumCounts = 16

    /// The protocol's inputs for the whole curve.
    package struct Parameters: Codable, Sendable, Equatable {
        package var requestedCounts: [Int]
        package var availableParallelism: Int
        package var availableParallelismDerivation: String
        package var capRule: String
        /// The counts actually run: `Scaling.counts(requested:availableParallelism:)`.
        package var counts: [Int]
        package var taskSeconds: Double
        package var rounds: Int
        package var iterationsPerTask: Int
        package var mode: String

        package init(requestedCounts: [Int], availableParallelism: Int, availableParallelismDerivation: String, capRule: String,
                    counts: [Int], taskSeconds: Double, rounds: Int, iterationsPerTask: Int, mode: String) {
            self.requestedCounts = requestedCounts
            self.availableParallelism = availableParallelism
            self.availableParallelismDerivation = availableParallelismDerivation
            self.capRule = capRule
            self.counts = counts
            self.taskSeconds = taskSeconds
            self.rounds = rounds
            self.iterationsPerTask = iterationsPerTask
            self.mode = mode
        }
    }

    /// Gate 2's protocol at one worker count: its parameters and raw measurements.
    package struct Point: Codable, Sendable, Equatable {
        package var workers: Int
        package var parameters: ConcurrencyProof.Parameters
        package var measurements: ConcurrencyProof.Measurements

        package init(workers: Int, parameters: ConcurrencyProof.Parameters, measurements: ConcurrencyProof.Measurements) {
            self.workers = workers
            self.parameters = parameters
            self.measurements = measurements
        }
    }

    /// The figures of one count, derived by `ConcurrencyProof.judge`.
    package struct PointFigures: Codable, Sendable, Equatable {
        package var workers: Int
        /// k = min(workers, P).
        package var expectedParallelism: Int
        package var sequentialWallMedian: Double
        package var parallelWallMedian: Double
        package var speedup: Double
        package var efficiency: Double
        /// Karp–Flatt e = (1/S − 1/k) / (1 − 1/k); nil for k = 1.
        package var karpFlattSerialFraction: Double?
        /// Gate 2's status at this count (informative: at one worker nothing can be shown).
        package var status: String
    }

    /// Amdahl's law S(k) = 1 / (f + (1 − f)/k) fitted to the measured speedups.
    package struct AmdahlFit: Codable, Sendable, Equatable {
        /// The serial fraction f in [0, 1].
        package var serialFraction: Double
        /// Root mean square of S(measured) − S(fit) over the counts, in units of speedup.
        package var residual: Double
        /// How many counts the fit used (those with k > 1 carry information about f).
        package var countsUsed: Int
        package var method: String
    }

    package struct Figures: Codable, Sendable, Equatable {
        package var points: [PointFigures]
        /// Nil when no count has k > 1.
        package var amdahl: AmdahlFit?
    }

    package static let fitMethod = "least squares on 1/S − 1/k = f·(1 − 1/k) (Amdahl's law, linear in f) over the counts with k > 1, f clamped to [0, 1]; residual = RMS of S − S_fit"

    /// The counts that run for a request on a machine with P CPUs available.
    package static func counts(requested: [Int], availableParallelism: Int) -> [Int] {
        let cap = max(1, availableParallelism)
        return Array(Set(requested.filter { $0 >= 1 }.map { min($0, cap) })).sorted()
    }

    /// Amdahl's speedup on k processors for serial fraction f.
    package static func amdahlSpeedup(serialFraction f: Double, processors k: Double) -> Double {
        let denominator = f + (1 - f) / k
        return denominator > 0 ? 1 / denominator : 0
    }

    /// Fits Amdahl's law to (k, S) pairs by least squares. 1/S = 1/k + f·(1 − 1/k), so with
    /// x = 1 − 1/k and y = 1/S − 1/k the line through the origin gives f = Σxy / Σx². Pairs with
    /// k = 1 (x = 0) say nothing about f; without any k > 1 there is no fit.
    package static func amdahlFit(_ points: [(processors: Int, speedup: Double)]) -> AmdahlFit? {
        let usable = points.filter { $0.processors > 1 && $0.speedup > 0 && $0.speedup.isFinite }
        guard !usable.isEmpty else { return nil }
        var sxy = 0.0
        var sxx = 0.0
        for point in usable {
            let k = Double(point.processors)
            let x = 1 - 1 / k
            let y = 1 / point.speedup - 1 / k
            sxy += x * y
            sxx += x * x
        }
        // The objective is a convex quadratic in f, so clamping its minimiser is the constrained optimum.
        let f = min(1, max(0, sxy / sxx))
        let valid = points.filter { $0.processors >= 1 && $0.speedup.isFinite }
        let squares = valid.map { point -> Double in
            let difference = point.speedup - amdahlSpeedup(serialFraction: f, processors: Double(point.processors))
            return difference * difference
        }
        let residual = squares.isEmpty ? 0 : (squares.reduce(0, +) / Double(squares.count)).squareRoot()
        return AmdahlFit(serialFraction: f, residual: residual, countsUsed: usable.count, method: fitMethod)
    }

    /// Every count's figures and the fit, from the recorded measurements only.
    package static func figures(points: [Point], criteria: ConcurrencyProof.Criteria) -> Figures {
        let perCount = points.map { point -> PointFigures in
            let judgement = ConcurrencyProof.judge(parameters: point.parameters, measurements: point.measurements, criteria: criteria)
            let figures = judgement.figures
            let k = figures?.expectedParallelism ?? max(1, min(point.workers, point.measurements.availableParallelism))
            return PointFigures(
                workers: point.workers, expectedParallelism: k,
                sequentialWallMedian: figures?.sequentialWallMedian ?? 0, parallelWallMedian: figures?.parallelWallMedian ?? 0,
                speedup: figures?.speedup ?? 0, efficiency: figures?.efficiency ?? 0,
                karpFlattSerialFraction: figures?.karpFlattSerialFraction, status: judgement.outcome.status.rawValue)
        }
        return Figures(points: perCount, amdahl: amdahlFit(perCount.map { ($0.expectedParallelism, $0.speedup) }))
    }

    /// What the record of a scaling run holds besides the chain and the timestamps.
    package struct Record: Codable, Sendable, Equatable {
        package var parameters: Parameters
        package var criteria: ConcurrencyProof.Criteria
        package var points: [Point]
        package var figures: Figures
        package var note: String

        package init(parameters: Parameters, criteria: ConcurrencyProof.Criteria, points: [Point], figures: Figures, note: String = Scaling.note) {
            self.parameters = parameters
            self.criteria = criteria
            self.points = points
            self.figures = figures
            self.note = note
        }
    }

    package static let note = "scaling informs: it does not change any gate's status or the verdict"

    /// Re-derives a scaling record's counts and figures; returns every disagreement.
    package static func check(_ record: Record, recordIndex: Int) -> [Finding] {
        var findings: [Finding] = []
        let parameters = record.parameters
        let expectedCounts = counts(requested: parameters.requestedCounts, availableParallelism: parameters.availableParallelism)
        if parameters.counts != expectedCounts {
            findings.append(Finding(code: "scaling.counts",
                                    message: "the counts run are \(parameters.counts), but the cap rule gives \(expectedCounts) for requested \(parameters.requestedCounts) and P = \(parameters.availableParallelism)",
                                    recordIndex: recordIndex))
        }
        let measured = record.points.map(\.workers)
        if measured != parameters.counts || record.points.contains(where: { $0.parameters.workers != $0.workers }) {
            findings.append(Finding(code: "scaling.counts",
                                    message: "the measured points are for \(measured) workers (parameters say \(record.points.map(\.parameters.workers))); the counts run are \(parameters.counts)",
                                    recordIndex: recordIndex))
        }
        let derived = figures(points: record.points, criteria: record.criteria)
        for difference in differences(recorded: record.figures, derived: derived) {
            findings.append(Finding(code: "scaling.figure-mismatch", message: difference, recordIndex: recordIndex))
        }
        return findings
    }

    /// Numbers agree when equal to 1e-9 relative: the same arithmetic on the same recorded numbers.
    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
        default: return false
        }
    }

    static func differences(recorded: Figures, derived: Figures) -> [String] {
        func show(_ value: Double?) -> String { value.map { "\($0)" } ?? "none" }
        var lines: [String] = []
        if recorded.points.count != derived.points.count {
            lines.append("the record lists figures for \(recorded.points.count) counts; its measurements give \(derived.points.count)")
        }
        for (claimed, actual) in zip(recorded.points, derived.points) {
            let label = "at \(actual.workers) workers"
            let pairs: [(String, Double?, Double?)] = [
                ("workers", Double(claimed.workers), Double(actual.workers)),
                ("k", Double(claimed.expectedParallelism), Double(actual.expectedParallelism)),
                ("sequential wall median", claimed.sequentialWallMedian, actual.sequentialWallMedian),
                ("parallel wall median", claimed.parallelWallMedian, actual.parallelWallMedian),
                ("speedup", claimed.speedup, actual.speedup),
                ("efficiency", claimed.efficiency, actual.efficiency),
                ("Karp–Flatt serial fraction", claimed.karpFlattSerialFraction, actual.karpFlattSerialFraction),
            ]
            for (name, claimedValue, actualValue) in pairs where !same(claimedValue, actualValue) {
                lines.append("\(label): the record claims \(name) \(show(claimedValue)); its measurements give \(show(actualValue))")
            }
            if claimed.status != actual.status {
                lines.append("\(label): the record claims status \(claimed.status); its measurements give \(actual.status)")
            }
        }
        switch (recorded.amdahl, derived.amdahl) {
        case (nil, nil): break
        case (let claimed?, let actual?):
            if !same(claimed.serialFraction, actual.serialFraction) {
                lines.append("the record claims an Amdahl serial fraction of \(claimed.serialFraction); its measurements give \(actual.serialFraction)")
            }
            if !same(claimed.residual, actual.residual) {
                lines.append("the record claims an Amdahl fit residual of \(claimed.residual); its measurements give \(actual.residual)")
            }
            if claimed.countsUsed != actual.countsUsed {
                lines.append("the record claims the fit used \(claimed.countsUsed) counts; its measurements give \(actual.countsUsed)")
            }
        case (let claimed, let actual):
            lines.append("the record claims \(claimed == nil ? "no" : "an") Amdahl fit; its measurements give \(actual == nil ? "none" : "one")")
        }
        return lines
    }
}
