"""The approval state of one task: grants, recent denials, gate counter, rate window, open gates.

Every part is bounded: the caches by the contract, the rate window by its
limit, open gates and grants by the gate cap (each comes from a gate).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Mapping

from toolkit.engine.caches import RateWindow, RecentDecisions
from toolkit.engine.records import Decision
from toolkit.engine.scopes import Allowlist, CallFacts, Scope, parse_scope
from toolkit.record import record

DENIED = "DENIED"
TIMED_OUT = "TIMED_OUT"


@record
class OpenGate:
    decision: Decision
    call: CallFacts


@record(frozen=False)
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

    def revoke(self, text: str) -> bool:
        """Withdraw a granted scope (`rule:<id>` or a tool-level one); whether the task held it."""
        if text.startswith("rule:"):
            return self.rule_grants.pop(text[len("rule:"):], None) is not None
        return self.allowlist.remove(text)

    def to_json(self) -> dict[str, Any]:
        """Everything but the open gates (they hold live call facts): what a hook process hands to the next."""
        return {
            "started_at": self.started_at,
            "gate_cap": self.gate_cap,
            "max_lifetime_s": self.max_lifetime_s,
            "default_timeout_s": self.default_timeout_s,
            "gates_opened": self.gates_opened,
            "calls": self.calls,
            "input_cache": [[*key, outcome, at] for key, outcome, at in self.input_cache.items()],
            "rule_cache": [[*key, outcome, at] for key, outcome, at in self.rule_cache.items()],
            "rate": self.rate.times(),
            "grants": self.allowlist.scopes(),
            "rule_grants": sorted(self.rule_grants),
        }

    def restore(self, data: Mapping[str, Any], scope_max_length: int) -> None:
        """Load what `to_json` wrote into this (fresh) state; a malformed record raises (callers fail closed)."""
        self.started_at = float(data["started_at"])
        self.gate_cap = int(data["gate_cap"])
        self.max_lifetime_s = int(data["max_lifetime_s"])
        self.default_timeout_s = int(data["default_timeout_s"])
        self.gates_opened = int(data["gates_opened"])
        self.calls = int(data["calls"])
        for tool, second, outcome, at in data["input_cache"]:
            self.input_cache.put((str(tool), str(second)), str(outcome), float(at))
        for tool, second, outcome, at in data["rule_cache"]:
            self.rule_cache.put((str(tool), str(second)), str(outcome), float(at))
        for at in data["rate"]:
            self.rate.record(float(at))
        for text in data["grants"]:
            self.allowlist.add(parse_scope(text, scope_max_length))
        for rule_id in data["rule_grants"]:
            self.rule_grants[str(rule_id)] = Scope("rule", str(rule_id))
