"""Drift findings and how they are shown: text, JSON, JUnit, GitHub workflow commands, SARIF."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

CODES: dict[str, tuple[str, str]] = {
    "CG202": ("literal-redeclared", "a consumer that must derive a contract value assigns a literal instead"),
    "CG203": ("mirror-mismatch", "a mirrored literal differs from the contract value"),
    "CG204": ("unused-contract-key", "no consumer defines the name that owns this contract key"),
    "CG301": ("missing-export", "the canonical file exports a name the mirror does not"),
    "CG302": ("extra-export", "the mirror exports a name the canonical file does not"),
    "CG303": ("kind-mismatch", "the same name is declared as different kinds (interface, type, const, enum)"),
    "CG304": ("member-missing", "an interface member of the canonical side is missing from the mirror"),
    "CG305": ("member-extra", "the mirror's interface has a member the canonical side does not"),
    "CG306": ("optional-differs", "an interface member is optional on one side only"),
    "CG307": ("readonly-differs", "an interface member is readonly on one side only"),
    "CG308": ("type-differs", "a member's or alias's type differs structurally"),
    "CG309": ("value-differs", "an exported const has a different value"),
    "CG310": ("enum-differs", "enum members or their values differ"),
    "CG311": ("unresolvable-export", "an export could not be resolved to a declaration"),
}
"""Stable codes: CG2xx for constants sync, CG3xx for types sync (CG0xx are lint rules)."""


@dataclass(frozen=True)
class SyncFinding:
    code: str
    level: str
    path: str
    line: int
    column: int
    name: str
    message: str
    fix: str

    def __post_init__(self) -> None:
        from pathlib import Path

        from toolkit.blueprint.source import display_path

        object.__setattr__(self, "path", display_path(Path(self.path)))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rule": CODES[self.code][0]}


@dataclass
class SyncReport:
    check: str
    findings: list[SyncFinding] = field(default_factory=list)
    files: int = 0
    node_s: float | None = None
    total_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if any(f.level == "error" for f in self.findings) else 0

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (f.path, f.line, f.column, f.code, f.name))


def render_text(report: SyncReport) -> str:
    lines = []
    for f in report.findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.level}: {f.message} [{CODES[f.code][0]}]")
        lines.append(f"  fix: {f.fix}")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: SyncReport) -> str:
    errors = sum(1 for f in report.findings if f.level == "error")
    warnings = len(report.findings) - errors
    verdict = "in sync" if not report.findings else f"{errors} error(s), {warnings} warning(s)"
    return f"sync {report.check}: {report.files} file(s) checked, {verdict}"


def render_json(report: SyncReport) -> str:
    return json.dumps({"check": report.check, "files": report.files, "exit_code": report.exit_code,
                       "findings": [f.to_dict() for f in report.findings]}, indent=2, ensure_ascii=False)


SYNC_DOCS = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/sync.md"


def issues(report: SyncReport) -> list:
    from toolkit.report import Issue

    return [Issue(f.code, "error" if f.level == "error" else "warning", f.path, f.line, f.column, f.message,
                  CODES[f.code][0], f.fix, failing=f.level == "error") for f in report.findings]


def rules() -> list:
    from toolkit.report import RuleInfo

    return [RuleInfo(code, name, summary, "warning" if code == "CG204" else "error", help_uri=SYNC_DOCS)
            for code, (name, summary) in CODES.items()]


def render_github(report: SyncReport) -> str:
    from toolkit.report import github

    return github.render(issues(report), summary_line(report))


def render_sarif(report: SyncReport) -> str:
    from toolkit import __version__
    from toolkit.report import sarif

    return sarif.render(issues(report), rules(), tool=f"cedar-gates sync {report.check}", version=__version__,
                        information_uri=SYNC_DOCS, exit_code=report.exit_code, successful=True)


def render_junit(report: SyncReport) -> str:
    """A failure per drift error; warnings are passing cases with the finding as output."""
    from toolkit.report import Case, junit

    suite = f"sync {report.check}"
    cases = [Case(suite, i.path, f"{i.code} {i.title} at line {i.line}",
                  failure=f"{i.code}: {i.message}" if i.failing else None,
                  detail=f"{i.path}:{i.line}:{i.column}: {i.message}\nfix: {i.hint}",
                  output="" if i.failing else f"{i.path}:{i.line}:{i.column}: {i.message}") for i in issues(report)]
    if not cases:
        cases = [Case(suite, suite, f"{report.files} file(s) in sync")]
    return junit.render(cases, f"cedar-gates sync {report.check}")


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "github": render_github,
             "sarif": render_sarif}
