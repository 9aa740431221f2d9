/// Reduces source text to its code: comments and string literals become spaces, newlines stay, so
/// that a word such as `async` in a comment or a log message is never counted as a construct.
///
/// This is a lexer for counting, not a compiler: it knows the comment and string syntax of
/// Swift and Python well enough that nothing inside them leaks out, and errs towards
/// treating more text as literal when the source is malformed.
enum SourceLanguage: String, Codable, Sendable {
    case swift
    case python

    init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "swift": self = .swift
        case "py": self = .python
        default: return nil
        }
    }
}

enum SourceScanner {
    /// The code of `source` with comments and string literals blanked out, line structure kept.
    static func codeOnly(_ source: String, language: SourceLanguage) -> String {
        let characters = Array(source.unicodeScalars)
        var output = String.UnicodeScalarView()
        output.reserveCapacity(characters.count)
        switch language {
        case .swift: scanSwift(characters, into: &output)
        case .python: scanPython(characters, into: &output)
        }
        return String(output)
    }

    private static let space: Unicode.Scalar = " "
    private static let newline: Unicode.Scalar = "\n"

    /// Appends a blank for every blanked character, keeping newlines so line numbers survive.
    private static func blank(_ scalar: Unicode.Scalar, into output: inout String.UnicodeScalarView) {
        output.append(scalar == newline ? newline : space)
    }

    private static func matches(_ characters: [Unicode.Scalar], at index: Int, _ text: String) -> Bool {
        var position = index
        for scalar in text.unicodeScalars {
            guard position < characters.count, characters[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    private static func scanSwift(_ characters: [Unicode.Scalar], into output: inout String.UnicodeScalarView) {
        var index = 0
        while index < characters.count {
            if matches(characters, at: index, "//") {
                while index < characters.count, characters[index] != newline {
                    blank(characters[index], into: &output)
                    index += 1
                }
            } else if matches(characters, at: index, "/*") {
                // Swift block comments nest.
                var depth = 0
                repeat {
                    if matches(characters, at: index, "/*") {
                        depth += 1
                        output.append(space); output.append(space)
                        index += 2
                    } else if matches(characters, at: index, "*/") {
                        depth -= 1
                        output.append(space); output.append(space)
                        index += 2
                    } else {
                        blank(characters[index], into: &output)
                        index += 1
                    }
                } while depth > 0 && index < characters.count
            } else if characters[index] == "#" || characters[index] == "\"" {
                // A raw string is #…#"…"#…#; a plain `#` (e.g. #if) is code.
                var hashes = 0
                var probe = index
                while probe < characters.count, characters[probe] == "#" {
                    hashes += 1
                    probe += 1
                }
                guard probe < characters.count, characters[probe] == "\"" else {
                    output.append(characters[index])
                    index += 1
                    continue
                }
                let isMultiline = matches(characters, at: probe, "\"\"\"")
                let quote = isMultiline ? "\"\"\"" : "\""
                let terminator = quote + String(repeating: "#", count: hashes)
                // Blank the opening delimiter.
                let openingLength = hashes + quote.unicodeScalars.count
                for _ in 0..<openingLength {
                    output.append(space)
                    index += 1
                }
                while index < characters.count {
                    if hashes == 0, characters[index] == "\\", index + 1 < characters.count {
                        // An escape can hide a quote.
                        blank(characters[index], into: &output)
                        blank(characters[index + 1], into: &output)
                        index += 2
                        continue
                    }
                    if matches(characters, at: index, terminator) {
                        for _ in terminator.unicodeScalars {
                            output.append(space)
                            index += 1
                        }
                        break
                    }
                    if !isMultiline, characters[index] == newline {
                        break  // unterminated single-line string: stop at the line end
                    }
                    blank(characters[index], into: &output)
                    index += 1
                }
            } else {
                output.append(characters[index])
                index += 1
            }
        }
    }

    private static func scanPython(_ characters: [Unicode.Scalar], into output: inout String.UnicodeScalarView) {
        var index = 0
        while index < characters.count {
            let scalar = characters[index]
            if scalar == "#" {
                while index < characters.count, characters[index] != newline {
                    blank(characters[index], into: &output)
                    index += 1
                }
            } else if scalar == "\"" || scalar == "'" {
                let triple = String(repeating: String(scalar), count: 3)
                let isTriple = matches(characters, at: index, triple)
                let terminator = isTriple ? triple : String(scalar)
                for _ in terminator.unicodeScalars {
                    output.append(space)
                    index += 1
                }
                while index < characters.count {
                    if characters[index] == "\\", index + 1 < characters.count {
                        blank(characters[index], into: &output)
                        blank(characters[index + 1], into: &output)
                        index += 2
                        continue
                    }
                    if matches(characters, at: index, terminator) {
                        for _ in terminator.unicodeScalars {
                            output.append(space)
                            index += 1
                        }
                        break
                    }
                    if !isTriple, characters[index] == newline { break }
                    blank(characters[index], into: &output)
                    index += 1
                }
            } else {
                // String prefixes (r, b, f, u) stay as code: they are letters next to a quote and
                // match no construct.
                output.append(scalar)
                index += 1
            }
        }
    }
}
