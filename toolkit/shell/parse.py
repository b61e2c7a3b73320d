"""Bash text → the simple commands it would run, using the tree-sitter Bash grammar.

The analysis is split by concern: toolkit.shell.grammar (loading the grammar),
toolkit.shell.walker (statements and commands), toolkit.shell.expand and
toolkit.shell.words (how words are rebuilt), toolkit.shell.nesting (wrappers
and nested shells). This module holds the entry point.
"""

from __future__ import annotations

from toolkit.shell.grammar import new_parser
from toolkit.shell.model import Analysis
from toolkit.shell.walker import MAX_COMMANDS, MAX_DEPTH, Run, Walker

_Walker = Walker
"""The walker class under its former name (tests patch it to simulate an internal failure)."""

__all__ = ["MAX_COMMANDS", "MAX_DEPTH", "ShellAnalyser"]


class ShellAnalyser:
    """Holds one tree-sitter parser; analyse() is pure and never raises."""

    def __init__(self) -> None:
        self._parser = new_parser()

    def analyse(self, command: str) -> Analysis:
        run = Run(self._parser)
        try:
            Walker(run, 0).script(command)
        except Exception as exc:  # noqa: BLE001 - an analysis failure must gate the call, never break it
            run.unknown(command)
            return Analysis(tuple(run.commands), False, type(exc).__name__)
        return Analysis(tuple(run.commands), run.complete)
