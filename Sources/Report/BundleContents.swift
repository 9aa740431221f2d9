import Foundation
import Evidence
import Gates

/// The parts of a bundle's statements a report draws, decoded leniently: a tampered or foreign
/// bundle still renders, with a note where a part cannot be read.
struct BundleContents {
    struct GateEntry {
        var number: Int
        var title: String
        var status: String
        var summary: String
        var predicate: JSONValue

        func decode<T: Decodable>(_ field: String, as type: T.Type) -> T? {
            predicate[field].flatMap { try? $0.decode(T.self) }
        }
    }

    var gates: [GateEntry] = []
    var summary: JSONValue?
    var scaling: Scaling.Record?
    /// Why a scaling record could not be read, when there is one.
    var scalingProblem: String?

    init(_ statements: [VerifiedStatement]) {
        for statement in statements {
            switch statement.predicateType {
            case PredicateType.gate:
                let predicate = statement.predicate
                gates.append(GateEntry(
                    number: predicate["gate"]?["number"]?.intValue ?? 0,
                    title: predicate["gate"]?["title"]?.stringValue ?? predicate["gate"]?["name"]?.stringValue ?? "unknown gate",
                    status: predicate["result"]?["status"]?.stringValue ?? "unknown",
                    summary: predicate["result"]?["summary"]?.stringValue ?? "",
                    predicate: predicate))
            case PredicateType.summary:
                summary = statement.predicate
            case PredicateType.scaling:
                do {
                    scaling = try statement.predicate.decode(Scaling.Record.self)
                } catch {
                    scalingProblem = "\(error)"
                }
            default:
                break
            }
        }
        gates.sort { $0.number < $1.number }
    }

    func gate(_ kind: GateKind) -> GateEntry? { gates.first { $0.number == kind.rawValue } }

    /// The summary's machine and git state, or the first record's.
    var system: JSONValue? { summary?["system"] ?? gates.first?.predicate["system"] }
    var git: JSONValue? { summary?["git"] ?? gates.first?.predicate["git"] }
    var gitUnavailable: JSONValue? { summary?["gitUnavailable"] ?? gates.first?.predicate["gitUnavailable"] }
    var commit: String? { git?["commit"]?.stringValue }
    var branch: String? { git?["branch"]?.stringValue }
    var sealedAt: String? { summary?["finishedAt"]?.stringValue }
}
