import Foundation

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

extension Statistics {
    /// The 0.975 quantile of Student's t with `degreesOfFreedom` (a two-sided 95% interval):
    /// exact to three decimals from the table up to 30, then the first Cornish–Fisher term
    /// z + (z³ + z)/(4·df), which is within 0.002 of the table at 40, 60 and 120.
    static func tQuantile975(degreesOfFreedom df: Int) -> Double? {
        guard df >= 1 else { return nil }
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df <= table.count { return table[df - 1] }
        let z = 1.959964
        return z + (z * z * z + z) / (4 * Double(df))
    }

    /// Sample standard deviation (n − 1 in the denominator); nil below two values.
    static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// Geometric mean of positive ratios with a 95% t-interval computed on their logarithms and
    /// mapped back: exp(m ± t·s/√n). Nil when a ratio is not positive and finite; the bounds are
    /// nil below two ratios (one round has no spread to judge by).
    static func geometricInterval(_ ratios: [Double]) -> (estimate: Double, lower: Double?, upper: Double?, logSD: Double?)? {
        guard !ratios.isEmpty, ratios.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let logs = ratios.map { Foundation.log($0) }
        guard let m = mean(logs) else { return nil }
        guard let s = standardDeviation(logs), let t = tQuantile975(degreesOfFreedom: logs.count - 1) else {
            return (Foundation.exp(m), nil, nil, nil)
        }
        let half = t * s / Double(logs.count).squareRoot()
        return (Foundation.exp(m), Foundation.exp(m - half), Foundation.exp(m + half), s)
    }
}
