import Testing

extension Tag {
    /// Measures real time or parallelism (runs programs, swarms, replays): `make test` runs these
    /// one at a time after the deterministic tests, so that they do not compete for the cores.
    @Tag static var timing: Self
}
