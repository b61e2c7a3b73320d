"""Which rules the tests (and, optionally, recorded traffic) reach."""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from toolkit.contract import Constants
from toolkit.engine.bundle import PolicyBundle
from toolkit.errors import InputError
from toolkit.policytests.run import TestResult

BUILTIN_ORIGIN = "built-in:"


@dataclass
class Coverage:
    rules: list[str]
    by_tests: Counter[str] = field(default_factory=Counter)
    by_traces: Counter[str] = field(default_factory=Counter)
    log_only: frozenset[str] = frozenset()
    """Rules among `rules` that are shadow rules (reached = matched, though never enforced)."""

    @property
    def covered(self) -> list[str]:
        return [r for r in self.rules if self.by_tests[r] or self.by_traces[r]]

    @property
    def uncovered(self) -> list[str]:
        return [r for r in self.rules if not (self.by_tests[r] or self.by_traces[r])]

    @property
    def percent(self) -> float:
        return 100.0 * len(self.covered) / len(self.rules) if self.rules else 100.0


def measure(bundle: PolicyBundle, results: Iterable[TestResult], include_builtins: bool,
            trace_hits: Counter[str] | None = None) -> Coverage:
    rules = sorted(r.rule_id for r in bundle.rules.values()
                   if include_builtins or not r.origin.startswith(BUILTIN_ORIGIN))
    coverage = Coverage(rules, log_only=frozenset(r for r in rules if bundle.rules[r].shadow))
    for result in results:
        coverage.by_tests.update(r for r in result.reached if r in rules)
    if trace_hits:
        coverage.by_traces.update({r: n for r, n in trace_hits.items() if r in rules})
    return coverage


def trace_hits(traces: Iterable[Path], bundle: PolicyBundle, constants: Constants) -> Counter[str]:
    """Rules the recorded calls reach, replayed through the same gate (gates answered by timeout)."""
    from toolkit.simulate import Respond, simulate

    hits: Counter[str] = Counter()
    for trace in traces:
        out = io.StringIO()
        report = simulate(trace, bundle, constants, default=Respond("timeout"), out=out)
        if report.stopped is not None:
            raise InputError(str(trace), f"line {report.stopped.line}: {report.stopped.message}",
                             hint="fix the trace or leave it out of --trace")
        for line in out.getvalue().splitlines():
            decision = json.loads(line)["decision"]
            hits.update({*decision["hard_rule_ids"], *decision["soft_rule_ids"], *decision["disabled_rule_ids"],
                         *(m["rule"] for m in decision.get("shadow") or ())})
    return hits
