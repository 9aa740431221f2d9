/// Small, exact statistics used by the criteria. Kept here so that the run and the verifier's
/// re-derivation compute the same figures from the same numbers.
enum Statistics {
    /// The median; the mean of the two middle values for an even count; nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Karp–Flatt experimentally determined serial fraction e = (1/S − 1/k) / (1 − 1/k).
    static func karpFlatt(speedup: Double, workers: Int) -> Double? {
        guard workers > 1, speedup > 0 else { return nil }
        let k = Double(workers)
        return (1 / speedup - 1 / k) / (1 - 1 / k)
    }
}
