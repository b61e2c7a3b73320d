"""Nothing lints clean by accident: a file that is not a blueprint, or a misspelt top-level key, is a finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import Config
from toolkit.policytests.linting import linter as full_linter

runner = CliRunner()

POLICY = """    hard: |
      @tier("hard")
      @rule_id("no_curl")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "curl" };
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def linter():
    return full_linter(Config(root=Path.cwd()))


def findings(linter, tmp_path: Path, text: str, name: str = "bp.yaml") -> list[tuple[str, int, int, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [(f.code, f.line, f.column, f.message) for f in linter.lint_file(path).findings]


def test_a_misspelt_security_key_is_named_with_its_place_and_the_key_meant(tmp_path):
    (tmp_path / "bp.yaml").write_text(f"name: a\nsecurty:\n  approvalGateCap: 50\n  cedarPolicies:\n{POLICY}")
    result = run("lint", "bp.yaml")
    assert result.exit_code == 1
    assert "bp.yaml:2:1: CG008 error: unknown top-level key `securty`: did you mean `security`?" in result.stdout
    assert "rename `securty:` to `security:`" in result.stdout


@pytest.mark.parametrize("key", ["Security", "secruity", "securities", "security_"])
def test_near_misses_of_security_are_caught(linter, tmp_path, key):
    found = findings(linter, tmp_path, f"{key}:\n  approvalGateCap: 50\n")
    assert [(code, line, column) for code, line, column, _ in found] == [("CG008", 1, 1)]


def test_security_settings_written_at_the_top_level_are_named_as_misplaced(linter, tmp_path):
    found = findings(linter, tmp_path, f"name: a\napprovalGateCap: 50\ncedarPolicies:\n{POLICY}")
    assert [(c, line) for c, line, _, _ in found] == [("CG008", 2), ("CG008", 3)]
    assert "did you mean `security.cedarPolicies`?" in found[1][3]


@pytest.mark.parametrize("text,looks_like", [
    ("services:\n  web:\n    image: nginx\n", "a Compose file"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "a Kubernetes manifest"),
    ("on: push\njobs: {}\n", "a GitHub Actions workflow"),
    ("blueprint: agent.yaml\ntests: []\n", "a policy test file"),
    ("name: just-a-name\n", None),
])
def test_a_mapping_without_a_security_section_is_not_a_blueprint(linter, tmp_path, text, looks_like):
    found = findings(linter, tmp_path, text)
    assert [(c, line, column) for c, line, column, _ in found] == [("CG007", 1, 1)]
    assert "not a blueprint" in found[0][3]
    assert (f"it looks like {looks_like}" in found[0][3]) if looks_like else ("looks like" not in found[0][3])


@pytest.mark.parametrize("text", ["- a\n- b\n", "hello\n", "42\n"])
def test_a_list_or_a_bare_value_is_a_structure_error(linter, tmp_path, text):
    found = findings(linter, tmp_path, text)
    assert [c for c, _, _, _ in found] == ["CG002"]


def test_several_yaml_documents_are_refused_as_unreadable(tmp_path):
    (tmp_path / "k8s.yaml").write_text("apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n")
    result = run("lint", "k8s.yaml")
    assert result.exit_code == 2 and "CG001" in result.stdout


def test_platform_keys_beside_security_pass(linter, tmp_path):
    text = f"name: a\ndescription: b\nmodel: claude\ntools: [Bash]\nsecurity:\n  approvalGateCap: 50\n  cedarPolicies:\n{POLICY}"
    assert findings(linter, tmp_path, text) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,14}", fullmatch=True), min_size=1, max_size=5,
                     unique=True).filter(lambda ks: "security" not in ks))
def test_property_no_mapping_without_security_lints_clean(linter, tmp_path, keys):
    text = "".join(f"{json.dumps(k)}: 1\n" for k in keys)
    found = findings(linter, tmp_path, text)
    assert found and {c for c, _, _, _ in found} <= {"CG007", "CG008"}


def test_a_directory_lint_skips_policy_test_files_and_vendored_trees(tmp_path):
    (tmp_path / "bp").mkdir()
    (tmp_path / "bp" / "agent.yaml").write_text(f"security:\n  approvalGateCap: 50\n  cedarPolicies:\n{POLICY}")
    (tmp_path / "bp" / "agent.tests.yaml").write_text("blueprint: agent.yaml\ntests: []\n")
    (tmp_path / "bp" / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "bp" / "node_modules" / "x" / "compose.yaml").write_text("services: {}\n")
    result = run("lint", "bp", "-f", "json")
    assert result.exit_code == 0, result.stdout
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == ["bp/agent.yaml"]


def test_a_missing_path_with_the_report_in_a_file_still_says_why_on_stderr(tmp_path):
    result = run("lint", "nothere/", "--format", "sarif", "-o", "x.sarif")
    assert result.exit_code == 2
    assert "nothere" in result.stderr and "not found" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_an_unusable_test_file_with_a_machine_report_still_says_why_on_stderr(fmt):
    result = run("test", "nothere.tests.yaml", "--no-wasm", "-f", fmt, "-o", "report.out")
    assert result.exit_code == 2
    assert "nothere.tests.yaml" in result.stderr and "file not found" in result.stderr
