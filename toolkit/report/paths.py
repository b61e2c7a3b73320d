"""Repository-relative paths for reports: SARIF uris (percent-encoded) and GitHub annotation files."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

STDIN_NAMES = frozenset({"-", "<stdin>"})
STDIN_URI = "stdin"
"""A finding in text read from stdin has no file; SARIF gets this relative uri and a description saying so."""


def repository_root(start: Path) -> Path:
    """The nearest directory holding `.git`, from `start` upward (else `start`): what code scanning resolves against."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def is_stdin(path: str) -> bool:
    return path in STDIN_NAMES


def relative_to_root(path: str, root: Path, cwd: Path | None = None) -> str | None:
    """`path` (as a command shows it, relative to `cwd`) relative to `root` in POSIX form, or None outside it."""
    absolute = Path(os.path.normpath((cwd or Path.cwd()) / path))
    for candidate in (absolute, absolute.resolve()):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def artifact_location(path: str, root: Path, cwd: Path | None = None) -> dict[str, object]:
    """A SARIF artifactLocation: a percent-encoded uri relative to %SRCROOT%, else an absolute file: uri."""
    if is_stdin(path):
        return {"uri": STDIN_URI, "description": {"text": "text read from standard input (no file)"}}
    relative = relative_to_root(path, root, cwd)
    if relative is not None:
        return {"uri": quote(relative, safe="/"), "uriBaseId": "%SRCROOT%"}
    return {"uri": Path(os.path.normpath((cwd or Path.cwd()) / path)).as_uri()}


def annotation_path(path: str, root: Path, cwd: Path | None = None) -> str | None:
    """The file a GitHub annotation names: repository-relative like SARIF's; None for stdin (no file to mark)."""
    if is_stdin(path):
        return None
    relative = relative_to_root(path, root, cwd)
    return relative if relative is not None else os.path.normpath((cwd or Path.cwd()) / path)
