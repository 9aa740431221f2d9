/// A check on the content of a bundle's records, beyond format and signatures (for example the
/// Gates target's re-derivation of every verdict).
///
/// A policy works in two steps so that large bundles verify on every core and in bounded memory:
/// `inspect` sees each record once, while its statement is at hand (on any core, in any order),
/// and `check` then judges the bundle from what the inspections found and the statements the
/// verifier kept (see `StatementRetention`).
package protocol RecordPolicy: Sendable {
    /// What `inspect` learns from one record.
    associatedtype Inspection: Sendable

    /// Looks at one record; nil when the record does not concern this policy.
    func inspect(_ statement: VerifiedStatement) -> Inspection?

    /// Judges the bundle. `statements` are those the verifier kept, in record order (always the
    /// summary and any reproduction record); `inspections` are in record order, by record index.
    func check(statements: [VerifiedStatement], inspections: RecordInspections<Inspection>) -> [Finding]
}

extension RecordPolicy {
    /// `inspect`, its result type erased so that the verifier can hold the inspections of
    /// policies of different types side by side.
    func erasedInspection(_ statement: VerifiedStatement) -> (any Sendable)? {
        inspect(statement)
    }

    /// `check` over erased inspections, one slot per record, as `erasedInspection` made them.
    func erasedCheck(statements: [VerifiedStatement], inspections: [(any Sendable)?]) -> [Finding] {
        check(statements: statements, inspections: RecordInspections(byRecord: inspections.map { $0 as? Inspection }))
    }
}

/// What a policy's `inspect` returned for each record, in record order: the records it returned
/// nil for are absent.
package struct RecordInspections<Inspection>: Sequence {
    /// One slot per record of the bundle.
    private let byRecord: [Inspection?]

    /// `byRecord[i]` is record i's inspection, nil where there is none.
    package init(byRecord: [Inspection?]) {
        self.byRecord = byRecord
    }

    /// Record `index`'s inspection; nil when there is none (or no such record).
    package subscript(index: Int) -> Inspection? {
        byRecord.indices.contains(index) ? byRecord[index] : nil
    }

    /// The indexes of the records that have an inspection, in order.
    package var indices: [Int] { byRecord.indices.filter { byRecord[$0] != nil } }

    package struct Iterator: IteratorProtocol {
        fileprivate let byRecord: [Inspection?]
        fileprivate var position = 0

        package mutating func next() -> (index: Int, inspection: Inspection)? {
            while position < byRecord.count {
                defer { position += 1 }
                if let inspection = byRecord[position] { return (position, inspection) }
            }
            return nil
        }
    }

    package func makeIterator() -> Iterator { Iterator(byRecord: byRecord) }
}

extension RecordInspections: Sendable where Inspection: Sendable {}

/// Which decoded statements a verification keeps for its caller once every record is checked.
package enum StatementRetention: Sendable {
    /// Every statement, whole: for callers that read gate measurements (replay, report).
    case all
    /// Only the summary and any reproduction record: what archive, binding and reproduction
    /// checks read. A bundle of many records then verifies in memory close to its own size.
    case summaryOnly
}
