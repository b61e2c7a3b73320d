"""What a trace file holds: its format and its streams (one per agent), each read lazily and as often as needed.

A native trace is one stream. A Claude Code transcript is one stream for the
main agent plus one per sub-agent whose entries it holds; a sub-agent's own
file (`agent-<id>.jsonl`) is one stream labelled with its session. Each stream
re-reads its file when asked for its records, so nothing holds a whole file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from toolkit.contract import Constants
from toolkit.engine.settings import TaskSettings
from toolkit.simulate.claude import NOT_A_TRANSCRIPT_HINT, looks_like_claude, read_stream, survey
from toolkit.simulate.trace import BadLine, Note, TraceCall, TraceHeader, raw_lines, read_native

__all__ = ["FORMATS", "Note", "Record", "Stream", "detect", "read_trace", "stream_name", "streams"]

FORMATS = ("auto", "native", "claude")
Record = TraceHeader | TraceCall | BadLine | Note
_NATIVE_KEYS = frozenset({"trace", "tool_name", "tool_input", "t"})


@dataclass(frozen=True)
class Stream:
    """One agent's calls from one file. `records()` reads the file again on every call."""

    source: Path
    label: str
    """`<file stem>` for a main agent or a native trace, `<file stem or session>/agent-<id>` for a sub-agent."""
    agent: str | None = None
    """The sub-agent's id (`agentId`, or the first 8 characters of its first entry's uuid in 1.0.x files)."""
    reader: Callable[[], Iterator[Record]] = field(default=lambda: iter(()), repr=False, compare=False)

    def records(self) -> Iterator[Record]:
        return self.reader()


def stream_name(label: str, path: Path, stream: Stream) -> str:
    """How reports and records name a stream: the file's label, plus `[agent-<id>]` for a sub-agent in it."""
    if stream.agent is None or path.stem == f"agent-{stream.agent}":
        return label
    return f"{label} [agent-{stream.agent}]"


def detect(path: Path) -> str:
    """`native`, `claude`, `empty` (no non-blank line) or `unknown` (JSON, but neither a trace nor a transcript).

    The first line that is clearly one or the other decides, however far down
    (a transcript may open with damaged lines). A file whose lines are all
    unreadable counts as native, so each is reported by number.
    """
    readable = seen = 0
    for _, obj, problem in raw_lines(path):
        seen += 1
        if problem is not None:
            continue
        readable += 1
        if looks_like_claude(obj):
            return "claude"
        if isinstance(obj, dict) and not _NATIVE_KEYS.isdisjoint(obj):
            return "native"
    if not seen:
        return "empty"
    return "unknown" if readable else "native"


def _failed(bad: BadLine) -> Iterator[Record]:
    yield bad


def _session_of(path: Path, found: str | None) -> str:
    """The session a sub-agent file belongs to: `<session>/subagents/agent-x.jsonl`, else its entries' sessionId."""
    if path.parent.name == "subagents" and path.parent.parent.name:
        return path.parent.parent.name
    return found or path.stem


def streams(path: Path, constants: Constants, fmt: str = "auto", task_settings: Mapping[str, Any] | None = None,
            *, strict: bool = False) -> Iterator[Stream]:
    """The streams in one file, main agent first, then sub-agents in order of first appearance.

    `task_settings`: the --task-settings object; merged over a native header's
    `task`, and the task of every transcript stream (its `cwd` comes from the
    transcript when it names one). `strict`: a damaged transcript line is a bad
    line instead of a skipped one. An empty file, or one that is neither format,
    is one stream whose only record is a fatal BadLine saying so.
    """
    if task_settings is not None:
        TaskSettings.from_mapping(task_settings, "--task-settings")
    stem = path.stem
    kind = detect(path) if fmt == "auto" else fmt
    if kind == "empty":
        yield Stream(path, stem, None, partial(_failed, BadLine(
            1, "the file is empty: no tool calls to replay", "pass a trace or a Claude Code transcript", fatal=True)))
        return
    if kind == "unknown":
        yield Stream(path, stem, None, partial(_failed, BadLine(
            1, "neither a native trace nor a Claude Code transcript: no line is a trace header, a call or a "
            "transcript entry", NOT_A_TRANSCRIPT_HINT, fatal=True)))
        return
    if kind != "claude":
        yield Stream(path, stem, None, partial(read_native, path, constants, task_settings))
        return
    found = survey(path)
    if len(found.agents) + bool(found.main) <= 1:
        agent = found.agents[0] if found.agents and not found.main else None
        label = stem if agent is None else f"{_session_of(path, found.session)}/agent-{agent}"
        yield Stream(path, label, agent, partial(read_stream, path, constants, agent, task_settings, strict=strict))
        return
    first = True
    if found.main:
        yield Stream(path, stem, None, partial(read_stream, path, constants, None, task_settings, strict=strict,
                                               spans=found.spans(None)))
        first = False
    owner = stem if found.main else _session_of(path, found.session)
    for agent in found.agents:
        spans = found.spans(agent, None) if first else found.spans(agent)
        yield Stream(path, f"{owner}/agent-{agent}", agent,
                     partial(read_stream, path, constants, agent, task_settings, strict=strict, spans=spans))
        first = False


def read_trace(path: Path, constants: Constants, fmt: str = "auto", task_settings: Mapping[str, Any] | None = None,
               *, strict: bool = False, notes: bool = True) -> Iterator[Record]:
    """Every stream of the file, one after another (each starts with its own header, so its own task).

    `notes=False` leaves notes out, for callers that only know headers, calls and bad lines.
    """
    for stream in streams(path, constants, fmt, task_settings, strict=strict):
        for item in stream.records():
            if notes or not isinstance(item, Note):
                yield item
