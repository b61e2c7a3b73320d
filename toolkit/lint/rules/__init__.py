"""Lint rule families, one module each."""
