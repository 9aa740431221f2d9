// Placeholder until the Evidence target lands; replaced by real sources.
