import Foundation
import Testing
@testable import Evidence

/// Records which worker saw which index, from any thread.
private final class Visits: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int]
    /// Per worker (its context's number), the indexes in the order it was given them.
    private var byWorker: [Int: [Int]] = [:]

    init(count: Int) { counts = Array(repeating: 0, count: count) }

    func visit(_ index: Int, worker: Int) {
        lock.lock()
        defer { lock.unlock() }
        counts[index] += 1
        byWorker[worker, default: []].append(index)
    }

    var all: (counts: [Int], byWorker: [Int: [Int]]) {
        lock.lock()
        defer { lock.unlock() }
        return (counts, byWorker)
    }
}

@Suite("Spreading work over the cores")
struct ParallelMapTests {
    @Test("the queue hands out every index exactly once, in runs of consecutive indexes, to workers asking at once",
          arguments: [0, 1, 2, 17, 1_000, 10_001])
    func queueCoversEveryIndexOnce(count: Int) {
        let queue = IndexQueue(count: count, workers: 2)
        let visits = Visits(count: count)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            while let run = queue.next() {
                #expect(run.count >= 1 && run.count <= queue.run)
                for index in run { visits.visit(index, worker: worker) }
            }
        }
        #expect(visits.all.counts.allSatisfy { $0 == 1 })
        #expect(queue.next() == nil)
    }

    @Test("no run takes more than half of one worker's share of what is left, so workers end within one index of each other",
          arguments: [2, 16])
    func runsShrinkAtTheEnd(workers: Int) {
        let count = 10_000
        let queue = IndexQueue(count: count, workers: workers)
        var handedOut = 0
        var lengths: [Int] = []
        while let run = queue.next() {
            #expect(run.lowerBound == handedOut)
            let left = count - handedOut
            #expect(run.count >= 1 && run.count <= max(1, left / (2 * workers)), "with \(left) left")
            handedOut = run.upperBound
            lengths.append(run.count)
        }
        #expect(handedOut == count)
        #expect(lengths.suffix(2 * workers).allSatisfy { $0 == 1 })
    }

    @Test("map returns every result in input order", arguments: [0, 1, 2, 17, 10_001])
    func mapKeepsOrder(count: Int) {
        let input = Array(0..<count)
        #expect(ParallelMap.map(input) { index, element in (index, element * 3) }.map { $0.0 } == input)
        #expect(ParallelMap.map(input) { _, element in element * 3 } == input.map { $0 * 3 })
    }
}
