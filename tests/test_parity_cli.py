"""`cedar-gates parity`, `parity record` and `doctor` as a user runs them, on the real engines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.resources import parity_fixtures_dir

cli = CliRunner()
GOLDEN = parity_fixtures_dir()
TEMPLATE_POLICIES = (
    '@rule_id("base_permit") permit (principal, action, resource);\n'
    '@rule_id("tmpl") permit (principal == ?principal, action, resource);'
)


def run(*args: str):
    return cli.invoke(app, list(args), catch_exceptions=False)


def fixture(tmp_path: Path, name: str, **changes) -> Path:
    data = json.loads((GOLDEN / "unless_clause.json").read_text())
    data["name"] = name
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def test_golden_fixtures_hold_at_least_25_cases_covering_the_required_kinds():
    names = {p.stem for p in GOLDEN.glob("*.json")}
    assert len(names) >= 25
    for needle in ("single_match", "multi_match", "hard_deny", "soft_deny_write", "no_match_allow", "read_only",
                   "missing_context_attribute", "entity_hierarchy", "set_contains", "long_integer", "unicode",
                   "like_escaped_star"):
        assert any(needle in n for n in names), needle


def test_default_run_passes_every_golden_fixture_and_policy_case_in_both_engines():
    result = run("parity")
    assert result.exit_code == 0, result.stdout
    assert "cedar-wasm 4.12.0 (Cedar 4.12.0)" in result.stdout
    assert re.search(r"(\d+) cases: \1 pass", result.stdout)


def test_a_wrong_expectation_is_a_mismatch_with_exit_1(tmp_path):
    path = fixture(tmp_path, "wrong", expected={"decision": "allow", "matching_rule_ids": ["base_permit"]})
    result = run("parity", str(path))
    assert result.exit_code == 1
    assert "MISMATCH  wrong" in result.stdout
    assert "decision: expected allow, both engines said deny" in result.stdout


def test_one_engine_rejecting_the_input_is_a_divergence_never_a_pass(tmp_path):
    # cedarpy ignores an unlinked template in a static set; cedar-wasm rejects the whole set.
    path = fixture(tmp_path, "template", policies=TEMPLATE_POLICIES,
                   expected={"decision": "allow", "matching_rule_ids": ["base_permit"]})
    result = run("parity", str(path), "--format", "json")
    assert result.exit_code == 1
    case = json.loads(result.stdout)["cases"][0]
    assert case["status"] == "divergence" and case["classes"] == ["input_error_one_side"]
    assert "input_error" in case["cedar_wasm"]


def test_integers_beyond_2_53_are_reported_as_their_own_known_class(tmp_path):
    policies = ('@rule_id("base_permit") permit (principal, action, resource);\n'
                '@rule_id("exact") forbid (principal, action, resource) when { context.n == 9007199254740993 };')
    data = json.loads((GOLDEN / "no_match_allow_read_tool.json").read_text())
    data.update(name="big", policies=policies, expected={"decision": "deny", "matching_rule_ids": ["exact"]})
    data["input"]["context"]["n"] = 9007199254740993
    (tmp_path / "big.json").write_text(json.dumps(data))
    result = run("parity", str(tmp_path / "big.json"), "-f", "json")
    assert result.exit_code == 1
    case = json.loads(result.stdout)["cases"][0]
    assert case["status"] == "known_divergence"
    assert case["classes"][0] == "js_integer_precision"
    assert case["cedarpy"]["decision"] == "deny" and case["cedar_wasm"]["decision"] == "allow"


def test_junit_report_lists_every_case_and_marks_failures(tmp_path):
    good = fixture(tmp_path, "good")
    bad = fixture(tmp_path, "bad", expected={"decision": "allow", "matching_rule_ids": []})
    result = run("parity", str(good), str(bad), "--format", "junit")
    suite = ET.fromstring(result.stdout.split("?>", 1)[1])
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failing == ["bad"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "x",', "invalid JSON"),
        ('{"name": "x", "policies": "permit (principal, action, resource);", "input": {}}', "not a parity fixture"),
        ('{"name": 3, "policies": "x", "input": {"principal": 1, "action": 2, "resource": 3}}', "not a parity fixture"),
        ('[]', "not a parity fixture"),
    ],
)
def test_malformed_fixtures_exit_2_naming_the_file(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)
    result = run("parity", str(path))
    assert result.exit_code == 2
    assert "broken.json" in result.stderr and message in result.stderr


def test_a_fixture_without_expected_points_at_record(tmp_path):
    path = fixture(tmp_path, "fresh", expected=None)
    result = run("parity", str(path))
    assert result.exit_code == 2
    assert "cedar-gates parity record" in result.stderr


def test_policies_without_rule_id_make_the_fixture_unusable(tmp_path):
    path = fixture(tmp_path, "anon", policies="permit (principal, action, resource);")
    result = run("parity", str(path))
    assert result.exit_code == 2
    assert "without @rule_id: policy0" in result.stderr


def test_duplicate_case_names_are_rejected(tmp_path):
    fixture(tmp_path, "same")
    data = json.loads((tmp_path / "same.json").read_text())
    (tmp_path / "other.json").write_text(json.dumps(data))
    result = run("parity", str(tmp_path))
    assert result.exit_code == 2 and "duplicate case name 'same'" in result.stderr


def test_an_empty_directory_is_unusable_input(tmp_path):
    (tmp_path / "empty").mkdir()
    assert run("parity", str(tmp_path / "empty")).exit_code == 2


def test_record_writes_expected_where_both_engines_agree(tmp_path):
    path = fixture(tmp_path, "fresh", expected=None, description="keep me")
    result = run("parity", "record", str(path))
    assert result.exit_code == 0, result.stdout
    written = json.loads(path.read_text())
    assert written["expected"] == {"decision": "deny", "matching_rule_ids": ["foreign_repo_push"], "errored_rule_ids": []}
    assert written["description"] == "keep me"
    assert run("parity", str(path)).exit_code == 0
    assert "1 unchanged" in run("parity", "record", str(path)).stdout


def test_record_refreshes_a_stale_expectation(tmp_path):
    path = fixture(tmp_path, "stale", expected={"decision": "allow", "matching_rule_ids": []})
    assert "would write" in run("parity", "record", "--dry-run", str(path)).stdout
    assert json.loads(path.read_text())["expected"]["decision"] == "allow"
    assert run("parity", "record", str(path)).exit_code == 0
    assert json.loads(path.read_text())["expected"]["decision"] == "deny"


def test_record_leaves_a_current_expectation_without_errored_ids_unchanged(tmp_path):
    path = fixture(tmp_path, "current", expected={"decision": "deny", "matching_rule_ids": ["foreign_repo_push"]})
    before = path.read_text()
    result = run("parity", "record", str(path))
    assert result.exit_code == 0 and "1 unchanged" in result.stdout
    assert path.read_text() == before


def test_record_refuses_where_the_engines_disagree(tmp_path):
    path = fixture(tmp_path, "split", expected=None, policies=TEMPLATE_POLICIES)
    before = path.read_text()
    result = run("parity", "record", str(path))
    assert result.exit_code == 1
    assert "REFUSED" in result.stdout and "input_error_one_side" in result.stdout
    assert path.read_text() == before


def test_record_reports_every_fixture_in_json_to_a_file(tmp_path):
    fresh = fixture(tmp_path, "fresh", expected=None)
    split = fixture(tmp_path, "split", expected=None, policies=TEMPLATE_POLICIES)
    out = tmp_path / "record.json"
    result = run("parity", "record", "--dry-run", "-f", "json", "-o", str(out), str(fresh), str(split))
    assert result.exit_code == 1 and result.stdout == ""
    data = json.loads(out.read_text())
    assert data["dry_run"] is True and data["exit_code"] == 1
    assert data["counts"] == {"written": 1, "unchanged": 0, "refused": 1}
    by_name = {f["name"]: f for f in data["fixtures"]}
    assert by_name["fresh"]["action"] == "written" and by_name["fresh"]["cedarpy"]["decision"] == "deny"
    assert by_name["split"]["action"] == "refused" and "input_error_one_side" in by_name["split"]["detail"]
    assert "expected" not in json.loads(fresh.read_text())


def test_record_refuses_when_both_engines_reject_the_input(tmp_path):
    path = fixture(tmp_path, "broken_policy", expected=None, policies='@rule_id("x") permit (')
    result = run("parity", "record", str(path))
    assert result.exit_code == 1 and "both engines rejected the input" in result.stdout


def test_configured_fixture_directory_and_timeout_are_used(tmp_path):
    shutil.copy(GOLDEN / "hard_deny_rm_slash.json", tmp_path / "only.json")
    (tmp_path / "cedar-gates.toml").write_text('[parity]\nfixtures = ["only.json"]\ntimeout-s = 5\npolicies = false\n')
    result = run("parity", "--verbose")
    assert result.exit_code == 0
    assert "1 cases: 1 pass" in result.stdout and "hard_deny_rm_slash" in result.stdout


def test_unknown_configuration_keys_in_parity_are_rejected(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text('[parity]\nengines = ["rust"]\n')
    result = run("parity")
    assert result.exit_code == 2 and "parity" in result.stderr


def test_doctor_reports_engines_cores_and_node():
    result = run("doctor")
    assert result.exit_code == 0, result.stdout
    assert "cedarpy       4.12.2 (pinned 4.12.2), Cedar core 4.12.0" in result.stdout
    assert "Cedar core 4.12.0, language" in result.stdout
    data = json.loads(run("doctor", "--format", "json").stdout)
    assert data["ok"] and data["node"]["path"].endswith("node")


def test_doctor_flags_a_cedar_core_mismatch():
    from toolkit.cedar.wasm import RunnerInfo
    from toolkit.doctor import diagnose

    class OlderCore:  # fault injection: a runner built on another Cedar core
        def start(self):
            return RunnerInfo(node="v20.0.0", cedar="4.8.2", lang="4.4", sdk="4.8.2", package="4.12.0", pid=1)

    report = diagnose(runner=OlderCore())
    assert report.exit_code == 1
    assert any("Cedar core mismatch" in p for p in report.problems)


def test_check_runs_the_parity_gate():
    result = run("check", "--example")
    assert result.exit_code == 0, result.stdout
    assert re.search(r"parity\s+PASS", result.stdout)


def test_check_reports_a_missing_runner_as_an_error_gate():
    from toolkit.cedar.node import RunnerUnavailable
    from toolkit.check import run_check
    from toolkit.config import load_config

    def unavailable(config):
        raise RunnerUnavailable("no Node", "reinstall")

    gates = {g.name: g for g in run_check(load_config(), runner_factory=unavailable)}
    assert gates["parity"].exit_code == 2 and "no Node" in gates["parity"].detail





class CrashesOnce:
    """Fault injection: the real runner, told to die on one chosen policy set (with others in flight behind it)."""

    def __init__(self, victim: str, fault: str):
        from toolkit.cedar.wasm import WasmRunner

        self.victim, self.fault = victim, fault
        self.runner = WasmRunner(env={"CEDAR_GATES_RUNNER_FAULTS": "1"}, timeout_s=1)

    def __getattr__(self, name):
        return getattr(self.runner, name)

    def submit(self, text, entities, requests):
        fault = self.fault if self.victim in text and self.fault else None
        if fault:
            self.fault = None
        return self.runner.submit(text, entities, requests, fault=fault)


@pytest.mark.parametrize(("fault", "cls"), [("exit", "runner_crash"), ("hang", "timeout"), ("garbage", "runner_crash")])
def test_a_runner_failure_mid_run_marks_only_the_affected_cases_and_the_run_continues(fault, cls):
    from toolkit.parity.fixtures import load_fixtures
    from toolkit.parity.harness import case_from_fixture, run_cases

    cases = [case_from_fixture(f) for f in load_fixtures([GOLDEN])]
    runner = CrashesOnce("literal_star", fault)
    try:
        report = run_cases(cases, runner)
    finally:
        runner.runner.close()
    failed = {r.name: r for r in report.results if not r.passed}
    assert set(failed) == {"like_escaped_star_matches_literal", "like_escaped_star_is_not_wildcard"}
    assert all(r.classes == (cls,) for r in failed.values())
    assert report.exit_code == 1 and report.runner_starts == 2
    assert len(report.results) == len(cases)


def test_parity_without_a_runner_exits_2_with_the_fix(monkeypatch):
    import toolkit.cedar.wasm as wasm
    from toolkit.cedar.node import RunnerUnavailable

    def missing():
        raise RunnerUnavailable("cedar-wasm is not installed next to the runner", "reinstall cedar-gates")

    monkeypatch.setattr(wasm, "locate", missing)
    result = run("parity")
    assert result.exit_code == 2
    assert "Node runner is not available" in result.stderr and "reinstall cedar-gates" in result.stderr
    assert re.search(r"parity\s+ERROR", run("check").stdout)
