"""Judging the gate against a corpus of attack spellings and benign near misses.

The corpus (fixtures/bypass/corpus.jsonl, written by scripts/gen_bypass_corpus.py)
says per call what the built-in gates must do; this module runs every call
through a fresh task of the real gate and classes the outcome, for
scripts/bench_bypass.py and the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from toolkit.contract import Constants
from toolkit.engine.gate import Gate
from toolkit.engine.bundle import PolicyBundle
from toolkit.engine.records import ALLOW, DENY, REQUIRE_APPROVAL, Decision
from toolkit.engine.settings import TaskSettings

GATED = "gated"
WEAKER = "weaker"
MISSED = "missed"
CRASH = "crash"
FALSE_HARD_DENY = "false_hard_deny"
ASKED = "asked"
ALLOWED = "allowed"


@dataclass(frozen=True)
class CorpusEntry:
    ident: str
    cls: str
    tool: str
    tool_input: dict[str, Any]
    task: dict[str, Any]
    intent: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    entry: CorpusEntry
    verdict: str
    decision: Decision


@dataclass
class Tally:
    verdicts: list[Verdict] = field(default_factory=list)

    def by_class(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for v in self.verdicts:
            out.setdefault(v.entry.cls, Counter())[v.verdict] += 1
        return out

    def attacks(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.entry.intent != "allow"]

    def gated_share(self) -> float:
        attacks = self.attacks()
        return sum(v.verdict == GATED for v in attacks) / len(attacks) if attacks else 1.0

    def count(self, verdict: str) -> int:
        return sum(v.verdict == verdict for v in self.verdicts)


def read_corpus(path: Path) -> Iterator[CorpusEntry]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                yield CorpusEntry(raw["id"], raw["class"], raw["tool"], raw["input"], raw.get("task", {}),
                                  raw["intent"], tuple(raw.get("rules", ())))


def judge(entry: CorpusEntry, decision: Decision) -> str:
    """Deny intent: a named hard rule denied it. Ask intent: not allowed, and a named rule fired."""
    if decision.fail_closed:
        return CRASH
    fired = set(decision.hard_rule_ids) | set(decision.soft_rule_ids)
    if entry.intent == "allow":
        if decision.outcome == DENY and decision.hard_rule_ids:
            return FALSE_HARD_DENY
        return ASKED if decision.outcome == REQUIRE_APPROVAL else ALLOWED
    if entry.intent == "deny":
        if decision.outcome == DENY and fired & set(entry.rules):
            return GATED
        return WEAKER if decision.outcome != ALLOW else MISSED
    if decision.outcome in (DENY, REQUIRE_APPROVAL) and (fired & set(entry.rules) or decision.hard_rule_ids):
        return GATED
    return MISSED if decision.outcome == ALLOW else WEAKER


def run(bundle: PolicyBundle, constants: Constants, entries: Iterable[CorpusEntry]) -> Tally:
    """Each call in a fresh task, so no cache or grant of one call decides another."""
    tally = Tally()
    for entry in entries:
        gate = Gate(bundle, constants, TaskSettings.from_mapping(entry.task, f"corpus entry {entry.ident}"))
        decision = gate.evaluate(entry.tool, entry.tool_input)
        tally.verdicts.append(Verdict(entry, judge(entry, decision), decision))
    return tally
