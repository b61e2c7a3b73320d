"""`cedar-gates eval` as a user runs it: outcomes as exit codes, text and JSON, clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import ENGINE_FIXTURES, FIXTURES

runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False)


@pytest.mark.parametrize(
    "tool, tool_input, code, outcome",
    [
        ("Read", '{"file_path": "src/a.py"}', 0, "allow"),
        ("Bash", '{"command": "rm -rf /"}', 2, "deny"),
        ("Bash", '{"command": "git push --force"}', 3, "require_approval"),
    ],
)
def test_eval_exit_code_is_the_outcome(tool, tool_input, code, outcome):
    result = run("eval", "--tool", tool, "--input", tool_input)
    assert result.exit_code == code
    assert result.stdout.startswith(f"{outcome}  {tool}")


def test_eval_json_is_the_decision_record_with_state():
    result = run("eval", "-t", "Write", "-i", '{"file_path": "src/.env"}', "-b", str(ENGINE_FIXTURES / "review.yaml"),
                 "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["decision"]["soft_rule_ids"] == ["write_env_files", "write_tool_review"]
    assert data["decision"]["severity"] == "high" and data["decision"]["timeout_s"] == 300
    assert data["state"]["gate_cap"] == 3 and data["state"]["gates_opened"] == 1


def test_eval_reads_task_settings_and_input_from_files_and_stdin(tmp_path):
    settings = tmp_path / "task.json"
    settings.write_text('{"read_only": true}')
    result = run("eval", "-t", "Write", "-i", "-", "-s", f"@{settings}", stdin='{"file_path": "notes.md"}')
    assert result.exit_code == 2
    assert "read_only_forbid_write" in result.stdout


def test_eval_reports_a_fail_closed_decision():
    result = run("eval", "-t", "Bash", "-i", '{"command": 42}')
    assert result.exit_code == 2
    assert "fail-closed: InvalidToolInput" in result.stdout and "fail-closed: yes" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["-i", "{nope"], "--input:1:2: not valid JSON"),
        (["-i", "@/does/not/exist.json"], "cannot read"),
        (["-s", '{"gate_cap": "ten"}'], "gate_cap: must be an integer"),
        (["-s", '{"initial_approvals": ["bash_pattern:*"]}'], "degenerate"),
        (["-b", str(FIXTURES / "bad" / "CG010-missing-tier.yaml")], "CG010"),
        (["-b", "missing.yaml"], "missing.yaml"),
    ],
)
def test_eval_errors_exit_1_with_a_message(args, message):
    result = run("eval", "-t", "Read", *args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_eval_help_teaches_the_exit_codes():
    result = run("eval", "--help")
    assert result.exit_code == 0
    assert "3 require approval" in result.stdout and "--task-settings" in result.stdout
