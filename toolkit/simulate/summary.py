"""Counters over a replay: bounded however long the trace is.

Per-rule and per-scope tables grow with the number of distinct rules and
scopes, not with calls; problem listings keep the first `LIST_LIMIT` and count
the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from toolkit.simulate.replay import CallResult
from toolkit.simulate.trace import BadLine

LIST_LIMIT = 200
TABLE_LIMIT = 500
OTHER = "(other)"


def _bump(counter: Counter[str], key: str) -> None:
    if key in counter or len(counter) < TABLE_LIMIT:
        counter[key] += 1
    else:
        counter[OTHER] += 1


@dataclass
class Summary:
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    finals: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    gates_per_rule: Counter[str] = field(default_factory=Counter)
    approvals_by_scope: Counter[str] = field(default_factory=Counter)
    human_denials: int = 0
    timeouts: int = 0
    late_answers: int = 0
    fail_closed: int = 0
    first_t: float | None = None
    last_t: float = 0.0
    mismatches: list[tuple[int, str]] = field(default_factory=list)
    mismatch_count: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)
    bad_line_count: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    skipped_lines: list[tuple[int, str]] = field(default_factory=list)
    """Damaged transcript lines passed over (line, why); they do not change the exit code."""
    skipped_line_count: int = 0
    shadow_matched: int = 0
    """Calls at least one log-only rule matched."""
    shadow_flips: Counter[str] = field(default_factory=Counter)
    """Calls the log-only rules would have flipped, by the outcome they would have forced (deny, ask)."""
    shadow_flips_per_rule: Counter[str] = field(default_factory=Counter)
    list_limit: int | None = LIST_LIMIT
    """How many mismatches and bad lines are listed; None lists every one (JUnit needs each failure)."""

    def add(self, result: CallResult) -> None:
        d, r = result.decision, result.resolution
        self.calls += 1
        self.outcomes[d.outcome] += 1
        self.finals[result.final] += 1
        self.stages[d.stage] += 1
        self.fail_closed += d.fail_closed or bool(r and r.fail_closed)
        if d.outcome == "require_approval":
            for rule_id in d.soft_rule_ids:
                _bump(self.gates_per_rule, rule_id)
        if d.shadow:
            self.shadow_matched += 1
            if d.shadow_flip is not None:
                self.shadow_flips[d.shadow_flip] += 1
                for match in d.shadow:
                    _bump(self.shadow_flips_per_rule, match.rule_id)
        if r is not None:
            if r.response == "approve" and r.outcome == "allow":
                _bump(self.approvals_by_scope, r.scope or "this_call")
            elif r.response == "deny":
                self.human_denials += 1
            else:
                self.timeouts += 1
            self.late_answers += r.late
        self.first_t = result.t if self.first_t is None else self.first_t
        self.last_t = max(self.last_t, r.decided_at if r else result.t)
        for message in result.mismatches:
            self.mismatch(result.line, message)

    def mismatch(self, line: int, message: str) -> None:
        self.mismatch_count += 1
        if self.list_limit is None or len(self.mismatches) < self.list_limit:
            self.mismatches.append((line, message))

    def bad(self, item: BadLine) -> None:
        self.bad_line_count += 1
        if self.list_limit is None or len(self.bad_lines) < self.list_limit:
            self.bad_lines.append(item)

    def note(self, item: object) -> None:
        """A record the reader passed on without a call (an unknown tool replayed generically, a skipped line)."""
        key = getattr(item, "key", None) or getattr(item, "kind", None) or getattr(item, "message", None)
        _bump(self.notes, str(key or type(item).__name__))
        if getattr(item, "kind", None) == "skipped_line":
            self.skipped_line_count += 1
            if self.list_limit is None or len(self.skipped_lines) < self.list_limit:
                self.skipped_lines.append((int(getattr(item, "line", 0)), str(getattr(item, "detail", ""))))

    @property
    def virtual_duration_s(self) -> float:
        return self.last_t - (self.first_t or 0.0) if self.calls else 0.0

    def cache_hits(self) -> dict[str, int]:
        return {"input": self.stages["input_cache"], "rule": self.stages["rule_cache"]}

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "outcomes": dict(sorted(self.outcomes.items())),
            "final": dict(sorted(self.finals.items())),
            "stages": dict(sorted(self.stages.items())),
            "gates_per_rule": dict(self.gates_per_rule.most_common()),
            "approvals_by_scope": dict(self.approvals_by_scope.most_common()),
            "human_denials": self.human_denials,
            "timeouts": self.timeouts,
            "late_answers": self.late_answers,
            "gate_cap_hits": self.stages["gate_cap"],
            "rate_limit_hits": self.stages["rate_limit"],
            "lifetime_denials": self.stages["lifetime"],
            "cache_hits": self.cache_hits(),
            "fail_closed": self.fail_closed,
            "virtual_duration_s": round(self.virtual_duration_s, 3),
            "mismatches": self.mismatch_count,
            "bad_lines": self.bad_line_count,
            "skipped_lines": self.skipped_line_count,
            "notes": dict(self.notes.most_common()),
            "shadow": {"matched": self.shadow_matched, "flipped": sum(self.shadow_flips.values()),
                       "flips": dict(sorted(self.shadow_flips.items())),
                       "flips_per_rule": dict(self.shadow_flips_per_rule.most_common())},
        }
