import Foundation
import Evidence
import Gates

/// Gates 2 and 3 of an external command's bundle (`attest run --cmd`): the same charts as for the
/// built-in swarm where the figures are the same (wall and speedup per round), and the command's
/// own evidence where they differ (the commands and executables, each run's process tree).
enum ExternalSections {
    static func concurrency(_ gate: BundleContents.GateEntry) -> String {
        guard let parameters = gate.decode("parameters", as: ExternalProof.Parameters.self),
              let measurements = gate.decode("measurements", as: ExternalProof.Measurements.self),
              let criteria = gate.decode("criteria", as: ConcurrencyProof.Criteria.self) else {
            return Section.make(id: "gate2", heading: "Gate 2 — Concurrency proof", Section.unreadable("external command's measurements"))
        }
        let judgement = ExternalProof.judge(parameters: parameters, measurements: measurements, criteria: criteria)
        let k = judgement.figures?.expectedParallelism ?? max(1, min(parameters.workers, measurements.availableParallelism))
        var content = commands(parameters)
        content += ConcurrencySection.figuresTable(
            judgement, criteria: criteria, k: k, sequentialName: "Baseline",
            workers: "\(parameters.workers) (claimed), \(measurements.availableParallelism) (\(measurements.availableParallelismDerivation)), \(k)")
        content += ConcurrencySection.roundCharts(
            rounds: measurements.rounds.map { (index: $0.index, order: $0.order.joined(separator: " then "),
                                               sequential: $0.baseline.wallSeconds, parallel: $0.parallel.wallSeconds) },
            sequentialName: "baseline", k: k, criteria: criteria, analysis: judgement.figures?.analysis,
            description: "Wall-clock seconds of the baseline command (the work done sequentially) and of the parallel command, per measured round. The outputs of every run must be identical, so both did the same work; parallel bars about 1/k as tall as baseline ones mean the work overlapped.")
        content += runs(measurements)
        if !judgement.diagnosis.isEmpty {
            content += Markup.element("ul", [("class", "diagnosis")], judgement.diagnosis.map { Markup.text("li", [], $0) }.joined())
        }
        content += ConcurrencySection.controls(judgement)
        return Section.make(id: "gate2", heading: "Gate 2 — Concurrency proof of an external command (\(gate.status))", content)
    }

    /// What was run: each command, its argv digest and the executable's SHA-256.
    static func commands(_ parameters: ExternalProof.Parameters) -> String {
        // Digests shortened to 16 hex digits to fit the page; the records hold them whole.
        Markup.table(caption: "The commands measured (the records name them with full digests; replay compares the executables)",
                     headers: ["role", "command", "working folder", "argv SHA-256", "executable", "executable SHA-256"],
                     rows: [parameters.target, parameters.baseline].map {
                         [$0.role, $0.command, $0.cwd, String($0.argvSHA256.prefix(16)) + "…", $0.executableResolved,
                          String($0.executableSHA256.prefix(16)) + "…"]
                     })
    }

    /// Every measured run, as the OS saw the command's process tree.
    static func runs(_ measurements: ExternalProof.Measurements) -> String {
        var rows: [[String]] = []
        for round in measurements.rounds {
            for run in [round.baseline, round.parallel] {
                rows.append(["\(round.index)", run.role, Numbers.fixed(run.wallSeconds), Numbers.fixed(run.cpuSeconds),
                             Numbers.fixed(run.cpuPerWall, 2), Numbers.fixed(run.voluntarySwitchesPerSecond, 0),
                             "\(run.peakThreads) / \(run.peakProcesses)", run.cpusSeen.map(String.init).joined(separator: ", "),
                             String(run.outputSHA256.prefix(16)) + "…", "\(run.exitStatus)"])
            }
        }
        return Markup.table(caption: "Each run's process tree: wall and CPU (wait4 and /proc), voluntary switches, peak threads and processes, CPUs used, output digest",
                            headers: ["round", "command", "wall (s)", "CPU (s)", "CPU/wall", "voluntary switches/s", "peak threads / processes",
                                      "CPUs ran on", "output SHA-256", "exit"],
                            rows: rows)
    }

    static func threadCount(_ gate: BundleContents.GateEntry) -> String {
        guard let parameters = gate.decode("parameters", as: ExternalThreadCount.Parameters.self),
              let measurements = gate.decode("measurements", as: ExternalThreadCount.Measurements.self) else {
            return Section.make(id: "gate3", heading: "Gate 3 — Thread count", Section.unreadable("external command's thread samples"))
        }
        let styles = ["s1", "s2", "s3", "s4"]
        let series = measurements.runs.enumerated().map { offset, run in
            (name: "round \(run.round)", style: styles[offset % styles.count],
             points: run.samples.map { (x: $0.seconds, y: Double($0.threads)) }, markers: true, dashed: false)
        }
        let peak = Double(measurements.runs.map(\.peakThreads).max() ?? 0)
        let text = ChartText(
            id: "chart-gate3-threads", title: "Gate 3: OS threads in the command's process tree over time",
            description: "Threads of every process in the parallel command's tree (/proc/<pid>/task), sampled at \(Numbers.fixed(parameters.sampleHz, 1)) Hz in each measured round, against the \(parameters.bots) bots claimed. The criterion needs the median over the samples to reach the bots.",
            xLabel: "time since the command started (s)", yLabel: "threads")
        let svg = SVGChart.lines(text, series: series,
                                 references: [ReferenceLine(name: "bots = \(parameters.bots)", value: Double(parameters.bots), style: "ref2")],
                                 yRange: 0...max(peak, Double(parameters.bots)))
        var rows: [[String]] = []
        for run in measurements.runs {
            for sample in run.samples {
                rows.append(["\(run.round)", Numbers.fixed(sample.seconds, 2), "\(sample.threads)", "\(sample.processes)"])
            }
        }
        let table = Markup.table(caption: "Process-tree samples", headers: ["round", "time (s)", "OS threads", "processes"], rows: rows)
        let figure = SVGChart.figure(text, svg: svg, legend: series.map { LegendEntry(name: $0.name, style: $0.style) } + [LegendEntry(name: "bots", style: "ref2")],
                                     table: table)
        let facts = Markup.keyValueTable(caption: "Threads", rows: [
            ("Bots claimed", "\(parameters.bots)"),
            ("Peak threads / processes", "\(measurements.runs.map(\.peakThreads).max() ?? 0) / \(measurements.runs.map(\.peakProcesses).max() ?? 0)"),
            ("Distinct threads seen (most in one run)", "\(measurements.runs.map(\.distinctThreads).max() ?? 0)"),
        ])
        return Section.make(id: "gate3", heading: "Gate 3 — Thread count of an external command (\(gate.status))", facts + figure)
    }
}
