"""The parity gate and fixture recording, as services the CLI and `check` call."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

from toolkit.cedar.wasm import WasmRunner
from toolkit.config import Config
from toolkit.parity.compare import PASS, CaseResult
from toolkit.parity.corpus import blueprint_cases, builtin_cases, load_corpus
from toolkit.parity.fixtures import (
    Expected,
    Fixture,
    FixtureError,
    FixtureLoader,
    fixture_files,
    load_fixtures,
    write_fixture,
)
from toolkit.parity.harness import (
    MIN_CASES_PER_JOB,
    Case,
    ParityReport,
    Progress,
    case_from_fixture,
    cedarpy_version,
    run_batches,
    run_cases,
)
from toolkit.parity.shards import Shard, ShardPlan, parse_shard, select
from toolkit.policies import load_builtins
from toolkit.resources import parity_fixtures_dir


def fixture_paths(config: Config, paths: Sequence[Path]) -> list[Path]:
    return list(paths or config.parity_fixtures or [parity_fixtures_dir()])


def policy_cases(config: Config) -> list[Case]:
    corpus = load_corpus()
    builtins = load_builtins(config.builtins, config.max_file_bytes)
    return builtin_cases(builtins, corpus) + blueprint_cases(config.blueprints, corpus, config.max_file_bytes)


def make_runner(config: Config) -> WasmRunner:
    return WasmRunner(timeout_s=config.parity_timeout_s)


__all__ = ["Shard", "parse_shard", "run_parity", "record", "policy_cases", "make_runner"]


def run_parity(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    include_policies: bool,
    runner: WasmRunner,
    progress: Progress | None = None,
    shard: Shard | None = None,
    jobs: int = 1,
) -> ParityReport:
    """Fixtures (and optionally the real policy files) through both engines; only the shard's cases when given.

    A shard holds whole groups of cases that share a policy text and entity store (`toolkit.parity.shards`), and
    loads only its own files. With `jobs` > 1 large runs are split over worker processes (one Node runner each)
    and `runner` is never started: the last worker also runs the policy files. The report is the same for any
    `jobs`. In one process the runner is started first, so a runner that cannot start raises RunnerError.
    """
    roots = fixture_paths(config, paths)
    files = fixture_files(roots)
    if not files:
        raise FixtureError(", ".join(str(p) for p in roots), "no fixture files (*.json) found")
    extra = policy_cases(config) if include_policies else []
    plan: ShardPlan | None = None
    if shard is not None:
        files, extra, plan = select(files, extra, shard)
    parts = _split(files, jobs)
    if len(parts) > 1:
        report = _run_parts(parts, runner, progress, config.max_file_bytes, extra)
    elif not files and not extra:
        report = ParityReport(results=[], runner=None, cedarpy_version=cedarpy_version(), duration_s=0.0)
    else:
        runner.start()
        report = _run_files(files, runner, config.max_file_bytes, progress) if files else None
        if extra:
            more = run_cases(extra, runner, progress)
            if report is None:
                report = more
            else:
                report.results.extend(more.results)
                report.duration_s += more.duration_s
                report.runner_starts, report.runner_failures = more.runner_starts, more.runner_failures
        assert report is not None
    report.shard = plan
    return report


def _split(files: list[str], jobs: int) -> list[list[str]]:
    """Contiguous slices of the file list, so concatenating the workers' results gives the serial order."""
    workers = min(jobs, len(files) // MIN_CASES_PER_JOB)
    if workers <= 1:
        return [files]
    size = -(-len(files) // workers)
    return [files[i:i + size] for i in range(0, len(files), size)]


BATCH_FILES = 500
"""Fixture files read, run and dropped together: memory stays that of two batches (one in Node while the next
is read) plus the results."""


def _batches(files: list[str], loader: FixtureLoader) -> Iterator[list[Case]]:
    for start in range(0, len(files), BATCH_FILES):
        yield [case_from_fixture(f) for f in loader.load(files[start:start + BATCH_FILES])]


def _run_files(files: list[str], runner: WasmRunner, max_bytes: int,
               progress: Progress | None = None) -> ParityReport:
    """Unusable files do not stop the run early, but the run ends in one FixtureError listing them all."""
    loader = FixtureLoader(max_bytes=max_bytes)
    report = run_batches(_batches(files, loader), runner, progress)
    loader.finish()
    return report


def _run_part(files: list[str], timeout_s: float, max_bytes: int, extra: list[Case]) -> ParityReport:
    """One worker: loads its own files (loading is most of the cost) and runs them on its own Node runner."""
    with WasmRunner(timeout_s=timeout_s) as runner:
        report = _run_files(files, runner, max_bytes)
        if extra:
            more = run_cases(extra, runner)
            report.results.extend(more.results)
            report.runner_starts, report.runner_failures = more.runner_starts, more.runner_failures
        return report


def _run_parts(parts: list[list[str]], runner: WasmRunner, progress: Progress | None, max_bytes: int,
               extra: list[Case]) -> ParityReport:
    """The parent only hands out work and merges: it starts no Node runner of its own (`runner` stays idle)."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    results, starts, failures, info = [], 0, [], None
    with ProcessPoolExecutor(len(parts), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_run_part, part, runner.timeout_s, max_bytes, extra if last else [])
                   for last, part in ((i == len(parts) - 1, p) for i, p in enumerate(parts))]
        for future in futures:
            part = future.result()
            results.extend(part.results)
            starts += part.runner_starts
            failures += part.runner_failures
            info = info or part.runner
            if progress:
                progress(len(part.results))
    seen: dict[str, str] = {}
    for result in results:
        if result.name in seen:
            raise FixtureError(result.source, f"duplicate case name {result.name!r} (also in {seen[result.name]})")
        seen[result.name] = result.source
    return ParityReport(results=results, runner=info, cedarpy_version=cedarpy_version(),
                        duration_s=time.perf_counter() - started, runner_starts=starts, runner_failures=failures)


@dataclass
class RecordOutcome:
    fixture: Fixture
    action: str  # written, unchanged, refused
    detail: str = ""
    result: CaseResult | None = None


@dataclass
class RecordReport:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(o.action == "refused" for o in self.outcomes) else 0

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


def record(paths: Sequence[Path], runner: WasmRunner, dry_run: bool = False) -> RecordReport:
    """Write `expected` from what both engines said, only where they agree."""
    fixtures = load_fixtures(paths, require_expected=False)
    cases = [replace(case_from_fixture(f), expected=None) for f in fixtures]
    report = RecordReport()
    for fixture, result in zip(fixtures, run_cases(cases, runner).results):
        if result.status != PASS:
            why = ", ".join(result.classes) or result.status
            report.outcomes.append(RecordOutcome(fixture, "refused", f"the engines disagree ({why})", result))
            continue
        verdict = result.cedarpy
        if not verdict.ok:
            report.outcomes.append(
                RecordOutcome(fixture, "refused", "both engines rejected the input; a fixture must decide", result)
            )
            continue
        assert verdict.decision is not None
        errored: tuple[str, ...] | None = verdict.errored_rule_ids
        if not errored and fixture.expected is not None and fixture.expected.errored_rule_ids is None:
            errored = None  # the author left errors unchecked, and there are none: nothing to write
        fresh = Expected(verdict.decision, verdict.rule_ids, errored)
        if fixture.expected == fresh:
            report.outcomes.append(RecordOutcome(fixture, "unchanged", result=result))
            continue
        if not dry_run:
            try:
                write_fixture(fixture, fresh)
            except OSError as exc:
                report.outcomes.append(RecordOutcome(
                    fixture, "refused", f"cannot write the file ({exc.strerror or exc}); it is unchanged", result))
                continue
        report.outcomes.append(RecordOutcome(fixture, "written", _describe(fixture.expected, fresh), result))
    return report


def _describe(old: Expected | None, new: Expected) -> str:
    def show(e: Expected) -> str:
        text = f"{e.decision} [{', '.join(e.matching_rule_ids)}]"
        if e.errored_rule_ids:
            text += f" errored [{', '.join(e.errored_rule_ids)}]"
        return text

    return f"{show(old)} -> {show(new)}" if old else f"new: {show(new)}"
