"""`cedar-gates init`: a starter project that passes `check`, `lint` and `test` as written.

The files come from `templates/` (package data) so the documented CI job
(docs/ci.md) and the file `init` writes are one text. Nothing is overwritten
unless asked: a refusal writes nothing at all, so a half-initialised project
never results.
"""

from __future__ import annotations

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


def template_text(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def existing(directory: Path) -> list[str]:
    return [relative for relative, _, _ in FILES if (directory / relative).exists()]


def init_project(directory: Path, force: bool = False) -> list[Written]:
    """Write every starter file under `directory`; without `force`, refuse (writing nothing) if any exists."""
    from toolkit.safeio import AtomicOutput

    if not directory.is_dir():
        raise InputError(str(directory), "not a directory", hint="create it first, or pass an existing directory")
    present = existing(directory)
    if present and not force:
        raise WouldOverwrite(str(directory), f"would overwrite {', '.join(present)}; nothing was written",
                             hint="move those files aside, or pass --force to replace them")
    written = []
    for relative, template, purpose in FILES:
        target = directory / relative
        replaced = target.exists()
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
