"""Use cases: one function each, explicit arguments, each owns its transaction."""
