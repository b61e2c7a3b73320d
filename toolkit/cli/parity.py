"""`doctor` and `parity run|record|fuzz`: the engines, the Node runner and the parity gate."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    app,
    config_from,
    emit,
    emit_pieces,
    fail,
    input_errors_exit_2,
    parity_app,
    runner_or_exit,
)
from toolkit.cli.options import (
    REPORT_FORMATS,
    FormatOption,
    OutputOption,
    TextFormat,
    format_option,
    formats,
    print_to_output,
)

ParityFormat = formats("ParityFormat", *REPORT_FORMATS)


@app.command()
def doctor(
    ctx: typer.Context,
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
) -> None:
    """Report the engines and the runner: cedarpy and its Cedar core, cedar-wasm and its core, Node, runner state.

    Exit 1 when something is wrong (a Cedar core mismatch between the engines, an installed version that differs
    from the pin, a runner that does not start); the report says what to fix.
    """
    import json

    from toolkit.doctor import diagnose

    report = diagnose()
    if output_format.value == "json":
        emit(json.dumps(report.to_json(), indent=2), output)
        raise typer.Exit(report.exit_code)
    print_to_output(ctx, output)
    rows = [
        ("cedarpy", f"{report.cedarpy_version} (pinned {report.cedarpy_pin}), Cedar core {report.cedarpy_core or '?'}"),
        ("cedar-wasm", f"{report.wasm_version or '-'} (pinned {report.wasm_pin}), Cedar core {report.wasm_core or '?'}"
                       f", language {report.wasm_lang or '?'}"),
        ("node", f"{report.node_version or '-'} at {report.node_path or '-'}"),
        ("runner", f"{report.runner_state}\n{'':14}{report.runner_script}"),
    ]
    for name, value in rows:
        typer.echo(f"{name:<12}  {value}")
    if report.problems:
        typer.echo("")
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
    else:
        typer.echo("\nok: both engines share one Cedar core and the runner answers")
    raise typer.Exit(report.exit_code)


ShardOption = typer.Option(None, "--shard", metavar="I/N", help="Run only the I-th of N slices, so a CI matrix of "
                           "N jobs covers every case exactly once. Cases sharing a policy text and entity store stay "
                           "in one slice; slices are balanced by request count.")


def _shard(text: Optional[str]):
    from toolkit.parity.gate import parse_shard

    if text is None:
        return None
    try:
        return parse_shard(text)
    except ValueError as exc:
        fail(str(exc))


TIMEOUT_MAX_S = 3600.0


def _finite_timeout(value: Optional[float]) -> Optional[float]:
    """`inf` and `nan` parse as floats but are no timeout: a hung runner would never be stopped."""
    if value is not None and not (0.1 <= value <= TIMEOUT_MAX_S):  # false for nan too
        raise typer.BadParameter(f"{value} is not a number of seconds in [0.1, {TIMEOUT_MAX_S:g}]")
    return value


TimeoutOption = typer.Option(
    None, "--timeout", callback=_finite_timeout, metavar="SECONDS",
    help="Seconds the Node runner may take for one call, 0.1 to 3600 (default 10, or parity.timeout-s).",
)


@parity_app.command("run")
@input_errors_exit_2
def parity_run(
    paths: List[Path] = typer.Argument(
        None, metavar="PATH", help="Fixture files or directories (searched for *.json). Default: parity.fixtures from the "
        "configuration, else the bundled golden fixtures.", show_default=False,
    ),
    policies: Optional[bool] = typer.Option(
        None, "--policies/--no-policies",
        help="Also run the built-in tiers and configured blueprints over the bundled tool-call corpus. "
        "Default: on when no PATH is given.",
    ),
    output_format: ParityFormat = format_option(ParityFormat),  # type: ignore[valid-type]
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing cases too (text format)."),
    output: Optional[Path] = OutputOption,
    timeout: Optional[float] = TimeoutOption,
    shard: Optional[str] = ShardOption,
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Worker processes, each with "
                                       "its own Node runner (default: the cores, at most 8). Runs of fewer than "
                                       "5,000 cases per worker stay in one process; the report never depends on N."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Run every fixture in cedarpy and cedar-wasm and compare expected vs cedarpy vs cedar-wasm.

    Compared: the decision, the set of determining @rule_ids and the set of errored @rule_ids (never error
    wording). A case passes only when both engines processed the same input and match `expected`; divergences
    are classed (decision, reasons, errors, input_error_one_side, runner_crash, timeout, annotations,
    js_integer_precision). Exit 0 when every case passes, 1 on any mismatch or divergence, 2 on unusable input.
    """
    from toolkit.cedar.wasm import RunnerError
    from toolkit.parity.gate import run_parity
    from toolkit.parity.harness import default_jobs
    from toolkit.parity.render import RENDERERS, render_text

    selected = _shard(shard)
    cfg = config_from(config)
    include_policies = policies if policies is not None else (not paths and cfg.parity_policies)
    with runner_or_exit(cfg, timeout, start=False) as runner:
        try:
            report = run_parity(cfg, paths or [], include_policies=include_policies, runner=runner, shard=selected,
                                jobs=jobs or default_jobs())
        except RunnerError as exc:
            fail(f"the Node runner does not start: {exc}\n  hint: run `cedar-gates doctor`")
    if output_format.value == "text":
        emit(render_text(report, verbose=verbose), output)
    else:
        emit_pieces(RENDERERS[output_format.value](report), output)
    raise typer.Exit(report.exit_code)


@parity_app.command("record")
@input_errors_exit_2
def parity_record(
    paths: List[Path] = typer.Argument(..., metavar="PATH", help="Fixture files or directories to (re)write `expected` in."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change without writing."),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    timeout: Optional[float] = TimeoutOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Write or refresh each fixture's `expected` from the engines' answer, only where both engines agree.

    A fixture where the engines disagree (or both reject the input) is left untouched and reported; exit 1 then.
    Other fields of the file are kept as they are. `-f json` lists every fixture with its action (written,
    unchanged, refused) and both engines' answers.
    """
    from toolkit.parity.gate import record
    from toolkit.parity.render import record_json, record_text

    if any(str(p) == "-" for p in paths):
        fail("-: record writes `expected` back into each fixture file, and stdin has no file to write to; "
             "pass the fixture's path")
    cfg = config_from(config)
    with runner_or_exit(cfg, timeout) as runner:
        report = record(paths, runner, dry_run=dry_run)
    emit((record_json if output_format.value == "json" else record_text)(report, dry_run), output)
    raise typer.Exit(report.exit_code)


@parity_app.command("fuzz")
@input_errors_exit_2
def parity_fuzz(
    ctx: typer.Context,
    cases: int = typer.Option(500, "--cases", "-n", min=1, metavar="N", help="How many generated cases to run."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed; the same seed replays the same cases."),
    save_failures: Optional[Path] = typer.Option(
        None, "--save-failures", file_okay=False, metavar="DIR",
        help="Write each shrunk divergence here as parity fixtures (re-run them with `cedar-gates parity DIR`).",
    ),
    output_format: TextFormat = FormatOption,  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    timeout: Optional[float] = TimeoutOption,
    shard: Optional[str] = typer.Option(None, "--shard", metavar="I/N", help="Run the I-th of N slices of the seed "
                                        "space: this job fuzzes its share of --cases from its own seed, so N jobs "
                                        "together run --cases distinct cases."),
    config: Optional[Path] = ConfigOption,
) -> None:
    """Differential testing: generated policy sets and requests through cedarpy and cedar-wasm.

    Policies use the vocabulary (permit/forbid, action and resource scopes, when/unless, has guards, like
    patterns with wildcards and escapes, &&/||/!, comparisons, sets, `in` over entity hierarchies, integer
    extremes beyond ±2^53, unicode). Every divergence of an unknown class is shrunk by hypothesis to a minimal
    case. Known classes (js_integer_precision) are counted and shown, not failed. Exit 0 when no unknown
    divergence was found, 1 otherwise.
    """
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from toolkit.parity.compare import CLASS_HELP
    from toolkit.errors import MissingExtra

    try:
        from toolkit.parity.fuzz import run_fuzz, shard_plan
        from toolkit.parity.fuzz import save_failures as save
    except MissingExtra as exc:
        fail(str(exc))

    selected = _shard(shard)
    if selected is not None:
        cases, seed = shard_plan(cases, seed, selected)
    cfg = config_from(config)
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("fuzz"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )
    with runner_or_exit(cfg, timeout) as runner, bar:
        task = bar.add_task("fuzz", total=cases)
        report = run_fuzz(runner, cases, seed, progress=lambda n: bar.advance(task, n))
    if save_failures is not None and report.divergences:
        try:
            save(report, save_failures)
        except OSError as exc:
            fail(f"{save_failures}: cannot save the failing cases: {exc.strerror or exc}")
    if output_format.value == "json":
        emit(json.dumps(report.to_json(), indent=2, ensure_ascii=False), output)
        raise typer.Exit(report.exit_code)
    print_to_output(ctx, output)
    typer.echo(
        f"seed {report.seed}: {report.generated} cases ({report.requests} requests) in {report.duration_s:.1f} s, "
        f"{report.cases_per_s:.0f} cases/s"
    )
    typer.echo(f"  {'agree':<22} {report.passed}")
    for name, count in report.known.items():
        typer.echo(f"  {name:<22} {count}  ({CLASS_HELP[name]})")
    for divergence in report.divergences:
        result = divergence.result
        typer.echo(f"\nDIVERGENCE {', '.join(result.classes)} (shrunk):")
        typer.echo("  policies:\n" + "\n".join(f"    {line}" for line in divergence.case.policies.splitlines()))
        if divergence.case.entities:
            typer.echo(f"  entities: {json.dumps(divergence.case.entities, ensure_ascii=False)}")
        for request in divergence.case.requests:
            typer.echo(f"  request: {json.dumps(request, ensure_ascii=False)}")
        typer.echo(f"  cedarpy:    {result.cedarpy.summary()}")
        typer.echo(f"  cedar-wasm: {result.wasm.summary()}")
        for note in result.notes:
            typer.echo(f"  - {note}")
    if report.generated < report.requested and report.divergences:
        typer.echo(f"\nstopped after {report.generated} cases to shrink what it found")
    for path in report.saved:
        typer.echo(f"saved {path}")
    if report.divergences:
        typer.echo(f"\n{len(report.divergences)} divergence(s); replay with --seed {report.seed}")
    raise typer.Exit(report.exit_code)
