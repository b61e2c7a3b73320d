"""`simulate`, `simulate record` and `simulate diff` as services: stream a trace, report, pin, compare.

All three read the trace once, line by line, and hold only bounded state, so a
million-call trace needs no more memory than a short one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping

from toolkit.contract import Constants
from toolkit.engine import PolicyBundle
from toolkit import jsontext
from toolkit.errors import InputError
from toolkit.safeio import NotRegularFile, open_input
from toolkit.simulate.replay import CallResult, Replay, replay
from toolkit.simulate.sources import read_trace, stream_name, streams
from toolkit.simulate.summary import LIST_LIMIT, TABLE_LIMIT, Summary
from toolkit.simulate.trace import BadLine, Respond, TraceCall, TraceHeader

Progress = Callable[[int], None]
Observer = Callable[[CallResult], None]
PINNED = ("tool_name", "outcome", "stage", "rule_ids", "severity", "timeout_s", "final")
DIFF_KEYS = ("outcome", "rule_ids", "severity", "timeout_s")
EXAMPLES_PER_RULE = 20


class BaselineError(InputError):
    """A baseline file that cannot be read."""


@dataclass(frozen=True)
class StreamRow:
    """One agent's part of a file replayed alone: its label (as a directory run names it) and its outcomes."""

    label: str
    agent: str | None
    calls: int
    outcomes: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"session": self.label, "agent": self.agent, "calls": self.calls, "outcomes": self.outcomes}


@dataclass
class SimulationReport:
    trace: str
    policy_hash: str
    summary: Summary
    stopped: BadLine | None = None
    baseline: str | None = None
    skip_bad_lines: bool = False
    streams: list[StreamRow] = field(default_factory=list)
    """Each stream of a file holding several (a transcript with sub-agents), in replay order; else empty."""

    @property
    def exit_code(self) -> int:
        if self.stopped is not None:
            return 2
        return 1 if self.summary.mismatch_count or self.summary.bad_line_count else 0


def _baseline_entries(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = open_input(path)
    except NotRegularFile as exc:
        raise BaselineError(str(path), f"the baseline {exc.strerror}",
                            hint="pass a baseline file from `cedar-gates simulate record`") from None
    except OSError as exc:
        raise BaselineError(str(path), f"cannot read the baseline: {exc.strerror}",
                            hint="create it with `cedar-gates simulate record`") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                entry = jsontext.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise BaselineError(str(path), f"not UTF-8 (byte {exc.start + 1})", number,
                                    hint="re-create it with `cedar-gates simulate record`") from None
            except RecursionError:
                raise BaselineError(str(path), "nested too deeply to read", number) from None
            except jsontext.JsonValueError as exc:
                raise BaselineError(str(path), exc.message, number, exc.column, hint=exc.hint) from None
            except json.JSONDecodeError as exc:
                raise BaselineError(str(path), f"not valid JSON: {exc.msg}", number, exc.colno) from None
            if not isinstance(entry, dict) or ("baseline" not in entry and "line" not in entry):
                raise BaselineError(str(path), "not a baseline line", number,
                                    hint="re-create it with `cedar-gates simulate record`")
            if "baseline" not in entry:
                yield entry


def _compare_baseline(result: CallResult, entry: dict[str, Any] | None) -> list[str]:
    if entry is None:
        return ["the baseline ends before this call"]
    pinned = result.pinned()
    if entry.get("line") != result.line:
        return [f"baseline entry is for trace line {entry.get('line')}; re-record the baseline after editing the trace"]
    return [f"baseline: {key} was {json.dumps(entry.get(key))}, now {json.dumps(pinned[key])}"
            for key in PINNED if entry.get(key) != pinned[key]]


def simulate(
    trace: Path,
    bundle: PolicyBundle,
    constants: Constants,
    *,
    default: Respond,
    fmt: str = "auto",
    out: IO[str] | None = None,
    skip_bad_lines: bool = False,
    baseline: Path | None = None,
    progress: Progress | None = None,
    observe: Observer | None = None,
    list_limit: int | None = LIST_LIMIT,
    task_settings: Mapping[str, Any] | None = None,
    strict: bool = False,
    label: str | None = None,
) -> SimulationReport:
    """Every stream of one file (the main agent, then each sub-agent) through a gate and clock of its own.

    So a file replays exactly as a run over its directory would. With several
    streams, each decision record names its stream in `session` and the report
    lists them (`label`: the name shown for the file, default its path).
    """
    label = label or str(trace)
    report = SimulationReport(label, bundle.policy_hash, Summary(list_limit=list_limit),
                              baseline=str(baseline) if baseline else None, skip_bad_lines=skip_bad_lines)
    pinned = _baseline_entries(baseline) if baseline else None
    found = list(streams(trace, constants, fmt, task_settings, strict=strict))
    several = len(found) > 1
    for stream in found:
        name = stream_name(label, trace, stream)
        calls, outcomes = report.summary.calls, Counter(report.summary.outcomes)
        _replay_stream(report, stream.records(), bundle, constants, default, out, pinned, progress, observe,
                       name if several else None)
        if several:
            report.streams.append(StreamRow(name, stream.agent, report.summary.calls - calls,
                                            dict(sorted((report.summary.outcomes - outcomes).items()))))
        if report.stopped is not None:
            break
    _baseline_leftover(report, pinned)
    _nothing_replayed(report, fmt)
    return report


def _baseline_leftover(report: SimulationReport, pinned: Iterator[Any] | None) -> None:
    """Baseline entries past the last replayed call are a mismatch too (unless the run stopped early)."""
    if pinned is not None and report.stopped is None:
        extra = sum(1 for _ in pinned)
        if extra:
            report.summary.mismatch(0, f"the baseline has {extra} more call(s) than the trace replayed")


def simulate_items(
    label: str,
    items: Iterable[Any],
    bundle: PolicyBundle,
    constants: Constants,
    *,
    default: Respond,
    fmt: str = "auto",
    out: IO[str] | None = None,
    skip_bad_lines: bool = False,
    baseline: Path | None = None,
    progress: Progress | None = None,
    observe: Observer | None = None,
    list_limit: int | None = LIST_LIMIT,
    session: str | None = None,
) -> SimulationReport:
    """One stream of trace records (a file, or one agent's part of a transcript) through its own gate.

    `session` names the stream in each decision record written to `out` (a run over many sessions).
    """
    report = SimulationReport(label, bundle.policy_hash, Summary(list_limit=list_limit),
                              baseline=str(baseline) if baseline else None, skip_bad_lines=skip_bad_lines)
    pinned = _baseline_entries(baseline) if baseline else None
    _replay_stream(report, items, bundle, constants, default, out, pinned, progress, observe, session)
    _baseline_leftover(report, pinned)
    _nothing_replayed(report, fmt)
    return report


def _replay_stream(report: SimulationReport, items: Iterable[Any], bundle: PolicyBundle, constants: Constants,
                   default: Respond, out: IO[str] | None, pinned: Iterator[dict[str, Any]] | None,
                   progress: Progress | None, observe: Observer | None, session: str | None) -> None:
    summary = report.summary
    for result in _replayed(report, replay(items, bundle, constants, default)):
        if pinned is not None:
            for message in _compare_baseline(result, next(pinned, None)):
                summary.mismatch(result.line, message)
        if out is not None:
            line = result.record() if session is None else {"session": session, **result.record()}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        if observe is not None:
            observe(result)
        if progress is not None:
            progress(summary.calls)


def _nothing_replayed(report: SimulationReport, fmt: str) -> None:
    """A replay of no calls proves nothing: it stops the run (exit 2) instead of passing.

    Except a transcript of messages only (a `no_tool_calls` note): zero calls is its right answer.
    """
    if report.stopped is None and report.summary.calls == 0 and not report.summary.notes.get("no_tool_calls"):
        skipped = report.summary.bad_line_count
        hint = ("a native trace read with --input-format claude has no Claude Code tool_use blocks; use --input-format "
                "native or auto" if fmt == "claude" else "a trace holds one tool call per line after its header")
        report.stopped = BadLine(1, f"no tool call was replayed ({skipped} bad line(s) skipped)" if skipped
                                 else "the trace holds no tool calls", hint)


def _replayed(report: SimulationReport, items: Iterator[Any]) -> Iterator[CallResult]:
    """Count every result, bad line and note; stop at a bad line unless the report skips them."""
    for item in items:
        if not isinstance(item, (BadLine, CallResult)):
            report.summary.note(item)
            continue
        if isinstance(item, BadLine):
            report.summary.bad(item)
            if item.fatal or not report.skip_bad_lines:
                report.stopped = item
                return
            continue
        report.summary.add(item)
        yield item


def record(trace: Path, bundle: PolicyBundle, constants: Constants, out: IO[str], *, default: Respond,
           fmt: str = "auto", skip_bad_lines: bool = False, progress: Progress | None = None,
           task_settings: Mapping[str, Any] | None = None, strict: bool = False) -> SimulationReport:
    """Pin the current decisions; a bad line stops it unless skipped, so a baseline never hides one."""
    report = SimulationReport(str(trace), bundle.policy_hash, Summary(), skip_bad_lines=skip_bad_lines)
    out.write(json.dumps({"baseline": 1, "trace": trace.name, "policy_hash": bundle.policy_hash,
                          "respond": default.answer}) + "\n")
    for result in _replayed(report, replay(read_trace(trace, constants, fmt, task_settings, strict=strict), bundle,
                                                  constants, default)):
        out.write(json.dumps(result.pinned(), ensure_ascii=False) + "\n")
        if progress is not None:
            progress(report.summary.calls)
    _nothing_replayed(report, fmt)
    return report


@dataclass
class Change:
    line: int
    tool_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    tool_input: str = ""
    """A short, single-line rendering of the input (reports show it; it is never parsed back)."""

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "tool_name": self.tool_name, "before": self.before, "after": self.after}


INPUT_TEXT_LIMIT = 160


def input_text(tool_input: Any) -> str:
    """The part of a tool input a reader recognises (a command, a path), cut to one short line."""
    if isinstance(tool_input, dict):
        for key in ("command", "file_path", "notebook_path", "path", "url", "pattern", "query"):
            if isinstance(tool_input.get(key), str):
                text = tool_input[key]
                break
        else:
            text = json.dumps(tool_input, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = json.dumps(tool_input, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= INPUT_TEXT_LIMIT else text[:INPUT_TEXT_LIMIT - 1] + "…"


@dataclass
class DiffReport:
    trace: str
    baseline_hash: str
    candidate_hash: str
    calls: int = 0
    changed: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[Change]] = field(default_factory=dict)
    transitions: Counter[str] = field(default_factory=Counter)
    kinds: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(rule, transition, tool) of each change: what `simulate diff` over many sessions ranks."""
    kind_examples: dict[tuple[str, str, str], Change] = field(default_factory=dict)
    stopped: BadLine | None = None
    bad_lines: list[BadLine] = field(default_factory=list)

    def exit_code(self, fail_on_change: bool) -> int:
        if self.stopped is not None:
            return 2
        return 1 if (fail_on_change and self.changed) or self.bad_lines else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "trace": self.trace,
            "baseline_policy_hash": self.baseline_hash,
            "candidate_policy_hash": self.candidate_hash,
            "calls": self.calls,
            "changed": self.changed,
            "transitions": dict(self.transitions.most_common()),
            "by_rule": {rule: {"calls": n, "examples": [c.to_json() for c in self.examples.get(rule, [])]}
                        for rule, n in self.by_rule.most_common()},
            "bad_lines": [{"line": b.line, "message": b.message} for b in self.bad_lines],
            "stopped": {"line": self.stopped.line, "message": self.stopped.message} if self.stopped else None,
        }


def _diff_view(result: CallResult) -> dict[str, Any]:
    pinned = result.pinned()
    return {key: pinned[key] for key in (*DIFF_KEYS, "final")}


def diff(trace: Path, baseline: PolicyBundle, candidate: PolicyBundle, constants: Constants, *, default: Respond,
         fmt: str = "auto", skip_bad_lines: bool = False, progress: Progress | None = None,
         task_settings: Mapping[str, Any] | None = None, strict: bool = False) -> DiffReport:
    """Replay the same calls through two policy versions side by side, each with its own task state."""
    items = read_trace(trace, constants, fmt, task_settings, strict=strict)
    return diff_items(str(trace), items, baseline, candidate, constants, default=default,
                      skip_bad_lines=skip_bad_lines, progress=progress)


def diff_items(label: str, items: Iterable[Any], baseline: PolicyBundle, candidate: PolicyBundle,
               constants: Constants, *, default: Respond, skip_bad_lines: bool = False,
               progress: Progress | None = None) -> DiffReport:
    report = DiffReport(label, baseline.policy_hash, candidate.policy_hash)
    sides = (Replay(baseline, constants, default), Replay(candidate, constants, default))
    started = False
    for item in items:
        if not isinstance(item, (BadLine, TraceHeader, TraceCall)):
            continue
        if isinstance(item, BadLine):
            if item.fatal or not skip_bad_lines:
                report.stopped = item
                return report
            if len(report.bad_lines) < LIST_LIMIT:
                report.bad_lines.append(item)
            continue
        if isinstance(item, TraceHeader):
            problems = [side.start(item) for side in sides]
            if problems[0] or problems[1]:
                report.stopped = problems[0] or problems[1]
                return report
            started = True
            continue
        if not started:
            for side in sides:
                side.start(None)
            started = True
        _diff_call(report, item, sides)
        if progress is not None:
            progress(report.calls)
    return report


def _diff_call(report: DiffReport, call: TraceCall, sides: tuple[Replay, Replay]) -> None:
    (before, problem_a), (after, problem_b) = (side.call(call) for side in sides)
    problem = problem_a or problem_b
    if problem is not None and len(report.bad_lines) < LIST_LIMIT:
        report.bad_lines.append(problem)
    report.calls += 1
    old, new = _diff_view(before), _diff_view(after)
    if all(old[key] == new[key] for key in DIFF_KEYS):
        return
    report.changed += 1
    report.transitions[f"{old['outcome']} -> {new['outcome']}"] += 1
    rules = sorted(set(old["rule_ids"]) ^ set(new["rule_ids"])) or sorted(set(new["rule_ids"])) or ["(no rule)"]
    change = Change(call.line, call.tool_name, old, new, input_text(call.tool_input))
    transition = f"{old['outcome']} -> {new['outcome']}"
    for rule in rules:
        kind = (rule, transition, call.tool_name)
        if kind in report.kinds or len(report.kinds) < TABLE_LIMIT:
            report.kinds[kind] += 1
            report.kind_examples.setdefault(kind, change)
        report.by_rule[rule] += 1
        examples = report.examples.setdefault(rule, [])
        if len(examples) < EXAMPLES_PER_RULE:
            examples.append(change)
