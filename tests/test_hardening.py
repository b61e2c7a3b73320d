"""Hostile and careless input: each reproduction from the hardening issue, pinned.

Every case ends in a report or a one-line error with the documented exit code —
never a traceback, never a silent pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import FIXTURES, REPO

runner = CliRunner()
DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


def run(*args: str, input: bytes | str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def call(t: float, tool: str, tool_input: dict) -> str:
    return json.dumps({"t": t, "tool_name": tool, "tool_input": tool_input})


def test_deep_json_in_eval_input_is_an_error_not_a_traceback(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP_OBJECT)
    result = run("eval", "--tool", "Bash", "--input", f"@{deep}")
    assert result.exit_code == 1 and "nested too deeply" in result.stderr


def test_deep_json_in_a_parity_fixture(tmp_path):
    fixture = tmp_path / "deep.json"
    fixture.write_text(DEEP)
    result = run("parity", str(fixture))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr


def test_deep_json_on_a_trace_line_and_in_a_baseline(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n" + DEEP + "\n")
    result = run("simulate", str(trace))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    baseline = tmp_path / "b.jsonl"
    baseline.write_text(DEEP + "\n")
    result = run("simulate", str(trace), "--baseline", str(baseline))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr


def test_deep_json_contract_and_deep_toml_configuration(tmp_path):
    contract = tmp_path / "c.json"
    contract.write_text(DEEP_OBJECT)
    consumer = tmp_path / "c.py"
    consumer.write_text("X = 1\n")
    result = run("sync", "constants", "--contract", str(contract), "--python", str(consumer))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    result = run("lint", "--config", str(config), str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 2 and "nested too deeply" in result.stderr


def test_a_baseline_that_is_not_utf8_is_an_error(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    baseline = tmp_path / "b.jsonl"
    baseline.write_bytes(b"\xff\xfe\x00\n")
    result = run("simulate", str(trace), "--baseline", str(baseline))
    assert result.exit_code == 2 and "not UTF-8" in result.stderr


def test_check_reports_a_binary_expected_baseline_as_an_error_gate(tmp_path):
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / "a.jsonl").write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    (traces / "a.expected.jsonl").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "cedar-gates.toml").write_text('blueprints = []\n[simulate]\ntraces = ["traces/*.jsonl"]\n')
    result = run("check", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 2 and "simulate       ERROR" in result.stdout and "not UTF-8" in result.stdout


def test_eval_stdin_that_is_not_utf8_is_an_error():
    result = run("eval", "--tool", "Bash", "--input", "-", input=b"\xff\xfe{}")
    assert result.exit_code == 1 and "not UTF-8" in result.stderr


def _main(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    code = "import sys; from toolkit.cli import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, timeout=60)


def test_eval_usage_errors_exit_64_never_a_decision_code():
    assert _main("eval", "--bogus").returncode == 64
    assert _main("eval").returncode == 64
    assert _main("eval", "--tool", "Bash", "--input", '{"command": "rm -rf /"}').returncode == 2
    assert _main("lint", "--bogus").returncode == 2


def test_a_tool_name_that_is_not_utf8_is_a_usage_error():
    result = run("eval", "--tool", "Ba\udcffsh", "--input", "{}")
    assert result.exit_code == 64 and "UTF-8" in result.stderr


@pytest.mark.parametrize(("text", "line", "hint"), [
    ("security:\n  approvalGateCap: 10\n  cedarPolicy:\n    hard: ''\n", 3, "did you mean `cedarPolicies`?"),
    ("security:\n  approvalGateCap: 10\n  cedarPolicies:\n    hrad: ''\n", 4, "did you mean `hard`?"),
    ("security:\n  approvalGateCap: 10\n  colour: red\n", 3, "known keys here"),
])
def test_a_misspelt_security_key_is_an_error_with_a_hint(tmp_path, text, line, hint):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text(text)
    result = run("lint", str(blueprint))
    assert result.exit_code == 1 and f"b.yaml:{line}:" in result.stdout and "CG002" in result.stdout
    assert hint in result.stdout


def test_empty_and_misread_traces_stop_instead_of_passing(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = run("simulate", str(empty))
    assert result.exit_code == 2 and "no tool calls" in result.stderr and "PASS" not in result.stdout
    native = tmp_path / "n.jsonl"
    native.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    result = run("simulate", str(native), "--input-format", "claude")
    assert result.exit_code == 2 and "--input-format native" in result.stderr


def test_unknown_codes_and_keys_in_the_configuration_are_errors_with_hints(tmp_path):
    config = tmp_path / "cedar-gates.toml"
    config.write_text('[lint.levels]\nCG999 = "off"\n')
    result = run("lint", "--config", str(config), str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 2 and "unknown rule code 'CG999'" in result.stderr
    config.write_text("[simulat]\ntraces = []\n")
    result = run("lint", "--config", str(config), str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 2 and "did you mean `simulate`?" in result.stderr


def test_sarif_uris_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "blueprints").mkdir()
    (repo / "ci").mkdir()
    source = FIXTURES / "bad" / "CG031-timeout-below-floor.yaml"
    (repo / "blueprints" / "b.yaml").write_text(source.read_text())
    monkeypatch.chdir(repo / "ci")
    data = json.loads(run("lint", "../blueprints/b.yaml", "--format", "sarif").stdout)
    run_ = data["runs"][0]
    location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "blueprints/b.yaml", "uriBaseId": "%SRCROOT%"}
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def _junit_counts(xml: str) -> tuple[dict[str, int], dict[str, int]]:
    suite = ET.fromstring(xml)
    cases = list(suite.iter("testcase"))
    said = {k: int(suite.get(k)) for k in ("tests", "failures", "errors")}
    seen = {"tests": len(cases), "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases)}
    return said, seen


def test_simulate_junit_counts_equal_the_elements(tmp_path):
    stopped = tmp_path / "s.jsonl"
    stopped.write_text(call(0, "Read", {"file_path": "a"}) + "\n{broken\n")
    said, seen = _junit_counts(run("simulate", str(stopped), "-f", "junit").stdout)
    assert said == seen and said["errors"] == 1
    many = tmp_path / "m.jsonl"
    many.write_text("".join(json.dumps({"t": i, "tool_name": "Read", "tool_input": {"file_path": f"f{i}"},
                                        "expect": {"outcome": "deny"}}) + "\n" for i in range(300)))
    said, seen = _junit_counts(run("simulate", str(many), "-f", "junit").stdout)
    assert said == seen and said["failures"] == 300


def test_sync_findings_use_paths_relative_to_the_working_directory(monkeypatch):
    monkeypatch.chdir(REPO)
    out = run("sync", "constants", "--config", str(REPO / "fixtures" / "sync" / "cedar-gates.toml"), "--python",
              str(REPO / "fixtures" / "sync" / "python" / "mirror_mismatch.py"), "--mode", "mirror").stdout
    assert "\nfixtures/sync/python/mirror_mismatch.py:" in out and str(REPO) not in out


def test_fuzz_generation_ignores_local_source_constants_and_writes_nothing_here(tmp_path):
    from hypothesis.internal.conjecture import providers

    from toolkit.parity.fuzz import isolated_generation

    with isolated_generation():
        assert len(providers._get_local_constants()) == 0
    result = run("parity", "fuzz", "--cases", "20", "--seed", "4", "--format", "json")
    first = json.loads(result.stdout)
    again = json.loads(run("parity", "fuzz", "--cases", "20", "--seed", "4", "--format", "json").stdout)
    assert first["requests"] == again["requests"] and first["cases_generated"] == 20
    assert not (Path.cwd() / ".hypothesis").exists()


def test_stdin_dash_is_accepted_where_a_single_input_file_is_read():
    blueprint = (FIXTURES / "bad" / "CG031-timeout-below-floor.yaml").read_text()
    result = run("lint", "-", input=blueprint)
    assert result.exit_code == 1 and result.stdout.startswith("<stdin>:")
    trace = call(0, "Bash", {"command": "git status"}) + "\n"
    result = run("simulate", "-", input=trace)
    assert result.exit_code == 0 and "calls            1" in result.stdout


def test_help_conventions():
    assert run("lint", "-h").stdout.startswith("Usage: cedar-gates lint [OPTIONS] [PATH]...")
    assert "<mirror|derive>" in run("sync", "constants", "--help").stdout
    assert "--install-completion" in run("--help").stdout
    simulate_help = run("simulate", "run", "--help").stdout
    assert "--records FILE" in simulate_help and "-o, --output" in simulate_help and "--out " not in simulate_help
