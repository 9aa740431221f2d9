// Placeholder until the Gates target lands; replaced by real sources.
