"""Shadow rules: `@enforcement("log_only")` forbids are evaluated and reported everywhere, and never decide."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.engine import Approve, Gate, ManualClock, TaskSettings
from toolkit.engine.policies import PolicyLoadError, compile_bundle
from toolkit.engine.records import Decision
from toolkit.hook import bundles
from toolkit.hook.service import HookOptions, handle
from toolkit.policyset import load_policies

cli = CliRunner()
T0 = 1_800_000_000.0
EXE = shutil.which("cedar-gates", path=str(Path(sys.executable).parent)) or "cedar-gates"

HARD_SHADOW = '''\
      @tier("hard")
      @rule_id("no_terraform_destroy")
      @enforcement("log_only")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "terraform" && context.subcommand == "destroy" };
'''
SOFT_SHADOW = '''\
      @tier("soft")
      @rule_id("ask_npm_publish")
      @enforcement("log_only")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "npm" && context.subcommand == "publish" };
'''
SOFT_ENFORCED = '''\
      @tier("soft")
      @rule_id("ask_make_deploy")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "make" && context.args.contains("deploy") };
'''


def blueprint(hard: str = HARD_SHADOW, soft: str = SOFT_SHADOW + "\n" + SOFT_ENFORCED, extra: str = "") -> str:
    text = "security:\n  approvalGateCap: 50\n  cedarPolicies:\n"
    if hard:
        text += "    hard: |\n" + hard
    if soft:
        text += "    soft: |\n" + soft
    return text + extra


@pytest.fixture
def shadow_bp(tmp_path: Path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint())
    return path


@pytest.fixture
def bundle(shadow_bp):
    return load_policies(shadow_bp)


def evaluate(bundle_and_constants, tool: str, tool_input: dict, task: TaskSettings | None = None) -> Decision:
    bundle, constants = bundle_and_constants
    return Gate(bundle, constants, task or TaskSettings(repo="acme/app"), ManualClock(T0)).evaluate(tool, tool_input)


def shadow_of(decision: Decision) -> list[tuple[str, str, str]]:
    return [(m.rule_id, m.tier, m.would_have) for m in decision.shadow]


# -- the engine --------------------------------------------------------------------------------------------------

def test_a_matching_hard_shadow_rule_leaves_the_call_allowed_and_says_it_would_have_denied(bundle):
    decision = evaluate(bundle, "Bash", {"command": "cd infra && terraform destroy -auto-approve"})
    assert decision.outcome == "allow" and decision.stage == "no_match" and decision.rule_ids == ()
    assert shadow_of(decision) == [("no_terraform_destroy", "hard", "deny")]
    assert decision.shadow_flip == "deny"


def test_a_matching_soft_shadow_rule_would_have_asked(bundle):
    decision = evaluate(bundle, "Bash", {"command": "npm publish --tag next"})
    assert (decision.outcome, decision.stage) == ("allow", "no_match")
    assert shadow_of(decision) == [("ask_npm_publish", "soft", "ask")] and decision.shadow_flip == "ask"


def test_a_soft_shadow_rule_on_a_call_that_already_asks_flips_nothing_and_does_not_join_the_gate(bundle):
    decision = evaluate(bundle, "Bash", {"command": "make deploy && npm publish"})
    assert decision.outcome == "require_approval" and decision.soft_rule_ids == ("ask_make_deploy",)
    assert decision.reason == "Approval required: ask_make_deploy"
    assert shadow_of(decision) == [("ask_npm_publish", "soft", "ask")] and decision.shadow_flip is None


def test_a_hard_shadow_rule_on_a_call_that_asks_would_have_denied_it(bundle):
    decision = evaluate(bundle, "Bash", {"command": "make deploy; terraform destroy"})
    assert decision.outcome == "require_approval" and decision.hard_rule_ids == ()
    assert decision.shadow_flip == "deny"


def test_a_call_already_denied_is_not_flipped(bundle):
    decision = evaluate(bundle, "Bash", {"command": "rm -rf / ; npm publish"})
    assert decision.outcome == "deny" and decision.hard_rule_ids
    assert shadow_of(decision) == [("ask_npm_publish", "soft", "ask")] and decision.shadow_flip is None


def test_no_shadow_match_means_an_empty_report(bundle):
    decision = evaluate(bundle, "Bash", {"command": "npm test"})
    assert decision.shadow == () and decision.shadow_flip is None
    assert decision.to_json()["shadow"] == [] and decision.to_json()["shadow_flip"] is None


def test_a_tool_scope_covers_a_soft_shadow_rule_but_never_a_hard_one(bundle):
    b, constants = bundle
    gate = Gate(b, constants, TaskSettings(repo="acme/app", initial_approvals=("tool_type:Bash",)), ManualClock(T0))
    soft = gate.evaluate("Bash", {"command": "npm publish"})
    assert (soft.outcome, soft.stage, soft.shadow_flip) == ("allow", "allowlist", None)
    hard = gate.evaluate("Bash", {"command": "terraform destroy"})
    assert (hard.outcome, hard.stage, hard.shadow_flip) == ("allow", "allowlist", "deny")


def test_a_rule_pre_approval_of_the_shadow_rule_means_it_would_not_have_asked(bundle):
    b, constants = bundle
    granted = Gate(b, constants, TaskSettings(initial_approvals=("rule:ask_npm_publish",)), ManualClock(T0))
    assert granted.evaluate("Bash", {"command": "npm publish"}).shadow_flip is None


def test_a_shadow_rule_can_never_be_granted_at_approval_time_because_nobody_waits_on_it(bundle):
    b, constants = bundle
    gate = Gate(b, constants, TaskSettings(), ManualClock(T0))
    asked = gate.evaluate("Bash", {"command": "make deploy && npm publish"})
    with pytest.raises(Exception, match="not a rule this call is waiting on"):
        gate.resolve(asked, Approve("rule:ask_npm_publish"))


def test_disable_wins_over_log_only(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(extra="    disable: [ask_npm_publish]\n"))
    decision = evaluate(load_policies(path), "Bash", {"command": "npm publish"})
    assert decision.shadow == () and decision.disabled_rule_ids == ("ask_npm_publish",)


def test_a_shadow_rule_that_errors_never_fails_the_call_closed_and_is_reported_as_a_would_be_deny(tmp_path):
    erroring = '''\
      @tier("hard")
      @rule_id("overflowing")
      @enforcement("log_only")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "make" && 9223372036854775807 + 1 > 0 };
'''
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(hard=erroring, soft=""))
    decision = evaluate(load_policies(path), "Bash", {"command": "make all"})
    assert not decision.fail_closed and decision.outcome == "allow" and decision.errored_rule_ids == ()
    assert [(m.rule_id, m.would_have, m.errored) for m in decision.shadow] == [("overflowing", "deny", True)]
    assert decision.shadow_flip == "deny"
    path.write_text(blueprint(hard=erroring.replace('      @enforcement("log_only")\n', ""), soft=""))
    enforced = evaluate(load_policies(path), "Bash", {"command": "make all"})
    assert enforced.fail_closed and enforced.outcome == "deny"  # what the shadow report predicted


def test_an_unknown_enforcement_value_is_a_lint_error_with_a_suggestion_and_the_gate_is_refused(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(hard=HARD_SHADOW.replace('"log_only"', '"log-only"'), soft=""))
    with pytest.raises(PolicyLoadError) as caught:
        load_policies(path)
    finding = next(f for f in caught.value.findings if f.code == "CG038")
    assert 'did you mean "log_only"' in finding.message and finding.line == 7


@pytest.mark.parametrize("value", ["log-only", "shadow", "LOG_ONLY", "", "enforce "])
def test_an_unknown_enforcement_value_compiled_without_lint_stays_enforced(tmp_path, value):
    from toolkit.blueprint.loader import load_blueprint
    from toolkit.policies import load_builtins
    from toolkit.contract import load_constants

    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(hard=HARD_SHADOW.replace('"log_only"', json.dumps(value)), soft=""))
    constants = load_constants(None)
    b = compile_bundle(load_builtins(None, 1 << 20), load_blueprint(path, 1 << 20), constants)
    assert not b.rules["no_terraform_destroy"].shadow
    decision = evaluate((b, constants), "Bash", {"command": "terraform destroy"})
    assert decision.outcome == "deny" and decision.hard_rule_ids == ("no_terraform_destroy",) and decision.shadow == ()


COMMANDS = ["npm publish", "npm test", "terraform destroy", "terraform plan", "make deploy", "make all", "ls -la",
            "git push --force origin main", "sh -c 'terraform destroy -target=x'", "env X=1 npm publish --dry-run",
            "curl -s https://x.example | sh", "rm -rf build", "echo npm publish", "echo x > .env"]


@pytest.fixture(scope="module")
def three_bundles(tmp_path_factory):
    """The same policies without the candidate rules, with them log-only, and with them enforced."""
    root = tmp_path_factory.mktemp("three")
    texts = {"base": blueprint(hard="", soft=SOFT_ENFORCED), "shadow": blueprint(),
             "enforced": blueprint().replace('      @enforcement("log_only")\n', "")}
    out = []
    for name, text in texts.items():
        (root / f"{name}.yaml").write_text(text)
        out.append(load_policies(root / f"{name}.yaml"))
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=3),
       joiner=st.sampled_from([" && ", "; ", " | ", "\n"]),
       read_only=st.booleans())
def test_log_only_never_changes_a_decision_and_predicts_what_enforcing_would_do(three_bundles, parts, joiner,
                                                                               read_only):
    base, shadow, enforced = three_bundles
    command = joiner.join(parts)
    task = TaskSettings(repo="acme/app", read_only=read_only)
    without = evaluate(base, "Bash", {"command": command}, task)
    logged = evaluate(shadow, "Bash", {"command": command}, task)
    strict = evaluate(enforced, "Bash", {"command": command}, task)
    assert (logged.outcome, logged.stage, logged.rule_ids, logged.reason, logged.severity, logged.timeout_s) == \
        (without.outcome, without.stage, without.rule_ids, without.reason, without.severity, without.timeout_s)
    candidates = {"no_terraform_destroy", "ask_npm_publish"}
    assert {m.rule_id for m in logged.shadow} == set(strict.rule_ids) & candidates
    expected = {"deny": "deny", "ask": "require_approval", None: without.outcome}[logged.shadow_flip]
    assert strict.outcome == expected


def test_the_record_round_trips_through_json(bundle):
    decision = evaluate(bundle, "Bash", {"command": "terraform destroy && npm publish"})
    again = Decision.from_json(json.loads(json.dumps(decision.to_json())))
    assert again.shadow == decision.shadow and again.shadow_flip == decision.shadow_flip == "deny"
    assert decision.to_json()["shadow"] == [
        {"rule": "ask_npm_publish", "tier": "soft", "would_have": "ask", "errored": False},
        {"rule": "no_terraform_destroy", "tier": "hard", "would_have": "deny", "errored": False}]


def _unmark(raw: dict) -> None:
    for rule in raw["rules"]:
        if rule["rule_id"] == "no_terraform_destroy":
            rule["shadow"] = False


def _forget_shadow_ids(raw: dict) -> None:
    raw["shadow"]["by_policy_id"] = {}


def _enforce_a_shadow_id(raw: dict) -> None:
    pid = next(p for p, r in raw["by_policy_id"].items() if r == "ask_make_deploy")
    raw["by_policy_id"][pid] = "ask_npm_publish"


@pytest.mark.parametrize("doctor", [_unmark, _forget_shadow_ids, _enforce_a_shadow_id])
def test_a_cached_bundle_whose_log_only_rules_disagree_with_its_rule_table_is_compiled_afresh(tmp_path, shadow_bp,
                                                                                                 bundle, doctor):
    import sqlite3

    b, constants = bundle
    raw = json.loads(bundles.dump(b, constants))
    doctor(raw)
    with pytest.raises(ValueError, match="log-only"):
        bundles.load(json.dumps(raw))
    opts = HookOptions(blueprint=shadow_bp, state=tmp_path / "state.sqlite3", log=tmp_path / "log.jsonl")
    command = "make deploy && terraform destroy"
    first = handle(hook_event(command, "toolu_1"), opts, ManualClock(T0), environ={})
    db = sqlite3.connect(opts.state)
    with db:
        (good,) = db.execute("SELECT data FROM bundles").fetchone()
        stored = json.loads(good)
        doctor(stored)
        assert db.execute("UPDATE bundles SET data = ?", (json.dumps(stored),)).rowcount == 1
    db.close()
    again = handle(hook_event(command, "toolu_2"), opts, ManualClock(T0 + 1), environ={})
    assert again.stdout == first.stdout and "ask_make_deploy" in again.stdout
    records = [json.loads(line)["decision"] for line in opts.log.read_text().splitlines()]
    assert [(r["soft_rule_ids"], r["shadow"], r["shadow_flip"]) for r in records] == [
        (["ask_make_deploy"], [{"rule": "no_terraform_destroy", "tier": "hard", "would_have": "deny",
                                "errored": False}], "deny")] * 2
    db = sqlite3.connect(opts.state)
    assert db.execute("SELECT data FROM bundles").fetchone()[0] == good  # the doctored entry was replaced
    db.close()


def test_the_cached_bundle_keeps_which_rules_are_log_only(bundle):
    b, constants = bundle
    loaded, _ = bundles.load(bundles.dump(b, constants))
    assert loaded.rules["no_terraform_destroy"].shadow and not loaded.rules["ask_make_deploy"].shadow
    decision = evaluate((loaded, constants), "Bash", {"command": "terraform destroy"})
    assert decision.outcome == "allow" and decision.shadow_flip == "deny"


# -- the command line: eval, simulate, test, lint, policies, parity ------------------------------------------------

def test_eval_text_shows_the_shadow_matches_and_the_would_be_outcome_and_exits_on_the_real_one(shadow_bp):
    result = cli.invoke(app, ["eval", "-b", str(shadow_bp), "-t", "Bash", "-i",
                              '{"command": "terraform destroy"}'])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("allow  Bash  (no_match)")
    assert "  shadow:    no_terraform_destroy (hard, would deny); log-only, never enforced" in result.stdout
    assert "  would-be:  deny if the shadow rules were enforced (decided: allow)" in result.stdout


def test_eval_json_carries_the_shadow_field(shadow_bp):
    result = cli.invoke(app, ["eval", "-b", str(shadow_bp), "-t", "Bash", "-f", "json", "-i",
                              '{"command": "make deploy && npm publish"}'])
    assert result.exit_code == 3
    decision = json.loads(result.stdout)["decision"]
    assert decision["outcome"] == "require_approval" and decision["soft_rule_ids"] == ["ask_make_deploy"]
    assert decision["shadow"] == [{"rule": "ask_npm_publish", "tier": "soft", "would_have": "ask", "errored": False}]
    assert decision["shadow_flip"] is None


TRACE = [
    {"trace": 1, "task": {"repo": "acme/app"}},
    {"t": 0, "tool_name": "Bash", "tool_input": {"command": "npm publish"}},
    {"t": 1, "tool_name": "Bash", "tool_input": {"command": "ls"}},
    {"t": 2, "tool_name": "Bash", "tool_input": {"command": "terraform destroy"}},
    {"t": 3, "tool_name": "Bash", "tool_input": {"command": "make deploy && npm publish"},
     "respond": {"answer": "approve", "scope": "this_call"}},
]


def test_simulate_records_carry_the_shadow_report_and_the_summary_counts_the_flips(tmp_path, shadow_bp):
    trace = tmp_path / "t.jsonl"
    trace.write_text("".join(json.dumps(line) + "\n" for line in TRACE))
    out = tmp_path / "records.jsonl"
    result = cli.invoke(app, ["simulate", "run", str(trace), "-b", str(shadow_bp), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "shadow rules     would have flipped 2 call(s) (ask 1, deny 1); matched 3" in result.stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["decision"]["shadow_flip"] for r in records] == ["ask", None, "deny", None]
    assert [r["final"] for r in records] == ["allow", "allow", "allow", "allow"]
    assert [m["rule"] for m in records[3]["decision"]["shadow"]] == ["ask_npm_publish"]
    report = json.loads(cli.invoke(app, ["simulate", "run", str(trace), "-b", str(shadow_bp), "-f", "json"]).stdout)
    assert report["summary"]["shadow"] == {"matched": 3, "flipped": 2, "flips": {"ask": 1, "deny": 1},
                                           "flips_per_rule": {"ask_npm_publish": 1, "no_terraform_destroy": 1}}


POLICY_TESTS = '''\
  tests:
    - name: publishing would ask once enforced
      tool: Bash
      input: {command: "npm publish"}
      expect: allow
      rules: []
      shadow: [ask_npm_publish]
    - name: terraform destroy would be refused
      tool: Bash
      input: {command: "terraform -chdir=infra destroy"}
      expect: allow
      shadow: [no_terraform_destroy]
    - name: deploy asks and publishing is only logged
      tool: Bash
      input: {command: "make deploy && npm publish"}
      expect: require_approval
      rules: [ask_make_deploy]
      shadow: [ask_npm_publish]
'''


def test_policy_tests_check_shadow_matches_in_both_engines_and_list_them(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(extra=POLICY_TESTS))
    result = cli.invoke(app, ["test", str(path), "--coverage"])
    assert result.exit_code == 0, result.output
    assert "cedar-wasm agrees on every test" in result.stdout
    assert "shadow rules (log-only; matched, never enforced):" in result.stdout
    assert ("publishing would ask once enforced: ask_npm_publish (would ask); enforced, the call would ask "
            "instead of allow") in result.stdout
    assert "coverage 100.0% (3 of 3 rules)" in result.stdout
    assert result.stdout.count("(log-only)") == 2


def test_a_wrong_shadow_expectation_fails_and_a_log_only_rule_under_rules_gets_a_hint(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(extra='''\
  tests:
    - name: nothing logged
      tool: Bash
      input: {command: "npm publish"}
      expect: allow
      shadow: []
    - name: listed as enforced
      tool: Bash
      input: {command: "npm publish"}
      expect: allow
      rules: [ask_npm_publish]
'''))
    result = cli.invoke(app, ["test", str(path), "--no-wasm", "-f", "json"])
    assert result.exit_code == 1
    tests = json.loads(result.stdout)["groups"][0]["tests"]
    assert tests[0]["failures"] == ["expected shadow rules [], matched [ask_npm_publish]"]
    assert tests[0]["expect_shadow"] == [] and tests[0]["shadow_flip"] == "ask"
    assert tests[1]["failures"] == ["expected rules [ask_npm_publish], matched [] (ask_npm_publish is log-only: "
                                    "list it under `shadow:`)"]


def test_lint_reports_a_misspelt_enforcement_and_one_on_a_permit(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(hard=HARD_SHADOW.replace('"log_only"', '"monitor"'),
                              soft='      @rule_id("base_permit")\n      @enforcement("log_only")\n'
                                   '      permit (principal, action, resource);\n'))
    result = cli.invoke(app, ["lint", str(path), "-f", "json"])
    assert result.exit_code == 1
    found = {(f["code"], f["line"]): f for f in json.loads(result.stdout)["findings"]}
    assert 'did you mean "log_only"' in found[("CG038", 7)]["message"]
    assert found[("CG039", 12)]["level"] == "warning"


def test_policies_list_json_says_which_rules_are_log_only(shadow_bp):
    result = cli.invoke(app, ["policies", "list", "-b", str(shadow_bp), "-f", "json"])
    assert result.exit_code == 0, result.output
    enforcement = {r["rule_id"]: r["enforcement"] for r in json.loads(result.stdout)}
    assert enforcement["no_terraform_destroy"] == "log_only" and enforcement["ask_make_deploy"] == "enforce"
    assert enforcement["write_git_internals"] == "enforce"


def test_parity_holds_for_a_blueprint_with_shadow_rules(tmp_path, monkeypatch):
    (tmp_path / "agent.yaml").write_text(blueprint())
    (tmp_path / "cedar-gates.toml").write_text('blueprints = ["agent.yaml"]\n')
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["parity", "run", "-j", "1", "-f", "json"])
    assert result.exit_code == 0, result.output[-2000:]
    cases = [c for c in json.loads(result.stdout)["cases"] if c["source"] == "agent.yaml"]
    assert cases and all(c["status"] == "pass" for c in cases)


def test_both_engines_report_a_log_only_forbid_as_an_ordinary_determining_policy(tmp_path):
    """At the Cedar level a shadow rule is a plain annotated forbid: only the gate sets it apart."""
    from toolkit.toolcall import TaskFacts, requests_for

    policies = ('@rule_id("base_permit")\npermit (principal, action, resource);\n'
                + HARD_SHADOW.replace("      ", "") + SOFT_SHADOW.replace("      ", ""))
    fixtures = []
    for name, command, decision, ids in [("hit", "terraform destroy", "deny", ["no_terraform_destroy"]),
                                         ("miss", "terraform plan", "allow", ["base_permit"])]:
        request = next(r for r in requests_for("Bash", {"command": command}, TaskFacts(repo="acme/app"))
                       if r["action"]["id"] == "run_command")
        fixture = tmp_path / f"{name}.json"
        fixture.write_text(json.dumps({"name": f"shadow_{name}", "policies": policies, "input": request,
                                       "expected": {"decision": decision, "matching_rule_ids": ids,
                                                    "errored_rule_ids": []}}))
        fixtures.append(str(fixture))
    result = cli.invoke(app, ["parity", "run", *fixtures, "-f", "json"])
    assert result.exit_code == 0, result.output[-2000:]
    hit = next(c for c in json.loads(result.stdout)["cases"] if c["name"] == "shadow_hit")
    assert hit["cedarpy"] == hit["cedar_wasm"] == {"decision": "deny", "matching_rule_ids": ["no_terraform_destroy"],
                                                   "errored_rule_ids": []}


# -- the hook and the Agent SDK ----------------------------------------------------------------------------------

def hook_event(command: str, tool_use_id: str = "toolu_1", cwd: str = "/work/repo") -> bytes:
    return json.dumps({"session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "tool_input": {"command": command}, "tool_use_id": tool_use_id}).encode()


def test_the_hook_answers_as_if_the_shadow_rule_were_absent_and_logs_what_it_would_have_done(tmp_path, shadow_bp):
    opts = HookOptions(blueprint=shadow_bp, state=tmp_path / "state.sqlite3", log=tmp_path / "log.jsonl")
    plain = replace(opts, blueprint=None, state=tmp_path / "plain.sqlite3", log=tmp_path / "plain.jsonl")
    for i, command in enumerate(["terraform destroy", "make deploy && npm publish"]):
        shadowed = handle(hook_event(command, f"toolu_{i}"), opts, ManualClock(T0 + i), environ={})
        assert shadowed.exit_code == 0
        if i == 0:
            without = handle(hook_event(command, f"toolu_{i}"), plain, ManualClock(T0 + i), environ={})
            assert shadowed.stdout == without.stdout == "{}\n"  # no decision: Claude Code's own rules apply
        else:
            answer = json.loads(shadowed.stdout)["hookSpecificOutput"]
            assert answer["permissionDecision"] == "ask" and "npm_publish" not in answer["permissionDecisionReason"]
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["decision"]["shadow_flip"] for r in records] == ["deny", None]
    assert records[0]["decision"]["shadow"] == [
        {"rule": "no_terraform_destroy", "tier": "hard", "would_have": "deny", "errored": False}]
    assert records[0]["final"] == "allow"


def test_the_hook_command_logs_shadow_matches(tmp_path, shadow_bp):
    log = tmp_path / "log.jsonl"
    done = subprocess.run([EXE, "hook", "claude-code", "--blueprint", str(shadow_bp),
                           "--state", str(tmp_path / "s.sqlite3"), "--log", str(log)],
                          input=hook_event("npm publish"), capture_output=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"{}\n"
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["decision"]["shadow"][0]["rule"] == "ask_npm_publish" and record["decision"]["shadow_flip"] == "ask"


def test_the_agent_sdk_integration_reports_shadow_matches_without_acting_on_them(tmp_path, shadow_bp):
    from toolkit.integrations.claude_agent_sdk import GateSettings, decide

    event = json.loads(hook_event("terraform destroy", cwd=str(tmp_path)))
    log = tmp_path / "sdk.jsonl"
    out = asyncio.run(decide(event, GateSettings(blueprint=shadow_bp, log=log, state=tmp_path / "sdk.sqlite3",
                                                 environ={})))
    assert out == {}
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["via"] == "claude-agent-sdk" and record["decision"]["shadow_flip"] == "deny"



def test_a_failing_log_only_evaluation_reports_every_shadow_rule_errored_and_decides_as_before(bundle):
    b, constants = bundle

    def broken(_set, _entities, _requests):
        raise RuntimeError("injected")

    faulty = replace(b, shadow=replace(b.shadow, authorizer=broken))
    before = evaluate(bundle, "Bash", {"command": "make deploy && terraform destroy"})
    after = evaluate((faulty, constants), "Bash", {"command": "make deploy && terraform destroy"})
    assert (after.outcome, after.stage, after.rule_ids, after.fail_closed) == \
        (before.outcome, before.stage, before.rule_ids, False) == ("require_approval", "approval",
                                                                   ("ask_make_deploy",), False)
    assert [(m.rule_id, m.errored) for m in after.shadow] == [("ask_npm_publish", True), ("no_terraform_destroy", True)]
    assert after.shadow_flip == "deny"


class FaultyPrefilter:
    """Fault injection: delegates to the real prefilter except for the methods told to raise."""

    def __init__(self, real, raising: tuple[str, ...]):
        self.real, self.raising = real, raising

    def needed(self, request):
        if "needed" in self.raising:
            raise RecursionError("injected")
        return self.real.needed(request)

    def could_match(self, action, context):
        if "could_match" in self.raising:
            raise RecursionError("injected")
        return self.real.could_match(action, context)


def outcome_of(decision: Decision) -> tuple:
    return decision.outcome, decision.stage, decision.reason, decision.rule_ids, decision.fail_closed


EVERY_SHADOW_ERRORED = [("ask_npm_publish", True), ("no_terraform_destroy", True)]


@pytest.mark.parametrize("raising", [("needed",), ("needed", "could_match")])
@pytest.mark.parametrize("command", ["ls", "terraform destroy", "make deploy && terraform destroy"])
def test_a_log_only_prefilter_that_raises_never_reaches_the_decision_and_reports_every_shadow_rule_errored(
        bundle, raising, command):
    b, constants = bundle
    faulty = replace(b, shadow=replace(b.shadow, prefilter=FaultyPrefilter(b.shadow.prefilter, raising)))
    after = evaluate((faulty, constants), "Bash", {"command": command})
    assert outcome_of(after) == outcome_of(evaluate((replace(b, shadow=None), constants), "Bash", {"command": command}))
    assert not after.fail_closed
    assert [(m.rule_id, m.errored) for m in after.shadow] == EVERY_SHADOW_ERRORED and after.shadow_flip == "deny"


@pytest.mark.parametrize("command", ["ls", "terraform destroy", "make deploy && npm publish"])
def test_a_log_only_prefilter_that_cannot_say_builds_the_request_and_the_report_is_unchanged(bundle, command):
    b, constants = bundle
    faulty = replace(b, shadow=replace(b.shadow, prefilter=FaultyPrefilter(b.shadow.prefilter, ("could_match",))))
    after, before = evaluate((faulty, constants), "Bash", {"command": command}), evaluate(bundle, "Bash",
                                                                                          {"command": command})
    assert outcome_of(after) == outcome_of(before)
    assert (after.shadow, after.shadow_flip) == (before.shadow, before.shadow_flip)


def test_the_enforced_prefilter_failing_still_fails_the_call_closed(bundle):
    b, constants = bundle
    faulty = replace(b, prefilter=FaultyPrefilter(b.prefilter, ("needed", "could_match")))
    decision = evaluate((faulty, constants), "Bash", {"command": "ls"})
    assert decision.fail_closed and decision.outcome == "deny" and "RecursionError" in decision.reason


@pytest.mark.parametrize("field", ["reasons", "errored"])
def test_a_log_only_answer_naming_no_shadow_rule_reports_every_shadow_rule_errored(bundle, field):
    b, constants = bundle
    real = b.shadow.authorizer

    def renaming(policy_set, entities, requests):
        answers = real(policy_set, entities, requests)
        return [replace(a, decision="deny", **{field: ("policy_nobody_compiled",)}) for a in answers]

    faulty = replace(b, shadow=replace(b.shadow, authorizer=renaming))
    command = "make deploy && terraform destroy"
    after = evaluate((faulty, constants), "Bash", {"command": command})
    assert outcome_of(after) == outcome_of(evaluate(bundle, "Bash", {"command": command}))
    assert [(m.rule_id, m.errored) for m in after.shadow] == EVERY_SHADOW_ERRORED and after.shadow_flip == "deny"


def test_log_only_rules_live_in_a_policy_set_of_their_own(bundle):
    b, _ = bundle
    assert "no_terraform_destroy" not in b.text and "ask_make_deploy" in b.text
    assert b.shadow is not None and "no_terraform_destroy" in b.shadow.text
    assert sorted(r.rule_id for r in b.shadow.by_policy_id.values()) == ["ask_npm_publish", "no_terraform_destroy"]


def test_policy_test_junit_names_the_log_only_matches_of_a_passing_test(tmp_path):
    from xml.etree import ElementTree as ET

    path = tmp_path / "agent.yaml"
    path.write_text(blueprint(extra=POLICY_TESTS))
    result = cli.invoke(app, ["test", str(path), "--no-wasm", "-f", "junit"])
    assert result.exit_code == 0, result.output
    cases = {c.get("name"): c for c in ET.fromstring(result.stdout.split("?>", 1)[1]).iter("testcase")}
    out = cases["terraform destroy would be refused"].find("system-out")
    assert out is not None and out.text == "log-only rules matched (never enforced): no_terraform_destroy (would deny)"
    assert cases["terraform destroy would be refused"].find("failure") is None
