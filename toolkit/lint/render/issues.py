"""Lint findings as the shared report records (toolkit.report), for SARIF, GitHub and JUnit."""

from __future__ import annotations

from toolkit.lint.catalogue import all_rules
from toolkit.lint.diagnostics import LintReport
from toolkit.report import Issue, RuleInfo

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS_URI = "https://github.com/cedar-gates/cedar-gates/blob/main/docs/lint-rules.md"


def issues(report: LintReport, strict: bool = False) -> list[Issue]:
    return [
        Issue(code=f.code, level=LEVEL[f.level], path=f.path, line=f.line, column=f.column, message=f.message,
              title=f.name, hint=f.hint, end_line=f.end_line,
              end_column=f.end_column, failing=f.level == "error" or (strict and f.level == "warning"))
        for f in report.findings
    ]


def rules() -> list[RuleInfo]:
    return [
        RuleInfo(code=rule.code, name=rule.name, summary=rule.summary, level=LEVEL[rule.level],
                 help=f"{rule.docs} Fix: {rule.hint}.", help_markdown=f"{rule.docs}\n\n**Fix:** {rule.hint}",
                 help_uri=f"{DOCS_URI}#{rule.code.lower()}-{rule.name}")
        for rule in all_rules()
    ]


def fatal_messages(report: LintReport) -> list[str]:
    """Why the run could not lint everything: one line per unreadable file, for SARIF and stderr."""
    return [f"{f.path}: {f.message}" for file in report.files if file.fatal for f in file.findings
            if f.level == "error"]
