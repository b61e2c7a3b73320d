"""Native JSONL traces (DESIGN §10), read as a stream: one record per line, never the whole file.

Each line becomes a header, a call or a `BadLine` naming the line and the fix;
the replay decides whether a bad line stops it. The checks here mirror
`schemas/trace.schema.json` by hand, because running a JSON Schema validator
on every line of a million-line trace would cost more than the replay itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from toolkit.contract import Constants
from toolkit.engine import Approve, Deny, ScopeError, TaskSettings, TaskSettingsError, Timeout, parse_scope
from toolkit.engine.records import OUTCOMES, Response
from toolkit import jsontext
from toolkit.errors import InputError
from toolkit.safeio import NotRegularFile, open_input

STANDARD_TOOLS = frozenset({
    "Bash", "BashOutput", "KillShell", "Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "NotebookRead",
    "Glob", "Grep", "LS", "WebFetch", "WebSearch", "Task", "TodoWrite", "TodoRead", "ExitPlanMode",
    "SlashCommand", "AskUserQuestion", "Skill", "KillBash", "EnterPlanMode", "TaskOutput", "TaskStop",
    "ListMcpResourcesTool", "ReadMcpResourceTool",
})
"""Claude Code's own tools (old and new names). A transcript may name others: they replay as generic calls."""
ANSWERS = ("approve", "deny", "timeout")
FINALS = ("allow", "deny")
_CALL_KEYS = frozenset({"t", "tool_name", "tool_input", "respond", "expect", "note"})
_HEADER_KEYS = frozenset({"trace", "task", "tools", "description"})


class TraceError(InputError):
    """The trace file as a whole cannot be read."""


@dataclass(frozen=True)
class Respond:
    answer: str
    scope: str | None = None
    reason: str | None = None
    after_s: float | None = None

    def response(self) -> Response:
        if self.answer == "approve":
            return Approve(self.scope or "this_call")
        if self.answer == "deny":
            return Deny(self.reason or "")
        return Timeout()


@dataclass(frozen=True)
class Expect:
    outcome: str | None = None
    rule_ids: tuple[str, ...] | None = None
    final: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class TraceHeader:
    line: int
    task: TaskSettings = field(default_factory=TaskSettings)
    tools: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TraceCall:
    line: int
    t: float
    tool_name: str
    tool_input: Mapping[str, Any]
    respond: Respond | None = None
    expect: Expect | None = None


@dataclass(frozen=True)
class BadLine:
    line: int
    message: str
    hint: str | None = None
    fatal: bool = False
    """A bad header: the task itself is unknown, so the replay stops even when skipping bad lines."""


NOTE_KINDS = ("unknown_tool", "skipped_line", "duplicate_call", "clock_backwards", "no_tool_calls")


@dataclass(frozen=True)
class Note:
    """Something the replay went past without stopping; summaries count them by `kind` (and `detail`).

    unknown_tool: `detail` is the tool name (the call still replays, as a generic tool call);
    skipped_line: a damaged line, `detail` says why (with `strict` it is a BadLine instead);
    duplicate_call: a tool_use id seen before in the same stream (`detail`), replayed once;
    clock_backwards: a timestamp earlier than the stream's previous one, replayed at the previous time;
    no_tool_calls: the stream holds messages but no tool call (`line` 0), so zero calls is the right answer.
    """

    line: int
    kind: str
    detail: str = ""

    @property
    def message(self) -> str:
        return _NOTE_TEXT[self.kind].format(self.detail)

    @property
    def key(self) -> str:
        """What a summary counts: the kind, and for an unknown tool its name (`unknown_tool:HoloDeploy`)."""
        return f"{self.kind}:{self.detail}" if self.kind == "unknown_tool" else self.kind


_NOTE_TEXT = {
    "unknown_tool": "unknown tool {0!r} replayed as a generic tool call",
    "skipped_line": "skipped: {0}",
    "duplicate_call": "tool_use {0} appears again; replayed once",
    "clock_backwards": "timestamp goes backwards ({0}); replayed at the previous call's time",
    "no_tool_calls": "no tool calls: {0}",
}


class Bad(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


MAX_LINE_BYTES = 1 << 20
"""One trace line (one tool call) larger than this is a bad line; the trace itself may be any size."""


Span = tuple[int, int, int]
"""(first byte, end byte, number of the first line): a run of whole lines of a file."""


def open_trace(path: Path) -> Any:
    """The trace as a binary file object; a path that is no readable regular file is a TraceError."""
    try:
        return open_input(path)
    except NotRegularFile as exc:
        raise TraceError(str(path), f"the trace {exc.strerror}", hint="pass a trace file, or `-` for stdin") from None
    except OSError as exc:
        raise TraceError(str(path), f"cannot read the trace: {exc.strerror}", hint="check the path") from None


def raw_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES,
              spans: Iterable[Span] | None = None) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed JSON or None, problem) for every non-blank line, streaming with bounded memory."""
    for number, _, parsed, problem in located_lines(path, max_line_bytes, spans):
        yield number, parsed, problem


def located_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES,
                  spans: Iterable[Span] | None = None) -> Iterator[tuple[int, Span, Any, str | None]]:
    """As raw_lines, with each line's span; only the lines inside `spans` when given (in the order given)."""
    with open_trace(path) as handle:
        for start, end, first in spans if spans is not None else ((0, -1, 1),):
            if start:
                handle.seek(start)
            yield from _read(handle, start, end, first, max_line_bytes)


def _read(handle: Any, offset: int, end: int, number: int,
          max_line_bytes: int) -> Iterator[tuple[int, Span, Any, str | None]]:
    number -= 1
    while end < 0 or offset < end:
        raw = handle.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        start = offset
        offset += len(raw)
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(max_line_bytes + 1)
                offset += len(raw)
            yield number, (start, offset, number), None, f"longer than {max_line_bytes} bytes; refused unread"
            continue
        if not raw.strip():
            continue
        parsed, problem = _parse(raw)
        yield number, (start, offset, number), parsed, problem


def _parse(raw: bytes) -> tuple[Any, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 (byte {exc.start + 1})"
    try:
        return jsontext.loads(text), None
    except RecursionError:
        return None, "nested too deeply to read"
    except jsontext.JsonValueError as exc:
        return None, f"column {exc.column}: {exc.message}" if exc.column else exc.message
    except json.JSONDecodeError as exc:
        if not raw.endswith(b"\n"):
            return None, "the last line is cut off (no newline at the end and not valid JSON)"
        return None, f"not valid JSON at column {exc.colno}: {exc.msg}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_respond(value: Any, constants: Constants) -> Respond:
    if isinstance(value, str):
        value = {"answer": value}
    if not isinstance(value, dict):
        raise Bad("respond must be \"approve\", \"deny\", \"timeout\" or an object with `answer`")
    unknown = set(value) - {"answer", "scope", "reason", "after_s"}
    if unknown:
        raise Bad(f"respond has unknown field(s) {', '.join(sorted(map(repr, unknown)))}",
                  "use answer, scope, reason and after_s")
    answer = value.get("answer")
    if answer not in ANSWERS:
        raise Bad(f"respond.answer must be one of {', '.join(ANSWERS)}, got {answer!r}")
    scope, reason, after = value.get("scope"), value.get("reason"), value.get("after_s")
    if scope is not None:
        if answer != "approve":
            raise Bad("respond.scope only goes with answer \"approve\"")
        try:
            parse_scope(scope, constants.scope_max_length)
        except ScopeError as exc:
            raise Bad(f"respond.scope {scope!r}: {exc}") from None
    if reason is not None and (answer != "deny" or not isinstance(reason, str)):
        raise Bad("respond.reason is a string and only goes with answer \"deny\"")
    if after is not None and (not _number(after) or after < 0):
        raise Bad(f"respond.after_s must be a number >= 0, got {after!r}")
    return Respond(answer, scope, reason, float(after) if after is not None else None)


def parse_expect(value: Any) -> Expect:
    if not isinstance(value, dict):
        raise Bad("expect must be an object with outcome, rule_ids, final and/or stage")
    unknown = set(value) - {"outcome", "rule_ids", "final", "stage"}
    if unknown:
        raise Bad(f"expect has unknown field(s) {', '.join(sorted(map(repr, unknown)))}")
    outcome, rule_ids, final, stage = (value.get(k) for k in ("outcome", "rule_ids", "final", "stage"))
    if outcome is not None and outcome not in OUTCOMES:
        raise Bad(f"expect.outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if rule_ids is not None and not (isinstance(rule_ids, list) and all(isinstance(r, str) for r in rule_ids)):
        raise Bad("expect.rule_ids must be a list of rule id strings")
    if final is not None and final not in FINALS:
        raise Bad(f"expect.final must be allow or deny, got {final!r}")
    if stage is not None and not isinstance(stage, str):
        raise Bad("expect.stage must be a string")
    return Expect(outcome, tuple(sorted(rule_ids)) if rule_ids is not None else None, final, stage)


def parse_header(number: int, obj: dict[str, Any], overrides: Mapping[str, Any] | None = None) -> TraceHeader:
    unknown = set(obj) - _HEADER_KEYS
    if unknown:
        raise Bad(f"header has unknown field(s) {', '.join(sorted(map(repr, unknown)))}",
                  "a header holds trace, task, tools and description")
    if obj.get("trace") != 1:
        raise Bad(f"unsupported trace version {obj.get('trace')!r}", "this tool reads {\"trace\": 1}")
    tools = obj.get("tools", [])
    if not (isinstance(tools, list) and all(isinstance(t, str) and t for t in tools)):
        raise Bad("header tools must be a list of tool names")
    task_map = obj.get("task", {})
    if overrides and isinstance(task_map, Mapping):
        task_map = {**task_map, **overrides}
    try:
        task = TaskSettings.from_mapping(task_map, "header task")
    except TaskSettingsError as exc:
        raise Bad(exc.message) from None
    return TraceHeader(number, task, frozenset(tools))


class CallChecker:
    """Field checks for call lines, with the state they need: known tools and the previous timestamp."""

    def __init__(self, constants: Constants, header: TraceHeader | None = None):
        self.constants = constants
        self.last_t = 0.0
        self.known = STANDARD_TOOLS
        if header is not None:
            self.known = STANDARD_TOOLS | header.tools | frozenset(header.task.write_tools)

    def check(self, number: int, obj: Any) -> TraceCall:
        if not isinstance(obj, dict):
            raise Bad(f"a call line must be a JSON object, got {type(obj).__name__}")
        missing = [k for k in ("t", "tool_name", "tool_input") if k not in obj]
        if missing:
            raise Bad(f"missing field(s): {', '.join(missing)}", "every call needs t, tool_name and tool_input")
        unknown = set(obj) - _CALL_KEYS
        if unknown:
            raise Bad(f"unknown field(s) {', '.join(sorted(map(repr, unknown)))}",
                      "a call holds t, tool_name, tool_input, respond, expect and note")
        t, tool, tool_input = obj["t"], obj["tool_name"], obj["tool_input"]
        if not _number(t) or t < 0:
            raise Bad(f"t must be a number of seconds >= 0, got {t!r}")
        if not isinstance(tool, str) or not tool:
            raise Bad("tool_name must be a non-empty string")
        if tool not in self.known and not tool.startswith("mcp__"):
            raise Bad(f"unknown tool {tool!r}", "name it in the header's \"tools\" list if it is real")
        if not isinstance(tool_input, dict):
            raise Bad("tool_input must be a JSON object")
        if t < self.last_t:
            raise Bad(f"t = {t} is earlier than the previous call's t = {self.last_t}",
                      "timestamps must never decrease")
        respond = parse_respond(obj["respond"], self.constants) if "respond" in obj else None
        expect = parse_expect(obj["expect"]) if "expect" in obj else None
        self.last_t = float(t)
        return TraceCall(number, float(t), tool, tool_input, respond, expect)


def read_native(path: Path, constants: Constants,
                task_settings: Mapping[str, Any] | None = None) -> Iterator[TraceHeader | TraceCall | BadLine]:
    """`task_settings` (the --task-settings object) is merged over the header's `task`, key by key."""
    checker = CallChecker(constants)
    first, headed = True, False
    for number, obj, problem in raw_lines(path):
        if problem is not None:
            yield BadLine(number, problem)
            first = False
            continue
        try:
            if isinstance(obj, dict) and "trace" in obj:
                if not first:
                    raise Bad("a header may only be the first line of a trace")
                try:
                    header = parse_header(number, obj, task_settings)
                except Bad as exc:
                    yield BadLine(number, exc.message, exc.hint, fatal=True)
                    return
                checker, headed = CallChecker(constants, header), True
                yield header
            else:
                if task_settings and not headed:
                    header = TraceHeader(0, TaskSettings.from_mapping(task_settings, "--task-settings"))
                    checker, headed = CallChecker(constants, header), True
                    yield header
                yield checker.check(number, obj)
        except Bad as exc:
            yield BadLine(number, exc.message, exc.hint)
        first = False
