"""GitHub Actions workflow commands (annotations on the pull request diff), then the summary line."""

from __future__ import annotations

from toolkit.lint.diagnostics import LintReport
from toolkit.lint.render.issues import issues
from toolkit.lint.render.text import summary
from toolkit.report import github
from toolkit.report.github import escape_data, escape_property

__all__ = ["escape_data", "escape_property", "render"]


def render(report: LintReport, strict: bool = False) -> str:
    return github.render(issues(report, strict), summary(report))
