"""Trace replay: recorded tool calls through the runtime gate on virtual time.

`simulate` replays and checks expectations or a baseline, `record` pins the
current decisions, `diff` compares two policy versions over the same calls.
"""

from __future__ import annotations

from toolkit.simulate.session import DiffReport, SimulationReport, diff, record, simulate
from toolkit.simulate.sources import Stream, streams
from toolkit.simulate.trace import BadLine, Note, Respond, TraceCall, TraceError, TraceHeader

__all__ = [
    "BadLine",
    "DiffReport",
    "Note",
    "Respond",
    "SimulationReport",
    "Stream",
    "TraceCall",
    "TraceError",
    "TraceHeader",
    "diff",
    "record",
    "simulate",
    "streams",
]
