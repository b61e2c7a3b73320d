"""`cedar-gates test`: load suites, group them by the blueprint they test, run, measure coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from toolkit.config import Config
from toolkit.policytests.coverage import Coverage, measure, trace_hits
from toolkit.policytests.load import load_suite
from toolkit.policytests.model import Suite, SuiteProblem
from toolkit.policytests.run import TestResult, run_tests, wasm_bundle


@dataclass
class Group:
    """Every suite that tests one blueprint (None: the built-in tiers alone), with one coverage."""

    blueprint: Path | None
    suites: list[Suite] = field(default_factory=list)
    results: list[TestResult] = field(default_factory=list)
    coverage: Coverage | None = None
    lint_errors: list[Any] = field(default_factory=list)
    """The error-level lint findings that kept the gate from being built: its tests did not run (a failure)."""

    @property
    def not_run(self) -> int:
        return sum(len(s.tests) for s in self.suites) if self.lint_errors else 0


@dataclass
class TestReport:
    groups: list[Group]
    problems: list[SuiteProblem]
    wasm: bool
    min_coverage: float | None = None

    @property
    def results(self) -> list[TestResult]:
        return [r for g in self.groups for r in g.results]

    @property
    def failed(self) -> list[TestResult]:
        return [r for r in self.results if not r.passed]

    @property
    def below_minimum(self) -> list[Group]:
        if self.min_coverage is None:
            return []
        return [g for g in self.groups if g.coverage is not None and g.coverage.percent < self.min_coverage]

    @property
    def blocked(self) -> list[Group]:
        """Groups whose blueprint (or built-in tiers) lints with errors, so none of their tests ran."""
        return [g for g in self.groups if g.lint_errors]

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if self.failed or self.below_minimum or self.blocked else 0


def default_paths(config: Config) -> list[Path]:
    """The configured test files, else the discovered ones (toolkit.policytests.select); may be empty."""
    from toolkit.policytests.select import select_tests

    return list(select_tests(config).paths)


def run_paths(paths: Sequence[Path], config: Config, *, runner: Any = None, coverage: bool = False,
              include_builtins: bool = False, traces: Sequence[Path] = (), min_coverage: float | None = None,
              ) -> TestReport:
    """`runner`: a started WasmRunner to decide every test in cedar-wasm too (None: cedarpy only)."""
    from toolkit.policyset import LintRefusal, load_policies

    suites = [load_suite(p, config.max_file_bytes) for p in paths]
    problems = [p for s in suites for p in s.problems]
    report = TestReport([], problems, runner is not None, min_coverage)
    if problems:
        return report
    groups: dict[Path | None, Group] = {}
    for suite in suites:
        key = suite.blueprint.resolve() if suite.blueprint is not None else None
        groups.setdefault(key, Group(suite.blueprint)).suites.append(suite)
    for group in groups.values():
        report.groups.append(group)
        try:
            bundle, constants = load_policies(_blueprint_of(group), config)
        except LintRefusal as exc:
            group.lint_errors = list(exc.findings)
            continue
        other = wasm_bundle(bundle, runner) if runner is not None else None
        for suite in group.suites:
            group.results.extend(run_tests(suite.tests, bundle, constants, other))
        if coverage or min_coverage is not None:
            hits = trace_hits(traces, bundle, constants) if traces else None
            group.coverage = measure(bundle, group.results, include_builtins or group.blueprint is None, hits)
    return report


def _blueprint_of(group: Group) -> Any:
    """The group's blueprint path, or the blueprint itself when it came from stdin."""
    return next((s.loaded for s in group.suites if s.loaded is not None), group.blueprint)
