"""Fail closed everywhere: a fault at any stage of the pipeline ends in `deny` with `fail_closed`.

The doubles here stand in for broken parts of the engine (fault injection); the
Cedar evaluation errors come from the real cedarpy running a real policy.
"""

from __future__ import annotations

import hashlib
import math
from types import MappingProxyType
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.cedar.answers import EngineAnswer
from toolkit.engine import Approve, Deny, Gate, ManualClock, TaskSettings, Timeout

from .conftest import ENGINE_FIXTURES

T0 = 1_800_000_000.0
SOFT_CALL = ("Bash", {"command": "git push --force origin feature"})


class Exploding:
    """Every method call and container check raises `error`."""

    def __init__(self, error: type[BaseException] = RuntimeError):
        self.error = error

    def _boom(self, *args, **kwargs):
        raise self.error("injected fault")

    def __getattr__(self, name):
        if name == "error":
            raise AttributeError(name)
        return self._boom

    def __contains__(self, item):
        self._boom()

    def __len__(self):
        return 0


class FlakyClock(ManualClock):
    def __init__(self, t: float):
        super().__init__(t)
        self.broken = False

    def now(self) -> float:
        if self.broken:
            raise OSError("clock unavailable")
        return super().now()


def _gate(bundle_pair, **task) -> Gate:
    bundle, constants = bundle_pair
    return Gate(bundle, constants, TaskSettings(**task), ManualClock(T0))


def _assert_fail_closed(decision, failure: str | None = None):
    assert decision.outcome == "deny" and decision.fail_closed
    assert decision.reason.startswith("fail-closed: ")
    if failure:
        assert decision.reason == f"fail-closed: {failure}"


def _raising_authorizer(policy_set, entities, requests):
    raise RuntimeError("engine crashed")


def _no_decision_authorizer(policy_set, entities, requests):
    return [EngineAnswer.input_error(["bad request"]) for _ in requests]


def _short_authorizer(policy_set, entities, requests):
    return []


def _unknown_policy_authorizer(policy_set, entities, requests):
    return [EngineAnswer.decided("deny", ["policy999"], [], []) for _ in requests]


STAGE_FAULTS = {
    "allowlist": lambda g: setattr(g.state, "allowlist", Exploding()),
    "input_cache": lambda g: setattr(g.state, "input_cache", Exploding(KeyError)),
    "rule_grants": lambda g: setattr(g.state, "rule_grants", Exploding(TypeError)),
    "rule_cache": lambda g: setattr(g.state, "rule_cache", Exploding()),
    "rate_window": lambda g: setattr(g.state, "rate", Exploding(MemoryError)),
    "open_gates": lambda g: setattr(g.state, "open_gates", Exploding()),
    "authorizer": lambda g: setattr(g, "bundle", g.bundle.with_authorizer(_raising_authorizer)),
    "no_decision": lambda g: setattr(g, "bundle", g.bundle.with_authorizer(_no_decision_authorizer)),
    "missing_answers": lambda g: setattr(g, "bundle", g.bundle.with_authorizer(_short_authorizer)),
    "unknown_policy": lambda g: setattr(g, "bundle", g.bundle.with_authorizer(_unknown_policy_authorizer)),
    "no_policy_set": lambda g: setattr(g, "bundle", replace(g.bundle, policy_set=None)),
    "no_bundle": lambda g: setattr(g, "bundle", None),
    "rules_table": lambda g: setattr(g, "bundle", replace(g.bundle, rules={})),
}


@pytest.mark.parametrize("stage", sorted(STAGE_FAULTS))
def test_a_fault_at_any_stage_denies_that_call(builtin_bundle, stage):
    gate = _gate(builtin_bundle)
    STAGE_FAULTS[stage](gate)
    _assert_fail_closed(gate.evaluate(*SOFT_CALL))


@pytest.mark.parametrize("stage, failure", [("authorizer", "RuntimeError"), ("no_decision", "CedarInputError"),
                                            ("no_bundle", "EngineUnavailable"), ("rate_window", "MemoryError")])
def test_fail_closed_reason_names_the_failure_class(builtin_bundle, stage, failure):
    gate = _gate(builtin_bundle)
    STAGE_FAULTS[stage](gate)
    _assert_fail_closed(gate.evaluate(*SOFT_CALL), failure)


def test_a_broken_clock_denies(builtin_bundle):
    bundle, constants = builtin_bundle
    clock = FlakyClock(T0)
    gate = Gate(bundle, constants, TaskSettings(), clock)
    clock.broken = True
    _assert_fail_closed(gate.evaluate("Read", {"file_path": "x"}), "OSError")


def test_a_broken_timer_still_denies_cleanly(builtin_bundle):
    bundle, constants = builtin_bundle
    calls = iter([0.0])
    gate = Gate(bundle, constants, TaskSettings(), ManualClock(T0), timer=lambda: next(calls))
    STAGE_FAULTS["authorizer"](gate)
    decision = gate.evaluate(*SOFT_CALL)
    _assert_fail_closed(decision)
    assert decision.eval_us == 0


def test_cedar_evaluation_errors_fail_closed_on_that_call_only():
    gate = Gate.from_blueprint(ENGINE_FIXTURES / "overflow.yaml", clock=ManualClock(T0))
    broken = gate.evaluate("Bash", {"command": "echo overflow"})
    _assert_fail_closed(broken, "CedarEvaluationError")
    assert broken.errored_rule_ids == ("overflowing_rule",)
    assert gate.evaluate("Bash", {"command": "echo fine"}).outcome == "allow"


def _circular():
    value: dict = {}
    value["self"] = value
    return value


@pytest.mark.parametrize(
    "tool, tool_input, failure",
    [
        ("Bash", {"command": "ls", "when": object()}, "InputNotSerialisable"),
        ("Bash", {"command": "ls", "x": math.nan}, "InputNotSerialisable"),
        ("Bash", {"command": "ls", "x": _circular()}, "InputNotSerialisable"),
        ("Bash", {"command": "ls", "x": {1: "non-string key"}}, "InputNotSerialisable"),
        ("Bash", {"command": "ls", "x": [math.inf]}, "InputNotSerialisable"),
        ("Bash", {"command": "ls", "x": MappingProxyType({"a": 1})}, "InputNotSerialisable"),
        ("Bash", MappingProxyType({"command": "ls"}), "InputNotSerialisable"),
        ("Bash", ["ls"], "InvalidToolInput"),
        ("Bash", None, "InvalidToolInput"),
        ("", {}, "InvalidToolInput"),
        (None, {}, "InvalidToolInput"),
        ("Bash", {"command": ["rm", "-rf", "/"]}, "InvalidToolInput"),
        ("Bash", {}, "InvalidToolInput"),
        ("Write", {"file_path": 3}, "InvalidToolInput"),
        ("Write", {"content": "x"}, "InvalidToolInput"),
        ("NotebookEdit", {"notebook_path": ""}, "InvalidToolInput"),
    ],
)
def test_unusable_tool_calls_are_denied_before_evaluation(builtin_bundle, tool, tool_input, failure):
    decision = _gate(builtin_bundle).evaluate(tool, tool_input)
    _assert_fail_closed(decision, failure)
    assert decision.stage == "precheck"


def test_a_fault_while_resolving_an_approval_denies(builtin_bundle):
    gate = _gate(builtin_bundle)
    opened = gate.evaluate(*SOFT_CALL)
    gate.state.allowlist = Exploding()
    resolution = gate.resolve(opened, Approve("tool_type_session"))
    assert (resolution.outcome, resolution.fail_closed) == ("deny", True)


@pytest.mark.parametrize("response", [Deny("no"), Timeout()])
def test_a_fault_while_recording_a_denial_still_denies(builtin_bundle, response):
    gate = _gate(builtin_bundle)
    opened = gate.evaluate(*SOFT_CALL)
    gate.state.input_cache = Exploding()
    resolution = gate.resolve(opened, response)
    assert (resolution.outcome, resolution.fail_closed) == ("deny", True)


SOFT_ONLY = {"open_gates", "rule_grants", "rule_cache", "rate_window", "rules_table"}
"""Stages only a call with a soft match reaches; the first property uses calls that may match nothing."""
CALLS = st.sampled_from([
    ("Bash", {"command": "git push --force origin feature"}),
    ("Bash", {"command": "ls -la"}),
    ("Write", {"file_path": "src/.env"}),
    ("Write", {"file_path": "README.md"}),
    ("Read", {"file_path": "a.py"}),
    ("WebFetch", {"url": "https://example.com"}),
])
ERRORS = st.sampled_from([RuntimeError, KeyError, TypeError, ValueError, MemoryError, RecursionError, OSError])


@settings(max_examples=120, deadline=None)
@given(stage=st.sampled_from(sorted(set(STAGE_FAULTS) - SOFT_ONLY)),
       error=ERRORS, call=CALLS)
def test_property_every_injected_fault_ends_in_deny(builtin_bundle, stage, error, call):
    bundle, constants = builtin_bundle
    gate = Gate(bundle, constants, TaskSettings(), ManualClock(T0))
    if stage in ("allowlist", "input_cache"):
        setattr(gate.state, stage, Exploding(error))
    else:
        STAGE_FAULTS[stage](gate)
    decision = gate.evaluate(*call)
    assert decision.outcome == "deny" and decision.fail_closed


@settings(max_examples=60, deadline=None)
@given(stage=st.sampled_from(sorted(SOFT_ONLY - {"rules_table"})), error=ERRORS)
def test_property_faults_in_soft_tier_state_end_in_deny(builtin_bundle, stage, error):
    bundle, constants = builtin_bundle
    gate = Gate(bundle, constants, TaskSettings(), ManualClock(T0))
    target = {"rule_grants": "rule_grants", "rule_cache": "rule_cache", "rate_window": "rate",
              "open_gates": "open_gates"}[stage]
    setattr(gate.state, target, Exploding(error))
    decision = gate.evaluate(*SOFT_CALL)
    assert decision.outcome == "deny" and decision.fail_closed


def test_an_open_gate_keeps_the_hash_of_the_input_it_asked_about(builtin_bundle):
    from toolkit.engine.gate import canonical_json

    gate = _gate(builtin_bundle)
    tool_name, tool_input = SOFT_CALL[0], dict(SOFT_CALL[1])
    asked = hashlib.sha256(canonical_json(tool_input).encode()).hexdigest()
    decision = gate.evaluate(tool_name, tool_input)
    tool_input["changed_after_the_call"] = True
    assert decision.outcome == "require_approval"
    assert decision.input_sha256 == asked
    gate.resolve(decision, Deny("no"))
    assert gate.evaluate(tool_name, dict(SOFT_CALL[1])).stage == "input_cache"


_ODD_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.binary(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner) | st.frozensets(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
    | st.dictionaries(st.text(max_size=3), inner, max_size=2).map(MappingProxyType),
    max_leaves=12,
)


@given(value=_ODD_VALUES)
def test_property_an_input_that_passes_the_precheck_can_always_be_hashed(value):
    from toolkit.engine.gate import canonical_json, check_json_value
    from toolkit.engine.failures import InputNotSerialisable

    try:
        check_json_value(value)
    except InputNotSerialisable:
        return
    canonical_json(value)
