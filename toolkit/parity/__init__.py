"""Cross-engine parity: fixtures, comparison, the built-in corpus and differential fuzzing."""
