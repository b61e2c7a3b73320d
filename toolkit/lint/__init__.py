"""The blueprint linter: a catalogue of rules, a runner and renderers."""
