"""`check`: every configured gate in one run, rendered as one summary."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    app,
    colour,
    config_from,
    emit,
    input_errors_exit_2,
)
from toolkit.cli.options import REPORT_FORMATS, OutputOption, format_option, formats, print_to_output, to_stdout

CheckFormat = formats("CheckFormat", *REPORT_FORMATS)


@app.command()
@input_errors_exit_2
def check(
    ctx: typer.Context,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as failures."),
    output_format: CheckFormat = format_option(CheckFormat),  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
    example: bool = typer.Option(False, "--example", help="Check the bundled example blueprint and the built-in "
                                 "tiers' tests instead of the project's files (a demonstration)."),
) -> None:
    """Run every configured gate and print a summary (the main CI/pre-commit job).

    Gates: lint (the built-in tiers and the project's blueprints) and parity (the configured fixtures, plus the
    built-in tiers and blueprints over the tool-call corpus, in cedarpy and cedar-wasm), test (the project's
    policy tests in both engines; SKIP when there are none), simulate when `[simulate] traces` are configured
    (each trace's expectations and its `<name>.expected.jsonl` baseline), and sync-constants / sync-types when
    [sync] configures them.

    The project's blueprints are `blueprints` in the configuration, else every blueprints/**/*.yaml and
    **/*.blueprint.yaml under the configuration's directory or the git repository; its tests are [test] files,
    else every *.tests.yaml there and the blueprints' own `tests:` (docs/configuration.md). Finding no blueprint
    is an error (exit 2), not a pass. Exit 0 when every gate passes, 1 when one fails, 2 on unusable input, no
    blueprints, or a runner that cannot start.
    """
    import json

    from toolkit.check import run_check
    from toolkit.lint.diagnostics import LintReport
    from toolkit.lint.render.text import render as render_text
    from toolkit.parity.harness import ParityReport
    from toolkit.parity.render import render_text as render_parity
    from toolkit.simulate.render import render_text as render_replay
    from toolkit.sync.findings import SyncReport
    from toolkit.sync.findings import render_text as render_sync

    results = run_check(config_from(config), strict, example=example)
    worst = max(r.exit_code for r in results)
    if output_format.value in ("junit", "github", "sarif"):
        _ci_report(results, output_format.value, strict, worst, output)
    if output_format.value == "json":
        emit(json.dumps({
            "gates": [{"name": r.name, "exit_code": r.exit_code, "skipped": r.skipped, "detail": r.detail,
                       "files": list(r.files), "findings": r.findings_json()} for r in results],
            "exit_code": worst,
        }, indent=2), output)
    else:
        print_to_output(ctx, output)
        for result in results:
            if isinstance(result.report, LintReport) and result.report.findings:
                typer.echo(render_text(result.report, colour=colour() and to_stdout(output)), color=colour())
                typer.echo("")
            elif isinstance(result.report, ParityReport) and result.exit_code:
                typer.echo(render_parity(result.report))
                typer.echo("")
            elif isinstance(result.report, SyncReport) and result.report.findings:
                typer.echo(render_sync(result.report))
                typer.echo("")
            elif isinstance(result.report, list):
                for replayed in result.report:
                    if replayed.exit_code:
                        typer.echo(render_replay(replayed))
                        typer.echo("")
            elif result.name == "test" and result.exit_code and result.report is not None:
                from toolkit.policytests.render import render_text as render_tests

                typer.echo(render_tests(result.report))
                typer.echo("")
        typer.echo("cedar-gates check")
        for result in results:
            status = "SKIP" if result.skipped else {0: "PASS", 1: "FAIL", 2: "ERROR"}[result.exit_code]
            typer.echo(f"  {result.name:<14} {status:<6} {result.detail}")
    raise typer.Exit(worst)


def _ci_report(results, fmt: str, strict: bool, worst: int, output: Optional[Path]) -> None:
    """junit, github or sarif over every gate; a gate that could not run is also said on stderr. Exits."""
    from toolkit.cli import reports

    if fmt == "junit":
        text = reports.render_junit(results, strict)
    elif fmt == "github":
        states = {0: "PASS", 1: "FAIL", 2: "ERROR"}
        summary = "cedar-gates check: " + ", ".join(
            f"{r.name} {'SKIP' if getattr(r, 'skipped', False) else states[r.exit_code]}" for r in results)
        text = reports.render_github(results, strict, summary)
    else:
        text = reports.render_sarif(results, strict, worst)
    emit(text, output)
    for message in reports.not_run(results):
        typer.echo(f"cedar-gates: error: {message}", err=True)
    raise typer.Exit(worst)
