"""Shell-aware analysis of Bash commands for the gates (tree-sitter Bash grammar)."""

from __future__ import annotations

from toolkit.shell.model import Analysis, SimpleCommand, Word
from toolkit.shell.parse import ShellAnalyser

__all__ = ["Analysis", "ShellAnalyser", "SimpleCommand", "Word"]
