"""Running policy tests through the runtime gate, exactly as a live call would be decided.

Each test gets a fresh task (its own settings, no state from other tests). With
a second bundle whose authorizer is cedar-wasm, the same gate runs again and
any difference in outcome or matched rules is reported on the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from toolkit.contract import Constants
from toolkit.engine.bundle import PolicyBundle
from toolkit.engine.gate import Gate
from toolkit.engine.records import Decision, ShadowMatch
from toolkit.engine.settings import TaskSettings
from toolkit.policytests.model import PolicyTest


@dataclass(frozen=True)
class TestResult:
    test: PolicyTest
    outcome: str
    rules: tuple[str, ...]
    reached: tuple[str, ...]
    """Every rule the call matched, disabled ones included: what coverage counts."""
    stage: str
    reason: str
    failures: tuple[str, ...]
    wasm: tuple[str, ...] | None = None
    """None when cedar-wasm was not asked; else its disagreements (empty: the engines agree)."""
    shadow: tuple[ShadowMatch, ...] = ()
    """The log-only rules the call matched; they never change `outcome`."""
    shadow_flip: str | None = None
    """What enforcing them would have made of the call (`deny`, `ask`), when that differs from `outcome`."""

    @property
    def passed(self) -> bool:
        return not self.failures and not self.wasm


def _decide(bundle: PolicyBundle, constants: Constants, test: PolicyTest) -> Decision:
    gate = Gate(bundle, constants, TaskSettings.from_mapping(test.task, "task"))
    return gate.evaluate(test.tool, dict(test.tool_input))


def run_tests(tests: Iterable[PolicyTest], bundle: PolicyBundle, constants: Constants,
              wasm_bundle: PolicyBundle | None = None) -> list[TestResult]:
    results = []
    for test in tests:
        decision = _decide(bundle, constants, test)
        failures = []
        if decision.fail_closed:
            failures.append(f"the gate failed closed: {decision.reason}")
        if decision.outcome != test.expect:
            failures.append(f"expected {test.expect}, the gate said {decision.outcome} at stage {decision.stage} "
                            f"({decision.reason})")
        shadow = _shadow_ids(decision)
        if test.rules is not None and tuple(decision.rule_ids) != test.rules:
            log_only = [r for r in test.rules if bundle.rules.get(r) is not None and bundle.rules[r].shadow]
            hint = f" ({', '.join(log_only)} is log-only: list it under `shadow:`)" if log_only else ""
            failures.append(f"expected rules [{', '.join(test.rules)}], matched [{', '.join(decision.rule_ids)}]"
                            + hint)
        if test.shadow is not None and shadow != test.shadow:
            failures.append(f"expected shadow rules [{', '.join(test.shadow)}], matched [{', '.join(shadow)}]")
        wasm = None
        if wasm_bundle is not None:
            other = _decide(wasm_bundle, constants, test)
            wasm = tuple(_differences(decision, other))
        reached = tuple(sorted({*decision.hard_rule_ids, *decision.soft_rule_ids, *decision.disabled_rule_ids,
                                *shadow}))
        results.append(TestResult(test, decision.outcome, tuple(decision.rule_ids), reached, decision.stage,
                                  decision.reason, tuple(failures), wasm, decision.shadow, decision.shadow_flip))
    return results


def _shadow_ids(decision: Decision) -> tuple[str, ...]:
    return tuple(m.rule_id for m in decision.shadow)


def _differences(py: Decision, js: Decision) -> list[str]:
    out = []
    if js.fail_closed and not py.fail_closed:
        out.append(f"cedar-wasm failed closed ({js.reason}) where cedarpy decided")
    elif py.outcome != js.outcome:
        out.append(f"cedarpy says {py.outcome}, cedar-wasm says {js.outcome}")
    if py.rule_ids != js.rule_ids:
        out.append(f"cedarpy matched [{', '.join(py.rule_ids)}], cedar-wasm [{', '.join(js.rule_ids)}]")
    if py.shadow != js.shadow:
        out.append(f"cedarpy matched shadow rules [{', '.join(_shadow_ids(py))}], "
                   f"cedar-wasm [{', '.join(_shadow_ids(js))}]")
    return out


def wasm_bundle(bundle: PolicyBundle, runner: Any) -> PolicyBundle:
    """The same rules decided by cedar-wasm through the Node runner (every request sent, none prefiltered),
    log-only rules included."""
    from dataclasses import replace

    shadow = bundle.shadow
    if shadow is not None:
        shadow = replace(shadow, prefilter=None,
                         authorizer=lambda _set, _entities, requests: runner.authorize(shadow.text, [], requests))
    return replace(bundle, prefilter=None, shadow=shadow,
                   authorizer=lambda _set, _entities, requests: runner.authorize(bundle.text, [], requests))
