"""The approval state of one task: grants, recent denials, gate counter, rate window, open gates.

Every part is bounded: the caches by the contract, the rate window by its
limit, open gates and grants by the gate cap (each comes from a gate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.engine.caches import RateWindow, RecentDecisions
from toolkit.engine.records import Decision
from toolkit.engine.scopes import Allowlist, CallFacts, Scope

DENIED = "DENIED"
TIMED_OUT = "TIMED_OUT"


@dataclass(frozen=True)
class OpenGate:
    decision: Decision
    call: CallFacts


@dataclass
class TaskState:
    started_at: float
    gate_cap: int
    max_lifetime_s: int
    default_timeout_s: int
    input_cache: RecentDecisions[tuple[str, str]]
    rule_cache: RecentDecisions[tuple[str, str]]
    rate: RateWindow
    allowlist: Allowlist = field(default_factory=Allowlist)
    rule_grants: dict[str, Scope] = field(default_factory=dict)
    open_gates: dict[str, OpenGate] = field(default_factory=dict)
    gates_opened: int = 0
    calls: int = 0

    def remaining_window(self, now: float, margin_s: int) -> float:
        """Seconds a human could still take to answer before the task's cleanup margin."""
        return self.started_at + self.max_lifetime_s - margin_s - now
