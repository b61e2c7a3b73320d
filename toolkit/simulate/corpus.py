"""Replay many sessions: find the trace files under directories and globs, replay each, fold the reports.

Each file is replayed on its own (its own gate, clock and task state, as a
single-file replay would), by this process or by worker processes that each
load the policy set once (forked workers inherit it, see `pick_start_method`).
Results come back in discovery order, so `--jobs 4` reports exactly what
`--jobs 1` does. A file that cannot be replayed is a failure in the report,
named with its reason; the others go on.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping, Sequence

from toolkit.contract import Constants
from toolkit.engine import PolicyBundle
from toolkit.errors import InputError
from toolkit.simulate.diffreport import DiffCorpus
from toolkit.simulate.report import Corpus, SessionFacts
from toolkit.simulate.session import diff_items, simulate_items
from toolkit.simulate.sources import stream_name, streams
from toolkit.simulate.summary import LIST_LIMIT
from toolkit.simulate.trace import Respond

TRACE_SUFFIX = ".jsonl"
BASELINE_SUFFIX = ".expected.jsonl"
GLOB_CHARS = frozenset("*?[")


class DiscoveryError(InputError):
    """A path on the command line that names no trace."""


class WorkerError(InputError):
    """A worker process ended without reporting its files: the run cannot say what they hold."""


class RunError(InputError):
    """The run itself could not go on (worker processes, temporary files): no trace is at fault."""


class PolicyChanged(InputError):
    """A worker loaded other policies than this process: its sessions would not match the report's policy_hash."""


class RecordsError(Exception):
    """Writing the decision records failed; the run stops, since a records file must not silently miss calls."""

    def __init__(self, strerror: str) -> None:
        super().__init__(strerror)
        self.strerror = strerror


class _Sink:
    """The records handle, with write failures told apart from every other OSError of the run."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def write(self, text: str) -> int:
        try:
            return self._handle.write(text)
        except OSError as exc:
            raise RecordsError(exc.strerror or str(exc)) from exc


def _walk(root: Path) -> Iterator[Path]:
    """Trace files under `root`, depth first in name order; symlinked directories are not followed."""
    for here, dirs, files in os.walk(root, onerror=None, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(TRACE_SUFFIX) and not name.endswith(BASELINE_SUFFIX) and not name.startswith("."):
                yield Path(here) / name


def discover(paths: Sequence[str]) -> list[Path]:
    """Every trace file named by `paths` (files, directories, globs), each once, in a stable order.

    Claude Code keeps `<project>/<session>.jsonl` and the session's sub-agents in
    `<project>/<session>/subagents/agent-*.jsonl` (older versions: `agent-*.jsonl`
    beside it); a walk in name order finds them all. Baselines (`*.expected.jsonl`)
    are never replayed.
    """
    found: dict[Path, None] = {}
    for raw in paths:
        if raw == "-":
            raise DiscoveryError("-", "stdin holds one trace; it cannot be replayed with other paths",
                                 hint="pass `-` alone, or save it to a file first")
        path = Path(raw).expanduser()
        if path.is_dir():
            found.update(dict.fromkeys(_walk(path)))
        elif path.exists():
            found[path] = None
        elif GLOB_CHARS & set(raw):
            matches = sorted(glob.glob(str(path), recursive=True))
            if not matches:
                raise DiscoveryError(raw, "the pattern matches no file", hint="check the pattern; quote it so the "
                                     "shell does not expand it first")
            for match in map(Path, matches):
                if match.is_dir():
                    found.update(dict.fromkeys(_walk(match)))
                elif not match.name.endswith(BASELINE_SUFFIX):
                    found[match] = None
        else:
            raise DiscoveryError(raw, "no such file or directory", hint="pass trace files, directories or globs")
    return list(found)


def one_file(paths: Sequence[str]) -> bool:
    """One path that is not a directory or a glob: replayed alone, with its own report (and errors)."""
    return len(paths) == 1 and (paths[0] == "-" or not (Path(paths[0]).expanduser().is_dir()
                                                        or GLOB_CHARS & set(paths[0])))


def label_of(path: Path, roots: Sequence[str]) -> tuple[str, str | None]:
    """A short name for the report (the path under the directory given) and the sub-agent, if the file is one."""
    label = str(path)
    for raw in roots:
        root = Path(raw).expanduser()
        if root.is_dir():
            try:
                label = str(path.relative_to(root))
                break
            except ValueError:
                continue
    agent = path.stem if path.stem.startswith("agent-") else None
    return label, agent


@dataclass(frozen=True)
class Settings:
    """What a worker needs to replay a file as this process would: picklable, no loaded state."""

    blueprint: str | None
    config: str | None
    respond: str
    fmt: str = "auto"
    skip_bad_lines: bool = False
    candidate: str | None = None
    diff: bool = False
    list_limit: int | None = LIST_LIMIT
    """Mismatches, bad and skipped lines each session lists (None: every one, for JUnit and annotations)."""
    task_settings: Mapping[str, Any] | None = None
    strict: bool = False
    records_dir: str | None = None
    """Where workers write each file's decision records for the parent to copy out in order."""
    policy_hashes: tuple[str, str | None] | None = None
    """The policy hashes this process loaded; a worker that loads others stops the run."""


def settings_for(blueprint: Path | None, config: Path | None, respond: str, fmt: str, skip_bad_lines: bool, *,
                 candidate: Path | None = None, diff: bool = False, list_all: bool = False,
                 task_settings: Mapping[str, Any] | None = None, strict: bool = False) -> Settings:
    """The worker settings for the command-line options (paths as text, so they pickle).

    `list_all`: every mismatch and bad line of every session (for JUnit and annotations), not the first few.
    """
    def text(path: Path | None) -> str | None:
        return str(path) if path else None

    return Settings(text(blueprint), text(config), respond, fmt, skip_bad_lines, text(candidate), diff,
                    None if list_all else LIST_LIMIT, task_settings, strict)


@lru_cache(maxsize=4)
def _policies(blueprint: str | None, config: str | None) -> tuple[PolicyBundle, Constants]:
    """The policy set, loaded once per process (per blueprint), never per session."""
    from toolkit.config import load_config
    from toolkit.policyset import load_policies

    cfg = load_config(Path(config) if config else None)
    return load_policies(Path(blueprint) if blueprint else None, cfg)


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    bundle: PolicyBundle
    constants: Constants
    candidate: PolicyBundle | None = None


def load(settings: Settings) -> Loaded:
    bundle, constants = _policies(settings.blueprint, settings.config)
    candidate = _policies(settings.candidate, settings.config)[0] if settings.diff else None
    return Loaded(settings, bundle, constants, candidate)


def replay_file(loaded: Loaded, path: Path, label: str, agent: str | None = None,
                records: IO[str] | None = None) -> list[Any]:
    """The facts (or diff reports) of every stream in one file, each replayed with its own gate.

    A file that cannot be read at all is one `Unreadable`; the run goes on.
    """
    s = loaded.settings
    out: list[Any] = []
    try:
        for stream in streams(path, loaded.constants, s.fmt, s.task_settings, strict=s.strict):
            name = stream_name(label, path, stream)
            if s.diff:
                assert loaded.candidate is not None
                out.append((str(path), name, diff_items(name, stream.records(), loaded.bundle, loaded.candidate,
                                                        loaded.constants, default=Respond(s.respond),
                                                        skip_bad_lines=s.skip_bad_lines)))
                continue
            facts = SessionFacts(str(path), name, stream.agent or agent)
            report = simulate_items(name, stream.records(), loaded.bundle, loaded.constants,
                                    default=Respond(s.respond), fmt=s.fmt, skip_bad_lines=s.skip_bad_lines,
                                    observe=facts.observe, list_limit=s.list_limit, out=records, session=name)
            out.append(facts.finish(report))
    except RecordsError:
        raise
    except InputError as exc:
        out.append(Unreadable(str(path), label, _reason(exc), exc.line))
    except Exception as exc:  # noqa: BLE001 - one broken file must not end a run over thousands
        out.append(Unreadable(str(path), label, f"internal error while replaying: {type(exc).__name__}: {exc}"))
    return out


def _reason(exc: InputError) -> str:
    return exc.message + (f" (hint: {exc.hint})" if exc.hint else "")


@dataclass(frozen=True)
class Unreadable:
    source: str
    label: str
    reason: str
    line: int | None = None


Task = tuple[Settings, int, str, str, "str | None"]


def _work(task: Task) -> list[Any]:
    """In a worker: replay one file; its decision records go to a file of their own, named by its place."""
    settings, index, path, label, agent = task
    loaded = load(settings)
    mine = (loaded.bundle.policy_hash, loaded.candidate.policy_hash if loaded.candidate else None)
    if settings.policy_hashes is not None and mine != settings.policy_hashes:
        changed = settings.candidate if mine[0] == settings.policy_hashes[0] else settings.blueprint
        raise PolicyChanged(changed or settings.config or "-", "a replay worker loaded other policies than this "
                            "process (the blueprint or config changed on disk during the run), so its sessions "
                            "would not match the report's policy_hash", None, None,
                            "run again once the file stops changing, or with --jobs 1")
    if settings.records_dir is None:
        return replay_file(loaded, Path(path), label, agent)
    part = Path(settings.records_dir) / f"{index}.jsonl"
    try:
        with open(part, "w", encoding="utf-8") as records:
            return replay_file(loaded, Path(path), label, agent, _Sink(records))  # type: ignore[arg-type]
    except (OSError, RecordsError) as exc:
        raise RunError(str(part), f"cannot write the temporary decision records: "
                       f"{getattr(exc, 'strerror', None) or exc}", None, None,
                       "free space in the temporary directory (TMPDIR), or run with --jobs 1") from None


def _warm(settings: Settings) -> None:
    load(settings)


Advance = Callable[[int], None]


def run(paths: Sequence[Path], roots: Sequence[str], settings: Settings, *, jobs: int = 1,
        loaded: Loaded | None = None, advance: Advance | None = None,
        records: IO[str] | None = None, start_method: str | None = None) -> Corpus | DiffCorpus:
    """Replay every file and fold the results in discovery order; with jobs > 1, in worker processes.

    `records` receives every call's decision record, tagged with its session, in the same order either way.
    `start_method`: how workers start (`fork`, `spawn`); None picks with `start_method()`.
    """
    loaded = loaded or load(settings)
    sink = _Sink(records) if records is not None else None
    settings = replace(settings, policy_hashes=(loaded.bundle.policy_hash,
                                                loaded.candidate.policy_hash if loaded.candidate else None))
    if settings.diff:
        assert loaded.candidate is not None
        report: Corpus | DiffCorpus = DiffCorpus(loaded.bundle.policy_hash, loaded.candidate.policy_hash)
    else:
        report = Corpus(loaded.bundle.policy_hash, list_limit=None if settings.list_limit is None else LIST_LIMIT)
    report.files = len(paths)
    jobs = max(1, min(jobs, len(paths)))
    try:
        spooling = tempfile.TemporaryDirectory(prefix="cedar-gates-records-") if sink and jobs > 1 else nullcontext()
    except OSError as exc:
        raise RunError(tempfile.gettempdir(), f"cannot create a temporary directory for the decision records: "
                       f"{exc.strerror or exc}", None, None, "free space in TMPDIR, or run with --jobs 1") from None
    with spooling as spool:
        settings = replace(settings, records_dir=spool)
        loaded = replace(loaded, settings=settings)
        tasks = ((settings, index, str(p), *label_of(p, roots)) for index, p in enumerate(paths))
        chunk = max(1, min(8, len(paths) // (jobs * 4)))
        method = start_method or pick_start_method()
        for done, results in enumerate(_results(tasks, loaded, jobs, sink, chunk, method), start=1):
            if spool is not None and sink is not None:
                _copy_part(Path(spool) / f"{done - 1}.jsonl", sink)
            for item in results:
                _fold(report, item)
            if advance is not None:
                advance(done)
    return report


def _copy_part(part: Path, sink: _Sink) -> None:
    """One file's records, from the worker's part to the records file (write failures stay RecordsError)."""
    try:
        with open(part, encoding="utf-8") as handle:
            shutil.copyfileobj(handle, sink)  # type: ignore[misc]
        part.unlink()
    except OSError as exc:
        raise RunError(str(part), f"cannot read the temporary decision records: {exc.strerror or exc}", None, None,
                       "run with --jobs 1") from None


def pick_start_method() -> str:
    """`fork` on Linux when this process runs no other thread, else `spawn`.

    A forked worker starts in milliseconds and inherits the policy set this
    process loaded through `load()` (so it neither re-imports nor re-compiles
    it); a spawned one starts a new interpreter and loads it again (about half
    a second). Forking while another thread holds a lock could hang the child,
    and macOS system libraries are not fork-safe, so anywhere else it spawns.
    """
    import multiprocessing
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1 \
            and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def _results(tasks: Iterable[Task], loaded: Loaded, jobs: int, records: _Sink | None,
             chunk: int, method: str = "spawn") -> Iterator[list[Any]]:
    if jobs <= 1:
        for _, _, path, label, agent in tasks:
            yield replay_file(loaded, Path(path), label, agent, records)  # type: ignore[arg-type]
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context(method)
    if method == "fork":
        import sys

        load(loaded.settings)  # forked workers inherit the loaded policies instead of loading their own
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else a child could write this process's buffered output a second time
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_warm, initargs=(loaded.settings,)) as pool:
        try:
            results = pool.map(_work, tasks, chunksize=chunk)
        except OSError as exc:
            raise RunError(f"--jobs {jobs}", f"cannot start the replay worker processes: {exc.strerror or exc}",
                           None, None, "run again with fewer --jobs, or --jobs 1") from None
        try:
            yield from results
        except BrokenProcessPool:
            raise WorkerError("-", "a replay worker process failed to start or died (its policies did not load, "
                              "or it was killed or ran out of memory); the run is incomplete",
                              hint="run again with --jobs 1 to see the error or find the file that causes it") from None


def _fold(report: Corpus | DiffCorpus, item: Any) -> None:
    if isinstance(item, Unreadable):
        report.fail(item.source, item.reason, item.line)
    elif isinstance(report, DiffCorpus):
        source, label, diff_report = item
        report.add(diff_report, label, source)
    else:
        report.add(item)
