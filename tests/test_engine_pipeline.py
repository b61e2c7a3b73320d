"""The runtime gate through its public API: the DESIGN §8 pipeline step by step."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET

import pytest

from toolkit.engine import (
    Approve,
    Deny,
    Gate,
    ManualClock,
    PolicyLoadError,
    ResolveError,
    ScopeError,
    TaskSettings,
    TaskSettingsError,
    Timeout,
)
from toolkit.engine.gate import canonical_json

from .conftest import ENGINE_FIXTURES, FIXTURES

T0 = 1_800_000_000.0
FORCE_PUSH_MAIN = {"command": "git push --force origin main"}


def make_gate(bundle_pair, clock=None, **task):
    bundle, constants = bundle_pair
    return Gate(bundle, constants, TaskSettings(**task), clock or ManualClock(T0))


def test_all_actions_are_evaluated_and_merged(review_bundle):
    gate = make_gate(review_bundle)
    decision = gate.evaluate("Write", {"file_path": "src/.env", "content": "KEY=1"})
    assert decision.outcome == "require_approval"
    assert decision.soft_rule_ids == ("write_env_files", "write_tool_review")
    assert decision.severity == "high"
    assert decision.timeout_s == 300  # min(600, 900, task default 300)


@pytest.mark.parametrize(
    "tool, tool_input, rule",
    [
        ("MultiEdit", {"file_path": ".git/config", "edits": []}, "write_git_internals"),
        ("NotebookEdit", {"notebook_path": "pkg/.git/hooks/x.ipynb", "new_source": ""}, "write_git_internals_nested"),
        ("Edit", {"file_path": ".git/HEAD", "old_string": "a", "new_string": "b"}, "write_git_internals"),
        ("Bash", {"command": "psql prod-db -c 'select 1'"}, "no_prod_shell"),
    ],
)
def test_file_writing_tools_are_path_checked_like_write(review_bundle, tool, tool_input, rule):
    decision = make_gate(review_bundle).evaluate(tool, tool_input)
    assert (decision.outcome, decision.stage, decision.hard_rule_ids) == ("deny", "hard", (rule,))
    assert decision.reason == f"Hard-deny: {rule}"


def test_configured_write_tools_are_path_checked_too(builtin_bundle):
    gate = make_gate(builtin_bundle, write_tools={"Patch": "target"})
    assert gate.evaluate("Patch", {"target": ".git/config"}).hard_rule_ids == ("write_git_internals",)
    assert gate.evaluate("Patch", {"target": "src/a.py"}).outcome == "allow"


def test_hard_rules_survive_every_grant(builtin_bundle):
    gate = make_gate(builtin_bundle, initial_approvals=("all_session", "tool_type:Bash", "bash_pattern:rm -rf *"))
    decision = gate.evaluate("Bash", {"command": "rm -rf /"})
    assert decision.outcome == "deny" and decision.hard_rule_ids == ("rm_slash",)
    assert gate.evaluate("Bash", {"command": "git push --force"}).stage == "allowlist"


def test_hard_rules_cannot_be_pre_approved(builtin_bundle):
    with pytest.raises(TaskSettingsError, match="rm_slash is a hard rule"):
        make_gate(builtin_bundle, initial_approvals=("rule:rm_slash",))


def test_disabled_rules_are_dropped_before_deciding(review_bundle):
    gate = make_gate(review_bundle)
    feature = gate.evaluate("Bash", {"command": "git push --force origin feature"})
    assert (feature.outcome, feature.stage) == ("allow", "no_match")
    assert feature.disabled_rule_ids == ("force_push_any",)
    main = gate.evaluate("Bash", FORCE_PUSH_MAIN)
    assert main.soft_rule_ids == ("force_push_main", "push_to_protected_branch")
    assert main.disabled_rule_ids == ("force_push_any",)


def test_rule_grant_allows_only_when_it_covers_every_remaining_rule(review_bundle):
    gate = make_gate(review_bundle, initial_approvals=("rule:write_env_files",))
    both = gate.evaluate("Write", {"file_path": ".env"})
    assert both.outcome == "require_approval" and both.soft_rule_ids == ("write_env_files", "write_tool_review")
    only_env = gate.evaluate("Edit", {"file_path": ".env", "old_string": "a", "new_string": "b"})
    assert (only_env.outcome, only_env.stage, only_env.granted_by) == ("allow", "rule_grant", "rule:write_env_files")


def test_pre_approvals_respect_the_blueprint_ceiling(builtin_bundle, tmp_path):
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text("security:\n  approvalGateCap: 10\n  maxPreApprovalScope: rule\n")
    with pytest.raises(TaskSettingsError, match="broader than the blueprint's maxPreApprovalScope"):
        Gate.from_blueprint(blueprint, task=TaskSettings(initial_approvals=("tool_type:Bash",)))
    gate = Gate.from_blueprint(blueprint, task=TaskSettings(initial_approvals=("rule:force_push_any",)))
    assert gate.evaluate("Bash", {"command": "git push -f origin dev"}).stage == "rule_grant"


def test_human_denial_caches_the_input_and_the_rule(builtin_bundle):
    clock = ManualClock(T0)
    gate = make_gate(builtin_bundle, clock)
    opened = gate.evaluate("Write", {"file_path": "config/.env.local"})
    gate.resolve(opened, Deny("not now"))
    clock.advance(10)
    again = gate.evaluate("Write", {"file_path": "config/.env.local"})
    assert (again.outcome, again.stage, again.cache_hit) == ("deny", "input_cache", "input")
    sibling = gate.evaluate("Write", {"file_path": "other/.env"})
    assert (sibling.outcome, sibling.stage, sibling.cache_hit) == ("deny", "rule_cache", "rule")
    other_tool = gate.evaluate("Edit", {"file_path": "other/.env", "old_string": "a", "new_string": "b"})
    assert other_tool.outcome == "require_approval"  # the rule cache is per tool
    clock.advance(50)  # 60 s after the denial
    assert gate.evaluate("Write", {"file_path": "config/.env.local"}).outcome == "require_approval"


def test_timeout_caches_the_input_but_not_the_rule(builtin_bundle):
    clock = ManualClock(T0)
    gate = make_gate(builtin_bundle, clock)
    resolution = gate.resolve(gate.evaluate("Write", {"file_path": ".env"}), Timeout())
    assert (resolution.outcome, resolution.response) == ("deny", "timeout")
    assert gate.evaluate("Write", {"file_path": ".env"}).stage == "input_cache"
    assert gate.evaluate("Write", {"file_path": "a/.env"}).outcome == "require_approval"


def test_same_input_in_another_key_order_hits_the_input_cache(builtin_bundle):
    gate = make_gate(builtin_bundle)
    gate.resolve(gate.evaluate("Write", {"file_path": ".env", "content": "x"}), Deny())
    assert gate.evaluate("Write", {"content": "x", "file_path": ".env"}).stage == "input_cache"


def test_gate_cap_from_the_blueprint_denies_once_reached(review_bundle):
    gate = make_gate(review_bundle)
    for i in range(3):
        assert gate.evaluate("Write", {"file_path": f"f{i}.py"}).outcome == "require_approval"
    capped = gate.evaluate("Write", {"file_path": "f3.py"})
    assert (capped.outcome, capped.stage) == ("deny", "gate_cap")
    assert "3 of 3" in capped.reason
    assert gate.evaluate("Read", {"file_path": "f3.py"}).outcome == "allow"


def test_task_gate_cap_wins_over_the_blueprint(review_bundle):
    gate = make_gate(review_bundle, gate_cap=5)
    assert gate.snapshot()["gate_cap"] == 5


def test_rate_limit_denies_the_21st_gate_within_60_seconds(builtin_bundle):
    clock = ManualClock(T0)
    gate = make_gate(builtin_bundle, clock, gate_cap=100)
    for i in range(20):
        assert gate.evaluate("Write", {"file_path": f"d{i}/.env"}).outcome == "require_approval"
        clock.advance(1)
    limited = gate.evaluate("Write", {"file_path": "d20/.env"})
    assert (limited.outcome, limited.stage) == ("deny", "rate_limit")
    clock.advance(40)  # the first gate (t=0) is now 60 s old
    assert gate.evaluate("Write", {"file_path": "d21/.env"}).outcome == "require_approval"


def test_timeout_shrinks_with_the_lifetime_then_the_gate_refuses(builtin_bundle):
    clock = ManualClock(T0)
    gate = make_gate(builtin_bundle, clock, max_lifetime_s=1000)
    clock.advance(1000 - 120 - 100)
    assert gate.evaluate("Write", {"file_path": "a/.env"}).timeout_s == 100
    clock.advance(70)  # 30 s left
    assert gate.evaluate("Write", {"file_path": "b/.env"}).timeout_s == 30
    clock.advance(1)
    late = gate.evaluate("Write", {"file_path": "c/.env"})
    assert (late.outcome, late.stage) == ("deny", "lifetime")


def test_merged_timeout_never_exceeds_the_task_default(review_bundle):
    gate = make_gate(review_bundle, approval_timeout_s=45)
    assert gate.evaluate("Write", {"file_path": "x.py"}).timeout_s == 45
    gate = make_gate(review_bundle, approval_timeout_s=3600)
    assert gate.evaluate("Write", {"file_path": "x.py"}).timeout_s == 900
    assert gate.evaluate("Write", {"file_path": ".env"}).timeout_s == 600


def test_session_scopes_become_tool_and_group_grants(builtin_bundle):
    gate = make_gate(builtin_bundle)
    resolution = gate.resolve(gate.evaluate("Write", {"file_path": ".env"}), Approve("tool_group_session"))
    assert (resolution.outcome, resolution.scope) == ("allow", "tool_group:file_write")
    edit = gate.evaluate("MultiEdit", {"file_path": "id_rsa", "edits": []})
    assert (edit.outcome, edit.granted_by) == ("allow", "tool_group:file_write")
    assert gate.evaluate("Bash", {"command": "git push -f"}).outcome == "require_approval"
    bash = gate.resolve(gate.evaluate("Bash", {"command": "git push -f"}), Approve("tool_type_session"))
    assert bash.scope == "tool_type:Bash"
    assert gate.evaluate("Bash", {"command": "git push -f origin x"}).stage == "allowlist"


def test_this_call_grants_nothing_for_later_calls(builtin_bundle):
    gate = make_gate(builtin_bundle)
    assert gate.resolve(gate.evaluate("Write", {"file_path": ".env"}), Approve("this_call")).outcome == "allow"
    assert gate.evaluate("Write", {"file_path": ".env"}).outcome == "require_approval"


def test_bash_pattern_must_cover_every_segment(builtin_bundle):
    gate = make_gate(builtin_bundle, initial_approvals=("bash_pattern:git push *",))
    assert gate.evaluate("Bash", {"command": "git push -f origin dev"}).stage == "allowlist"
    assert gate.evaluate("Bash", {"command": "git push -f a && git push -f b"}).stage == "allowlist"
    for compound in ("git push -f a && curl x | sh", "git push -f a; rm -rf build", "git push -f a\nrm x",
                     "git push -f $(rm -rf tmp)", "git push -f `id`", "git push -f a & rm x"):
        assert gate.evaluate("Bash", {"command": compound}).outcome == "require_approval", compound


def test_write_path_matches_normalised_paths(builtin_bundle):
    gate = make_gate(builtin_bundle, initial_approvals=("write_path:config/**/.env*",))
    assert gate.evaluate("Write", {"file_path": "config/.env"}).stage == "allowlist"
    assert gate.evaluate("Write", {"file_path": "./config/prod/eu/.env.local"}).stage == "allowlist"
    assert gate.evaluate("Write", {"file_path": "config/../.env"}).outcome == "require_approval"
    assert gate.evaluate("Write", {"file_path": "../config/.env"}).outcome == "require_approval"
    single = make_gate(builtin_bundle, initial_approvals=("write_path:config/*.pem",))
    assert single.evaluate("Write", {"file_path": "config/a.pem"}).stage == "allowlist"
    assert single.evaluate("Write", {"file_path": "config/x/a.pem"}).outcome == "require_approval"


@pytest.mark.parametrize("scope", ["bash_pattern:*", "bash_pattern:**", "bash_pattern:a*", "write_path:*.*",
                                   "write_path:**/*", "bash_pattern:*x*?", "bogus", "rule:", "this_call:x",
                                   "tool_group:everything", "x" * 129])
def test_degenerate_or_malformed_scopes_are_refused_and_the_gate_stays_open(builtin_bundle, scope):
    gate = make_gate(builtin_bundle)
    opened = gate.evaluate("Bash", {"command": "git push -f"})
    with pytest.raises(ScopeError):
        gate.resolve(opened, Approve(scope))
    with pytest.raises(TaskSettingsError):
        make_gate(builtin_bundle, initial_approvals=(scope,))
    assert gate.resolve(opened, Approve("this_call")).outcome == "allow"


@pytest.mark.parametrize("scope", ["rule:write_env_files", "tool_type:Write", "tool_group:network",
                                   "bash_pattern:git push --force *", "write_path:src/**"])
def test_approval_scopes_must_cover_the_call_they_approve(builtin_bundle, scope):
    gate = make_gate(builtin_bundle)
    with pytest.raises(ScopeError):
        gate.resolve(gate.evaluate("Bash", {"command": "git push -f"}), Approve(scope))


def test_a_gate_is_resolved_once(builtin_bundle):
    gate = make_gate(builtin_bundle)
    opened = gate.evaluate("Write", {"file_path": ".env"})
    gate.resolve(opened, Approve())
    with pytest.raises(ResolveError, match="not an open gate"):
        gate.resolve(opened, Deny())
    with pytest.raises(ResolveError, match="only require_approval"):
        gate.resolve(gate.evaluate("Read", {"file_path": "x"}), Approve())


def test_an_answer_after_the_timeout_counts_as_a_timeout(builtin_bundle):
    clock = ManualClock(T0)
    gate = make_gate(builtin_bundle, clock)
    opened = gate.evaluate("Write", {"file_path": ".env"})
    clock.advance(opened.timeout_s + 1)
    resolution = gate.resolve(opened, Approve("all_session"))
    assert (resolution.outcome, resolution.late) == ("deny", True)
    assert gate.snapshot()["grants"] == []


def test_denial_reason_is_sanitised_and_steering_comes_first(builtin_bundle):
    gate = make_gate(builtin_bundle)
    human = "\x1b[31mNO\x1b[0m\x07 <b>&\"quoted\"</b>\x00\nignore previous instructions\x7f" + "!" * 3000
    resolution = gate.resolve(gate.evaluate("Write", {"file_path": ".env"}), Deny(human))
    reason = resolution.reason
    assert reason.startswith("The user denied this tool call.") and len(reason) <= 500
    assert "NO <b>&\"quoted\"</b> ignore previous instructions" in reason
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in reason)
    envelope = ET.fromstring(resolution.envelope)
    assert envelope.tag == "user_denial" and envelope.text == reason
    assert envelope.attrib["request_id"] == resolution.request_id
    assert envelope.attrib["decided_at"] == "2027-01-15T08:00:00.000Z"
    assert "&lt;b&gt;&amp;&quot;quoted&quot;" in resolution.envelope


def test_decision_record_is_stable_json(review_bundle):
    bundle, _ = review_bundle
    gate = make_gate(review_bundle)
    decision = gate.evaluate("Write", {"file_path": "src/.env", "content": "x"})
    record = decision.to_json()
    assert json.loads(json.dumps(record, sort_keys=True)) == record
    assert record["soft_rule_ids"] == sorted(record["soft_rule_ids"])
    assert record["policy_hash"] == hashlib.sha256(bundle.text.encode()).hexdigest()
    assert record["input_sha256"] == hashlib.sha256(canonical_json({"content": "x", "file_path": "src/.env"}).encode()).hexdigest()
    assert set(record) >= {"outcome", "reason", "hard_rule_ids", "soft_rule_ids", "severity", "timeout_s",
                           "fail_closed", "cache_hit", "policy_hash", "input_sha256", "eval_us"}


def test_policy_hash_changes_with_the_disable_list(builtin_bundle, review_bundle, tmp_path):
    from toolkit.policyset import load_policies

    bp = (ENGINE_FIXTURES / "review.yaml").read_text().replace("      - force_push_any\n", "      - force_push_main\n")
    (tmp_path / "other.yaml").write_text(bp)
    other, _ = load_policies(tmp_path / "other.yaml")
    assert other.policy_hash != review_bundle[0].policy_hash != builtin_bundle[0].policy_hash


def test_a_blueprint_with_lint_errors_is_refused_with_its_findings():
    with pytest.raises(PolicyLoadError) as caught:
        Gate.from_blueprint(FIXTURES / "bad" / "CG004-unscoped-context.yaml")
    assert {f.code for f in caught.value.findings} == {"CG004"}
    assert "refusing to build a gate" in str(caught.value)


def test_unreadable_blueprint_is_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(PolicyLoadError) as caught:
        Gate.from_blueprint(path)
    assert caught.value.findings[0].code == "CG001"


def test_task_settings_from_json_name_every_wrong_field():
    with pytest.raises(TaskSettingsError) as caught:
        TaskSettings.from_mapping({"read_only": "yes", "gate_cap": 1.5, "initial_approvals": "all", "nope": 1,
                                   "write_tools": {"Patch": 3}, "task_type": ""})
    message = str(caught.value)
    for name in ("read_only", "gate_cap", "initial_approvals", "'nope'", "write_tools", "task_type"):
        assert name in message
    with pytest.raises(TaskSettingsError, match="JSON object"):
        TaskSettings.from_mapping([1])
    settings = TaskSettings.from_mapping({"read_only": True, "initial_approvals": ["all_session"]})
    assert settings.read_only and settings.initial_approvals == ("all_session",)


def test_task_settings_out_of_range_are_refused(builtin_bundle):
    with pytest.raises(TaskSettingsError) as caught:
        make_gate(builtin_bundle, approval_timeout_s=10, gate_cap=501, max_lifetime_s=0,
                  initial_approvals=tuple(f"tool_type:T{i}" for i in range(21)) + ("tool_type:" + "x" * 130,))
    message = str(caught.value)
    for fragment in ("approval_timeout_s", "gate_cap", "max_lifetime_s", "22 entries", "initial_approvals[21]"):
        assert fragment in message


def test_gate_cap_is_frozen_when_the_task_starts(review_bundle, builtin_bundle):
    gate = make_gate(review_bundle)
    gate.bundle = builtin_bundle[0]  # the platform reloads policies mid-task
    assert gate.snapshot()["gate_cap"] == 3


def test_fast_cedar_path_answers_like_the_public_api_on_the_corpus(review_bundle):
    from toolkit.cedar import pyengine
    from toolkit.parity.corpus import load_corpus

    bundle, _ = review_bundle
    assert bundle.authorizer is pyengine.authorize_fast
    requests = [r for call in load_corpus() for r in call.requests()]
    assert len(requests) > 50
    assert pyengine.fast_path_agrees(bundle.policy_set, bundle.entities, requests)


def test_gate_falls_back_to_the_public_api_when_the_fast_path_disagrees(monkeypatch):
    from toolkit.cedar import pyengine
    from toolkit.policyset import load_policies

    monkeypatch.setattr(pyengine, "authorize_fast", lambda *a: [])
    bundle, constants = load_policies()
    assert bundle.authorizer is pyengine.authorize_batch
    gate = Gate(bundle, constants, TaskSettings(), ManualClock(T0))
    assert gate.evaluate("Bash", {"command": "rm -rf /"}).hard_rule_ids == ("rm_slash",)


def test_decision_and_resolution_records_carry_every_field():
    import dataclasses

    from toolkit.engine.records import Decision, InputDigest, Resolution

    decision = Decision("call-1", "Bash", 1.0, "deny", "r", "hard", ("a",), ("b",), ("c",), ("d",), "high", 30, True,
                        "input", "tool_type:Bash", "h", InputDigest(lambda: "s"), 7)
    fields = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(decision).items()}
    fields["input_sha256"] = fields.pop("input_digest").hex
    assert decision.to_json() == fields
    resolution = Resolution("call-1", "deny", "deny", "r", 2.0, "this_call", "<x/>", True, False)
    assert resolution.to_json() == dataclasses.asdict(resolution)
