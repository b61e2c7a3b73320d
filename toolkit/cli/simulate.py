"""`simulate run|record|diff`: trace replay on virtual time, over one trace or whole directories."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any, List, Optional

import typer

from toolkit.cli.app import Answer, ConfigOption, TraceFormat, config_from, emit, fail, input_errors_exit_2, simulate_app
from toolkit.cli.options import format_help, formats, output_option, stdin_as_file

RunFormat = formats("RunFormat", "text", "json", "junit", "github", "sarif")
DiffFormat = formats("DiffFormat", "text", "json")
HTML_HELP = ("Also write the report as one self-contained HTML page (inline charts, no script, nothing loaded from "
             "the network) to FILE; the text summary names it.")

RespondOption = typer.Option(
    Answer.timeout, "--respond", "-r",
    help="How gates the trace does not answer are answered: approve (scope this_call), deny, or timeout "
    "(the gate waits its full timeout, then denies). Default: timeout.",
)
TraceFormatOption = typer.Option(TraceFormat.auto, "--input-format", help="auto, native or claude (Claude Code "
                                 "transcript). auto looks at the first lines.")
SkipBadOption = typer.Option(False, "--skip-bad-lines", help="Report bad lines and go on instead of stopping "
                             "(the run then exits 1).")
StrictOption = typer.Option(False, "--strict", help="A damaged transcript line is a bad line (it stops the replay "
                            "unless --skip-bad-lines) instead of a skipped line with a note.")
TaskSettingsOption = typer.Option(
    None, "--task-settings", "-s", metavar="JSON",
    help='Task settings as JSON (or @file): task_type, repo, read_only, approval_timeout_s, initial_approvals, '
    'gate_cap, max_lifetime_s, write_tools. Applies to every trace and transcript (over a native header\'s task).',
)
JobsOption = typer.Option(1, "--jobs", "-j", metavar="N", help="Worker processes for a run over many files "
                          "(each loads the policies once); 0 means one per CPU.")
HtmlOption = typer.Option(None, "--html", metavar="FILE", dir_okay=False, help=HTML_HELP)
PathsArgument = typer.Argument(None, metavar="PATH", help="Trace files, directories (searched for *.jsonl, "
                               "e.g. ~/.claude/projects) or quoted globs; `-` reads one trace from stdin.")


def _jobs(jobs: int) -> int:
    import os

    if jobs < 0:
        fail(f"--jobs {jobs}: must be 0 (one per CPU) or more")
    return jobs or os.cpu_count() or 1


def _task_settings(raw: Optional[str], cfg) -> Optional[dict[str, Any]]:
    if raw is None:
        return None
    from toolkit.oneshot import read_json_arg

    value = read_json_arg("--task-settings", raw, cfg.max_file_bytes)
    if not isinstance(value, dict):
        fail("--task-settings: must be a JSON object, e.g. '{\"read_only\": true}'")
    return value


def _terminal() -> bool:
    """Progress only when stderr is a terminal (rich would also draw it into a pipe under FORCE_COLOR)."""
    import sys

    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _counter(label: str):
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn(label + " {task.completed} calls"), TimeElapsedColumn(),
                    console=console, transient=True, disable=not _terminal())


def _bar(label: str):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    # Redrawn as each file finishes, with no refresh thread: worker processes may then be forked safely.
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("files"), TimeRemainingColumn(),
                    console=console, transient=True, disable=not _terminal(), auto_refresh=False)


def _bundle(blueprint: Optional[Path], cfg):
    from toolkit.policyset import load_policies

    return load_policies(blueprint, cfg)


def _write_html(path: Optional[Path], page: str) -> None:
    if path is None:
        return
    from toolkit.safeio import write_output

    try:
        write_output(path, page)
    except OSError as exc:
        fail(f"{path}: cannot write the HTML report: {exc.strerror or exc}; the old file (if any) is unchanged")


def _paths(paths: Optional[List[str]]) -> list[str]:
    if not paths:
        fail("no trace given\n  hint: pass a trace file, a directory of traces or transcripts (e.g. "
             "~/.claude/projects), a quoted glob, or `-` for stdin")
    return list(paths or ())


def _records_option(records: Optional[Path], out: Optional[Path]) -> Optional[Path]:
    if records is not None and out is not None and records != out:
        fail("--records and --out name two files; --out is the old name of --records, pass one")
    return records or out


@simulate_app.command("run")
@input_errors_exit_2
def simulate_run(
    paths: Optional[List[str]] = PathsArgument,
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", metavar="FILE", help="Blueprint whose "
                                             "policies join the built-in tiers. Default: built-ins only."),
    respond: Answer = RespondOption,
    records: Optional[Path] = typer.Option(None, "--records", metavar="FILE", help="Write one decision record per "
                                           "call (JSONL) to FILE; over many files each record names its session."),
    out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", hidden=True, help="Old name of --records."),
    output: Optional[Path] = output_option(),
    output_format: RunFormat = typer.Option(RunFormat("text"), "--format", "-f",  # type: ignore[valid-type]
                                            help=format_help(RunFormat)),
    html: Optional[Path] = HtmlOption,
    baseline: Optional[Path] = typer.Option(None, "--baseline", metavar="FILE", allow_dash=True,
                                            help="Check every call against a baseline from `simulate record` (one "
                                            "trace only; `-` reads it from stdin)."),
    jobs: int = JobsOption,
    skip_bad_lines: bool = SkipBadOption,
    strict: bool = StrictOption,
    task_settings: Optional[str] = TaskSettingsOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """Replay traces through the gate: every call, every approval gate, cap and rate-limit hit, on virtual time.

    One PATH that is a file replays that trace (its expectations and --baseline checked, as before). Directories,
    globs or several paths replay every trace and Claude Code transcript found (main and sub-agent files), each
    session with its own gate, and report calls, asks and denies per 100 calls per rule, tool and session, the
    asks repeated most, what each rule stopped and what shadow rules would have flipped.

    Exit codes: 0 every expectation (and the baseline) holds, 1 mismatches or skipped bad lines,
    2 bad input (the file and line are named; over many files, any file that did not replay) or an
    unusable blueprint.
    """
    from toolkit.simulate.corpus import discover, one_file

    paths = _paths(paths)
    records = _records_option(records, out)
    cfg = config_from(config)
    settings = _task_settings(task_settings, cfg)
    single = one_file(paths)
    if not single:
        if baseline is not None:
            fail("--baseline goes with one trace file; check each trace against its own baseline, or use "
                 "`cedar-gates check` with [simulate] traces")
        files = discover(paths)
        if not files:
            fail(f"{' '.join(paths)}: no trace files (*.jsonl) found\n  hint: pass a directory of traces or "
                 "transcripts, e.g. ~/.claude/projects")
        _run_many(files, paths, blueprint, config, cfg, respond, records, output, output_format, html, jobs,
                  skip_bad_lines, strict, settings, input_format)
        return
    if baseline is not None and str(baseline) == "-" and paths[0] == "-":
        fail("the trace and --baseline cannot both come from stdin; pass one of them as a file")
    with stdin_as_file(Path(paths[0]), "stdin.jsonl", "trace") as trace, \
            stdin_as_file(baseline, "baseline.jsonl", "baseline") if baseline is not None else nullcontext() as pinned:
        _run_one(trace, blueprint, cfg, respond, records, output, output_format, html, pinned, skip_bad_lines,
                 strict, settings, input_format, "<stdin>" if paths[0] == "-" else paths[0])


def _run_one(trace: Path, blueprint, cfg, respond: Answer, records, output, output_format, html, baseline,
             skip_bad_lines: bool, strict: bool, settings, input_format: TraceFormat, shown: str) -> None:
    from toolkit.simulate import Respond, simulate
    from toolkit.simulate.ci import render_github, render_junit, render_sarif
    from toolkit.simulate.render import render_json, render_text
    from toolkit.safeio import AtomicOutput

    bundle, constants = _bundle(blueprint, cfg)
    facts = None
    if html is not None:
        from toolkit.simulate.report import SessionFacts

        facts = SessionFacts(shown, shown)
    listing = output_format.value in ("junit", "github", "sarif")
    try:
        writer = AtomicOutput(records) if records is not None else nullcontext()
        with writer as handle, _counter("replay") as bar:
            task = bar.add_task("replay", total=None)
            report = simulate(trace, bundle, constants, default=Respond(respond.value), fmt=input_format.value,
                              out=handle, skip_bad_lines=skip_bad_lines, baseline=baseline,
                              progress=lambda n: n % 1000 or bar.update(task, completed=n),
                              observe=facts.observe if facts else None, list_limit=None if listing else 200,
                              task_settings=settings, strict=strict, label=shown)
    except BrokenPipeError:
        raise
    except OSError as exc:
        fail(f"{records}: cannot write the decisions: {exc.strerror or exc}; nothing written")
    if facts is not None:
        from toolkit.simulate.page import render_corpus
        from toolkit.simulate.report import Corpus

        corpus = Corpus(bundle.policy_hash, files=1)
        corpus.add(facts.finish(report))
        _write_html(html, render_corpus(corpus.to_json()))
    renderers = {"json": render_json, "junit": render_junit, "github": render_github, "sarif": render_sarif}
    text = renderers.get(output_format.value, render_text)(report)
    if html is not None and output_format.value == "text":
        text += f"\nHTML report: {html}"
    emit(text, output)
    if report.stopped is not None and output_format.value == "text":
        bad = report.stopped
        typer.echo(f"cedar-gates: error: {shown}:{bad.line}: {bad.message}" + (f"\n  hint: {bad.hint}" if bad.hint
                   else ""), err=True)
    raise typer.Exit(report.exit_code)


def _run_many(files: list[Path], roots: list[str], blueprint, config, cfg, respond: Answer, records, output,
              output_format, html, jobs: int, skip_bad_lines: bool, strict: bool, settings,
              input_format: TraceFormat) -> None:
    from toolkit.safeio import AtomicOutput
    from toolkit.simulate import corpus as runner
    from toolkit.simulate.ci import render_github, render_junit, render_sarif
    from toolkit.simulate.report_render import render_text

    listing = output_format.value in ("junit", "github", "sarif")
    job = runner.settings_for(blueprint, config, respond.value, input_format.value, skip_bad_lines,
                              list_all=listing, task_settings=settings, strict=strict)
    loaded = runner.load(job)
    try:  # run() names its own failures; an OSError here is the records file's (open, write, commit)
        with AtomicOutput(records) if records is not None else nullcontext() as handle, _bar("replay") as bar:
            task = bar.add_task("replay", total=len(files))
            report = runner.run(files, roots, job, jobs=_jobs(jobs), loaded=loaded,
                                advance=lambda n: bar.update(task, completed=n, refresh=True), records=handle)
    except BrokenPipeError:
        raise
    except (OSError, runner.RecordsError) as exc:
        if records is None:
            raise
        fail(f"{records}: cannot write the decisions: {exc.strerror or exc}; nothing written")
    data = report.to_json()
    if html is not None:
        from toolkit.simulate.page import render_corpus

        _write_html(html, render_corpus(data))
    if output_format.value == "json":
        import json

        text = json.dumps(data, indent=2, ensure_ascii=False)
    elif listing:
        text = {"junit": render_junit, "github": render_github, "sarif": render_sarif}[output_format.value](report)
    else:
        text = render_text(report, str(html) if html else None)
    emit(text, output)
    raise typer.Exit(report.exit_code)


@simulate_app.command("record")
@input_errors_exit_2
def simulate_record(
    trace: Path = typer.Argument(..., metavar="TRACE", help="Trace file to replay; `-` reads it from stdin.",
                                 dir_okay=False, allow_dash=True),
    output: Path = typer.Option(..., "--output", "-o", metavar="FILE", help="Baseline file to write, e.g. "
                                "TRACE.expected.jsonl."),
    blueprint: Optional[Path] = typer.Option(None, "--blueprint", "-b", metavar="FILE",
                                             help="Blueprint on top of the built-ins."),
    respond: Answer = RespondOption,
    skip_bad_lines: bool = SkipBadOption,
    strict: bool = StrictOption,
    task_settings: Optional[str] = TaskSettingsOption,
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
    settings = _task_settings(task_settings, cfg)
    bundle, constants = _bundle(blueprint, cfg)
    buffer = io.StringIO()
    with stdin_as_file(trace, "stdin.jsonl", "trace") as path, _counter("record") as bar:
        task = bar.add_task("record", total=None)
        report = record(path, bundle, constants, buffer, default=Respond(respond.value), fmt=input_format.value,
                        skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n),
                        task_settings=settings, strict=strict)
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
    for line, why in report.summary.skipped_lines:
        typer.echo(f"  skipped {trace}:{line}: {why}")
    if report.summary.skipped_line_count:
        typer.echo(f"warning: {report.summary.skipped_line_count} damaged line(s) skipped; --strict makes them errors")


@simulate_app.command("diff")
@input_errors_exit_2
def simulate_diff(
    paths: Optional[List[str]] = typer.Argument(None, metavar="PATH", help="Trace files, directories or quoted globs to "
                                      "replay under both policy versions; `-` reads one trace from stdin."),
    baseline_blueprint: Optional[Path] = typer.Option(None, "--baseline-blueprint", metavar="FILE",
                                                      help="The current blueprint. Default: built-ins only."),
    candidate_blueprint: Optional[Path] = typer.Option(None, "--candidate-blueprint", metavar="FILE",
                                                       help="The proposed blueprint. Default: built-ins only."),
    respond: Answer = RespondOption,
    fail_on_change: bool = typer.Option(False, "--fail-on-change", help="Exit 1 when any call changes (for CI)."),
    output_format: DiffFormat = typer.Option(DiffFormat("text"), "--format", "-f",  # type: ignore[valid-type]
                                             help=format_help(DiffFormat)),
    output: Optional[Path] = output_option(),
    html: Optional[Path] = HtmlOption,
    jobs: int = JobsOption,
    skip_bad_lines: bool = SkipBadOption,
    strict: bool = StrictOption,
    task_settings: Optional[str] = TaskSettingsOption,
    input_format: TraceFormat = TraceFormatOption,
    config: Optional[Path] = ConfigOption,
) -> None:
    """What a policy change would have done to real traffic: every call whose outcome, rule ids, severity or
    timeout changes between two blueprints, grouped by rule, with counts; over many sessions, the changes
    ranked by how often they happen.

    Each side keeps its own task state, so a changed gate also changes what follows (caches, cap, rate window).
    Exit codes: 0 done (or no change with --fail-on-change), 1 changes with --fail-on-change or skipped bad
    lines, 2 bad input.
    """
    import json

    from toolkit.simulate.corpus import discover, one_file

    paths = _paths(paths)
    cfg = config_from(config)
    settings = _task_settings(task_settings, cfg)
    if one_file(paths):
        from toolkit.simulate import Respond, diff
        from toolkit.simulate.render import render_diff_text

        base, constants = _bundle(baseline_blueprint, cfg)
        candidate, _ = _bundle(candidate_blueprint, cfg)
        with stdin_as_file(Path(paths[0]), "stdin.jsonl", "trace") as trace, _counter("diff") as bar:
            task = bar.add_task("diff", total=None)
            report = diff(trace, base, candidate, constants, default=Respond(respond.value), fmt=input_format.value,
                          skip_bad_lines=skip_bad_lines, progress=lambda n: n % 1000 or bar.update(task, completed=n),
                          task_settings=settings, strict=strict)
        report.trace = "<stdin>" if paths[0] == "-" else paths[0]
        text = render_diff_text(report)
        if html is not None:
            from toolkit.simulate.diffreport import DiffCorpus
            from toolkit.simulate.page import render_diff

            one = DiffCorpus(base.policy_hash, candidate.policy_hash, files=1)
            one.add(report, report.trace, report.trace)
            _write_html(html, render_diff(one.to_json()))
            text += f"\nHTML report: {html}"
        emit(json.dumps(report.to_json(), indent=2, ensure_ascii=False) if output_format.value == "json" else text,
             output)
        raise typer.Exit(report.exit_code(fail_on_change))
    from toolkit.simulate import corpus as runner
    from toolkit.simulate.report_render import render_diff_text as render_many

    files = discover(paths)
    if not files:
        fail(f"{' '.join(paths)}: no trace files (*.jsonl) found")
    job = runner.settings_for(baseline_blueprint, config, respond.value, input_format.value, skip_bad_lines,
                              candidate=candidate_blueprint, diff=True, task_settings=settings, strict=strict)
    loaded = runner.load(job)
    with _bar("diff") as bar:
        task = bar.add_task("diff", total=len(files))
        many = runner.run(files, paths, job, jobs=_jobs(jobs), loaded=loaded,
                          advance=lambda n: bar.update(task, completed=n, refresh=True))
    data = many.to_json()
    if html is not None:
        from toolkit.simulate.page import render_diff

        _write_html(html, render_diff(data))
    emit(json.dumps(data, indent=2, ensure_ascii=False) if output_format.value == "json"
         else render_many(many, str(html) if html else None), output)
    raise typer.Exit(many.exit_code(fail_on_change))
