"""`test`: policy tests through the runtime gate, in both engines, with coverage."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.app import (
    ConfigOption,
    app,
    config_from,
    emit,
    fail,
    input_errors_exit_2,
    runner_or_exit,
)
from toolkit.cli.options import REPORT_FORMATS, OutputOption, format_option, formats

TestFormat = formats("TestFormat", *REPORT_FORMATS)


@app.command("test")
@input_errors_exit_2
def test_(
    paths: Optional[List[Path]] = typer.Argument(None, metavar="PATH", help="Test files (*.tests.yaml) and "
                                                 "blueprints with a `tests:` list; `-` reads one test file, or "
                                                 "one blueprint with `tests:`, from stdin. Default: [test] files, "
                                                 "else every "
                                                 "*.tests.yaml and every blueprint with `tests:` under the "
                                                 "configuration's directory or the git repository."),
    coverage: bool = typer.Option(False, "--coverage", help="Report, per tested blueprint, how many tests (and "
                                  "trace calls) reach each of its rules."),
    builtins: bool = typer.Option(False, "--builtins", help="Count the built-in rules in the coverage too."),
    min_coverage: Optional[float] = typer.Option(None, "--min-coverage", min=0, max=100, metavar="PCT",
                                                 help="Fail (exit 1) when a blueprint's rule coverage is below PCT "
                                                 "percent; names the rules no test reaches. Implies --coverage."),
    traces: Optional[List[Path]] = typer.Option(None, "--trace", metavar="TRACE", help="A trace whose calls count "
                                                "towards coverage (repeatable); gates are answered by timeout."),
    wasm: bool = typer.Option(True, "--wasm/--no-wasm", help="Also decide every test in cedar-wasm and report "
                              "where the engines disagree (default on; needs the Node runner)."),
    output_format: TestFormat = format_option(TestFormat),  # type: ignore[valid-type]
    output: Optional[Path] = OutputOption,
    config: Optional[Path] = ConfigOption,
    example: bool = typer.Option(False, "--example", help="Run the bundled example blueprint's tests and the "
                                 "built-in tiers' tests (a demonstration)."),
) -> None:
    """Run policy tests: tool calls with the outcome (and rules) the gate must give them.

    Each test runs through the runtime gate — built-in tiers and the blueprint together, a fresh task with the
    test's `task` settings — exactly as a live call would be decided, and again in cedar-wasm. Failures name the
    file and line of the test entry, what was expected and what the gate did. See docs/policy-tests.md.

    Exit codes: 0 every test passes (and coverage is at least --min-coverage), 1 a failure or low coverage,
    2 a test file or blueprint the tool cannot use, or no tests found.
    """
    from toolkit.policytests.render import RENDERERS, render_text
    from toolkit.discovery import nothing_found
    from toolkit.policytests.select import example_tests, select_tests
    from toolkit.policytests.session import run_paths

    cfg = config_from(config)
    targets = list(paths or [])
    if targets and example:
        fail("--example checks the bundled example instead of paths: pass one or the other")
    selection = None
    if not targets:
        selection = example_tests(cfg) if example else select_tests(cfg)
        if not selection.paths:
            fail(nothing_found("policy tests", selection))
        targets = list(selection.paths)
    minimum = min_coverage if min_coverage is not None else cfg.test_min_coverage
    runner = runner_or_exit(cfg, None) if wasm else None
    try:
        report = run_paths(targets, cfg, runner=runner, coverage=coverage or builtins or bool(traces),
                           include_builtins=builtins, traces=list(traces or []), min_coverage=minimum)
    finally:
        if runner is not None:
            runner.close()
    render = RENDERERS[output_format.value]
    if report.problems and output_format.value == "text":
        typer.echo(render(report), err=True)
    else:
        text = render(report)
        if selection is not None and render is render_text:
            text = f"policy tests in {selection.names()} ({selection.how()})\n{text}"
        emit(text, output)
        for problem in report.problems:  # the report went to a machine format: say why on stderr too
            typer.echo(f"cedar-gates: error: {problem}", err=True)
    raise typer.Exit(report.exit_code)
