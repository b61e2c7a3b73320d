"""`cedar-gates init`: a starter project that passes `check`, `lint` and `test` as written.

The files come from `templates/` (package data) so the documented CI job
(docs/ci.md) and the file `init` writes are one text. Nothing is overwritten
unless asked: a refusal writes nothing at all, so a half-initialised project
never results. A symbolic link where a file or one of its directories would go
is refused even with --force: following it could write outside the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import InputError

TEMPLATES = Path(__file__).resolve().parent / "templates"

FILES: tuple[tuple[str, str, str], ...] = (
    ("cedar-gates.toml", "cedar-gates.toml", "configuration: what check, lint and test cover"),
    ("blueprints/agent.yaml", "blueprint.yaml", "a starter blueprint with a hard rule, a soft rule and their tests"),
    (".pre-commit-config.yaml", "pre-commit-config.yaml", "pre-commit hooks: lint and test before each commit"),
    (".github/workflows/cedar-gates.yml", "github-workflow.yml",
     "GitHub Actions job: check with SARIF, JUnit and a job summary (docs/ci.md)"),
)
"""(where in the project, template name, what it is for)."""


@dataclass(frozen=True)
class Written:
    path: Path
    relative: str
    purpose: str
    replaced: bool


class WouldOverwrite(InputError):
    """Some of the files exist already; nothing was written."""


class LinkInTheWay(InputError):
    """A starter file or a directory on its way is a symbolic link; nothing was written, --force or not."""


def template_text(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def existing(directory: Path) -> list[str]:
    """Starter files already there; a link counts even when dangling, since writing would follow it."""
    return [relative for relative, _, _ in FILES if os.path.lexists(directory / relative)]


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def link_in_the_way(directory: Path, relative: str) -> tuple[Path, str] | None:
    """The first entry on the way from `directory` to `relative` that could lead a write elsewhere, and why.

    Every existing component below `directory` must be a plain entry whose real path stays inside it; the
    first component that does not exist yet ends the walk (mkdir and the write create plain entries).
    """
    top = os.path.realpath(directory)
    here = directory
    for part in Path(relative).parts:
        here = here / part
        if os.path.islink(here):
            return here, f"is a symbolic link (to {os.readlink(here)})"
        if not os.path.lexists(here):
            return None
        if not _inside(os.path.realpath(here), top):
            return here, f"resolves outside {directory} (to {os.path.realpath(here)})"
    return None


def links_in_the_way(directory: Path) -> list[tuple[Path, str]]:
    found: dict[Path, str] = {}
    for relative, _, _ in FILES:
        hit = link_in_the_way(directory, relative)
        if hit is not None:
            found.setdefault(*hit)
    return list(found.items())


def init_project(directory: Path, force: bool = False) -> list[Written]:
    """Write every starter file under `directory`; without `force`, refuse (writing nothing) if any exists."""
    from toolkit.safeio import AtomicOutput

    if not directory.is_dir():
        raise InputError(str(directory), "not a directory", hint="create it first, or pass an existing directory")
    links = links_in_the_way(directory)
    if links:
        (first, why), *more = links
        also = f"; also {', '.join(f'{p} {w}' for p, w in more)}" if more else ""
        raise LinkInTheWay(str(first), f"{why}{also}; init writes only inside the project and does not follow "
                           "links, even with --force; nothing was written",
                           hint="remove the link or replace it with a real file or directory, then run init again")
    present = existing(directory)
    if present and not force:
        raise WouldOverwrite(str(directory), f"would overwrite {', '.join(present)}; nothing was written",
                             hint="move those files aside, or pass --force to replace them")
    written = []
    for relative, template, purpose in FILES:
        target = directory / relative
        replaced = os.path.lexists(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with AtomicOutput(target) as handle:
                handle.write(template_text(template))
        except OSError as exc:
            raise InputError(str(target), f"cannot write: {exc.strerror or exc}",
                             hint="check the directory's permissions") from None
        written.append(Written(target, relative, purpose, replaced))
    return written


def repository_top(directory: Path) -> Path | None:
    """The nearest directory at or above `directory` holding `.git` (GitHub reads workflows only there)."""
    directory = directory.resolve()
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
