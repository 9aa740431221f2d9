import Foundation

/// A numeric axis with round tick values.
struct Axis: Equatable {
    var minimum: Double
    var maximum: Double
    var ticks: [Double]
    var decimals: Int

    /// Ticks at 1, 2 or 5 × 10^n covering `low`...`high`, about `count` of them.
    static func nice(low: Double, high: Double, count: Int = 5) -> Axis {
        var low = low.isFinite ? low : 0
        var high = high.isFinite ? high : 1
        if high < low { swap(&low, &high) }
        if high - low < 1e-12 { high = low + (low == 0 ? 1 : abs(low) * 0.1) }
        let rough = (high - low) / Double(max(1, count))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let residual = rough / magnitude
        let step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude
        let start = (low / step).rounded(.down) * step
        let end = (high / step).rounded(.up) * step
        var ticks: [Double] = []
        var tick = start
        while tick <= end + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        let decimals = max(0, Int(-(log10(step)).rounded(.down)))
        return Axis(minimum: start, maximum: end, ticks: ticks, decimals: decimals)
    }

    func label(_ value: Double) -> String { String(format: "%.\(decimals)f", value) }
}

/// A horizontal line across a chart (an ideal, a threshold).
struct ReferenceLine {
    var name: String
    var value: Double
    /// `ref1` or `ref2`: colour and dash pattern.
    var style: String
}

/// The parts every chart shares: id, words for people and for screen readers, axis labels.
struct ChartText {
    var id: String
    var title: String
    /// What the chart shows and what it means, read by screen readers (`<desc>`) and shown as the caption.
    var description: String
    var xLabel: String
    var yLabel: String
}

/// One series of a chart, with its colour class (`s1`…`s4`).
struct LegendEntry {
    var name: String
    var style: String
    var dashed: Bool = false
    /// A filled block (bar series) rather than a line sample.
    var block: Bool = false
}

enum ChartGeometry {
    static let width = 720.0
    static let height = 300.0
    static let left = 68.0
    static let right = 16.0
    static let top = 16.0
    static let bottom = 54.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }
}

/// Builds one inline SVG chart with its axes, and the `<figure>` around it: title, description,
/// legend and a table with the numbers as the text alternative.
enum SVGChart {
    typealias G = ChartGeometry

    /// `<svg role="img" aria-labelledby=…>` with `<title>` and `<desc>`, axes, grid, labels and `marks`.
    static func frame(_ text: ChartText, xTicks: [(position: Double, label: String)], yAxis: Axis, marks: String) -> String {
        let titleID = "\(text.id)-title"
        let descID = "\(text.id)-desc"
        var body = Markup.text("title", [("id", titleID)], text.title)
        body += Markup.text("desc", [("id", descID)], text.description)
        // Horizontal grid and y ticks.
        for tick in yAxis.ticks {
            let y = yPosition(tick, yAxis)
            body += Markup.empty("line", [("class", "grid"), ("x1", Numbers.coordinate(G.left)), ("x2", Numbers.coordinate(G.width - G.right)),
                                          ("y1", Numbers.coordinate(y)), ("y2", Numbers.coordinate(y))])
            body += Markup.text("text", [("class", "tick"), ("x", Numbers.coordinate(G.left - 6)), ("y", Numbers.coordinate(y + 4)),
                                         ("text-anchor", "end")], yAxis.label(tick))
        }
        for tick in xTicks {
            body += Markup.text("text", [("class", "tick"), ("x", Numbers.coordinate(tick.position)), ("y", Numbers.coordinate(G.height - G.bottom + 18)),
                                         ("text-anchor", "middle")], tick.label)
        }
        // Axes.
        body += Markup.empty("line", [("class", "axis"), ("x1", Numbers.coordinate(G.left)), ("x2", Numbers.coordinate(G.width - G.right)),
                                      ("y1", Numbers.coordinate(G.height - G.bottom)), ("y2", Numbers.coordinate(G.height - G.bottom))])
        body += Markup.empty("line", [("class", "axis"), ("x1", Numbers.coordinate(G.left)), ("x2", Numbers.coordinate(G.left)),
                                      ("y1", Numbers.coordinate(G.top)), ("y2", Numbers.coordinate(G.height - G.bottom))])
        body += Markup.text("text", [("class", "axis-label"), ("x", Numbers.coordinate(G.left + G.plotWidth / 2)),
                                     ("y", Numbers.coordinate(G.height - 8)), ("text-anchor", "middle")], text.xLabel)
        let yMiddle = G.top + G.plotHeight / 2
        body += Markup.text("text", [("class", "axis-label"), ("x", "16"), ("y", Numbers.coordinate(yMiddle)), ("text-anchor", "middle"),
                                     ("transform", "rotate(-90 16 \(Numbers.coordinate(yMiddle)))")], text.yLabel)
        body += marks
        return Markup.element("svg", [
            ("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"), ("role", "img"),
            ("aria-labelledby", "\(titleID) \(descID)"), ("viewBox", "0 0 \(Int(G.width)) \(Int(G.height))"),
            ("width", "\(Int(G.width))"), ("height", "\(Int(G.height))"), ("data-chart", text.id),
        ], body)
    }

    static func yPosition(_ value: Double, _ axis: Axis) -> Double {
        let span = axis.maximum - axis.minimum
        let fraction = span > 0 ? (value - axis.minimum) / span : 0
        return G.top + G.plotHeight * (1 - min(1.05, max(-0.05, fraction)))
    }

    static func xPosition(_ value: Double, low: Double, high: Double) -> Double {
        let span = high - low
        let fraction = span > 0 ? (value - low) / span : 0.5
        return G.left + G.plotWidth * fraction
    }

    static func references(_ lines: [ReferenceLine], _ axis: Axis) -> String {
        lines.map { line in
            let y = yPosition(line.value, axis)
            return Markup.element("line", [("class", "ref \(line.style)"), ("x1", Numbers.coordinate(G.left)), ("x2", Numbers.coordinate(G.width - G.right)),
                                           ("y1", Numbers.coordinate(y)), ("y2", Numbers.coordinate(y)),
                                           ("data-series", line.name), ("data-value", Numbers.exact(line.value))],
                                  Markup.text("title", [], "\(line.name): \(Numbers.fixed(line.value))"))
        }.joined()
    }

    /// Grouped bars: one group per category, one bar per series.
    static func bars(_ text: ChartText, categories: [String], series: [(name: String, style: String, values: [Double])],
                     references: [ReferenceLine] = []) -> String {
        let values = series.flatMap(\.values).filter(\.isFinite) + references.map(\.value)
        let axis = Axis.nice(low: 0, high: max(values.max() ?? 1, 0))
        let groupWidth = G.plotWidth / Double(max(1, categories.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        var marks = ""
        for (categoryIndex, category) in categories.enumerated() {
            for (seriesIndex, entry) in series.enumerated() where categoryIndex < entry.values.count {
                let value = entry.values[categoryIndex]
                let x = G.left + groupWidth * Double(categoryIndex) + groupWidth * 0.1 + barWidth * Double(seriesIndex)
                let y = yPosition(max(0, value.isFinite ? value : 0), axis)
                let base = yPosition(0, axis)
                marks += Markup.element("rect", [
                    ("class", "bar \(entry.style)"), ("x", Numbers.coordinate(x)), ("y", Numbers.coordinate(y)),
                    ("width", Numbers.coordinate(max(1, barWidth - 1))), ("height", Numbers.coordinate(max(0, base - y))),
                    ("data-series", entry.name), ("data-category", category), ("data-value", Numbers.exact(value)),
                ], Markup.text("title", [], "\(entry.name), \(category): \(Numbers.fixed(value))"))
            }
        }
        marks += Self.references(references, axis)
        let ticks = categories.enumerated().map { (G.left + groupWidth * (Double($0.offset) + 0.5), $0.element) }
        return frame(text, xTicks: thinned(ticks), yAxis: axis, marks: marks)
    }

    /// Lines over a numeric x axis; `markers` adds a dot (with its value) at every point.
    static func lines(_ text: ChartText, series: [(name: String, style: String, points: [(x: Double, y: Double)], markers: Bool, dashed: Bool)],
                      references: [ReferenceLine] = [], yRange: ClosedRange<Double>? = nil, integerX: Bool = false) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite) + references.map(\.value)
        let low = xs.min() ?? 0
        let high = max(xs.max() ?? 1, low + (integerX ? 1 : 1e-9))
        let axis = yRange.map { Axis.nice(low: $0.lowerBound, high: max($0.upperBound, ys.max() ?? $0.upperBound)) }
            ?? Axis.nice(low: min(0, ys.min() ?? 0), high: ys.max() ?? 1)
        var marks = ""
        for entry in series where !entry.points.isEmpty {
            let coordinates = entry.points.filter { $0.x.isFinite && $0.y.isFinite }.map {
                "\(Numbers.coordinate(xPosition($0.x, low: low, high: high))),\(Numbers.coordinate(yPosition($0.y, axis)))"
            }
            marks += Markup.empty("polyline", [("class", "line \(entry.style)\(entry.dashed ? " dashed" : "")"),
                                               ("points", coordinates.joined(separator: " ")), ("data-series", entry.name)])
            if entry.markers {
                for point in entry.points where point.x.isFinite && point.y.isFinite {
                    marks += Markup.element("circle", [
                        ("class", "marker \(entry.style)"), ("cx", Numbers.coordinate(xPosition(point.x, low: low, high: high))),
                        ("cy", Numbers.coordinate(yPosition(point.y, axis))), ("r", "4"), ("data-series", entry.name),
                        ("data-x", Numbers.exact(point.x)), ("data-value", Numbers.exact(point.y)),
                    ], Markup.text("title", [], "\(entry.name) at \(Numbers.fixed(point.x, integerX ? 0 : 2)): \(Numbers.fixed(point.y))"))
                }
            }
        }
        marks += Self.references(references, axis)
        let xTicks: [(Double, String)]
        if integerX {
            let values = Array(Set(xs.map { $0.rounded() })).sorted()
            xTicks = values.map { (xPosition($0, low: low, high: high), String(Int($0))) }
        } else {
            let xAxis = Axis.nice(low: low, high: high)
            xTicks = xAxis.ticks.filter { $0 >= low - 1e-9 && $0 <= high + 1e-9 }.map { (xPosition($0, low: low, high: high), xAxis.label($0)) }
        }
        return frame(text, xTicks: thinned(xTicks), yAxis: axis, marks: marks)
    }

    /// At most about 16 tick labels, so they never overlap.
    static func thinned(_ ticks: [(Double, String)]) -> [(position: Double, label: String)] {
        let stride = max(1, (ticks.count + 15) / 16)
        return ticks.enumerated().filter { $0.offset % stride == 0 }.map { (position: $0.element.0, label: $0.element.1) }
    }

    /// The figure: chart, legend, caption, and the numbers as a table.
    static func figure(_ text: ChartText, svg: String, legend: [LegendEntry], table: String) -> String {
        let legendItems = legend.map { entry in
            Markup.element("li", [], Markup.element("span", [("class", "swatch \(entry.style)\(entry.dashed ? " dashed" : "")\(entry.block ? " block" : "")"), ("aria-hidden", "true")], "")
                + Markup.escape(entry.name))
        }.joined()
        let caption = Markup.element("figcaption", [], Markup.text("strong", [], text.title) + " " + Markup.escape(text.description))
        return Markup.element("figure", [("id", text.id), ("class", "chart-figure")],
                              caption + svg + Markup.element("ul", [("class", "legend")], legendItems) + table)
    }
}
