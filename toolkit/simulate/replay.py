"""Replay trace calls through the runtime gate on a virtual clock.

The simulator drives `toolkit.engine.Gate`; it never decides anything itself.
It moves the clock, answers the gates the engine opens, and checks what the
trace expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from toolkit.contract import Constants
from toolkit.engine import Gate, ManualClock, PolicyBundle, ScopeError, TaskSettings, TaskSettingsError, Timeout
from toolkit.engine.records import REQUIRE_APPROVAL, Decision, Resolution
from toolkit.simulate.trace import BadLine, Expect, Respond, TraceCall, TraceHeader


@dataclass(frozen=True)
class CallResult:
    line: int
    t: float
    tool_name: str
    decision: Decision
    resolution: Resolution | None
    mismatches: tuple[str, ...] = ()
    tool_input: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The call's input, for reports that show what a rule stopped; never pinned or recorded."""

    @property
    def final(self) -> str:
        return self.resolution.outcome if self.resolution else self.decision.outcome

    def record(self) -> dict[str, Any]:
        """One line of `--out`: the engine's records plus where the call came from."""
        return {
            "line": self.line,
            "t": self.t,
            "tool_name": self.tool_name,
            "final": self.final,
            "decision": self.decision.to_json(),
            "resolution": self.resolution.to_json() if self.resolution else None,
            "mismatches": list(self.mismatches),
        }

    def pinned(self) -> dict[str, Any]:
        """The deterministic part, as pinned in a baseline and compared by `simulate diff`."""
        d = self.decision
        return {
            "line": self.line,
            "tool_name": self.tool_name,
            "outcome": d.outcome,
            "stage": d.stage,
            "rule_ids": list(d.rule_ids),
            "severity": d.severity,
            "timeout_s": d.timeout_s,
            "final": self.final,
        }


def check_expect(expect: Expect | None, decision: Decision, final: str) -> tuple[str, ...]:
    if expect is None:
        return ()
    out = []
    if expect.outcome is not None and expect.outcome != decision.outcome:
        out.append(f"outcome is {decision.outcome}, expected {expect.outcome}")
    if expect.rule_ids is not None and expect.rule_ids != decision.rule_ids:
        out.append(f"rule ids are [{', '.join(decision.rule_ids)}], expected [{', '.join(expect.rule_ids)}]")
    if expect.final is not None and expect.final != final:
        out.append(f"final outcome is {final}, expected {expect.final}")
    if expect.stage is not None and expect.stage != decision.stage:
        out.append(f"decided at stage {decision.stage}, expected {expect.stage}")
    return tuple(out)


class Replay:
    """One task: a gate, its virtual clock, and the default answer for gates the trace does not answer."""

    def __init__(self, bundle: PolicyBundle, constants: Constants, default: Respond):
        self.bundle, self.constants, self.default = bundle, constants, default
        self.clock = ManualClock(0.0)
        self.gate: Gate | None = None

    def start(self, header: TraceHeader | None) -> BadLine | None:
        """A new task: its own gate on its own clock from t = 0 (each stream of a file is one task)."""
        task = header.task if header else TaskSettings()
        self.clock = ManualClock(0.0)
        try:
            self.gate = Gate(self.bundle, self.constants, task, self.clock)
        except TaskSettingsError as exc:
            return BadLine(header.line if header else 0, f"header task: {exc.message}", fatal=True)
        return None

    def call(self, call: TraceCall) -> tuple[CallResult, BadLine | None]:
        if self.gate is None:
            self.start(None)
        assert self.gate is not None
        self.clock.t = max(self.clock.t, call.t)
        at = self.clock.t
        decision = self.gate.evaluate(call.tool_name, call.tool_input)
        resolution, problem = None, None
        if decision.outcome == REQUIRE_APPROVAL:
            respond = call.respond or self.default
            wait = respond.after_s
            if wait is None:
                wait = float(decision.timeout_s or 0) if respond.answer == "timeout" else 0.0
            self.clock.advance(wait)
            try:
                resolution = self.gate.resolve(decision, respond.response())
            except ScopeError as exc:
                problem = BadLine(call.line, f"respond.scope {respond.scope!r}: {exc}",
                                  "the scope must cover the call it approves; the gate was timed out instead")
                resolution = self.gate.resolve(decision, Timeout())
        final = resolution.outcome if resolution else decision.outcome
        result = CallResult(call.line, at, call.tool_name, decision, resolution,
                            check_expect(call.expect, decision, final), call.tool_input)
        return result, problem


def replay(items: Iterable[Any], bundle: PolicyBundle, constants: Constants,
           default: Respond) -> Iterator[CallResult | BadLine]:
    """Results, bad lines and notes in trace order; the caller decides whether a bad line stops the run."""
    run = Replay(bundle, constants, default)
    for item in items:
        if isinstance(item, TraceHeader):
            problem = run.start(item)
            if problem:
                yield problem
                return
        elif isinstance(item, TraceCall):
            result, problem = run.call(item)
            if problem:
                yield problem
            yield result
        else:
            yield item
            if getattr(item, "fatal", False):
                return
