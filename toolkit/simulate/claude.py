"""Claude Code session transcripts as traces, one stream per agent.

A transcript (`~/.claude/projects/<project>/<session>.jsonl`) is JSONL, one
entry per line. Each `tool_use` block in an assistant entry's `message.content`
becomes a call, at virtual time = seconds since the stream's first tool use.

Sub-agents (the Task tool) write entries with `isSidechain: true`. Since 2.0
they sit in their own files (`agent-<id>.jsonl`, later `<session>/subagents/`)
and carry `agentId`. Claude Code 1.0.x appended them to the main file when
each sub-agent finished, with no `agentId`: there a sidechain is identified by
following `parentUuid` back to its first entry. Each agent is its own stream,
with its own clock, because the interleaving in the file is not the order
things happened in.

Absolute paths inside the stream's first `cwd` become relative (POSIX or
Windows, any drive-letter case), because the gates' path rules (`.git/*`,
`.env`) are written for repository-relative paths. Damaged lines are skipped
with a note, or are bad lines under `strict`; whoever published a transcript
may have cut or edited it, and one bad line should not cost the session.
"""

from __future__ import annotations

import dataclasses
import re
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

from toolkit.contract import Constants
from toolkit.engine.settings import TaskSettings
from toolkit.shell.winpaths import is_absolute
from toolkit.simulate.trace import (STANDARD_TOOLS, BadLine, Note, Span, TraceCall, TraceHeader, located_lines,
                                   open_trace, raw_lines)
from toolkit.toolcall import relativise

__all__ = ["Survey", "looks_like_claude", "read_claude", "read_stream", "relativise", "survey"]

_ENTRY_KEYS = frozenset({"sessionId", "uuid", "parentUuid", "leafUuid", "messageId"})
NOT_A_TRANSCRIPT_HINT = ("a Claude Code transcript is ~/.claude/projects/<project>/<session>.jsonl; for a native trace "
                         "use --input-format native or auto")
STRICT_HINT = "drop --strict to skip damaged lines and go on"


def looks_like_claude(obj: Any) -> bool:
    """A transcript entry: a `type` plus one of the keys every entry kind carries (or an assistant/user message)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or "trace" in obj or "tool_name" in obj:
        return False
    return not _ENTRY_KEYS.isdisjoint(obj) or isinstance(obj.get("message"), dict)


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _cwd(obj: Mapping[str, Any]) -> str | None:
    cwd = obj.get("cwd")
    return cwd if isinstance(cwd, str) and "\x00" not in cwd and is_absolute(cwd) else None


class Agents:
    """Which stream an entry belongs to: None for the main agent, else the sub-agent's id.

    Without `agentId` (Claude Code 1.0.x) a sidechain is named after its first
    entry's uuid (8 characters, the full uuid if two share a prefix), found by
    following `parentUuid`. Only those entries' uuids are kept, never the lines.
    """

    def __init__(self) -> None:
        self._root: dict[str, str] = {}
        self._short: dict[str, str] = {}

    def of(self, entry: Mapping[str, Any], number: int) -> str | None:
        if entry.get("isSidechain") is not True:
            return None
        agent = entry.get("agentId")
        if isinstance(agent, str) and agent:
            return agent
        parent, uuid = entry.get("parentUuid"), entry.get("uuid")
        key = self._root.get(parent) if isinstance(parent, str) else None
        if key is None:
            key = self._name(uuid if isinstance(uuid, str) and uuid else f"line{number}")
        if isinstance(uuid, str):
            self._root[uuid] = key
        return key

    def _name(self, uuid: str) -> str:
        short = uuid[:8]
        if self._short.setdefault(short, uuid) != uuid:
            return uuid
        return short


@dataclass
class Survey:
    """One pass over a transcript: which agents it holds, in order of first appearance, and where their lines are.

    `runs` maps each agent (None: the main agent, plus lines that are no entry)
    to its runs of consecutive lines as flat (first byte, end byte, first line)
    triples, so a stream of a many-agent file reads only its own lines.
    """

    main: int = 0
    agents: list[str] = field(default_factory=list)
    session: str | None = None
    runs: dict[str | None, array[int]] = field(default_factory=dict)

    def spans(self, *agents: str | None) -> list[Span]:
        out: list[Span] = []
        for agent in agents:
            flat = self.runs.get(agent, array("q"))
            out.extend((flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3))
        return sorted(out)


_START = object()


_SIDECHAIN = re.compile(rb'"isSidechain"\s*:\s*true')
_CHUNK = 1 << 20


def _mentions_sidechains(path: Path) -> bool:
    """A byte scan, far cheaper than parsing: most transcripts hold no sidechain and need no survey."""
    with open_trace(path) as handle:
        tail = b""
        while chunk := handle.read(_CHUNK):
            if _SIDECHAIN.search(tail + chunk):
                return True
            tail = chunk[-32:]
    return False


def survey(path: Path) -> Survey:
    """Where each agent's lines are. A file without a sidechain entry is all main agent, found without parsing."""
    out = Survey()
    if not _mentions_sidechains(path):
        out.main = 1
        return out
    agents, seen = Agents(), set()
    previous: object = _START
    for number, span, obj, problem in located_lines(path):
        agent = None
        if problem is None and isinstance(obj, dict) and isinstance(obj.get("type"), str):
            if out.session is None and isinstance(obj.get("sessionId"), str):
                out.session = obj["sessionId"]
            agent = agents.of(obj, number)
            if agent is None:
                out.main += 1
            elif agent not in seen:
                seen.add(agent)
                out.agents.append(agent)
        flat = out.runs.setdefault(agent, array("q"))
        if agent == previous:
            flat[-2] = span[1]
        else:
            flat.extend(span)
        previous = agent
    return out


def _kind(obj: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(obj), "a number")


def read_stream(path: Path, constants: Constants, agent: str | None = None,
                task_settings: Mapping[str, Any] | None = None, *, strict: bool = False,
                spans: list[Span] | None = None) -> Iterator[TraceHeader | TraceCall | BadLine | Note]:
    """The records of one agent's stream (`agent` None: the main agent).

    Every line read is the stream's: the whole file when it holds one agent,
    else only `spans` (Survey.spans). A damaged line belongs to no agent: the
    spans give it to one stream only, so it is counted once.
    """
    base = TaskSettings.from_mapping(task_settings or {}, "--task-settings")
    known = STANDARD_TOOLS | frozenset(base.write_tools)
    cwd: str | None = None
    start: float | None = None
    last, entries, calls, headed = 0.0, 0, 0, False
    ids: set[str] = set()

    def skip(number: int, reason: str) -> BadLine | Note:
        return BadLine(number, reason, STRICT_HINT) if strict else Note(number, "skipped_line", reason)

    for number, obj, problem in raw_lines(path, spans=spans):
        if problem is not None or not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            yield skip(number, problem or (f"{_kind(obj)} where a transcript entry (an object) belongs"
                                           if not isinstance(obj, dict) else "an object without a string `type`"))
            continue
        entries += 1
        cwd = cwd or _cwd(obj)
        message = obj.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if obj.get("type") != "assistant" or not isinstance(content, list):
            continue
        blocks = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not blocks:
            continue
        stamp = _timestamp(obj.get("timestamp"))
        if stamp is None:
            yield BadLine(number, "assistant message with tool_use has no ISO 8601 `timestamp`",
                          "every transcript entry carries one; restore it, or skip the line with --skip-bad-lines")
            continue
        if not headed:
            headed = True
            yield TraceHeader(0, dataclasses.replace(base, cwd=cwd or base.cwd))
        start = stamp if start is None else start
        t = round(stamp - start, 6)
        if t < last:
            yield Note(number, "clock_backwards", f"{t} s after the first call, the previous was at {last} s")
            t = last
        last = t
        for block in blocks:
            ident = block.get("id")
            if isinstance(ident, str) and ident in ids:
                yield Note(number, "duplicate_call", ident)
                continue
            name, tool_input = block.get("name"), block.get("input")
            if not isinstance(name, str) or not name.strip():
                yield skip(number, f"tool_use {ident or '?'} has no tool `name`")
                continue
            if not isinstance(tool_input, dict):
                yield skip(number, f"tool_use {ident or '?'} ({name}): `input` is {_kind(tool_input)}, not an object")
                continue
            if name not in known and not name.startswith("mcp__"):
                yield Note(number, "unknown_tool", name)
            if isinstance(ident, str):
                ids.add(ident)
            calls += 1
            yield TraceCall(number, t, name, relativise(tool_input, cwd or base.cwd))
    if entries == 0:
        yield BadLine(1, "no Claude Code transcript entry in the file", NOT_A_TRANSCRIPT_HINT, fatal=True)
    elif calls == 0:
        if not headed:
            yield TraceHeader(0, dataclasses.replace(base, cwd=cwd or base.cwd))
        yield Note(0, "no_tool_calls", "the transcript holds messages but no tool call" if agent is None
                   else f"sub-agent {agent} made no tool call")


def read_claude(path: Path, constants: Constants, task_settings: Mapping[str, Any] | None = None,
                *, strict: bool = False) -> Iterator[TraceHeader | TraceCall | BadLine | Note]:
    """The main agent's stream (kept for callers that read one stream per file)."""
    return read_stream(path, constants, None, task_settings, strict=strict)
