"""The records the shared renderers take: findings at a place, rule descriptions, test cases."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("error", "warning", "note")


@dataclass(frozen=True)
class Issue:
    """One finding at a place in a file (`path` as the command shows it; `-` or `<stdin>` for stdin).

    `failing` says whether it makes the run fail (an error, or a warning under --strict); JUnit
    counts only those as failures.
    """

    code: str
    level: str
    path: str
    line: int
    column: int
    message: str
    title: str = ""
    hint: str = ""
    end_line: int | None = None
    end_column: int | None = None
    failing: bool = True

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level {self.level!r} is not one of {', '.join(LEVELS)}")


@dataclass(frozen=True)
class RuleInfo:
    """What a SARIF viewer shows for a code: its name, a summary, help text and a link."""

    code: str
    name: str
    summary: str
    level: str = "error"
    help: str = ""
    help_markdown: str = ""
    help_uri: str = ""


@dataclass(frozen=True)
class Case:
    """One JUnit test case; `failure`, `error` and `skipped` are messages (None when it passed)."""

    suite: str
    classname: str
    name: str
    failure: str | None = None
    error: str | None = None
    skipped: str | None = None
    detail: str = ""
    output: str = ""
    time_s: float | None = None
