"""SARIF 2.1.0 for code-scanning dashboards (toolkit.report.sarif with the lint catalogue as rules)."""

from __future__ import annotations

from toolkit import __version__
from toolkit.lint.diagnostics import LintReport
from toolkit.lint.render.issues import DOCS_URI, fatal_messages, issues, rules
from toolkit.report import sarif


def render(report: LintReport, strict: bool = False) -> str:
    return sarif.render(issues(report, strict), rules(), tool="cedar-gates", version=__version__,
                        information_uri=DOCS_URI, exit_code=report.exit_code(strict), successful=not report.fatal,
                        notifications=fatal_messages(report))
