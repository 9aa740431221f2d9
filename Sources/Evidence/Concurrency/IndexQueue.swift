import Foundation

/// Hands out 0..<count in short runs of consecutive indexes to workers, one per core, each
/// taking the next run when it finishes one: the workers end within about one run of each other
/// however unevenly another process slows them (fixed slices, one per worker, do not).
final class IndexQueue: @unchecked Sendable {
    /// Guards `nextIndex`, the only mutable state.
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private let workers: Int
    /// Indexes per run: at least 64 runs per worker, so that taking the lock costs nothing
    /// beside the work, and at most 16, so that workers end close together.
    let run: Int

    init(count: Int, workers: Int) {
        self.count = count
        self.workers = max(1, workers)
        run = max(1, min(16, count / max(1, self.workers * 64)))
    }

    /// The next run of indexes, nil once every index has been handed out. Near the end runs
    /// shrink to half of each worker's share of what is left, down to one index.
    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        let start = nextIndex
        let length = max(1, min(run, (count - start) / (2 * workers)))
        nextIndex = start + length
        return start..<nextIndex
    }
}
