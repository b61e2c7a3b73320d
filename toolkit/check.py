"""`cedar-gates check`: every configured gate in one run, with one summary.

Gates: lint (built-in tiers plus the configured or discovered blueprints; the
bundled example only with `example=True`), parity (the configured fixtures and
the real policy files in cedarpy and cedar-wasm), test (the configured or
discovered policy tests; skipped, and said so, when there are none) and, when
traces are configured, simulate (each trace against its expectations and
baseline), and the drift checkers when `[sync]` configures them. A lint gate
that found no blueprint to check is an error, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from toolkit.cedar.node import RunnerUnavailable
from toolkit.cedar.wasm import RunnerError, WasmRunner
from toolkit.config import Config
from toolkit.discovery import Selection, TooManyFiles, blueprint_selection, example_selection, nothing_found
from toolkit.lint.diagnostics import LintReport
from toolkit.lint.runner import Linter
from toolkit.parity.harness import ParityReport
from toolkit.simulate.session import SimulationReport
from toolkit.sync.findings import SyncReport


@dataclass
class GateResult:
    name: str
    exit_code: int
    detail: str
    report: LintReport | ParityReport | list[SimulationReport] | SyncReport | Any | None = None
    files: tuple[str, ...] = ()
    """The files this gate checked, as shown in reports (lint and test)."""
    skipped: bool = False
    """Nothing to run (no policy tests anywhere): exit 0, shown as SKIP, never as PASS."""

    def findings_json(self) -> list[dict[str, Any]]:
        if isinstance(self.report, LintReport):
            return [f.to_dict() for f in self.report.findings]
        if isinstance(self.report, ParityReport):
            return [r.to_json() for r in self.report.results if not r.passed]
        if isinstance(self.report, SyncReport):
            return [f.to_dict() for f in self.report.findings]
        if isinstance(self.report, list):
            from toolkit.simulate.render import to_json

            return [to_json(r) for r in self.report if r.exit_code]
        if self.name == "test" and self.report is not None:
            from toolkit.policytests.render import to_json as tests_json

            return [t for g in tests_json(self.report)["groups"] for t in g["tests"] if not t["passed"]]
        return []


def lint_targets(blueprints: Selection, linter: Linter) -> list[Path]:
    builtin_files = [bp.source.path for bp in linter.builtins.files.values()]
    return builtin_files + list(blueprints.paths)


def lint_gate(config: Config, strict: bool, blueprints: Selection) -> GateResult:
    from toolkit.policytests.linting import linter as full_linter

    linter = full_linter(config)  # first, so a broken configuration or contract is reported as such
    if not blueprints.paths and blueprints.origin == "discovered":
        return GateResult("lint", 2, nothing_found("blueprints", blueprints))
    report = linter.lint_paths(lint_targets(blueprints, linter))
    errors, warnings = report.count("error"), report.count("warning")
    covered = (f"built-in tiers + {blueprints.names()} ({blueprints.how()})" if blueprints.paths
               else f"built-in tiers only ({blueprints.how()}: no blueprints)")
    detail = (f"{len(report.files)} files: {covered}; {errors} error(s), {warnings} warning(s), "
              f"{report.count('info')} note(s)")
    return GateResult("lint", report.exit_code(strict), detail, report, tuple(f.path for f in report.files))


def parity_gate(config: Config, runner_factory: Callable[[Config], WasmRunner]) -> GateResult:
    from toolkit.parity.gate import run_parity
    from toolkit.parity.render import summary_line

    try:
        with runner_factory(config) as runner:
            runner.start()
            report = run_parity(config, include_policies=config.parity_policies, runner=runner)
    except RunnerUnavailable as exc:
        return GateResult("parity", 2, f"the Node runner is not available: {exc} (fix: {exc.hint})")
    except RunnerError as exc:
        return GateResult("parity", 2, f"the Node runner does not start: {str(exc).splitlines()[0]}")
    covered, files = parity_sources(config, report)
    return GateResult("parity", report.exit_code, f"{summary_line(report)}; {covered}", report, files)


def parity_sources(config: Config, report: ParityReport) -> tuple[str, tuple[str, ...]]:
    """What the parity cases came from, counted (fixtures, built-in tiers and blueprints over the tool-call
    corpus), and those files as reports show them."""
    from toolkit.parity.gate import fixture_paths
    from toolkit.resources import parity_fixtures_dir

    roots = fixture_paths(config, ())
    bundled = [p for p in roots if p.resolve() == parity_fixtures_dir().resolve()]
    blueprints = {_shown(p): p for p in config.blueprints} if config.parity_policies else {}
    counts = {"builtins": 0, "fixtures": 0, **{name: 0 for name in blueprints}}
    for result in report.results:
        if result.name.startswith("builtins/"):
            counts["builtins"] += 1
        elif result.source in blueprints and result.name.startswith(f"{result.source}/"):
            counts[result.source] += 1
        else:
            counts["fixtures"] += 1
    where = "bundled fixtures" if bundled and len(roots) == 1 else "fixtures in " + ", ".join(_shown(p) for p in roots)
    parts = [f"{counts['fixtures']} {where}"]
    if config.parity_policies:
        parts.append(f"{counts['builtins']} built-in tiers over the tool-call corpus")
        if len(blueprints) <= 2:
            parts.extend(f"{counts[name]} {name} over the corpus" for name in blueprints)
        else:
            parts.append(f"{sum(counts[name] for name in blueprints)} {len(blueprints)} blueprints over the corpus")
    files = [_shown(p) for p in roots]
    if config.parity_policies:
        from toolkit.policies import load_builtins

        files += [_shown(bp.source.path) for bp in load_builtins(config.builtins, config.max_file_bytes).files.values()]
        files += list(blueprints)
    return " + ".join(parts), tuple(files)


def baseline_for(trace: Path) -> Path | None:
    """`x.jsonl` is pinned by `x.expected.jsonl` next to it, when that file exists."""
    candidate = trace.with_name(trace.name.removesuffix(".jsonl") + ".expected.jsonl")
    return candidate if candidate.is_file() else None


def simulate_gate(config: Config) -> GateResult:
    from toolkit.policyset import load_policies
    from toolkit.simulate import Respond, simulate

    from toolkit.errors import InputError
    from toolkit.policyset import LintRefusal

    try:
        bundle, constants = load_policies(config.simulate_blueprint, config)
    except LintRefusal as exc:  # an ordinary failure, named like the test gate's
        first = exc.findings[0]
        return GateResult("simulate", 1, f"{len(config.simulate_traces)} trace(s) not run: {len(exc.findings)} lint "
                          f"error(s), first {first.path}:{first.line}:{first.column} {first.code} (fix: cedar-gates "
                          f"lint {first.path})")
    except InputError as exc:
        return GateResult("simulate", 2, str(exc).splitlines()[0])
    try:
        reports = [
            simulate(trace, bundle, constants, default=Respond(config.simulate_respond), baseline=baseline_for(trace))
            for trace in config.simulate_traces
        ]
    except InputError as exc:
        return GateResult("simulate", 2, str(exc).splitlines()[0])
    calls = sum(r.summary.calls for r in reports)
    mismatches = sum(r.summary.mismatch_count for r in reports)
    stopped = [r for r in reports if r.stopped is not None]
    pinned = sum(1 for r in reports if r.baseline)
    detail = f"{len(reports)} trace(s) ({pinned} with a baseline), {calls} calls, {mismatches} mismatch(es)"
    if stopped:
        first = stopped[0]
        detail += f"; stopped at {first.trace}:{first.stopped.line}: {first.stopped.message}"
    return GateResult("simulate", max((r.exit_code for r in reports), default=0), detail, reports)


def run_check(
    config: Config, strict: bool = False, runner_factory: Callable[[Config], WasmRunner] | None = None,
    example: bool = False,
) -> list[GateResult]:
    """`example`: check the bundled example blueprint and the built-in tiers' tests instead of the project's."""
    from toolkit.parity.gate import make_runner
    from toolkit.policytests.select import example_tests, select_tests

    try:
        blueprints = example_selection(config) if example else blueprint_selection(config)
        tests = example_tests(config) if example else select_tests(config, blueprints)
    except TooManyFiles as exc:
        return [GateResult("lint", 2, f"{exc.path}: {exc.message} ({exc.hint})")]
    config = replace(config, blueprints=blueprints.paths)  # parity evaluates the same blueprints
    gates = [lint_gate(config, strict, blueprints), parity_gate(config, runner_factory or make_runner)]
    if config.simulate_traces:
        gates.append(simulate_gate(config))
    gates.append(test_gate(config, runner_factory or make_runner, tests))
    if config.sync is not None and config.sync.has_constants:
        gates.append(sync_gate("sync-constants", config))
    if config.sync is not None and config.sync.has_types:
        gates.append(sync_gate("sync-types", config))
    return gates


def test_gate(config: Config, runner_factory: Callable[[Config], WasmRunner], tests: Selection) -> GateResult:
    """The selected policy tests, in cedarpy and cedar-wasm, with coverage."""
    from toolkit.errors import InputError
    from toolkit.policytests.session import run_paths

    if not tests.paths:
        return GateResult("test", 0, f"no policy tests ({', '.join(tests.patterns) or tests.how()}): nothing ran",
                          skipped=True)
    files = tuple(_shown(p) for p in tests.paths)
    try:
        with runner_factory(config) as runner:
            runner.start()
            report = run_paths(list(tests.paths), config, runner=runner, coverage=True,
                               min_coverage=config.test_min_coverage)
    except (RunnerUnavailable, RunnerError) as exc:
        return GateResult("test", 2, f"the Node runner is not available: {str(exc).splitlines()[0]}")
    except InputError as exc:
        return GateResult("test", 2, str(exc).splitlines()[0])
    if report.problems:
        return GateResult("test", 2, str(report.problems[0]).splitlines()[0], report)
    covered = ", ".join(f"{g.coverage.percent:.0f}%" for g in report.groups if g.coverage is not None)
    from toolkit.policytests.render import coverage_shortfall

    from toolkit.policytests.render import blocked_reason

    below = "".join(f" ({coverage_shortfall(report, g)})" for g in report.below_minimum)
    blocked = "".join(f"; {g.not_run} not run: {blocked_reason(g)}" for g in report.blocked)
    detail = (f"{len(report.results)} test(s), {len(report.failed)} failed{blocked}; rule coverage "
              f"{covered or '-'}{below}; from {tests.names()} ({tests.how()})")
    return GateResult("test", report.exit_code, detail, report, files)


def _shown(path: Path) -> str:
    from toolkit.blueprint.source import display_path

    return display_path(path)


def sync_gate(name: str, config: Config) -> GateResult:
    from toolkit.errors import InputError
    from toolkit.sync import check_constants, check_types
    from toolkit.sync.findings import summary_line

    assert config.sync is not None
    try:
        report = (check_constants if name == "sync-constants" else check_types)(config.sync)
    except InputError as exc:
        return GateResult(name, 2, str(exc).splitlines()[0])
    except RunnerUnavailable as exc:
        return GateResult(name, 2, f"the TypeScript parser is not available: {exc} (fix: {exc.hint})")
    return GateResult(name, report.exit_code, summary_line(report), report)
