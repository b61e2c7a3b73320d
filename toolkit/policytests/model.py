"""Policy tests as loaded: each test with the place its entry starts, each suite with its blueprint."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

OUTCOMES = ("allow", "deny", "require_approval")


@dataclass(frozen=True)
class PolicyTest:
    name: str
    tool: str
    tool_input: Mapping[str, Any]
    task: Mapping[str, Any]
    expect: str
    rules: tuple[str, ...] | None
    path: str
    line: int
    column: int
    shadow: tuple[str, ...] | None = None
    """The exact set of log-only rules the call must match; None leaves them unchecked."""


@dataclass(frozen=True)
class SuiteProblem:
    """An entry or file the runner cannot use (exit 2): where, what, how to fix."""

    path: str
    line: int
    column: int
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass
class Suite:
    """The tests of one file and the blueprint they test (None: the built-in tiers alone)."""

    path: Path
    display: str
    blueprint: Path | None
    tests: list[PolicyTest] = field(default_factory=list)
    problems: list[SuiteProblem] = field(default_factory=list)
    loaded: Any = None
    """The blueprint itself when it was read from stdin (there is no file to load it from again)."""
