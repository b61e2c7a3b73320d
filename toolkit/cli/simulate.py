"""`simulate run|record|diff`: trace replay on virtual time."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer

from toolkit.cli.app import (
    Answer,
    ConfigOption,
    ReportFormat,
    SimpleFormat,
    TraceFormat,
    config_from,
    emit,
    fail,
    input_errors_exit_2,
    simulate_app,
)

RespondOption = typer.Option(
    Answer.timeout, "--respond", "-r",
    help="How gates the trace does not answer are answered: approve (scope this_call), deny, or timeout "
    "(the gate waits its full timeout, then denies). Default: timeout.",
)
TraceFormatOption = typer.Option(TraceFormat.auto, "--input-format", help="auto, native or claude (Claude Code "
                                 "transcript). auto looks at the first line.")
SkipBadOption = typer.Option(False, "--skip-bad-lines", help="Report bad lines and go on instead of stopping "
                             "(the run then exits 1).")


def _progress(label: str):
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(SpinnerColumn(), TextColumn(label + " {task.completed} calls"), TimeElapsedColumn(),
                   console=console, transient=True, disable=not console.is_terminal)
    return bar


def _bundle(blueprint: Optional[Path], cfg):
    from toolkit.policyset import load_policies

    return load_policies(blueprint, cfg)


@simulate_app.command("run")
@input_errors_exit_2
def simulate_run(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file: native JSONL or a Claude Code transcript; "
                                 "`-` reads it from stdin.", dir_okay=False, allow_dash=True),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Blueprint whose policies join the "
                                             "built-in tiers. Default: built-ins only."),
    respond: Answer = RespondOption,
    out: Optional[Path] = typer.Option(None, "--out", metavar="RECORDS", help="Write one decision record per call "
                                       "(JSONL) to RECORDS."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    output_format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text, json or junit."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Check every call against a baseline from "
                                            "`simulate record`."),
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Replay TRACE through the gate: every call, every approval gate, cap and rate-limit hit, on virtual time.

    Gates are answered by each call's `respond` or by --respond; answers change later decisions exactly as in
    the engine (scopes, caches, counters, rate window, lifetime). Each call's `expect` is checked.

    Exit codes: 0 every expectation (and the baseline) holds, 1 mismatches or skipped bad lines,
    2 bad input (the line is named) or an unusable blueprint.
    """
    with stdin_as_file(trace) as trace:
        from toolkit.simulate import Respond, simulate
        from toolkit.simulate.render import render_json, render_junit, render_text

        cfg = config_from(config)
        bundle, constants = _bundle(blueprint, cfg)
        from contextlib import nullcontext

        from toolkit.safeio import AtomicOutput

        try:
            writer = AtomicOutput(out) if out is not None else nullcontext()
            with writer as handle, _progress("replay") as bar:
                task = bar.add_task("replay", total=None)
                report = simulate(trace, bundle, constants, default=Respond(respond.value), fmt=input_format.value,
                                  out=handle, skip_bad_lines=skip_bad_lines, baseline=baseline,
                                  progress=lambda n: n % 1000 or bar.update(task, completed=n))
        except BrokenPipeError:
            raise
        except OSError as exc:
            fail(f"{out}: cannot write the decisions: {exc.strerror or exc}; nothing written")
        render = {ReportFormat.json: render_json, ReportFormat.junit: render_junit}.get(output_format, render_text)
        emit(render(report), output)
        if report.stopped is not None and output_format is ReportFormat.text:
            bad = report.stopped
            typer.echo(f"cedar-gates: error: {trace}:{bad.line}: {bad.message}" + (f"\n  hint: {bad.hint}" if bad.hint
                       else ""), err=True)
        raise typer.Exit(report.exit_code)


@simulate_app.command("record")
@input_errors_exit_2
def simulate_record(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file to replay.", dir_okay=False),
    output: Path = typer.Option(..., "--output", "-o", help="Baseline file to write, e.g. TRACE.expected.jsonl."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", help="Blueprint on top of the built-ins."),
    respond: Answer = RespondOption,
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Pin the current decisions of TRACE as a baseline (one line per call: outcome, stage, rule ids, severity,
    timeout, final outcome). Check later with `simulate TRACE --baseline FILE`.

    A bad line stops the recording (exit 2) and nothing is written, so a baseline never hides one.
    """
    import io

    from toolkit.simulate import Respond, record

    cfg = config_from(config)
    bundle, constants = _bundle(blueprint, cfg)
    buffer = io.StringIO()
    with _progress("record") as bar:
        task = bar.add_task("record", total=None)
        report = record(trace, bundle, constants, buffer, default=Respond(respond.value), fmt=input_format.value,
                        skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n))
    if report.stopped is not None:
        fail(f"{trace}:{report.stopped.line}: {report.stopped.message}; nothing written")
    from toolkit.safeio import write_output

    try:
        write_output(output, buffer.getvalue())
    except OSError as exc:
        fail(f"{output}: cannot write the baseline: {exc.strerror or exc}; the old file (if any) is unchanged")
    typer.echo(f"recorded {report.summary.calls} calls from {trace} to {output}")
    for bad in report.summary.bad_lines:
        typer.echo(f"  skipped {trace}:{bad.line}: {bad.message}")


@simulate_app.command("diff")
@input_errors_exit_2
def simulate_diff(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file to replay under both policy versions.", dir_okay=False),
    baseline_blueprint: Optional[Path] = typer.Option(None, "--baseline-blueprint", "-a",
                                                      help="The current blueprint. Default: built-ins only."),
    candidate_blueprint: Optional[Path] = typer.Option(None, "--candidate-blueprint", "-c",
                                                       help="The proposed blueprint. Default: built-ins only."),
    respond: Answer = RespondOption,
    fail_on_change: bool = typer.Option(False, "--fail-on-change", help="Exit 1 when any call changes (for CI)."),
    output_format: SimpleFormat = typer.Option(SimpleFormat.text, "--format", "-f", help="text or json."),
    skip_bad_lines: bool = SkipBadOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """What a policy change would have done to real traffic: every call whose outcome, rule ids, severity or
    timeout changes between two blueprints, grouped by rule, with counts.

    Each side keeps its own task state, so a changed gate also changes what follows (caches, cap, rate window).
    Exit codes: 0 done (or no change with --fail-on-change), 1 changes with --fail-on-change or skipped bad
    lines, 2 bad input.
    """
    import json

    from toolkit.simulate import Respond, diff
    from toolkit.simulate.render import render_diff_text

    cfg = config_from(config)
    base, constants = _bundle(baseline_blueprint, cfg)
    candidate, _ = _bundle(candidate_blueprint, cfg)
    with _progress("diff") as bar:
        task = bar.add_task("diff", total=None)
        report = diff(trace, base, candidate, constants, default=Respond(respond.value), fmt=input_format.value,
                      skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n))
    if output_format is SimpleFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_diff_text(report))
    raise typer.Exit(report.exit_code(fail_on_change))


STDIN_TRACE_MAX_BYTES = 256 << 20
"""A trace read from stdin is spooled to a temporary file up to this size; pass a larger trace as a file."""


@contextmanager
def stdin_as_file(trace: Path) -> Iterator[Path]:
    """`-` spooled to a temporary `stdin.jsonl` (a trace is read more than once: format detection, replay).

    The spool is bounded (STDIN_TRACE_MAX_BYTES) and stdin that is a directory is refused.
    """
    if str(trace) != "-":
        yield trace
        return
    from toolkit.safeio import NotRegularFile, read_stdin

    with tempfile.TemporaryDirectory(prefix="cedar-gates-") as tmp:
        spooled = Path(tmp) / "stdin.jsonl"
        left = STDIN_TRACE_MAX_BYTES + 1
        with spooled.open("wb") as handle:
            while left > 0:
                try:
                    chunk = read_stdin(min(left, 1 << 20) - 1)  # reads up to min(left, 1 MiB) bytes
                except NotRegularFile as exc:
                    fail(f"-: {exc.strerror}\n  hint: pipe a trace into stdin, or pass the trace file's path")
                if not chunk:
                    break
                handle.write(chunk)
                left -= len(chunk)
        if left <= 0:
            fail(f"-: the trace on stdin is over {STDIN_TRACE_MAX_BYTES:,} bytes; refused\n"
                 "  hint: pass a trace this large as a file (files stream with bounded memory)")
        yield spooled
