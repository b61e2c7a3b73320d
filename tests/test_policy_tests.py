"""`cedar-gates test`: policy tests through the runtime gate, in both engines, with coverage."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cedar.wasm import WasmRunner
from toolkit.cli import app
from toolkit.config import Config
from toolkit.engine.bundle import PolicyBundle
from toolkit.policies import load_builtins
from toolkit.policytests.load import load_suite
from toolkit.policytests.run import run_tests
from toolkit.policytests.session import run_paths
from toolkit.resources import builtin_tests_path, example_blueprint_path

from .conftest import REPO

FIX = REPO / "fixtures" / "policy-tests"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def wasm():
    with WasmRunner() as r:
        yield r


def test_example_run_covers_the_example_blueprint_and_the_built_ins_in_both_engines():
    result = run("test", "--coverage", "--example")
    assert result.exit_code == 0, result.stdout
    assert "cedar-wasm agrees on every test" in result.stdout
    assert result.stdout.count("coverage 100.0%") == 2
    assert result.stdout.rstrip().endswith("PASS: 86 test(s), 0 failed")


def test_failures_name_the_line_the_expectation_and_what_the_gate_did():
    result = run("test", str(FIX / "failing.tests.yaml"), "--no-wasm")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if "FAIL " in line]
    assert lines == [
        f"{_display(FIX / 'failing.tests.yaml')}:8:5: FAIL yarn lock through the shell is caught: expected deny, "
        "the gate said require_approval at stage approval (Approval required: lockfile_edit)",
        f"{_display(FIX / 'failing.tests.yaml')}:12:5: FAIL rules are compared exactly: expected rules "
        "[no_terraform_destroy], matched [no_terraform_destroy, npm_publish]",
    ]


def _display(path: Path) -> str:
    from toolkit.blueprint.source import display_path

    return display_path(path)


def test_json_and_junit_reports_count_what_they_contain(tmp_path):
    data = json.loads(run("test", str(FIX / "failing.tests.yaml"), "--no-wasm", "-f", "json").stdout)
    tests = data["groups"][0]["tests"]
    assert data["exit_code"] == 1 and [t["passed"] for t in tests] == [True, False, False]
    assert tests[1]["stage"] == "approval" and tests[2]["rules"] == ["no_terraform_destroy", "npm_publish"]
    out = tmp_path / "r.xml"
    assert run("test", str(FIX / "failing.tests.yaml"), "--no-wasm", "-f", "junit", "-o", str(out)).exit_code == 1
    suite = ET.parse(out).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == 3
    assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None) == 2


def test_coverage_names_unreached_rules_and_min_coverage_fails():
    result = run("test", str(FIX / "agent.tests.yaml"), "--no-wasm", "--min-coverage", "100")
    assert result.exit_code == 1
    assert "below --min-coverage 100%; add tests for: lockfile_edit" in result.stdout


def test_traces_count_towards_coverage():
    result = run("test", str(FIX / "agent.tests.yaml"), "--no-wasm", "--min-coverage", "100",
                 "--trace", str(FIX / "lockfile.trace.jsonl"))
    assert result.exit_code == 0, result.stdout
    assert re.search(r"lockfile_edit\s+0\s+1", result.stdout)


def test_builtin_rules_count_only_when_asked():
    plain = json.loads(run("test", str(FIX / "agent.tests.yaml"), "--no-wasm", "--coverage", "-f", "json").stdout)
    wide = json.loads(run("test", str(FIX / "agent.tests.yaml"), "--no-wasm", "--builtins", "-f", "json").stdout)
    assert set(plain["groups"][0]["coverage"]["rules"]) == {"lockfile_edit", "no_terraform_destroy", "npm_publish"}
    assert {"rm_slash", "npm_publish"} <= set(wide["groups"][0]["coverage"]["rules"])


def test_the_built_in_tiers_ship_a_hit_and_a_near_miss_for_every_rule():
    suite = load_suite(builtin_tests_path(), 1 << 20)
    names = {t.name for t in suite.tests}
    for rule_id in sorted(load_builtins(None, 1 << 20).rules):
        assert f"{rule_id}: hit" in names and f"{rule_id}: near miss" in names, rule_id
    by_name = {t.name: t for t in suite.tests}
    for rule_id in load_builtins(None, 1 << 20).rules:
        assert rule_id in (by_name[f"{rule_id}: hit"].rules or ())
        assert rule_id not in (by_name[f"{rule_id}: near miss"].rules or ())


def test_the_example_blueprint_reaches_every_one_of_its_rules():
    report = run_paths([example_blueprint_path()], Config(root=REPO), coverage=True)
    assert report.exit_code == 0 and report.groups[0].coverage.percent == 100.0


def test_a_disagreeing_engine_is_reported_on_the_test(builtin_bundle):
    """Fault injection: an authorizer that drops every forbid stands in for a broken second engine."""
    bundle, constants = builtin_bundle
    suite = load_suite(builtin_tests_path(), 1 << 20)

    def permissive(policy_set, entities, requests):
        from toolkit.cedar.answers import EngineAnswer

        return [EngineAnswer.decided("allow", ["policy0"], [], []) for _ in requests]

    broken: PolicyBundle = replace(bundle, prefilter=None, authorizer=permissive)
    results = run_tests(suite.tests[:2], bundle, constants, broken)
    assert results[0].wasm == ("cedarpy says deny, cedar-wasm says allow",
                               "cedarpy matched [read_only_forbid_write], cedar-wasm []")
    assert not results[0].passed and results[1].passed


def test_tests_run_in_cedar_wasm_through_the_real_runner(wasm, builtin_bundle):
    from toolkit.policytests.run import wasm_bundle

    bundle, constants = builtin_bundle
    suite = load_suite(builtin_tests_path(), 1 << 20)
    results = run_tests(suite.tests, bundle, constants, wasm_bundle(bundle, wasm))
    assert all(r.wasm == () for r in results) and all(r.passed for r in results)


@pytest.mark.parametrize(("content", "message"), [
    ("tests:\n  - name: a\n    tool: Bash\n    expect: ask\n", "'ask' is not one of"),
    ("tests:\n  - name: a\n    tool: Bash\n    expect: allow\n  - name: a\n    tool: Read\n    expect: allow\n",
     "used twice"),
    ("blueprint: nowhere.yaml\ntests: []\n", "does not exist"),
    ("tests:\n  - name: a\n    tool: Bash\n    expect: allow\n    task: {gate_cap: many}\n", "must be an integer"),
    ("tests: [\n", "YAML"),
    ("tests:\n  - name: a\n    tool: Bash\n    expect: allow\n    colour: red\n", "colour"),
])
def test_unusable_test_files_exit_2_with_the_place(tmp_path, content, message):
    path = tmp_path / "x.tests.yaml"
    path.write_text(content)
    result = run("test", str(path), "--no-wasm")
    assert result.exit_code == 2
    assert message in result.stderr and re.search(r"x\.tests\.yaml:\d+:\d+:", result.stderr)


def test_a_test_file_that_is_not_utf8_exits_2(tmp_path):
    path = tmp_path / "x.tests.yaml"
    path.write_bytes(b"tests: [\xff]\n")
    result = run("test", str(path), "--no-wasm")
    assert result.exit_code == 2 and "UTF-8" in result.stderr


def test_check_runs_configured_test_files_and_fails_on_a_failing_test(tmp_path):
    config = tmp_path / "cedar-gates.toml"
    config.write_text(f'blueprints = ["{FIX}/agent.yaml"]\n[test]\nfiles = ["{FIX}/agent.tests.yaml"]\n')
    good = run("check", "--config", str(config))
    assert good.exit_code == 0 and re.search(r"test +PASS +4 test\(s\), 0 failed", good.stdout)
    config.write_text(f'blueprints = ["{FIX}/agent.yaml"]\n[test]\nfiles = ["{FIX}/failing.tests.yaml"]\n')
    bad = run("check", "--config", str(config))
    assert bad.exit_code == 1 and "FAIL rules are compared exactly" in bad.stdout


def test_lint_reports_a_failing_inline_test_at_its_line():
    result = run("lint", str(REPO / "fixtures" / "blueprints" / "bad" / "CG090-policy-test-fails.yaml"))
    assert result.exit_code == 1
    assert ":15:7: CG090 error: policy test 'yarn publish asks too' fails: expected require_approval" in result.stdout


def test_a_gate_is_still_built_from_a_blueprint_whose_tests_fail():
    from toolkit.engine import Gate

    gate = Gate.from_blueprint(REPO / "fixtures" / "blueprints" / "bad" / "CG090-policy-test-fails.yaml")
    assert gate.evaluate("Bash", {"command": "npm publish"}).outcome == "require_approval"


def _lint_broken_copy(tmp_path: Path) -> Path:
    """agent.yaml and its tests, with a CG031 error planted in the blueprint (line 13)."""
    text = (FIX / "agent.yaml").read_text(encoding="utf-8")
    (tmp_path / "agent.yaml").write_text(text.replace('@approval_timeout_s("900")', '@approval_timeout_s("10")'),
                                         encoding="utf-8")
    (tmp_path / "agent.tests.yaml").write_text((FIX / "agent.tests.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    return tmp_path / "agent.tests.yaml"


def test_a_blueprint_with_lint_errors_fails_its_tests_with_the_findings_not_unusable_input(tmp_path):
    tests = _lint_broken_copy(tmp_path)
    result = run("test", str(tests), "--no-wasm")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert re.search(r"agent\.yaml:13:7: CG031 error: @approval_timeout_s 10", result.stdout)
    assert re.search(r"4 test\(s\) not run: 1 lint error\(s\)", result.stdout)
    assert result.stdout.rstrip().splitlines()[-1].startswith("FAIL: 0 test(s), 0 failed; 4 not run")


def test_a_blueprint_with_lint_errors_still_gets_every_report_format(tmp_path):
    tests = _lint_broken_copy(tmp_path)
    data = json.loads(run("test", str(tests), "--no-wasm", "-f", "json").stdout)
    assert data["exit_code"] == 1 and data["problems"] == []
    assert [f["code"] for f in data["groups"][0]["lint_errors"]] == ["CG031"] and data["groups"][0]["not_run"] == 4
    junit = tmp_path / "r.xml"
    assert run("test", str(tests), "--no-wasm", "-f", "junit", "-o", str(junit)).exit_code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("failures"), suite.get("skipped"), suite.get("tests")) == ("1", "4", "5")
    sarif = tmp_path / "r.sarif"
    assert run("test", str(tests), "--no-wasm", "-f", "sarif", "-o", str(sarif)).exit_code == 1
    (result,) = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert result["ruleId"] == "blueprint-lint-error" and result["message"]["text"].startswith("CG031 ")
    github = run("test", str(tests), "--no-wasm", "-f", "github")
    assert github.exit_code == 1 and re.search(r"::error file=[^,]*agent\.yaml,line=13,col=7", github.stdout)


def test_check_fails_the_test_gate_on_a_blueprint_with_lint_errors(tmp_path):
    tests = _lint_broken_copy(tmp_path)
    config = tmp_path / "cedar-gates.toml"
    config.write_text(f'blueprints = ["agent.yaml"]\n[test]\nfiles = ["{tests.name}"]\n')
    result = run("check", "--config", str(config))
    assert result.exit_code == 1, result.stdout
    assert re.search(r"test +FAIL +0 test\(s\), 0 failed; 4 not run: 1 lint error\(s\), first \S*agent\.yaml:13:7 "
                     r"CG031", result.stdout)


def test_a_blueprint_with_its_own_tests_can_be_piped_into_test_dash():
    text = (REPO / "toolkit" / "examples" / "blueprint.yaml").read_text(encoding="utf-8")
    assert "tests:" in text
    result = runner.invoke(app, ["test", "-", "--no-wasm"], input=text, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert re.search(r"^blueprint <stdin>: (\d+) test\(s\), \1 passed, 0 failed$", result.stdout, re.M)


def test_a_piped_blueprint_with_lint_errors_fails_and_points_lint_at_stdin(tmp_path):
    text = (FIX / "agent.yaml").read_text(encoding="utf-8").replace('@approval_timeout_s("900")',
                                                                    '@approval_timeout_s("10")')
    (tmp_path / "agent.yaml").write_text(text, encoding="utf-8")
    tests = (FIX / "agent.tests.yaml").read_text(encoding="utf-8").split("tests:", 1)[1]
    inline = text.replace("security:", "security:\n  tests:" + tests.replace("\n  ", "\n    "), 1)
    result = runner.invoke(app, ["test", "-", "--no-wasm"], input=inline, catch_exceptions=False)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "<stdin>:" in result.stdout and "CG031" in result.stdout and "(fix: cedar-gates lint -)" in result.stdout
    assert "blueprint <stdin>: 4 test(s) not run" in result.stdout


def test_a_piped_blueprint_without_tests_gets_one_message_saying_what_test_dash_takes():
    text = (FIX / "agent.yaml").read_text(encoding="utf-8")
    result = runner.invoke(app, ["test", "-", "--no-wasm"], input=text, catch_exceptions=False)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("cedar-gates: error:")]
    assert errors == ["cedar-gates: error: <stdin>:1:1: this blueprint has no `security.tests`, so there is "
                      "nothing to run"], result.stderr


def test_check_fails_the_simulate_gate_too_and_still_reports_every_gate(tmp_path):
    tests = _lint_broken_copy(tmp_path)
    config = tmp_path / "cedar-gates.toml"
    config.write_text(f'blueprints = ["agent.yaml"]\n[test]\nfiles = ["{tests.name}"]\n'
                      f'[simulate]\ntraces = ["{FIX / "lockfile.trace.jsonl"}"]\nblueprint = "agent.yaml"\n')
    result = run("check", "--config", str(config), "-f", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    gates = {g["name"]: g for g in json.loads(result.stdout)["gates"]}
    assert {name: g["exit_code"] for name, g in gates.items()} == {"lint": 1, "parity": 0, "simulate": 1, "test": 1}
    assert re.search(r"1 trace\(s\) not run: 1 lint error\(s\), first \S*agent\.yaml:13:7 CG031",
                     gates["simulate"]["detail"])
