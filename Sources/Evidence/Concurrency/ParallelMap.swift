import Foundation

/// Maps independent work over the available cores (Dispatch suits this: a fixed pool as wide as
/// the machine, unlike the swarm, which must own its OS threads).
package enum ParallelMap {
    /// `transform` applied to every element, spread over the cores; results in input order.
    package static func map<Element: Sendable, Result>(_ elements: [Element], _ transform: @Sendable (Int, Element) -> Result) -> [Result] {
        guard elements.count > 1 else { return elements.enumerated().map { transform($0.offset, $0.element) } }
        let count = elements.count
        let workers = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
        let queue = IndexQueue(count: count, workers: workers)
        // Each result is built straight into its slot; every slot is written exactly once, by
        // the one worker the queue handed its index to, and read only after every worker ended.
        return [Result](unsafeUninitializedCapacity: count) { slots, initialized in
            nonisolated(unsafe) let output = slots
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                guard let base = output.baseAddress else { return }
                while let indexes = queue.next() {
                    for index in indexes { (base + index).initialize(to: transform(index, elements[index])) }
                }
            }
            initialized = count
        }
    }
}
