import ArgumentParser
import Gates

/// `--gates 1,2,4` (numbers or names): each gate once, in gate order.
struct GateList: ExpressibleByArgument {
    var gates: [GateKind]

    init?(argument: String) { try? self.init(parsing: argument) }

    /// Throws a sentence with a hint (used as the option's transform, so a bad list says why).
    init(parsing argument: String) throws {
        var parsed: [GateKind] = []
        for item in argument.split(separator: ",") {
            guard let gate = GateKind(argument: String(item)) else {
                throw ValidationError("unknown gate '\(item)'\nhint: use numbers 1-5 or the names \(GateKind.allCases.map(\.name).joined(separator: ", "))")
            }
            if !parsed.contains(gate) { parsed.append(gate) }
        }
        gates = parsed.sorted()
    }
}

/// `--scaling 1,2,4,8`: worker counts (their range is checked with the rest of the configuration).
struct WorkerCounts: ExpressibleByArgument {
    var counts: [Int]

    init?(argument: String) { try? self.init(parsing: argument) }

    init(parsing argument: String) throws {
        counts = try argument.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let count = Int(item.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--scaling takes worker counts separated by commas, got '\(argument)'\nhint: give whole numbers from 1 to 256, e.g. --scaling 1,2,4,8")
            }
            return count
        }
    }
}

/// `--sample-seconds D3,D4`: gate 3's and gate 4's sampling seconds.
struct SampleSeconds: ExpressibleByArgument {
    var threads: Double
    var cpu: Double

    init?(argument: String) { try? self.init(parsing: argument) }

    init(parsing argument: String) throws {
        let parts = argument.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let threads = parts[0], let cpu = parts[1] else {
            throw ValidationError("--sample-seconds takes two numbers, got '\(argument)'\nhint: give D3,D4 in seconds, e.g. --sample-seconds 30,60")
        }
        (self.threads, self.cpu) = (threads, cpu)
    }

    init(threads: Double, cpu: Double) {
        (self.threads, self.cpu) = (threads, cpu)
    }

    var defaultValueDescription: String { "\(Int(threads)),\(Int(cpu))" }
}
