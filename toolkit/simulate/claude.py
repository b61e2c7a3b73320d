"""Claude Code session transcripts as traces.

A transcript is JSONL. Each `tool_use` block inside an assistant message's
content becomes a call, at virtual time = seconds since the transcript's first
timestamp. Absolute paths inside the session's `cwd` become relative, because
the gates' path rules (`.git/*`, `.env`) are written for repository-relative
paths. Every other line type is skipped.
"""

from __future__ import annotations

import re

from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from toolkit.contract import Constants
from toolkit.engine.settings import TaskSettings
from toolkit.simulate.trace import Bad, BadLine, CallChecker, TraceCall, TraceHeader, raw_lines
from toolkit.toolcall import relativise


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def looks_like_claude(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("type"), str) and not {"trace", "tool_name"} & set(obj)


def session_cwd(path: Path, scan_lines: int = 200) -> str | None:
    """The session's working directory, from the first lines that name one (the live hook resolves paths
    against it, so the replay must too)."""
    lines = raw_lines(path)
    try:
        for _, (_, obj, _) in zip(range(scan_lines), lines):
            cwd = obj.get("cwd") if isinstance(obj, dict) else None
            if isinstance(cwd, str) and (cwd.startswith("/") or re.match(r"[A-Za-z]:[\\/]", cwd)):
                return cwd
    finally:
        lines.close()
    return None


def read_claude(path: Path, constants: Constants) -> Iterator[TraceHeader | TraceCall | BadLine]:
    yield TraceHeader(0, TaskSettings(cwd=session_cwd(path)))
    checker = CallChecker(constants)
    start: float | None = None
    cwd: str | None = None
    for number, obj, problem in raw_lines(path):
        if problem is not None:
            yield BadLine(number, problem)
            continue
        if not isinstance(obj, dict):
            continue
        cwd = obj.get("cwd") if isinstance(obj.get("cwd"), str) else cwd
        message = obj.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if obj.get("type") != "assistant" or not isinstance(content, list):
            continue
        blocks = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not blocks:
            continue
        stamp = _timestamp(obj.get("timestamp"))
        if stamp is None:
            yield BadLine(number, "assistant message with tool_use has no ISO 8601 `timestamp`")
            continue
        start = stamp if start is None else start
        for block in blocks:
            tool_input = block.get("input")
            call = {"t": round(stamp - start, 6), "tool_name": block.get("name"),
                    "tool_input": relativise(tool_input, cwd) if isinstance(tool_input, dict) else tool_input}
            try:
                yield checker.check(number, call)
            except Bad as exc:
                yield BadLine(number, f"tool_use {block.get('id', '?')}: {exc.message}", exc.hint)
