"""Findings: what one rule says about one place in one file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

LEVELS = ("error", "warning", "info")
LEVEL_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    level: str
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str
    rule_id: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileReport:
    path: str
    findings: list[Finding]
    fatal: bool
    lines: list[str] | None = None


@dataclass
class LintReport:
    files: list[FileReport]

    @property
    def findings(self) -> list[Finding]:
        return [f for report in self.files for f in report.findings]

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    @property
    def fatal(self) -> bool:
        return any(report.fatal for report in self.files)

    def exit_code(self, strict: bool = False) -> int:
        if self.fatal:
            return 2
        if self.count("error") or (strict and self.count("warning")):
            return 1
        return 0
