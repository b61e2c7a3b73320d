"""`simulate diff` over many sessions: what a candidate policy would change, ranked by how often.

Each session's `DiffReport` is folded in and dropped; the ranking keeps one
counter per kind of change (rule, transition, tool), bounded like the other
report tables, and the first example of each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from toolkit.simulate.report import TOP_ROWS, Example, Failure, per_100
from toolkit.simulate.session import DiffReport
from toolkit.simulate.summary import LIST_LIMIT, TABLE_LIMIT


@dataclass
class DiffCorpus:
    """`simulate diff` over many sessions: what the candidate policy would change, ranked by how often."""

    baseline_hash: str = ""
    candidate_hash: str = ""
    files: int = 0
    sessions: int = 0
    calls: int = 0
    changed: int = 0
    sessions_changed: int = 0
    transitions: Counter[str] = field(default_factory=Counter)
    by_rule: Counter[str] = field(default_factory=Counter)
    kinds: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    kind_sessions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    kind_examples: dict[tuple[str, str, str], Example] = field(default_factory=dict)
    bad_lines: int = 0
    failures: list[Failure] = field(default_factory=list)
    failure_count: int = 0
    failed_files: int = 0
    replayed_files: int = 0
    """Files that gave at least one session (a file may also fail after some of its calls replayed)."""
    _last_failed: str | None = field(default=None, repr=False)
    _last_replayed: str | None = field(default=None, repr=False)

    def add(self, report: DiffReport, label: str, source: str) -> None:
        if report.stopped is not None and report.calls == 0:
            self.fail(source, report.stopped.message, report.stopped.line)
            return
        self.sessions += 1
        if source != self._last_replayed:
            self.replayed_files += 1
            self._last_replayed = source
        self.calls += report.calls
        self.changed += report.changed
        self.sessions_changed += bool(report.changed)
        self.transitions.update(report.transitions)
        self.by_rule.update(report.by_rule)
        for kind, count in report.kinds.items():
            if kind in self.kinds or len(self.kinds) < TABLE_LIMIT:
                self.kinds[kind] += count
                self.kind_sessions[kind] += 1
                change = report.kind_examples.get(kind)
                if change is not None and kind not in self.kind_examples:
                    self.kind_examples[kind] = Example(label, change.line, change.tool_name, change.tool_input,
                                                       kind[1])
        self.bad_lines += len(report.bad_lines)
        if report.stopped is not None:
            self.fail(source, report.stopped.message, report.stopped.line)

    def fail(self, source: str, reason: str, line: int | None = None) -> None:
        self.failure_count += 1
        if source != self._last_failed:
            self.failed_files += 1
            self._last_failed = source
        if len(self.failures) < LIST_LIMIT:
            self.failures.append(Failure(source, line, reason))

    def ranked(self, limit: int = TOP_ROWS) -> list[dict[str, Any]]:
        order = sorted(self.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
        return [{"rule": rule, "transition": transition, "tool": tool, "calls": count,
                 "sessions": self.kind_sessions[(rule, transition, tool)],
                 "example": self.kind_examples[(rule, transition, tool)].to_json()
                 if (rule, transition, tool) in self.kind_examples else None}
                for (rule, transition, tool), count in order[:limit]]

    def exit_code(self, fail_on_change: bool) -> int:
        if self.failure_count:
            return 2
        return 1 if (fail_on_change and self.changed) or self.bad_lines else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "report": 1,
            "baseline_policy_hash": self.baseline_hash,
            "candidate_policy_hash": self.candidate_hash,
            "files": self.files,
            "sessions": self.sessions,
            "sessions_changed": self.sessions_changed,
            "calls": self.calls,
            "changed": self.changed,
            "changed_per_100": per_100(self.changed, self.calls),
            "transitions": dict(self.transitions.most_common()),
            "by_rule": dict(self.by_rule.most_common()),
            "changes": self.ranked(),
            "bad_lines": self.bad_lines,
            "failed": self.failure_count,
            "failed_files": self.failed_files,
            "replayed_files": self.replayed_files,
            "failures": [f.to_json() for f in self.failures],
        }
