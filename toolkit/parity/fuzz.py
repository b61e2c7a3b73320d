"""Differential fuzzing of cedarpy against cedar-wasm, driven by hypothesis.

A divergence of an unknown class is raised inside the hypothesis test so that
hypothesis shrinks it to a minimal case; each class gets its own exception type,
so distinct classes are shrunk and reported separately. Known classes (integers
beyond ±2^53) are counted, never raised and never hidden. The run is reproducible
from its seed: no example database, no deadline.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from toolkit.errors import MissingExtra
from toolkit.parity.strategies import FUZZ_EXTRA

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
except ImportError as exc:  # the fuzz extra is optional; say how to get it
    raise MissingExtra(FUZZ_EXTRA) from exc

from toolkit.cedar import pyengine
from toolkit.cedar.wasm import WasmRunner
from toolkit.parity.compare import DIVERGENCE, KNOWN, PASS, CaseResult
from toolkit.parity.harness import Case, Harness, rule_ids
from toolkit.parity.strategies import FuzzCase, fuzz_cases

if sys.version_info >= (3, 11):
    from builtins import BaseExceptionGroup
else:  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup


class Divergence(Exception):
    def __init__(self, case: FuzzCase, result: CaseResult) -> None:
        super().__init__(", ".join(result.classes))
        self.case = case
        self.result = result


@functools.lru_cache(maxsize=None)
def _divergence_type(classes: tuple[str, ...]) -> type[Divergence]:
    """One exception type per class combination: hypothesis keeps distinct types apart while shrinking."""
    return type(f"Divergence[{'+'.join(classes)}]", (Divergence,), {})


@dataclass
class FuzzReport:
    seed: int
    requested: int
    generated: int = 0
    requests: int = 0
    passed: int = 0
    known: dict[str, int] = field(default_factory=dict)
    divergences: list[Divergence] = field(default_factory=list)
    search_calls: int = 0
    duration_s: float = 0.0
    saved: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.divergences else 0

    @property
    def cases_per_s(self) -> float:
        return self.generated / self.duration_s if self.duration_s else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "cases_requested": self.requested,
            "cases_generated": self.generated,
            "requests": self.requests,
            "agreeing_cases": self.passed,
            "known_divergences": self.known,
            "divergences": [
                {"classes": list(d.result.classes), "minimal_case": _case_json(d.case), "result": d.result.to_json()}
                for d in self.divergences
            ],
            "shrink_calls": self.search_calls,
            "duration_s": round(self.duration_s, 3),
            "cases_per_s": round(self.cases_per_s, 1),
            "saved": [str(p) for p in self.saved],
            "exit_code": self.exit_code,
        }


def _case_json(case: FuzzCase) -> dict[str, object]:
    return {"policies": case.policies, "entities": case.entities, "requests": case.requests}


def run_fuzz(
    runner: WasmRunner,
    cases: int,
    seed_value: int,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> FuzzReport:
    report = FuzzReport(seed=seed_value, requested=cases)
    harness = Harness(runner)
    first_bug_seen = False

    @settings(
        max_examples=cases,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @seed(seed_value)
    @given(fuzz_cases)
    def differential(case: FuzzCase) -> None:
        nonlocal first_bug_seen
        result = harness.run([Case("fuzz", "fuzz", case.policies, case.entities, case.requests)])[0]
        if first_bug_seen:
            report.search_calls += 1
        else:
            report.generated += 1
            report.requests += len(case.requests)
            if result.status == PASS:
                report.passed += 1
            elif result.status == KNOWN:
                name = result.classes[0]
                report.known[name] = report.known.get(name, 0) + 1
            if progress:
                progress(1)
        if result.status == DIVERGENCE:
            first_bug_seen = True
            raise _divergence_type(result.classes)(case, result)

    started = clock()
    try:
        with isolated_generation():
            differential()
    except Divergence as found:
        report.divergences.append(found)
    except BaseExceptionGroup as group:
        found, rest = group.split(Divergence)
        if rest is not None:
            raise rest from None
        report.divergences.extend(_leaves(found))
    report.duration_s = clock() - started
    return report


def shard_plan(cases: int, seed: int, shard: tuple[int, int]) -> tuple[int, int]:
    """(cases, seed) of shard i/n: an even share of the cases from a seed of its own in the seed space."""
    i, n = shard
    share = cases // n + (1 if i <= cases % n else 0)
    return max(share, 1), seed * n + (i - 1)


@contextmanager
def isolated_generation() -> Iterator[None]:
    """The same seed gives the same cases however the toolkit is installed, and nothing is written to the cwd.

    Hypothesis mixes constants it finds in "local" source files (an editable
    install counts, a wheel does not) into what it draws, and caches them in
    `.hypothesis/` of the working directory. Both are switched off for the run:
    the storage goes to a temporary directory and the local constants are
    empty. This reaches into hypothesis' internals, so hypothesis is pinned
    exactly (a seed only replays under the same version anyway).
    """
    import os
    import tempfile

    saved_env = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - another hypothesis layout
        providers = None
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    with tempfile.TemporaryDirectory(prefix="cedar-gates-fuzz-") as storage:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = storage
        if original is not None:
            providers._get_local_constants = lambda: providers.Constants()
        if cache is not None:
            cache.clear()
        try:
            yield
        finally:
            if original is not None:
                providers._get_local_constants = original
            if cache is not None:
                cache.clear()
            if saved_env is None:
                os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
            else:
                os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = saved_env


def _leaves(group: BaseException | None) -> list[Divergence]:
    if group is None:
        return []
    if isinstance(group, Divergence):
        return [group]
    return [leaf for inner in getattr(group, "exceptions", ()) for leaf in _leaves(inner)]


def save_failures(report: FuzzReport, directory: Path) -> list[Path]:
    """Each minimal divergence as parity fixtures (one per request), named by seed and class."""
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    for number, divergence in enumerate(report.divergences, 1):
        result = divergence.result
        for index, request in enumerate(divergence.case.requests):
            py = result.cedarpy.answers[index] if index < len(result.cedarpy.answers) else None
            js = result.wasm.answers[index] if index < len(result.wasm.answers) else None
            reference = py if py is not None and py.ok else js
            name = f"fuzz-{report.seed}-{number}-{'+'.join(result.classes)}-{index}"
            fixture = {
                "name": name,
                "description": (
                    f"Found by `cedar-gates parity fuzz --seed {report.seed}` and shrunk: {', '.join(result.classes)}. "
                    f"cedarpy: {py.to_json() if py else 'no answer'}; cedar-wasm: {js.to_json() if js else 'no answer'}. "
                    "`expected` holds the cedarpy answer where cedarpy answered."
                ),
                "policies": divergence.case.policies,
                "entities": divergence.case.entities,
                "input": request,
            }
            if reference is not None and reference.ok:
                names = _rule_ids(divergence.case.policies)
                fixture["expected"] = {
                    "decision": reference.decision,
                    "matching_rule_ids": sorted({names.get(p, p) for p in reference.reasons}),
                    "errored_rule_ids": sorted({names.get(p, p) for p in reference.errored}),
                }
            path = directory / f"{name}.json"
            from toolkit.safeio import write_output

            write_output(path, json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
            saved.append(path)
    report.saved.extend(saved)
    return saved



def _rule_ids(text: str) -> dict[str, str]:
    try:
        return rule_ids(pyengine.parse(text))
    except pyengine.CedarSyntaxError:
        return {}
