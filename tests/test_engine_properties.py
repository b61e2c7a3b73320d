"""Properties of the runtime gate, checked with hypothesis over the real cedarpy engine."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from toolkit.engine import Approve, Gate, ManualClock, ScopeError, TaskSettings, TaskSettingsError
from toolkit.policyset import load_policies
from toolkit.engine.caches import RateWindow, RecentDecisions
from toolkit.engine.sanitize import STEERING_DENIED, agent_reason, denial_envelope

T0 = 1_800_000_000.0

HARD_CALLS = [
    ("Bash", {"command": "rm -rf /"}, False),
    ("Bash", {"command": "sudo rm -rf / --no-preserve-root"}, False),
    ("Bash", {"command": "psql -c 'DROP TABLE users'"}, False),
    ("Write", {"file_path": ".git/config"}, False),
    ("Edit", {"file_path": "vendor/lib/.git/HEAD", "old_string": "a", "new_string": "b"}, False),
    ("MultiEdit", {"file_path": ".git/hooks/pre-commit", "edits": []}, False),
    ("NotebookEdit", {"notebook_path": "a/.git/x.ipynb"}, False),
    ("Write", {"file_path": "src/app.py"}, True),
    ("Edit", {"file_path": "README.md", "old_string": "a", "new_string": "b"}, True),
]
SCOPES = st.one_of(
    st.sampled_from([
        "all_session", "tool_type:Bash", "tool_type:Write", "tool_type:Edit", "tool_type:MultiEdit",
        "tool_type:NotebookEdit", "tool_group:file_write", "tool_group:shell", "bash_pattern:rm -rf *",
        "bash_pattern:psql *", "bash_pattern:sudo rm *", "write_path:.git/**", "write_path:**/.git/**",
        "write_path:src/**", "write_path:README.md", "rule:force_push_any", "rule:write_env_files",
        "rule:write_credentials",
    ]),
    st.builds(lambda s: f"bash_pattern:{s}", st.text(min_size=3, max_size=30)),
    st.builds(lambda s: f"write_path:{s}", st.text(min_size=3, max_size=30)),
)


@settings(max_examples=150, deadline=None)
@given(scopes=st.lists(SCOPES, max_size=8), approve_with=SCOPES, call=st.sampled_from(HARD_CALLS))
def test_property_hard_matches_are_never_allowed(builtin_bundle, scopes, approve_with, call):
    bundle, constants = builtin_bundle
    tool, tool_input, read_only = call
    try:
        gate = Gate(bundle, constants, TaskSettings(read_only=read_only, initial_approvals=tuple(scopes)),
                    ManualClock(T0))
    except TaskSettingsError:
        assume(False)
    opened = gate.evaluate("Bash", {"command": "git push --force origin x"})
    if opened.outcome == "require_approval":
        try:
            gate.resolve(opened, Approve(approve_with))
        except ScopeError:
            pass
    decision = gate.evaluate(tool, tool_input)
    assert decision.outcome == "deny" and decision.hard_rule_ids


TOKENS = {
    # token: (timeout annotation or None, severity annotation or None)
    "tok_a": ("30", "low"),
    "tok_b": ("45", "high"),
    "tok_c": ("120", None),
    "tok_d": ("600", "medium"),
    "tok_e": ("3600", "low"),
    "tok_f": (None, None),
    "tok_g": (None, "high"),
}
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


@pytest.fixture(scope="module")
def token_bundle(tmp_path_factory):
    rules = []
    for token, (timeout, severity) in TOKENS.items():
        notes = (f'@approval_timeout_s("{timeout}")\n' if timeout else "") + (
            f'@severity("{severity}")\n' if severity else "")
        rules.append(f'@tier("soft")\n@rule_id("{token}")\n{notes}@lint_allow("CG032")\n'
                     'forbid (principal, action == Agent::Action::"execute_bash", resource)\n'
                     f'when {{ context.command like "*{token}*" }};\n')
    body = "".join(rules).replace("\n", "\n      ")
    path = tmp_path_factory.mktemp("bp") / "tokens.yaml"
    path.write_text(f"security:\n  approvalGateCap: 500\n  cedarPolicies:\n    soft: |\n      {body}\n")
    return load_policies(path)


@settings(max_examples=150, deadline=None)
@given(tokens=st.sets(st.sampled_from(sorted(TOKENS)), min_size=1), default=st.integers(30, 3600))
def test_property_merged_timeout_and_severity(token_bundle, tokens, default):
    bundle, constants = token_bundle
    gate = Gate(bundle, constants, TaskSettings(approval_timeout_s=default), ManualClock(T0))
    decision = gate.evaluate("Bash", {"command": "echo " + " ".join(sorted(tokens))})
    assert decision.outcome == "require_approval"
    assert set(decision.soft_rule_ids) == tokens
    timeouts = [int(TOKENS[t][0]) for t in tokens if TOKENS[t][0]]
    assert decision.timeout_s == max(30, min([*timeouts, default]))
    assert 30 <= decision.timeout_s <= 3600 and decision.timeout_s <= default
    assert decision.severity == max((TOKENS[t][1] or "medium" for t in tokens), key=SEVERITY_RANK.__getitem__)


CACHE_OPS = st.lists(
    st.tuples(st.sampled_from(["put", "get"]), st.integers(0, 80), st.floats(0, 30, allow_nan=False)),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(ops=CACHE_OPS)
def test_property_cache_holds_at_most_50_and_forgets_after_60_seconds(ops):
    cache: RecentDecisions[int] = RecentDecisions(50, 60)
    inserted: dict[int, float] = {}
    now = 0.0
    for op, key, step in ops:
        now += step
        if op == "put":
            cache.put(key, "DENIED", now)
            inserted[key] = now
        else:
            hit = cache.get(key, now)
            if hit is not None:
                assert hit[1] == inserted[key] and now - hit[1] < 60
        assert len(cache) <= 50


@settings(max_examples=200, deadline=None)
@given(ops=CACHE_OPS)
def test_property_cache_keeps_the_most_recent_fresh_entries(ops):
    cache: RecentDecisions[int] = RecentDecisions(50, 60)
    now = 0.0
    for op, key, step in ops:
        now += step
        if op == "put":
            cache.put(key, "DENIED", now)
            assert cache.get(key, now) == ("DENIED", now)


@settings(max_examples=100, deadline=None)
@given(gaps=st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=80))
def test_property_rate_limit_never_admits_a_21st_gate_in_any_window(builtin_bundle, gaps):
    bundle, constants = builtin_bundle
    clock = ManualClock(T0)
    gate = Gate(bundle, constants, TaskSettings(gate_cap=500), clock)
    opened: list[float] = []
    for i, gap in enumerate(gaps):
        clock.advance(gap)
        decision = gate.evaluate("Write", {"file_path": f"d{i}/.env"})
        if decision.outcome == "require_approval":
            opened.append(clock.now())
        else:
            assert decision.stage == "rate_limit"
            assert sum(1 for t in opened if clock.now() - t < 60) == 20
    for t in opened:
        assert sum(1 for u in opened if t <= u < t + 60) <= 20


@settings(max_examples=100, deadline=None)
@given(gaps=st.lists(st.floats(0, 5, allow_nan=False), max_size=60))
def test_property_rate_window_model(gaps):
    window = RateWindow(20, 60)
    now, admitted = 0.0, []
    for gap in gaps:
        now += gap
        if not window.full(now):
            window.record(now)
            admitted.append(now)
        assert len(window) <= 20
    for t in admitted:
        assert sum(1 for u in admitted if t <= u < t + 60) <= 20


@settings(max_examples=400, deadline=None)
@given(human=st.text(), request_id=st.text(min_size=1, max_size=40),
       at=st.floats(-1e20, 1e20, allow_nan=False, allow_infinity=False))
def test_property_agent_reasons_are_short_clean_and_round_trip_through_xml(human, request_id, at):
    reason = agent_reason(STEERING_DENIED, human, 500)
    assert len(reason) <= 500 and reason.startswith(STEERING_DENIED)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in reason)
    assert "\x1b" not in reason
    element = ET.fromstring(denial_envelope(request_id, at, reason))
    assert element.tag == "user_denial" and element.text == reason
    assert set(element.attrib) == {"request_id", "decided_at"}


ANSI_PIECES = st.sampled_from(["\x1b[31m", "\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\", "\x1b[2J",
                               "\x9b1m", "\x1bc", "\x00", "\x07", "\r", "\x7f", "\ud800", "ok", " ", "\n"])


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(ANSI_PIECES, max_size=40))
def test_property_escape_sequences_never_survive(pieces):
    reason = agent_reason(STEERING_DENIED, "".join(pieces), 500)
    human = reason[len(STEERING_DENIED):]
    assert set(human.replace(" Reason given: ", "")) <= set("ok ")
