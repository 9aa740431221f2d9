// Placeholder until the SwarmRuntime target lands; replaced by real sources.
