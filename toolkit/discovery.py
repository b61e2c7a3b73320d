"""Which of the repository's files `check`, `lint` and `test` cover when no path is given.

The configuration's `blueprints` and `[test] files` win when present. Without
them the files are found by name under the root (the configuration file's
directory, else the git repository's top, else the working directory), so a
newcomer's own blueprint is what gets checked, never a bundled example by
accident. Vendored and generated trees are not searched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.config import Config
from toolkit.errors import InputError

BLUEPRINT_PATTERNS = ("blueprints/**/*.yaml", "blueprints/**/*.yml", "**/*.blueprint.yaml", "**/*.blueprint.yml")
TEST_PATTERNS = ("**/*.tests.yaml", "**/*.tests.yml")
TEST_SUFFIXES = (".tests.yaml", ".tests.yml")
YAML_SUFFIXES = (".yaml", ".yml")
SKIPPED_DIRS = frozenset({
    "node_modules", "venv", "env", "site-packages", "__pycache__", "build", "dist", "target", "vendor",
})
"""Never searched, with every directory whose name starts with a dot (.git, .venv, .tox, .github, ...)."""
MAX_ENTRIES = 200_000
"""A search that meets more files than this stops and says so, instead of walking a whole disk."""


class TooManyFiles(InputError):
    """The root holds more files than discovery reads; configure the paths instead."""


class UnreadableDirectory(InputError):
    """A directory under the root could not be listed: what it holds would go unchecked, so nothing passes."""


@dataclass(frozen=True)
class Selection:
    """Files to check and how they were chosen, so every summary can say what it covered."""

    paths: tuple[Path, ...]
    origin: str
    """`configured` (named by the configuration), `discovered` or `example` (the bundled one)."""
    root: Path
    patterns: tuple[str, ...] = ()
    config: Path | None = None

    def how(self) -> str:
        """A few words for a summary line: where these files came from."""
        if self.origin == "configured":
            return f"configured in {_shown(self.config) if self.config else 'the configuration'}"
        if self.origin == "discovered":
            return f"found under {_shown(self.root)}"
        return "the bundled example" if self.origin == "example" else self.origin

    def names(self, limit: int = 3) -> str:
        shown = [_shown(p) for p in self.paths[:limit]]
        more = len(self.paths) - limit
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _shown(path: Path) -> str:
    """Relative to the working directory when inside it (`.` for the directory itself), else as it is."""
    real, cwd = os.path.realpath(path), os.path.realpath(os.getcwd())
    if real == cwd:
        return "."
    if real.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(real, cwd)).as_posix()
    return str(path)


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def is_discoverable_blueprint(relative: Path) -> bool:
    """A repository-relative path that the default blueprint patterns match."""
    name = relative.name
    if not name.endswith(YAML_SUFFIXES) or is_test_file(relative):
        return False
    return name.endswith((".blueprint.yaml", ".blueprint.yml")) or "blueprints" in relative.parts[:-1]


def search_root(config: Config) -> Path:
    """The configuration file's directory; without one, the top of the git repository holding the working
    directory; outside any repository, the working directory itself."""
    if config.source is not None:
        return config.source.parent.resolve()
    start = config.root.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_DIRS


def walk(root: Path) -> list[Path]:
    """Every file under `root` outside the skipped directories, sorted; symlinked directories are not followed.

    A directory that cannot be listed is an error naming it (every one met), never a silent gap.
    """
    found: list[Path] = []
    failures: list[OSError] = []
    seen = 0
    for folder, dirs, files in os.walk(root, onerror=failures.append):
        dirs[:] = sorted(d for d in dirs if not skipped(d))
        seen += len(files) + len(dirs)
        if seen > MAX_ENTRIES:
            raise TooManyFiles(str(root), f"more than {MAX_ENTRIES:,} files to search for blueprints and tests",
                               hint="list `blueprints` and `[test] files` in the configuration, or pass paths")
        found.extend(Path(folder, name) for name in files)
    if failures:
        raise _unreadable(root, failures)
    return sorted(found)


def _unreadable(root: Path, failures: list[OSError]) -> UnreadableDirectory:
    def one(exc: OSError) -> str:
        return f"{exc.filename or root}: {exc.strerror or exc}"

    first, *more = failures
    also = f"; also {'; '.join(one(e) for e in more[:4])}" if more else ""
    also += f" and {len(more) - 4} more" if len(more) > 4 else ""
    return UnreadableDirectory(str(first.filename or root),
                               f"cannot read this directory ({first.strerror or first}){also}, so the blueprints "
                               "and tests in it would go unchecked",
                               hint="make it readable, or list `blueprints` and `[test] files` in the "
                               "configuration (or pass paths) so discovery does not search there")


def discover_blueprints(root: Path) -> list[Path]:
    return [p for p in walk(root) if is_discoverable_blueprint(p.relative_to(root))]


def discover_test_files(root: Path) -> list[Path]:
    return [p for p in walk(root) if is_test_file(p)]


def blueprint_selection(config: Config) -> Selection:
    """The configured blueprints (`blueprints = []` means none, on purpose), else the discovered ones."""
    root = search_root(config)
    if config.blueprints_configured:
        return Selection(tuple(config.blueprints), "configured", root, config=config.source)
    return Selection(tuple(discover_blueprints(root)), "discovered", root, BLUEPRINT_PATTERNS, config.source)


def example_selection(config: Config) -> Selection:
    from toolkit.resources import example_blueprint_path

    return Selection((example_blueprint_path(),), "example", search_root(config))


def nothing_found(kind: str, selection: Selection) -> str:
    """The message for a command that found nothing to check, with the ways to give it something."""
    if selection.origin == "configured":
        where = f"{_shown(selection.config) if selection.config else 'the configuration'} lists none"
    else:
        where = f"none under {_shown(selection.root)} match {', '.join(selection.patterns)}"
    return (f"no {kind} to check: {where}. Pass paths, list them in the configuration (docs/configuration.md), "
            "run `cedar-gates init` to start one, or add --example to check the bundled example")
