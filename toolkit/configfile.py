"""Where the configuration is: the nearest cedar-gates.toml, or a pyproject.toml that mentions cedar-gates.

Kept free of TOML parsing and schema validation, so a process that usually
finds no configuration (a hook in a project without one) pays nothing for them.
"""

from __future__ import annotations

from pathlib import Path


def candidate(start: Path) -> Path | None:
    """The configuration file to read, searching from `start` up to the repository root.

    A pyproject.toml is a candidate only when its text mentions `cedar-gates`;
    whether it really holds the table is for the TOML reader to say.
    """
    for directory in [start, *start.parents]:
        toml = directory / "cedar-gates.toml"
        if toml.is_file():
            return toml
        pyproject = directory / "pyproject.toml"
        try:
            if pyproject.is_file() and b"cedar-gates" in pyproject.read_bytes():
                return pyproject
        except OSError:
            return pyproject
        if (directory / ".git").exists():
            return None
    return None
