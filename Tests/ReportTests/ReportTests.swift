import Foundation
import Testing
import Evidence
@testable import Gates
@testable import Report

/// The report of a small signed bundle: well-formed, with every chart, and values that are the bundle's.
@Suite("HTML report")
struct ReportTests {
    static let generatedAt = Date(timeIntervalSince1970: 1_800_000_100)

    static func render(_ data: Data, key: SigningKey = ReportFixtures.key) -> (html: String, verification: VerificationReport) {
        HTMLReport.make(bundleData: data, bundleName: "bundle.json", trustedKeys: [key.publicKey], generatedAt: generatedAt)
    }

    static func parsed(_ html: String) throws -> ParsedElement {
        let (root, error) = XMLTree.parse(html)
        return try #require(root, "the report is not well-formed XML: \(error ?? "")")
    }

    /// The SVG marks of one chart for one series.
    static func marks(_ root: ParsedElement, chart: String, series: String, element: String) throws -> [ParsedElement] {
        let figure = try #require(root.element(id: chart), "no chart \(chart)")
        return figure.descendants(element).filter { $0.attributes["data-series"] == series }
    }

    static func values(_ marks: [ParsedElement]) -> [Double] {
        marks.compactMap { $0.attributes["data-value"].flatMap(Double.init) }
    }

    @Test("the report of a verified bundle is well-formed and says VERIFIED with key, verdict, commit and date")
    func verifiedBanner() throws {
        let (html, verification) = Self.render(try ReportFixtures.bundle())
        #expect(verification.isVerified, "\(verification.allFindings)")
        let root = try Self.parsed(html)
        #expect(root.name == "html")
        let banner = try #require(root.element(id: "verification"))
        #expect(banner.attributes["data-verified"] == "true")
        #expect(banner.attributes["class"] == "banner ok")
        let text = banner.allText
        #expect(text.contains("clean at \(ReportFixtures.commit)"))
        #expect(text.contains("VERIFIED"))
        #expect(!text.contains("NOT VERIFIED"))
        #expect(text.contains(ReportFixtures.key.publicKey.keyID))
        #expect(text.contains(verification.verdict ?? "?"))
        #expect(text.contains(ReportFixtures.commit))
        #expect(text.contains("2027-01-15T08:00:07.000Z"), "\(text)")
    }

    @Test("every chart is there, accessible, with a table of its numbers")
    func chartsAccessible() throws {
        let root = try Self.parsed(Self.render(try ReportFixtures.bundle()).html)
        let expected = ["chart-gate2-wall", "chart-gate2-speedup", "chart-gate2-bots", "chart-scaling", "chart-gate3-threads",
                        "chart-gate4-cpu0", "chart-gate4-cpu1"]
        for id in expected {
            let figure = try #require(root.element(id: id), "missing \(id)")
            let svg = try #require(figure.descendants("svg").first, "\(id) has no svg")
            #expect(svg.attributes["role"] == "img")
            let labels = (svg.attributes["aria-labelledby"] ?? "").split(separator: " ").map(String.init)
            #expect(labels.count == 2)
            let title = svg.children.first { $0.name == "title" }
            let desc = svg.children.first { $0.name == "desc" }
            #expect(title?.attributes["id"] == labels.first && !(title?.text.isEmpty ?? true), "\(id) title")
            #expect(desc?.attributes["id"] == labels.last && !(desc?.text.isEmpty ?? true), "\(id) desc")
            #expect(svg.descendants("text").filter { $0.attributes["class"] == "axis-label" }.count == 2, "\(id) axis labels")
            #expect(!figure.descendants("table").isEmpty, "\(id) has no table of numbers")
        }
        let figures = root.descendants("figure").compactMap { $0.attributes["id"] }
        #expect(Set(figures) == Set(expected))
    }

    @Test("gate 2's charts hold the bundle's wall times, speedups, ideal and 0.75·k lines, and per-bot CPU")
    func gate2Values() throws {
        let root = try Self.parsed(Self.render(try ReportFixtures.bundle()).html)
        let rounds = ReportFixtures.gate2.1.rounds
        let sequential = try Self.marks(root, chart: "chart-gate2-wall", series: "sequential", element: "rect")
        let parallel = try Self.marks(root, chart: "chart-gate2-wall", series: "parallel", element: "rect")
        #expect(Self.values(sequential) == rounds.map(\.sequential.wallSeconds))
        #expect(Self.values(parallel) == rounds.map(\.parallel.wallSeconds))
        #expect(sequential.map { $0.attributes["data-category"] ?? "" } == ["round 1", "round 2", "round 3"])
        let speedups = try Self.marks(root, chart: "chart-gate2-speedup", series: "speedup S", element: "rect")
        #expect(Self.values(speedups) == rounds.map { $0.sequential.wallSeconds / $0.parallel.wallSeconds })
        let figure = try #require(root.element(id: "chart-gate2-speedup"))
        let references = figure.descendants("line").filter { ($0.attributes["class"] ?? "").hasPrefix("ref") }
        // The ideal k, the threshold 0.75·k, then the 95% interval of S from the recorded analysis.
        let analysis = try #require(ReportFixtures.gate2.1.analysis)
        #expect(Self.values(references) == [2, 1.5, analysis.speedup.lower ?? 0, analysis.speedup.upper ?? 0])
        for round in rounds {
            let bars = try Self.marks(root, chart: "chart-gate2-bots", series: "round \(round.index)", element: "rect")
            #expect(Self.values(bars) == round.parallel.tasks.map(\.cpuSeconds))
            #expect(bars.map { $0.attributes["data-category"] ?? "" } == ["bot 0 (CPU 0)", "bot 1 (CPU 1)", "bot 2 (CPU 0)", "bot 3 (CPU 1)"])
        }
        // The table under the bot chart names the CPUs each bot ran on.
        let table = try #require(root.element(id: "chart-gate2-bots")?.descendants("table").first)
        let cells = table.descendants("tr").dropFirst().map { $0.descendants("td").map(\.text) }
        #expect(cells.first == ["0", "1", "200", "1.000", "0"])
        #expect(cells.count == rounds.count * 4)
    }

    @Test("the scaling chart holds each count's speedup and the Amdahl fit; the table its S, E and Karp–Flatt")
    func scalingValues() throws {
        let root = try Self.parsed(Self.render(try ReportFixtures.bundle()).html)
        let figures = ReportFixtures.scaling.figures
        let measured = try Self.marks(root, chart: "chart-scaling", series: "measured S", element: "circle")
        #expect(Self.values(measured) == figures.points.map(\.speedup))
        #expect(measured.map { $0.attributes["data-x"] ?? "" } == ["1.0", "2.0"])
        let fit = try #require(figures.amdahl)
        let name = "Amdahl fit, f = \(String(format: "%.3f", fit.serialFraction))"
        #expect(try Self.marks(root, chart: "chart-scaling", series: name, element: "polyline").count == 1)
        let rows = try #require(root.element(id: "chart-scaling")?.descendants("tbody").first).descendants("tr").map { $0.descendants("td").map(\.text) }
        #expect(rows.count == 2)
        #expect(rows.last?[4] == String(format: "%.3f", figures.points[1].speedup))
        #expect(rows.last?[5] == String(format: "%.3f", figures.points[1].efficiency))
        #expect(rows.last?[6] == String(format: "%.3f", figures.points[1].karpFlattSerialFraction ?? -1))
        let protocolText = try #require(root.element(id: "scaling")).allText
        #expect(protocolText.contains("1, 2, 4, 8"))
        #expect(protocolText.contains(Scaling.capRule))
        #expect(protocolText.contains(String(format: "%.3f", fit.residual)))
    }

    @Test("gate 3's thread counts and gate 4's per-core own and foreign load are the bundle's")
    func timelines() throws {
        let root = try Self.parsed(Self.render(try ReportFixtures.bundle()).html)
        let threads = try Self.marks(root, chart: "chart-gate3-threads", series: "OS threads", element: "circle")
        #expect(Self.values(threads) == ReportFixtures.gate3.1.samples.map { Double($0.threadCount) })
        for cpu in [0, 1] {
            let own = try Self.marks(root, chart: "chart-gate4-cpu\(cpu)", series: "this process", element: "circle")
            let expected = ReportFixtures.gate4.1.samples.compactMap { $0.cores.first { $0.cpu == cpu }.map { $0.own * 100 } }
            #expect(Self.values(own) == expected)
            let foreign = try Self.marks(root, chart: "chart-gate4-cpu\(cpu)", series: "other processes", element: "polyline")
            #expect(foreign.count == 1)
        }
        #expect(try #require(root.element(id: "system")).allText.contains("Test CPU <fixture>"))
        #expect(try #require(root.element(id: "system")).allText.contains(ReportFixtures.commit))
    }

    @Test("a tampered bundle is still rendered, under a red banner listing the findings")
    func tampered() throws {
        let data = try ReportFixtures.tampered(try ReportFixtures.bundle(), record: 1)
        let (html, verification) = Self.render(data)
        #expect(!verification.isVerified)
        let root = try Self.parsed(html)
        let banner = try #require(root.element(id: "verification"))
        #expect(banner.attributes["data-verified"] == "false")
        #expect(banner.attributes["class"] == "banner bad")
        #expect(banner.attributes["role"] == "alert")
        #expect(banner.allText.contains("NOT VERIFIED"))
        let findings = banner.descendants("li").map(\.allText)
        #expect(findings.count == verification.allFindings.count)
        #expect(findings.contains { $0.contains("signature.invalid") }, "\(findings)")
        #expect(findings.contains { $0.contains("chain.previous-mismatch") }, "\(findings)")
        #expect(banner.allText.contains("(a valid signature on 6 of 7 records)"), "\(banner.allText)")
        // The charts still show what the (tampered) bundle says.
        #expect(Self.values(try Self.marks(root, chart: "chart-gate2-wall", series: "parallel", element: "rect")).first == 1.05)
    }

    @Test("a bundle signed by an untrusted key gets the red banner with the key ids")
    func untrustedKey() throws {
        let (html, _) = Self.render(try ReportFixtures.bundle(), key: ReportFixtures.otherKey)
        let banner = try #require(try Self.parsed(html).element(id: "verification"))
        #expect(banner.attributes["data-verified"] == "false")
        #expect(banner.allText.contains("signature.untrusted-key"))
        #expect(banner.allText.contains(ReportFixtures.otherKey.publicKey.keyID))
    }

    @Test("text from the bundle is escaped: a <script> in a signed summary stays text, control characters cannot break the page")
    func escaping() throws {
        let hostile = "</td><script>alert('x')</script>&amp; \u{1}\u{7}\"quoted\""
        let data = try ReportFixtures.bundle(summaryText: hostile, auditedPath: "<img src=x onerror=alert(1)>.swift")
        let (html, verification) = Self.render(data)
        #expect(verification.isVerified, "the summary text is signed, not re-derived: \(verification.allFindings)")
        let root = try Self.parsed(html)
        #expect(root.descendants("script").isEmpty)
        #expect(root.descendants("img").isEmpty)
        let gates = try #require(root.element(id: "gates")).allText
        #expect(gates.contains("</td><script>alert('x')</script>&amp;"))
        #expect(gates.contains("\u{FFFD}\u{FFFD}\"quoted\""))
        #expect(try #require(root.element(id: "gate1")).allText.contains("<img src=x onerror=alert(1)>.swift"))
        #expect(!html.contains("<script"))
    }

    @Test("the page is self-contained: no script, no external resource, no link anywhere")
    func selfContained() throws {
        let html = Self.render(try ReportFixtures.bundle()).html
        let root = try Self.parsed(html)
        for element in root.all {
            #expect(!["script", "link", "img", "iframe", "object", "embed", "image", "use", "a"].contains(element.name), "\(element.name)")
            for (name, value) in element.attributes {
                #expect(!["src", "href", "xlink:href", "srcset", "action"].contains(name), "\(element.name) \(name)=\(value)")
                #expect(name == "xmlns" || !value.contains("://"), "\(element.name) \(name)=\(value)")
            }
        }
        let style = try #require(root.descendants("style").first).text
        #expect(!style.contains("url("))
        #expect(!style.contains("@import"))
        #expect(style.contains("prefers-color-scheme: dark"))
        #expect(style.contains("@media print"))
    }

    @Test("reproductions given with the bundle are listed: the trusted keys that reproduced it, and the files that do not count")
    func reproductions() throws {
        let original = try ReportFixtures.bundle()
        let trusted = [ReportFixtures.key.publicKey, ReportFixtures.otherKey.publicKey]
        let statements = Verifier(trustedKeys: trusted, policies: [GateVerdictPolicy()]).verify(bundleData: original).statements
        let replay = ReplayResult(verdict: .reproduced, reason: "fixture", findings: [], original: nil, originalParallelism: 2,
                                  originalDerivation: "test", replay: nil, replayParallelism: 2, replayDerivation: "test",
                                  replayOutcome: nil, replayMeasurements: nil)
        let reproduction = try Reproduction.bundle(for: replay, original: statements, signingKey: ReportFixtures.otherKey,
                                                   system: ReportFixtures.system, git: ReportFixtures.git,
                                                   startedAt: ReportFixtures.start, finishedAt: ReportFixtures.start).encoded()
        let html = HTMLReport.make(bundleData: original, bundleName: "bundle.json", trustedKeys: trusted,
                                   reproductions: [("repro.json", reproduction), ("junk.json", Data("{}".utf8))], generatedAt: Self.generatedAt).html
        let section = try #require(try Self.parsed(html).element(id: "reproductions"))
        #expect(section.allText.contains("Reproduced by 1 distinct trusted key out of 2"), "\(section.allText)")
        #expect(section.allText.contains(ReportFixtures.otherKey.publicKey.keyID))
        #expect(section.allText.contains("junk.json: does not verify"))
    }

    @Test("nice axes: round ticks that cover the data")
    func axes() {
        let axis = Axis.nice(low: 0, high: 4.2)
        #expect(axis.ticks == [0, 1, 2, 3, 4, 5])
        #expect(axis.minimum <= 0 && axis.maximum >= 4.2)
        let small = Axis.nice(low: 0, high: 0.18)
        #expect(small.ticks.last ?? 0 >= 0.18)
        #expect(small.label(0.05) == "0.05")
        let flat = Axis.nice(low: 3, high: 3)
        #expect(flat.maximum > flat.minimum)
    }
}
