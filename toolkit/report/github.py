"""GitHub Actions workflow commands: annotations on the pull request, at repository-relative paths."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from toolkit.report.model import Issue
from toolkit.report.paths import annotation_path, repository_root

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(issue: Issue, root: Path) -> str:
    """One `::error file=...,line=...::message` line; text from stdin gets no `file` (nothing to mark)."""
    path = annotation_path(issue.path, root)
    props: list[tuple[str, object]] = []
    if path is not None:
        props += [("file", path), ("line", max(1, issue.line)), ("col", max(1, issue.column))]
        if issue.end_line:
            props.append(("endLine", issue.end_line))
        if issue.end_column and (issue.end_line or issue.line) == issue.line:
            props.append(("endColumn", issue.end_column))
    title = f"{issue.code} {issue.title}".strip()
    props.append(("title", title))
    where = "" if path is not None else "stdin: "
    hint = f" (hint: {issue.hint})" if issue.hint else ""
    body = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{_COMMAND[issue.level]} {body}::{escape_data(where + issue.message + hint)}"


def render(issues: Iterable[Issue], summary: str, root: Path | None = None) -> str:
    """Every annotation, then the summary line as plain log text."""
    root = root or repository_root(Path.cwd())
    return "\n".join([*(annotation(issue, root) for issue in issues), summary])
