"""GitHub Actions workflow commands (annotations on the pull request diff)."""

from __future__ import annotations

from toolkit.lint.diagnostics import LintReport
from toolkit.lint.render.text import summary

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport) -> str:
    lines = []
    for f in report.findings:
        props = ",".join(
            f"{key}={escape_property(str(value))}"
            for key, value in (
                ("file", f.path),
                ("line", f.line),
                ("col", f.column),
                ("endLine", f.end_line),
                ("endColumn", f.end_column),
                ("title", f"{f.code} {f.name}"),
            )
        )
        lines.append(f"::{_COMMAND[f.level]} {props}::{escape_data(f'{f.message} (hint: {f.hint})')}")
    lines.append(summary(report))
    return "\n".join(lines)
