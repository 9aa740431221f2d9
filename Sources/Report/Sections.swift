import Foundation
import Evidence
import Gates

/// A section with a heading, or a note that the bundle holds no such record.
enum Section {
    static func make(id: String, heading: String, _ content: String) -> String {
        Markup.element("section", [("id", id)], Markup.text("h2", [], heading) + content)
    }

    static func note(_ text: String) -> String { Markup.text("p", [("class", "note")], text) }

    static func unreadable(_ what: String) -> String {
        note("The \(what) cannot be read from this bundle (the record is missing fields or is not in the format this attest writes).")
    }
}

/// Gate 2: wall per round, speedup per round against k and 0.75·k, per-bot CPU and CPUs.
enum ConcurrencySection {
    static func render(_ contents: BundleContents) -> String {
        guard let gate = contents.gate(.concurrencyProof) else { return "" }
        if gate.predicate["parameters"].map(CommandTarget.isExternal) == true { return ExternalSections.concurrency(gate) }
        guard let parameters = gate.decode("parameters", as: ConcurrencyProof.Parameters.self),
              let measurements = gate.decode("measurements", as: ConcurrencyProof.Measurements.self),
              let criteria = gate.decode("criteria", as: ConcurrencyProof.Criteria.self) else {
            return Section.make(id: "gate2", heading: "Gate 2 — Concurrency proof", Section.unreadable("concurrency proof's measurements"))
        }
        let judgement = ConcurrencyProof.judge(parameters: parameters, measurements: measurements, criteria: criteria)
        let k = judgement.figures?.expectedParallelism ?? max(1, min(parameters.workers, measurements.availableParallelism))
        let rounds = measurements.rounds
        var content = figuresTable(judgement, criteria: criteria, k: k, sequentialName: "Sequential",
                                   workers: "\(parameters.workers), \(measurements.availableParallelism) (\(measurements.availableParallelismDerivation)), \(k)")
        content += roundCharts(
            rounds: rounds.map { (index: $0.index, order: $0.order.joined(separator: " then "), sequential: $0.sequential.wallSeconds, parallel: $0.parallel.wallSeconds) },
            sequentialName: "sequential", k: k, criteria: criteria, analysis: judgement.figures?.analysis,
            description: "Wall-clock seconds of the same \(parameters.workers) work-bounded tasks run one after another on one bot (sequential) and at once on \(parameters.workers) bots (parallel), per measured round. Parallel bars about 1/k as tall as sequential ones mean the tasks overlapped.")
        content += perBot(rounds: rounds)
        content += controls(judgement)
        return Section.make(id: "gate2", heading: "Gate 2 — Concurrency proof (\(gate.status))", content)
    }

    /// The re-derived figures, as a table (built-in and external proofs alike).
    static func figuresTable(_ judgement: ConcurrencyProof.Judgement, criteria: ConcurrencyProof.Criteria, k: Int,
                             sequentialName: String, workers: String) -> String {
        guard let figures = judgement.figures else { return "" }
        return Markup.keyValueTable(caption: "Figures re-derived from the measurements", rows: [
            ("Status (re-derived)", judgement.outcome.status.rawValue),
            ("Workers W, P, k = min(W, P)", workers),
            ("\(sequentialName) wall (median)", Numbers.fixed(figures.sequentialWallMedian) + " s"),
            ("Parallel wall (median)", Numbers.fixed(figures.parallelWallMedian) + " s"),
            ("Speedup S", figures.analysis.map { "geometric mean \($0.speedup.text) over \($0.roundsUsed) of \($0.roundsMeasured) rounds; the interval must lie at or above \(Numbers.fixed($0.speedupThreshold)) = \(criteria.speedupFactor)·k (\($0.speedupDecision.rawValue))" }
                ?? Numbers.fixed(figures.speedup) + " (needs ≥ \(Numbers.fixed(criteria.speedupFactor * Double(k))) = \(criteria.speedupFactor)·k)"),
            ("Rounds and stop", figures.analysis.map { "\($0.roundsMeasured) measured, stopped: \($0.stop?.rawValue ?? "not by the rule"); \($0.method), level \($0.level)" } ?? "the first rule: medians over the recorded rounds"),
            ("Efficiency E = S/k", Numbers.fixed(figures.efficiency) + " (\(figures.band))"),
            ("Karp–Flatt serial fraction", Numbers.fixed(figures.karpFlattSerialFraction)),
            ("CPU/wall of the parallel run", Numbers.fixed(figures.parallelCPUPerWall)),
            ("CPU per task, parallel ÷ \(sequentialName.lowercased())", Numbers.fixed(figures.cpuPerTaskRatio)),
            ("Task outputs identical", figures.digestsEqual ? "yes" : "no"),
            ("Other processes' load (median)", Numbers.fixed(figures.foreignCPUsMedian, 2) + " CPUs"),
        ])
    }

    /// Wall time per round (sequential or baseline against parallel) and speedup per round
    /// against the ideal k and the criterion line.
    static func roundCharts(rounds: [(index: Int, order: String, sequential: Double, parallel: Double)], sequentialName: String,
                            k: Int, criteria: ConcurrencyProof.Criteria, analysis: PairedRounds.Analysis?, description: String) -> String {
        let labels = rounds.map { "round \($0.index)" }
        let wallText = ChartText(
            id: "chart-gate2-wall", title: "Gate 2: \(sequentialName) and parallel wall time per round",
            description: description, xLabel: "measured round", yLabel: "wall time (s)")
        let wallSVG = SVGChart.bars(wallText, categories: labels, series: [
            (sequentialName, "s1", rounds.map(\.sequential)),
            ("parallel", "s2", rounds.map(\.parallel)),
        ])
        let wallTable = Markup.table(caption: "Wall time per round (s)", headers: ["round", "order", "\(sequentialName) (s)", "parallel (s)"],
                                     rows: rounds.map { ["\($0.index)", $0.order, Numbers.fixed($0.sequential), Numbers.fixed($0.parallel)] })
        var content = SVGChart.figure(wallText, svg: wallSVG, legend: [LegendEntry(name: sequentialName, style: "s1", block: true), LegendEntry(name: "parallel", style: "s2", block: true)], table: wallTable)

        let speedups = rounds.map { $0.parallel > 0 ? $0.sequential / $0.parallel : 0 }
        let needed = criteria.speedupFactor * Double(k)
        let speedupText = ChartText(
            id: "chart-gate2-speedup", title: "Gate 2: speedup per round against the ideal and the criterion",
            description: analysis.map { analysis in
                "Speedup r = \(sequentialName) wall ÷ parallel wall for each round, against the ideal S = k = \(k), the threshold \(criteria.speedupFactor)·k = \(Numbers.fixed(needed, 2)) and the 95% confidence interval of the geometric mean S = \(analysis.speedup.text) over the \(analysis.roundsUsed) undisturbed rounds. The gate passes when the whole interval lies at or above the threshold, fails when it lies wholly below, and is inconclusive otherwise."
            } ?? "Speedup S = \(sequentialName) wall ÷ parallel wall for each round, against the ideal S = k = \(k) and the criterion line \(criteria.speedupFactor)·k = \(Numbers.fixed(needed, 2)). A bar below the criterion line fails that round.",
            xLabel: "measured round", yLabel: "speedup S")
        var references = [
            ReferenceLine(name: "ideal k = \(k)", value: Double(k), style: "ref1"),
            ReferenceLine(name: "\(criteria.speedupFactor)·k = \(Numbers.fixed(needed, 2))", value: needed, style: "ref2"),
        ]
        var legend = [LegendEntry(name: analysis == nil ? "speedup S" : "speedup r of the round", style: "s1", block: true),
                      LegendEntry(name: "ideal k", style: "ref1"), LegendEntry(name: "threshold \(criteria.speedupFactor)·k", style: "ref2")]
        if let lower = analysis?.speedup.lower, let upper = analysis?.speedup.upper {
            references.append(ReferenceLine(name: "95% CI low \(Numbers.fixed(lower, 2))", value: lower, style: "ref3"))
            references.append(ReferenceLine(name: "95% CI high \(Numbers.fixed(upper, 2))", value: upper, style: "ref3"))
            legend.append(LegendEntry(name: "95% interval of S", style: "ref3"))
        }
        let speedupSVG = SVGChart.bars(speedupText, categories: labels, series: [("speedup S", "s1", speedups)], references: references)
        let used = analysis.map { Set($0.speedup.values.map { Numbers.fixed($0, 6) }) }
        let speedupTable = Markup.table(
            caption: "Speedup per round", headers: ["round", "r", "ideal k", "\(criteria.speedupFactor)·k", "above the threshold", "in the statistics"],
            rows: zip(rounds, speedups).map { round, speedup in
                ["\(round.index)", Numbers.fixed(speedup), "\(k)", Numbers.fixed(needed), speedup >= needed ? "yes" : "no",
                 used.map { $0.contains(Numbers.fixed(speedup, 6)) ? "yes" : "no (disturbed)" } ?? "yes"]
            })
        content += SVGChart.figure(speedupText, svg: speedupSVG, legend: legend, table: speedupTable)
        return content
    }

    /// CPU seconds per bot in each round's parallel run, with the thread and the CPUs it ran on.
    static func perBot(rounds: [ConcurrencyProof.Round]) -> String {
        let bots = rounds.map(\.parallel.tasks.count).max() ?? 0
        guard bots > 0 else { return "" }
        let text = ChartText(
            id: "chart-gate2-bots", title: "Gate 2: CPU time of each bot in the parallel runs",
            description: "Thread CPU seconds (CLOCK_THREAD_CPUTIME_ID) each bot spent on its task in each round's parallel run. Equal bars mean every bot did the same work. Each label names the CPUs the bot ran on; the table lists them per round with the OS thread.",
            xLabel: "bot (task index)", yLabel: "thread CPU time (s)")
        let styles = ["s1", "s2", "s3", "s4"]
        let series = rounds.enumerated().map { offset, round in
            (name: "round \(round.index)", style: styles[offset % styles.count],
             values: (0..<bots).map { index in round.parallel.tasks.first { $0.index == index }?.cpuSeconds ?? 0 })
        }
        // Each bot's label names the CPUs it ran on over all rounds, so the chart shows placement too.
        let categories = (0..<bots).map { index -> String in
            let cpus = Set(rounds.flatMap { $0.parallel.tasks.filter { $0.index == index }.flatMap(\.cpusSeen) }).sorted()
            return "bot \(index) (CPU\(cpus.count == 1 ? "" : "s") \(cpus.map(String.init).joined(separator: ",")))"
        }
        let svg = SVGChart.bars(text, categories: categories, series: series)
        var rows: [[String]] = []
        for round in rounds {
            for task in round.parallel.tasks.sorted(by: { $0.index < $1.index }) {
                rows.append(["\(task.index)", "\(round.index)", "\(task.threadID)", Numbers.fixed(task.cpuSeconds),
                             task.cpusSeen.map(String.init).joined(separator: ", ")])
            }
        }
        let table = Markup.table(caption: "Per-bot CPU time and CPUs in the parallel runs", headers: ["bot", "round", "OS thread id", "CPU (s)", "CPUs ran on"], rows: rows)
        return SVGChart.figure(text, svg: svg, legend: series.map { LegendEntry(name: $0.name, style: $0.style, block: true) }, table: table)
    }

    static func controls(_ judgement: ConcurrencyProof.Judgement) -> String {
        guard !judgement.controls.isEmpty else { return "" }
        return Markup.table(caption: "Negative controls: each must fail the criterion, or the measurement proves nothing",
                            headers: ["control", "failed as expected", "S", "CPU/wall", "failed checks"],
                            rows: judgement.controls.map { [$0.name, $0.failedAsExpected ? "yes" : "NO", Numbers.fixed($0.speedup),
                                                            Numbers.fixed($0.parallelCPUPerWall), $0.failedChecks.joined(separator: "; ")] })
    }
}

/// The scaling curve: measured S per k, the ideal S = k, and Amdahl's fit.
enum ScalingSection {
    static func render(_ contents: BundleContents) -> String {
        if contents.scalingProblem != nil {
            return Section.make(id: "scaling", heading: "Scaling", Section.unreadable("scaling record"))
        }
        guard let record = contents.scaling else { return "" }
        // Drawn from the measurements (what verify re-derives), not from the record's own figures.
        let figures = Scaling.figures(points: record.points, criteria: record.criteria)
        let points = figures.points
        let maxK = Double(points.map(\.expectedParallelism).max() ?? 1)
        var series: [(name: String, style: String, points: [(x: Double, y: Double)], markers: Bool, dashed: Bool)] = [
            ("measured S", "s1", points.map { (Double($0.expectedParallelism), $0.speedup) }, true, false),
            ("ideal S = k", "s3", [(1, 1), (max(maxK, 2), max(maxK, 2))], false, false),
        ]
        var legend = [LegendEntry(name: "measured S", style: "s1"), LegendEntry(name: "ideal S = k", style: "s3")]
        if let fit = figures.amdahl {
            let steps = 40
            let high = max(maxK, 2)
            let curve = (0...steps).map { step -> (x: Double, y: Double) in
                let k = 1 + (high - 1) * Double(step) / Double(steps)
                return (k, Scaling.amdahlSpeedup(serialFraction: fit.serialFraction, processors: k))
            }
            let name = "Amdahl fit, f = \(Numbers.fixed(fit.serialFraction))"
            series.append((name, "s2", curve, false, false))
            legend.append(LegendEntry(name: name, style: "s2"))
        }
        let text = ChartText(
            id: "chart-scaling", title: "Scaling: speedup against worker count",
            description: "Gate 2's protocol at each worker count k (capped at P = \(record.parameters.availableParallelism)): the measured speedup S, the ideal S = k, and Amdahl's law S = 1/(f + (1 − f)/k) fitted to the measurements"
                + (figures.amdahl.map { " with serial fraction f = \(Numbers.fixed($0.serialFraction)) and residual \(Numbers.fixed($0.residual)) (RMS of S)." } ?? ": no fit, since no count above one worker ran."),
            xLabel: "workers k = min(W, P)", yLabel: "speedup S")
        let svg = SVGChart.lines(text, series: series, yRange: 0...max(maxK, 2), integerX: true)
        let table = Markup.table(caption: "Per count: speedup, efficiency and Karp–Flatt serial fraction",
                                 headers: ["workers", "k", "sequential wall (s)", "parallel wall (s)", "S", "E = S/k", "Karp–Flatt e", "gate-2 status at this count"],
                                 rows: points.map { ["\($0.workers)", "\($0.expectedParallelism)", Numbers.fixed($0.sequentialWallMedian), Numbers.fixed($0.parallelWallMedian),
                                                     Numbers.fixed($0.speedup), Numbers.fixed($0.efficiency), Numbers.fixed($0.karpFlattSerialFraction), $0.status] })
        var content = Section.note("Scaling informs: it never changes a gate's status or the verdict. At one worker nothing runs in parallel, so the gate's negative control cannot fail there and its status is not a claim.")
        content += SVGChart.figure(text, svg: svg, legend: legend, table: table)
        content += Markup.keyValueTable(caption: "Scaling protocol", rows: [
            ("Requested counts", record.parameters.requestedCounts.map(String.init).joined(separator: ", ")),
            ("Cap rule", record.parameters.capRule),
            ("Counts run", record.parameters.counts.map(String.init).joined(separator: ", ")),
            ("P", "\(record.parameters.availableParallelism) (\(record.parameters.availableParallelismDerivation))"),
            ("Task size", "\(record.parameters.iterationsPerTask) iterations (≈ \(Numbers.fixed(record.parameters.taskSeconds, 2)) s), \(record.parameters.rounds) round(s) per count"),
            ("Amdahl serial fraction f", Numbers.fixed(figures.amdahl?.serialFraction)),
            ("Fit residual (RMS of S)", Numbers.fixed(figures.amdahl?.residual)),
            ("Fit method", figures.amdahl?.method ?? Scaling.fitMethod),
        ])
        return Section.make(id: "scaling", heading: "Scaling", content)
    }
}

/// Gates 3 and 4: values over time.
enum TimelineSections {
    static func threadCount(_ contents: BundleContents) -> String {
        guard let gate = contents.gate(.threadCount) else { return "" }
        if gate.predicate["parameters"].map(CommandTarget.isExternal) == true { return ExternalSections.threadCount(gate) }
        guard let parameters = gate.decode("parameters", as: ThreadCount.Parameters.self),
              let measurements = gate.decode("measurements", as: ThreadCount.Measurements.self) else {
            return Section.make(id: "gate3", heading: "Gate 3 — Thread count", Section.unreadable("thread-count samples"))
        }
        let samples = measurements.samples
        let text = ChartText(
            id: "chart-gate3-threads", title: "Gate 3: OS thread count over time",
            description: "The kernel's thread count for this process (/proc/self/status) and how many of the \(parameters.bots) bots' threads were alive (/proc/self/task), sampled at \(Numbers.fixed(parameters.sampleHz, 1)) Hz. The criterion needs at least \(parameters.bots) threads on average and every bot alive in every sample.",
            xLabel: "time since sampling began (s)", yLabel: "threads")
        let svg = SVGChart.lines(text, series: [
            ("OS threads", "s1", samples.map { ($0.seconds, Double($0.threadCount)) }, true, false),
            ("bots alive", "s2", samples.map { ($0.seconds, Double($0.botsAlive)) }, false, false),
        ], references: [ReferenceLine(name: "bots = \(parameters.bots)", value: Double(parameters.bots), style: "ref2")], yRange: 0...Double(parameters.bots))
        let table = Markup.table(caption: "Thread-count samples", headers: ["time (s)", "OS threads", "bots alive"],
                                 rows: samples.map { [Numbers.fixed($0.seconds, 2), "\($0.threadCount)", "\($0.botsAlive)"] })
        let figure = SVGChart.figure(text, svg: svg, legend: [
            LegendEntry(name: "OS threads", style: "s1"), LegendEntry(name: "bots alive", style: "s2"), LegendEntry(name: "bots", style: "ref2"),
        ], table: table)
        let facts = Markup.keyValueTable(caption: "Threads", rows: [
            ("Bots", "\(parameters.bots) (\(parameters.mode))"),
            ("Distinct bot OS threads", "\(measurements.distinctBotThreads)"),
            ("Threads before spawn / after join", "\(measurements.threadsBeforeSpawn) / \(measurements.threadsAfterJoin)"),
        ])
        return Section.make(id: "gate3", heading: "Gate 3 — Thread count (\(gate.status))", facts + figure)
    }

    static func cpuUtilization(_ contents: BundleContents) -> String {
        guard let gate = contents.gate(.cpuUtilization) else { return "" }
        guard let measurements = gate.decode("measurements", as: CPUUtilization.Measurements.self) else {
            return Section.make(id: "gate4", heading: "Gate 4 — CPU core utilisation", Section.unreadable("per-core load samples"))
        }
        let cpus = Array(Set(measurements.samples.flatMap { $0.cores.map(\.cpu) })).sorted()
        var figures = ""
        for cpu in cpus {
            let points = measurements.samples.compactMap { sample -> (seconds: Double, own: Double, foreign: Double)? in
                guard let core = sample.cores.first(where: { $0.cpu == cpu }) else { return nil }
                return (sample.seconds, core.own * 100, max(0, core.total - core.own) * 100)
            }
            let text = ChartText(
                id: "chart-gate4-cpu\(cpu)", title: "Gate 4: load on CPU \(cpu) over time",
                description: "Share of CPU \(cpu)'s time spent running this process's threads and other processes' (foreign) load, per sample from /proc/stat deltas. Only this process's share counts towards the criterion.",
                xLabel: "time since sampling began (s)", yLabel: "load (%)")
            let svg = SVGChart.lines(text, series: [
                ("this process", "s1", points.map { ($0.seconds, $0.own) }, true, false),
                ("other processes", "s2", points.map { ($0.seconds, $0.foreign) }, false, false),
            ], yRange: 0...100)
            let table = Markup.table(caption: "CPU \(cpu) samples (%)", headers: ["time (s)", "this process (%)", "other processes (%)"],
                                     rows: points.map { [Numbers.fixed($0.seconds, 2), Numbers.fixed($0.own, 1), Numbers.fixed($0.foreign, 1)] })
            figures += SVGChart.figure(text, svg: svg, legend: [LegendEntry(name: "this process", style: "s1"), LegendEntry(name: "other processes", style: "s2")], table: table)
        }
        let criteria = gate.decode("criteria", as: CPUUtilization.Criteria.self) ?? .standard
        let summary = CPUUtilization.figures(measurements: measurements, criteria: criteria)
        let facts = Markup.keyValueTable(caption: "Cores", rows: [
            ("P", "\(measurements.availableParallelism) (\(measurements.availableParallelismDerivation))"),
            ("Cores above \(Int(criteria.busyThreshold * 100))% from this process", "\(summary.coresUsed) (need ≥ \(summary.required))"),
            ("Average own load by CPU", summary.averageOwnLoadByCPU.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }
                .map { "CPU \($0.key): \(Numbers.fixed($0.value * 100, 1))%" }.joined(separator: ", ")),
        ])
        return Section.make(id: "gate4", heading: "Gate 4 — CPU core utilisation (\(gate.status))", facts + Markup.element("div", [("class", "cores")], figures))
    }
}

/// Gates 1 and 5, reproductions, and the machine.
enum OtherSections {
    static func codeAudit(_ contents: BundleContents) -> String {
        guard let gate = contents.gate(.codeAudit) else { return "" }
        guard let measurements = gate.decode("measurements", as: CodeAudit.Measurements.self) else {
            return Section.make(id: "gate1", heading: "Gate 1 — Code audit", Section.unreadable("audit"))
        }
        let table = Markup.table(caption: "Audited files (comments and strings removed before counting)", headers: ["file", "role", "thread lines", "async lines", "SHA-256"],
                                 rows: measurements.files.map { [$0.path, $0.role, "\($0.threadLines)", "\($0.asyncLines)", $0.sha256] })
        return Section.make(id: "gate1", heading: "Gate 1 — Code audit (\(gate.status))", table + Section.note(measurements.note))
    }

    static func comparison(_ contents: BundleContents) -> String {
        guard let gate = contents.gate(.baselineComparison) else { return "" }
        guard let measurements = gate.decode("measurements", as: BaselineComparison.Measurements.self) else {
            return Section.make(id: "gate5", heading: "Gate 5 — Baseline comparison", Section.unreadable("comparison"))
        }
        let criteria = gate.decode("criteria", as: BaselineComparison.Criteria.self) ?? .standard
        let modes = [measurements.candidate, measurements.baseline]
        let table = Markup.table(caption: "The same work in the run's mode and in the cooperative single-thread baseline",
                                 headers: ["mode", "wall (s)", "task CPU (s)", "CPU/wall", "peak threads", "cores used"],
                                 rows: modes.map { [$0.mode, Numbers.fixed($0.wallSeconds), Numbers.fixed($0.taskCPUSeconds), Numbers.fixed($0.cpuPerWall),
                                                    "\($0.peakThreadCount)", "\($0.coresUsed)"] })
        let improvements = Markup.table(caption: "Improvements (\(criteria.requiredImprovements) needed)", headers: ["measure", "run's mode", "baseline", "improved"],
                                        rows: BaselineComparison.improvements(measurements, criteria: criteria).map {
                                            [$0.name, Numbers.fixed($0.candidate, 2), Numbers.fixed($0.baseline, 2), $0.improved ? "yes" : "no"]
                                        })
        return Section.make(id: "gate5", heading: "Gate 5 — Baseline comparison (\(gate.status))", table + improvements)
    }

    static func reproductions(_ evidence: ReproductionEvidence?) -> String {
        guard let evidence else { return "" }
        let keys = evidence.tally.reproducingKeys.sorted()
        var content = Markup.text("p", [], "Reproduced by \(keys.count) distinct trusted key\(keys.count == 1 ? "" : "s") out of \(evidence.files.count) reproduction file\(evidence.files.count == 1 ? "" : "s") given.")
        if !keys.isEmpty {
            content += Markup.table(caption: "Trusted keys whose signed replay said REPRODUCED", headers: ["key id"], rows: keys.map { [$0] })
        }
        if !evidence.tally.rejected.isEmpty {
            content += Markup.table(caption: "Reproduction files that do not count", headers: ["file and reason"], rows: evidence.tally.rejected.map { [$0] })
        }
        return Section.make(id: "reproductions", heading: "Reproductions", content)
    }

    static func systemAndGit(_ contents: BundleContents) -> String {
        var content = ""
        if let system = contents.system?.objectValue {
            content += Markup.keyValueTable(caption: "System (from the summary record)", rows: flatten(system))
        } else {
            content += Section.note("No system record.")
        }
        if let git = contents.git?.objectValue {
            content += Markup.keyValueTable(caption: "Git (read with libgit2 at run time)", rows: flatten(git))
        } else if let unavailable = contents.gitUnavailable?.objectValue {
            content += Markup.keyValueTable(caption: "Git unavailable", rows: flatten(unavailable))
        }
        return Section.make(id: "system", heading: "System and git", content)
    }

    /// Object fields as rows, nested objects with dotted keys, arrays joined.
    static func flatten(_ object: [String: JSONValue], prefix: String = "") -> [(String, String)] {
        object.keys.sorted().flatMap { key -> [(String, String)] in
            let value = object[key] ?? .null
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .object(let nested): return flatten(nested, prefix: name)
            case .string(let text): return [(name, text)]
            case .null: return [(name, "none")]
            case .array(let items): return [(name, items.map { $0.stringValue ?? $0.serialized() }.joined(separator: ", "))]
            default: return [(name, value.serialized())]
            }
        }
    }
}
