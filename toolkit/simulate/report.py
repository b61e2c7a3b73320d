"""Reports over one session or thousands, folded session by session.

A session contributes a `SessionFacts` whose size depends on its distinct
rules, tools and asked calls, never on its number of calls; the `Corpus`
report folds facts in and keeps only counters, the first few examples and
the top rows. So a run over ten thousand sessions holds no more than a run
over ten, and facts folded in the same order give the same report whichever
process replayed them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from toolkit.engine.records import DENY, REQUIRE_APPROVAL
from toolkit.simulate.replay import CallResult
from toolkit.simulate.session import SimulationReport, input_text
from toolkit.simulate.summary import LIST_LIMIT, OTHER, TABLE_LIMIT

EXAMPLES = 5
TOP_ROWS = 50
REPEAT_KEYS = 20_000
"""Distinct asked calls counted across sessions; past twice this, calls seen once are dropped (lossy counting)."""
SESSION_REPEAT_KEYS = 2_000
NOTE_SESSIONS = 5
"""Sessions named per note (an unknown tool): enough to find it, bounded however many sessions have it."""


@dataclass(frozen=True)
class Example:
    session: str
    line: int
    tool: str
    input: str
    outcome: str

    def to_json(self) -> dict[str, Any]:
        return {"session": self.session, "line": self.line, "tool": self.tool, "input": self.input,
                "outcome": self.outcome}


@dataclass
class Tally:
    calls: int = 0
    asks: int = 0
    denies: int = 0

    def add(self, other: Tally) -> None:
        self.calls += other.calls
        self.asks += other.asks
        self.denies += other.denies

    def to_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "asks": self.asks, "denies": self.denies}


@dataclass
class ShadowTally:
    matches: int = 0
    flips: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {"matches": self.matches, "would_have_flipped": sum(self.flips.values()),
                "flips_to": dict(self.flips.most_common())}


def _bounded(table: dict[str, Any], key: str, make: Any) -> Any:
    if key not in table and len(table) >= TABLE_LIMIT:
        key = OTHER
    if key not in table:
        table[key] = make()
    return table[key]


@dataclass
class SessionFacts:
    """One replayed stream (a trace file, or one agent of a transcript), reduced to what reports need."""

    source: str
    label: str
    agent: str | None = None
    calls: int = 0
    asks: int = 0
    denies: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    finals: Counter[str] = field(default_factory=Counter)
    rules: dict[str, Tally] = field(default_factory=dict)
    tools: dict[str, Tally] = field(default_factory=dict)
    rule_examples: dict[str, list[Example]] = field(default_factory=dict)
    asked: Counter[tuple[str, str]] = field(default_factory=Counter)
    asked_inputs: dict[tuple[str, str], str] = field(default_factory=dict)
    shadow: dict[str, ShadowTally] = field(default_factory=dict)
    shadow_examples: list[Example] = field(default_factory=list)
    shadow_flips: int = 0
    mismatches: int = 0
    bad_lines: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    skipped_count: int = 0
    failure: str | None = None
    """Why the stream did not replay to its end (unreadable, not a trace, a bad line): the run exits 2."""
    failure_line: int | None = None

    def observe(self, result: CallResult) -> None:
        d = result.decision
        self.calls += 1
        self.outcomes[d.outcome] += 1
        self.finals[result.final] += 1
        ask, deny = d.outcome == REQUIRE_APPROVAL, d.outcome == DENY
        self.asks += ask
        self.denies += deny
        tool = _bounded(self.tools, result.tool_name, Tally)
        tool.calls += 1
        tool.asks += ask
        tool.denies += deny
        shown: str | None = None
        for rule_id in d.rule_ids:
            rule = _bounded(self.rules, rule_id, Tally)
            rule.calls += 1
            rule.asks += ask
            rule.denies += deny
            examples = self.rule_examples.setdefault(rule_id, [])
            if (ask or deny) and len(examples) < EXAMPLES:
                shown = shown or input_text(result.tool_input)
                examples.append(Example(self.label, result.line, result.tool_name, shown, d.outcome))
        if ask:
            key = (result.tool_name, d.input_sha256 or (shown or input_text(result.tool_input)))
            if key in self.asked or len(self.asked) < SESSION_REPEAT_KEYS:
                self.asked[key] += 1
                if key not in self.asked_inputs:
                    self.asked_inputs[key] = shown or input_text(result.tool_input)
        self._shadow(result, shown)

    def _shadow(self, result: CallResult, shown: str | None) -> None:
        d = result.decision
        matches = getattr(d, "shadow", ()) or ()
        flip = getattr(d, "shadow_flip", None)
        for match in matches:
            rule_id = getattr(match, "rule_id", None) or str(match)
            tally = _bounded(self.shadow, rule_id, ShadowTally)
            tally.matches += 1
            if flip:
                tally.flips[str(flip)] += 1
        if flip:
            self.shadow_flips += 1
            if len(self.shadow_examples) < EXAMPLES:
                self.shadow_examples.append(Example(self.label, result.line, result.tool_name,
                                                    shown or input_text(result.tool_input),
                                                    f"{d.outcome} -> {flip}"))

    def finish(self, report: SimulationReport) -> SessionFacts:
        s = report.summary
        counted_stop = report.stopped is not None and any(b is report.stopped for b in s.bad_lines)
        self.mismatches, self.bad_lines = s.mismatch_count, s.bad_line_count - counted_stop
        self.notes.update(s.notes)
        self.problems = [Problem(self.source, line, message, "mismatch") for line, message in s.mismatches]
        stopped_line = report.stopped.line if report.stopped is not None else None
        self.problems += [Problem(self.source, bad.line, bad.message, "bad line") for bad in s.bad_lines
                          if bad.line != stopped_line]
        self.skipped_count = s.skipped_line_count
        self.skipped = [Problem(self.source, line, why, "skipped line") for line, why in s.skipped_lines]
        if report.stopped is not None:
            self.failure, self.failure_line = report.stopped.message, report.stopped.line
        return self


@dataclass(frozen=True)
class Problem:
    """A mismatch or a skipped bad line, with where it is."""

    source: str
    line: int
    message: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.source, "line": self.line, "message": self.message, "kind": self.kind}


@dataclass(frozen=True)
class SessionRow:
    order: int
    label: str
    agent: str | None
    calls: int
    asks: int
    denies: int
    mismatches: int
    failure: str | None

    def to_json(self) -> dict[str, Any]:
        return {"session": self.label, "agent": self.agent, "calls": self.calls, "asks": self.asks,
                "denies": self.denies, "asks_per_100": per_100(self.asks, self.calls),
                "denies_per_100": per_100(self.denies, self.calls), "mismatches": self.mismatches,
                "failure": self.failure}


def per_100(count: int, calls: int) -> float:
    return round(100.0 * count / calls, 2) if calls else 0.0


@dataclass(frozen=True)
class Failure:
    source: str
    line: int | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.source, "line": self.line, "reason": self.reason}


@dataclass
class Corpus:
    """The report over every replayed session."""

    policy_hash: str = ""
    files: int = 0
    sessions: int = 0
    calls: int = 0
    asks: int = 0
    denies: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    finals: Counter[str] = field(default_factory=Counter)
    rules: dict[str, Tally] = field(default_factory=dict)
    tools: dict[str, Tally] = field(default_factory=dict)
    rule_examples: dict[str, list[Example]] = field(default_factory=dict)
    top_sessions: list[SessionRow] = field(default_factory=list)
    asked: Counter[tuple[str, str]] = field(default_factory=Counter)
    asked_sessions: Counter[tuple[str, str]] = field(default_factory=Counter)
    asked_inputs: dict[tuple[str, str], str] = field(default_factory=dict)
    shadow: dict[str, ShadowTally] = field(default_factory=dict)
    shadow_examples: list[Example] = field(default_factory=list)
    shadow_flips: int = 0
    mismatches: int = 0
    bad_lines: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    failure_count: int = 0
    failed_files: int = 0
    replayed_files: int = 0
    """Files that gave at least one session (a file may also fail after some of its calls replayed)."""
    _last_failed: str | None = field(default=None, repr=False)
    _last_replayed: str | None = field(default=None, repr=False)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    """Damaged transcript lines passed over, each with file and line: the first `list_limit` of `skipped_count`."""
    skipped_count: int = 0
    note_sessions: dict[str, list[str]] = field(default_factory=dict)
    """For each note (an unknown tool, ...), the first sessions it came from; `note_session_count` counts them all."""
    note_session_count: Counter[str] = field(default_factory=Counter)
    list_limit: int | None = LIST_LIMIT
    """Mismatches and bad lines listed; None keeps every one (JUnit and GitHub annotations list each)."""

    def add(self, facts: SessionFacts) -> None:
        if facts.failure is not None and facts.calls == 0:
            self.fail(facts.source, facts.failure, facts.failure_line)
            return
        self.sessions += 1
        if facts.source != self._last_replayed:
            self.replayed_files += 1
            self._last_replayed = facts.source
        self.calls += facts.calls
        self.asks += facts.asks
        self.denies += facts.denies
        self.outcomes.update(facts.outcomes)
        self.finals.update(facts.finals)
        for name, tally in facts.rules.items():
            _bounded(self.rules, name, Tally).add(tally)
        for name, tally in facts.tools.items():
            _bounded(self.tools, name, Tally).add(tally)
        for rule, examples in facts.rule_examples.items():
            kept = self.rule_examples.setdefault(rule, [])
            kept.extend(examples[:EXAMPLES - len(kept)])
        self._rank(SessionRow(self.sessions, facts.label, facts.agent, facts.calls, facts.asks, facts.denies,
                              facts.mismatches, facts.failure))
        self._repeated(facts)
        for name, tally in facts.shadow.items():
            mine = _bounded(self.shadow, name, ShadowTally)
            mine.matches += tally.matches
            mine.flips.update(tally.flips)
        self.shadow_examples.extend(facts.shadow_examples[:EXAMPLES - len(self.shadow_examples)])
        self.shadow_flips += facts.shadow_flips
        self.mismatches += facts.mismatches
        self.bad_lines += facts.bad_lines
        for note, count in facts.notes.items():
            if note in self.notes or len(self.notes) < TABLE_LIMIT:
                self.notes[note] += count
                self.note_session_count[note] += 1
                where = self.note_sessions.setdefault(note, [])
                if len(where) < NOTE_SESSIONS:
                    where.append(facts.label)
        room = len(facts.problems) if self.list_limit is None else max(0, self.list_limit - len(self.problems))
        self.problems.extend(facts.problems[:room])
        self.skipped_count += facts.skipped_count
        room = len(facts.skipped) if self.list_limit is None else max(0, self.list_limit - len(self.skipped))
        self.skipped.extend(facts.skipped[:room])
        if facts.failure is not None:
            self.fail(facts.source, facts.failure, facts.failure_line)

    def fail(self, source: str, reason: str, line: int | None = None) -> None:
        """A file (or a stream of one) that did not replay to its end: a failure, never a session of 0 calls."""
        self.failure_count += 1
        if source != self._last_failed:
            self.failed_files += 1
            self._last_failed = source
        if self.list_limit is None or len(self.failures) < self.list_limit:
            self.failures.append(Failure(source, line, reason))

    def _rank(self, row: SessionRow) -> None:
        self.top_sessions.append(row)
        if len(self.top_sessions) > 2 * TOP_ROWS:
            self.top_sessions = self.ranked_sessions()

    def ranked_sessions(self) -> list[SessionRow]:
        return sorted(self.top_sessions, key=lambda r: (-(r.asks + r.denies), -r.calls, r.order))[:TOP_ROWS]

    def _repeated(self, facts: SessionFacts) -> None:
        for key, count in facts.asked.items():
            self.asked[key] += count
            self.asked_sessions[key] += 1
            self.asked_inputs.setdefault(key, facts.asked_inputs.get(key, ""))
        if len(self.asked) > 2 * REPEAT_KEYS:
            for key in [k for k, n in self.asked.items() if n == 1]:
                del self.asked[key], self.asked_sessions[key], self.asked_inputs[key]

    def repeated_asks(self, limit: int = TOP_ROWS) -> list[dict[str, Any]]:
        ranked = sorted((item for item in self.asked.items() if item[1] > 1), key=lambda kv: (-kv[1], kv[0]))
        return [{"tool": tool, "input": self.asked_inputs.get((tool, digest), ""), "asks": count,
                 "sessions": self.asked_sessions[(tool, digest)]} for (tool, digest), count in ranked[:limit]]

    @property
    def exit_code(self) -> int:
        if self.failure_count:
            return 2
        return 1 if self.mismatches or self.bad_lines else 0

    def to_json(self) -> dict[str, Any]:
        def table(rows: dict[str, Tally]) -> list[dict[str, Any]]:
            ranked = sorted(rows.items(), key=lambda kv: (-(kv[1].asks + kv[1].denies), -kv[1].calls, kv[0]))
            return [{"name": name, **tally.to_json(), "asks_per_100": per_100(tally.asks, tally.calls),
                     "denies_per_100": per_100(tally.denies, tally.calls)} for name, tally in ranked]

        return {
            "report": 1,
            "policy_hash": self.policy_hash,
            "files": self.files,
            "sessions": self.sessions,
            "calls": self.calls,
            "asks": self.asks,
            "denies": self.denies,
            "asks_per_100": per_100(self.asks, self.calls),
            "denies_per_100": per_100(self.denies, self.calls),
            "outcomes": dict(sorted(self.outcomes.items())),
            "final": dict(sorted(self.finals.items())),
            "rules": [{**row, "stopped": [e.to_json() for e in self.rule_examples.get(row["name"], [])]}
                      for row in table(self.rules)],
            "tools": table(self.tools),
            "sessions_top": [row.to_json() for row in self.ranked_sessions()],
            "repeated_asks": self.repeated_asks(),
            "shadow": {"would_have_flipped": self.shadow_flips,
                       "rules": {name: t.to_json() for name, t in sorted(self.shadow.items())},
                       "examples": [e.to_json() for e in self.shadow_examples]},
            "mismatches": self.mismatches,
            "bad_lines": self.bad_lines,
            "problems": [p.to_json() for p in self.problems],
            "skipped_lines": self.skipped_count,
            "skipped": [p.to_json() for p in self.skipped],
            "notes": dict(self.notes.most_common()),
            "note_sessions": {note: {"sessions": self.note_session_count[note], "first": self.note_sessions[note]}
                              for note in self.notes if note in self.note_sessions},
            "failed": self.failure_count,
            "failed_files": self.failed_files,
            "replayed_files": self.replayed_files,
            "failures": [f.to_json() for f in self.failures],
            "exit_code": self.exit_code,
        }
