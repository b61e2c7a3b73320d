"""JUnit XML: a test case per linted file, a failure per finding that fails the run."""

from __future__ import annotations

from toolkit.lint.diagnostics import LintReport
from toolkit.lint.render.issues import issues
from toolkit.report import Case, junit


def cases(report: LintReport, strict: bool = False, suite: str = "lint") -> list[Case]:
    """A clean file is one passing case; each finding is its own case, failing when it fails the run."""
    found: dict[str, list] = {}
    for issue in issues(report, strict):
        found.setdefault(issue.path, []).append(issue)
    out: list[Case] = []
    for file in report.files:
        mine = found.pop(file.path, [])
        if not mine:
            out.append(Case(suite, file.path, "no findings"))
        out.extend(_case(issue, suite) for issue in mine)
    for rest in found.values():
        out.extend(_case(issue, suite) for issue in rest)
    return out


def _case(issue, suite: str) -> Case:
    where = f"{issue.path}:{issue.line}:{issue.column}"
    text = f"{where}: {issue.code} {issue.level}: {issue.message}\nhint: {issue.hint}"
    name = f"{issue.code} {issue.title} at line {issue.line}"
    if issue.failing:
        return Case(suite, issue.path, name, failure=f"{issue.code}: {issue.message}", detail=text)
    return Case(suite, issue.path, name, output=text)


def render(report: LintReport, strict: bool = False) -> str:
    return junit.render(cases(report, strict), "cedar-gates lint")
