"""cedar-gates: lint, parity-check, run and replay Cedar approval gates for agent tool calls."""

__version__ = "0.1.0"
