import Foundation

/// XHTML-compatible markup: every element closed, every attribute quoted, every piece of text
/// escaped. Everything that comes from a bundle is untrusted (a tampered bundle may hold
/// `<script>`), so text only ever reaches the page through `escape`.
enum Markup {
    /// Escapes text for element content and attribute values, and replaces characters XML 1.0
    /// cannot hold (most C0 controls, U+FFFE, U+FFFF) with U+FFFD, so the page stays well-formed.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || value == 0xFFFE || value == 0xFFFF {
                    output += "\u{FFFD}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }

    typealias Attributes = [(String, String)]

    private static func open(_ name: String, _ attributes: Attributes) -> String {
        var tag = "<" + name
        for (key, value) in attributes { tag += " \(key)=\"\(escape(value))\"" }
        return tag
    }

    /// An element around markup that is already safe (built by these functions).
    static func element(_ name: String, _ attributes: Attributes = [], _ content: String) -> String {
        open(name, attributes) + ">" + content + "</\(name)>"
    }

    /// An element around text, escaped.
    static func text(_ name: String, _ attributes: Attributes = [], _ text: String) -> String {
        element(name, attributes, escape(text))
    }

    /// A self-closed element: HTML void elements (meta) and SVG shapes only.
    static func empty(_ name: String, _ attributes: Attributes = []) -> String {
        open(name, attributes) + "/>"
    }

    /// A table with a caption, a header row and body rows of text cells.
    static func table(caption: String, headers: [String], rows: [[String]], className: String = "data") -> String {
        let head = element("thead", [], element("tr", [], headers.map { text("th", [("scope", "col")], $0) }.joined()))
        let body = element("tbody", [], rows.map { row in element("tr", [], row.map { text("td", [], $0) }.joined()) }.joined())
        return element("table", [("class", className)], text("caption", [], caption) + head + body)
    }

    /// A two-column key/value table.
    static func keyValueTable(caption: String, rows: [(String, String)]) -> String {
        let body = element("tbody", [], rows.map { key, value in
            element("tr", [], text("th", [("scope", "row")], key) + text("td", [], value))
        }.joined())
        return element("table", [("class", "keyvalue")], text("caption", [], caption) + body)
    }
}

/// Numbers as the report prints them.
enum Numbers {
    static func fixed(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    /// Full precision, for data attributes a program can compare with the bundle.
    static func exact(_ value: Double) -> String {
        guard value.isFinite else { return "NaN" }
        return "\(value)"
    }

    /// Coordinates in the SVG: two decimals are finer than a pixel.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return String(format: "%.2f", value)
    }
}
