import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: the report must parse with a strict XML parser, so tests read it as a tree.
final class ParsedElement {
    let name: String
    let attributes: [String: String]
    var children: [ParsedElement] = []
    var text = ""
    weak var parent: ParsedElement?

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This node and every node below it, in document order.
    var all: [ParsedElement] { [self] + children.flatMap(\.all) }

    /// All text below this node.
    var allText: String { text + children.map(\.allText).joined() }

    func descendants(_ name: String) -> [ParsedElement] { all.filter { $0.name == name } }

    func element(id: String) -> ParsedElement? { all.first { $0.attributes["id"] == id } }
}

/// Parses with Foundation's XMLParser (libxml2): any unclosed tag, unquoted attribute, stray `<`
/// or undefined entity makes it fail.
final class XMLTree: NSObject, XMLParserDelegate {
    private var stack: [ParsedElement] = []
    private(set) var root: ParsedElement?
    private(set) var error: String?

    static func parse(_ text: String) -> (root: ParsedElement?, error: String?) {
        let tree = XMLTree()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = tree
        let ok = parser.parse()
        if !ok {
            return (nil, tree.error ?? parser.parserError.map { "\($0)" } ?? "unknown error at line \(parser.lineNumber)")
        }
        return (tree.root, nil)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes attributeDict: [String: String] = [:]) {
        let node = ParsedElement(name: elementName, attributes: attributeDict)
        node.parent = stack.last
        stack.last?.children.append(node)
        if root == nil { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        error = "line \(parser.lineNumber), column \(parser.columnNumber): \(parseError)"
    }
}
