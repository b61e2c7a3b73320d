"""Runs cases through both engines: each policy text parsed once per engine, requests batched."""

from __future__ import annotations

import gc
import marshal
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Sequence

import cedarpy

from toolkit.cedar import pyengine
from toolkit.cedar.answers import EngineAnswer
from toolkit.cedar.wasm import Pending, RunnerError, RunnerInfo, WasmRunner
from toolkit.parity.compare import (
    CaseResult,
    Verdict,
    annotation_problems,
    failed,
    judge,
    verdict,
)
from toolkit.parity.fixtures import Expected, Fixture, has_unsafe_integer

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    policies: str
    entities: list[Any]
    requests: list[dict[str, Any]]
    expected: Expected | None = None

    @property
    def lossy_in_javascript(self) -> bool:
        return has_unsafe_integer([r.get("context", {}) for r in self.requests]) or has_unsafe_integer(self.entities)


def case_from_fixture(fixture: Fixture) -> Case:
    return Case(fixture.name, fixture.display, fixture.policies, fixture.entities, [fixture.request], fixture.expected)


@dataclass
class ParityReport:
    results: list[CaseResult]
    runner: RunnerInfo | None
    cedarpy_version: str
    duration_s: float
    runner_starts: int = 0
    runner_failures: list[str] = field(default_factory=list)
    shard: Any = None
    """The `toolkit.parity.shards.ShardPlan` of a sharded run, else None."""

    @property
    def exit_code(self) -> int:
        if not self.results:
            return 0 if self.shard is not None else 1  # a shard may be left without a group when n > groups
        return 0 if all(r.passed for r in self.results) else 1

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def classes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.results:
            for name in result.classes:
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))


@dataclass
class _PolicySide:
    """What each engine made of one policy text."""

    py_handle: Any = None
    py_error: str | None = None
    py_rule_ids: dict[str, str] = field(default_factory=dict)
    js_error: str | None = None
    js_failure: RunnerError | None = None
    js_rule_ids: dict[str, str] = field(default_factory=dict)
    annotation_problems: list[str] = field(default_factory=list)


def rule_ids(policies: Iterable[pyengine.EnginePolicy]) -> dict[str, str]:
    return {p.policy_id: p.annotations["rule_id"] for p in policies if isinstance(p.annotations.get("rule_id"), str)}


def _chunks(indexes: list[int], cases: Sequence[Case], limit: int) -> Iterable[list[int]]:
    """Consecutive cases whose requests fit one runner call, so a crash costs at most one chunk."""
    chunk: list[int] = []
    size = 0
    for index in indexes:
        n = len(cases[index].requests)
        if chunk and size + n > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(index)
        size += n
    if chunk:
        yield chunk


def _groups(cases: Sequence[Case]) -> Iterable[tuple[str, list[int]]]:
    """Case indexes by policy text and entity store, for one runner call per group.

    The store's key is its `marshal` bytes: type-exact (unlike `==`, which
    takes `true` for `1`) and about 8x cheaper than JSON with sorted keys.
    Equal stores that marshal differently (key order, shared objects) only
    cost an extra runner call, never a wrong answer.
    """
    groups: dict[tuple[str, bytes | int], list[int]] = {}
    for index, case in enumerate(cases):
        try:
            store: bytes | int = marshal.dumps(case.entities)
        except ValueError:  # nested past marshal's depth limit: a group of its own
            store = index
        groups.setdefault((case.policies, store), []).append(index)
    for (text, _), indexes in groups.items():
        yield text, indexes


class Harness:
    """Both engines over batches of cases; prepared policy texts are kept (LRU) across batches."""

    MAX_SIDES = 256

    def __init__(self, runner: WasmRunner) -> None:
        self.runner = runner
        self._sides: OrderedDict[str, _PolicySide] = OrderedDict()
        self._shared: dict[object, object] = {}

    def _lean(self, result: CaseResult) -> CaseResult:
        """A passing result as small as it gets for a corpus-sized report.

        The raw per-request answers are dropped (only a divergence is saved from
        them) and equal verdicts and expectations become one shared object.
        """
        if not result.passed:
            return result
        if len(self._shared) > 4096:
            self._shared.clear()

        def share(value: Any) -> Any:
            return self._shared.setdefault(value, value)

        return replace(result, cedarpy=share(replace(result.cedarpy, answers=())),
                       wasm=share(replace(result.wasm, answers=())), expected=share(result.expected))

    def _side(self, text: str) -> _PolicySide:
        side = self._sides.get(text)
        if side is None or side.js_failure is not None:
            side = self._sides[text] = self._prepare(text)
            while len(self._sides) > self.MAX_SIDES:
                self._sides.popitem(last=False)
        self._sides.move_to_end(text)
        return side

    def _prepare(self, text: str) -> _PolicySide:
        side = _PolicySide()
        py_policies: list[pyengine.EnginePolicy] = []
        try:
            py_policies = [p for p in pyengine.parse(text) if not p.is_template]
            side.py_handle = pyengine.preparse(text)
            side.py_rule_ids = rule_ids(py_policies)
        except pyengine.CedarSyntaxError as exc:
            side.py_error = str(exc)
        try:
            loaded = self.runner.load(text)
        except RunnerError as exc:
            side.js_failure = exc
            return side
        if not loaded.ok:
            side.js_error = "; ".join(loaded.errors)
        else:
            side.js_rule_ids = rule_ids(loaded.policies)
            if side.py_error is None:
                side.annotation_problems = annotation_problems(py_policies, loaded.policies)
        return side

    def _py_answers(self, side: _PolicySide, entities: list[Any], requests: list[dict[str, Any]]) -> list[EngineAnswer]:
        if side.py_error is not None:
            return [EngineAnswer.input_error([side.py_error]) for _ in requests]
        return pyengine.authorize_batch(side.py_handle, entities, requests)

    def _submit(self, text: str, side: _PolicySide, entities: list[Any],
                requests: list[dict[str, Any]]) -> Pending | list[EngineAnswer] | RunnerError:
        if side.js_failure is not None:
            return side.js_failure
        if side.js_error is not None:
            return [EngineAnswer.input_error([side.js_error]) for _ in requests]
        try:
            return self.runner.submit(text, entities, requests)
        except RunnerError as exc:
            return exc

    def _collect(self, sent: Pending | list[EngineAnswer] | RunnerError | None) -> list[EngineAnswer] | RunnerError:
        assert sent is not None, "every chunk is submitted in start"
        if not isinstance(sent, Pending):
            return sent
        try:
            return self.runner.collect(sent)
        except RunnerError as exc:
            return exc

    def start(self, cases: Sequence[Case]) -> _Batch:
        """Sends every chunk to the runner, then answers them in cedarpy while Node works; `finish` judges."""
        batch = _Batch(cases)
        groups = [(text, self._side(text), indexes) for text, indexes in _groups(cases)]
        for text, side, indexes in groups:
            for chunk in _chunks(indexes, cases, self.runner.max_batch):
                item = _Chunk(side, chunk, [cases[i] for i in chunk])
                item.sent = self._submit(text, side, item.entities, item.requests)
                batch.chunks.append(item)
        for item in batch.chunks:
            item.py = self._py_answers(item.side, item.entities, item.requests)
        return batch

    def finish(self, batch: _Batch, progress: Progress | None = None) -> list[CaseResult]:
        """Results in the order of the batch's cases."""
        results: list[CaseResult | None] = [None] * len(batch.cases)
        for item in batch.chunks:
            judged = self._judge_chunk(item.side, item.cases, item.py, self._collect(item.sent))
            for i, result in zip(item.indexes, judged):
                results[i] = result
            if progress:
                progress(len(item.indexes))
        return [r for r in results if r is not None]

    def _judge_chunk(self, side: _PolicySide, cases: Sequence[Case], py_all: list[EngineAnswer],
                     js_all: list[EngineAnswer] | RunnerError) -> list[CaseResult]:
        lossy_entities = has_unsafe_integer(cases[0].entities)  # every case of a chunk shares its entity store
        results, offset = [], 0
        for case in cases:
            n = len(case.requests)
            py = verdict(py_all[offset : offset + n], side.py_rule_ids)
            if isinstance(js_all, RunnerError):
                js: Verdict = failed(js_all.kind, str(js_all))
            else:
                js = verdict(js_all[offset : offset + n], side.js_rule_ids)
            offset += n
            results.append(self._lean(
                judge(
                    case.name, case.source, case.expected, py, js,
                    lossy_in_javascript=lossy_entities or has_unsafe_integer(
                        [r.get("context", {}) for r in case.requests]),
                    annotation_problems=side.annotation_problems,
                )
            ))
        return results

    def run(self, cases: Sequence[Case], progress: Progress | None = None) -> list[CaseResult]:
        """Results in the order of `cases`."""
        return self.finish(self.start(cases), progress)


@dataclass
class _Chunk:
    """Consecutive cases of one policy text and entity store: one runner call, one cedarpy call."""

    side: _PolicySide
    indexes: list[int]
    cases: list[Case]
    sent: Pending | list[EngineAnswer] | RunnerError | None = None
    py: list[EngineAnswer] = field(default_factory=list)

    @property
    def entities(self) -> list[Any]:
        return self.cases[0].entities

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [r for case in self.cases for r in case.requests]


@dataclass
class _Batch:
    cases: Sequence[Case]
    chunks: list[_Chunk] = field(default_factory=list)


def run_cases(cases: Sequence[Case], runner: WasmRunner, progress: Progress | None = None) -> ParityReport:
    return run_batches([cases], runner, progress)


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Reading thousands of fixtures allocates millions of dicts and lists; at the default gen-0 threshold
    (700) the cycle collector took about 15% of a corpus run's CPU. Cycles are still collected, less often."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_batches(batches: Iterable[Sequence[Case]], runner: WasmRunner,
                progress: Progress | None = None) -> ParityReport:
    """Each batch is run and dropped once the next is made, so only the results and two batches stay in memory."""
    started = time.perf_counter()
    info: RunnerInfo | None = None
    try:
        info = runner.start()
    except RunnerError:
        pass  # every case then reports the failure itself
    harness = Harness(runner)
    results: list[CaseResult] = []
    in_flight: _Batch | None = None
    with _rare_collections():
        for batch in batches:  # making the next batch (reading files) overlaps Node answering the one in flight
            if in_flight is not None:
                results.extend(harness.finish(in_flight, progress))
            in_flight = harness.start(batch)
        if in_flight is not None:
            results.extend(harness.finish(in_flight, progress))
    return ParityReport(
        results=results,
        runner=runner.info or info,
        cedarpy_version=cedarpy_version(),
        duration_s=time.perf_counter() - started,
        runner_starts=runner.starts,
        runner_failures=[f"{f.kind}: {str(f).splitlines()[0]}" for f in runner.failures],
    )


MIN_CASES_PER_JOB = 5000
"""A worker costs a Python start, imports and a Node runner (about half a second), and one worker already
keeps about 1.5 cores busy (Python and its Node runner overlap): below this a second one does not pay."""


def default_jobs() -> int:
    import os

    return max(1, min(os.cpu_count() or 1, 8))


def cedarpy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cedarpy")
    except PackageNotFoundError:  # pragma: no cover - cedarpy is a hard dependency
        return getattr(cedarpy, "__version__", "unknown")

