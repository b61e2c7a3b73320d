"""`init`: write a starter configuration, blueprint with tests, pre-commit entry and CI workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.cli.app import app, input_errors_exit_2


@app.command()
@input_errors_exit_2
def init(
    directory: Optional[Path] = typer.Argument(None, metavar="DIR", help="The project's top directory. "
                                               "Default: the working directory.", show_default=False),
    force: bool = typer.Option(False, "--force", help="Replace files that already exist."),
) -> None:
    """Start a project: cedar-gates.toml, blueprints/agent.yaml (with tests), .pre-commit-config.yaml and
    .github/workflows/cedar-gates.yml, each of which passes as written.

    Existing files are never replaced without --force: if any exists, nothing is written. Lists what it wrote.
    Exit 0 written, 2 refused or not writable.
    """
    from toolkit.scaffold import init_project, repository_top

    target = (directory or Path.cwd())
    written = init_project(target, force)
    for item in written:
        typer.echo(f"{'replaced' if item.replaced else 'wrote':<8} {item.relative:<36} {item.purpose}")
    top = repository_top(target)
    if top is None:
        typer.echo("note: not in a git repository; `git init` here so check finds the project root and CI runs",
                   err=True)
    elif top != target.resolve():
        typer.echo(f"note: the git repository's top is {top}; GitHub runs workflows only from there", err=True)
    typer.echo("next: cedar-gates check   (then edit blueprints/agent.yaml; `cedar-gates rule` lists lint codes)")
