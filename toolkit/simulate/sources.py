"""Pick the reader for a trace file: native JSONL or a Claude Code transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from toolkit.contract import Constants
from toolkit.simulate.claude import looks_like_claude, read_claude
from toolkit.simulate.trace import BadLine, TraceCall, TraceHeader, raw_lines, read_native

FORMATS = ("auto", "native", "claude")


def detect(path: Path) -> str:
    """`claude` when the first readable line looks like a transcript entry, else `native`."""
    for _, obj, problem in raw_lines(path):
        if problem is None:
            return "claude" if looks_like_claude(obj) else "native"
    return "native"


def read_trace(path: Path, constants: Constants, fmt: str = "auto") -> Iterator[TraceHeader | TraceCall | BadLine]:
    if fmt == "auto":
        fmt = detect(path)
    return read_claude(path, constants) if fmt == "claude" else read_native(path, constants)
