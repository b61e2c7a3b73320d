"""Bad input never produces a traceback: a finding or a clear error, exit 1 or 2."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import Config
from toolkit.policytests.linting import linter as full_linter

from .conftest import FIXTURES

runner = CliRunner()
LINTER = full_linter(Config(root=Path.cwd()))
GOOD = (FIXTURES / "good" / "full.yaml").read_text()


def lint_text(tmp_path: Path, data: bytes, name: str = "bp.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    return LINTER.lint_file(path)


def cli_exit(path: Path) -> int:
    return runner.invoke(app, ["lint", str(path)], catch_exceptions=False).exit_code


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x00\x01\x02binary", "binary data"),
        (b"security: caf\xe9\n", "not valid UTF-8"),
        (b"a: [1\n", "YAML syntax error"),
        (b"a: 1\n---\nb: 2\n", "YAML"),
        (b"- " * 5000 + b"x\n", "nesting"),
        (b"a: !!python/object:os.system x\n", "constructor for the tag"),
        (b"<<: {a: 1}\n", "merge keys"),
    ],
)
def test_unusable_files_are_cg001_with_exit_two(tmp_path, data, fragment):
    report = lint_text(tmp_path, data)
    assert report.fatal
    assert [f.code for f in report.findings] == ["CG001"]
    assert fragment in report.findings[0].message
    assert cli_exit(tmp_path / "bp.yaml") == 2


def test_alias_bomb_is_refused_without_expanding(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    report = lint_text(tmp_path, "\n".join(lines).encode())
    assert report.fatal and "too many nodes" in report.findings[0].message


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(LINTER.max_file_bytes + 1)
    report = LINTER.lint_file(path)
    assert report.fatal and "input limit" in report.findings[0].message


def test_directory_given_as_file_and_missing_file(tmp_path):
    assert LINTER.lint_file(tmp_path / "nope.yaml").findings[0].message == "file not found"


@pytest.mark.parametrize(
    "text", ["42\n", "- a\n- b\n", "just a string\n", "", "security: 5\n", "security:\n  cedarPolicies: 7\n",
             "security:\n  cedarPolicies:\n    hard: [1]\n    sofft: x\n", "security:\n  approvalGateCap: true\n",
             "security:\n  maxPreApprovalScope: 3\n", "security:\n  cedarPolicies:\n    disable: [1, {a: 2}]\n"],
)
def test_wrong_shapes_are_findings_with_exit_one(tmp_path, text):
    report = lint_text(tmp_path, text.encode())
    assert not report.fatal
    assert report.findings and all(f.level == "error" for f in report.findings)
    assert cli_exit(tmp_path / "bp.yaml") == 1


def test_non_mapping_top_level_names_the_problem(tmp_path):
    finding = lint_text(tmp_path, b"- a\n").findings[0]
    assert finding.code == "CG002" and "is not of type 'object'" in finding.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    report = lint_text(tmp_path, data)
    assert report.fatal or all(f.line >= 1 and f.column >= 1 for f in report.findings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, len(GOOD) - 1), length=st.integers(0, 30),
       insert=st.text(alphabet=string.printable + "é\u2028", max_size=20))
def test_mutated_blueprints_give_findings_not_tracebacks(tmp_path, position, length, insert):
    mutated = GOOD[:position] + insert + GOOD[position + length :]
    report = lint_text(tmp_path, mutated.encode("utf-8"))
    exit_code = 2 if report.fatal else (1 if any(f.level == "error" for f in report.findings) else 0)
    assert exit_code in (0, 1, 2)
    for finding in report.findings:
        assert finding.code.startswith("CG") and finding.message and finding.hint
        assert 1 <= finding.line <= max(1, mutated.count("\n") + 1)


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=40),
                         st.floats(allow_nan=False))
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(security=st.dictionaries(
    st.sampled_from(["cedarPolicies", "approvalGateCap", "maxPreApprovalScope", "other"]), yaml_values, max_size=4))
def test_generated_security_sections_with_wrong_types(tmp_path, security):
    report = lint_text(tmp_path, yaml.safe_dump({"security": security}).encode())
    assert not report.fatal
    for finding in report.findings:
        assert finding.line >= 1 and finding.hint


cedar_fragments = st.sampled_from([
    "@tier(\"soft\")", "@rule_id(\"r\")", "@approval_timeout_s(\"x\")", "forbid", "permit", "(", ")", "principal",
    "action", "resource", ",", ";", "when", "unless", "{", "}", "context.command", "like", "\"*a*\"", "==", "&&",
    "\"", "\\", "?principal", "//", "\n", "has", "Agent::Action::\"execute_bash\"", "99999999999999999999",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=st.lists(cedar_fragments, max_size=25))
def test_generated_cedar_files_never_crash(tmp_path, tokens):
    report = lint_text(tmp_path, " ".join(tokens).encode(), name="p.cedar")
    assert not report.fatal
    lines = " ".join(tokens).count("\n") + 1
    assert all(1 <= f.line <= lines for f in report.findings)


def test_yaml_line_breaks_other_than_newline_do_not_shift_reported_lines(tmp_path):
    # YAML breaks lines at \r and U+2028 too; reports count `\n` lines like every other position.
    text = "security:\r\n  gate_cap: 10\u2028\n  hard: [\n"
    report = lint_text(tmp_path, text.encode("utf-8"))
    assert report.findings
    assert all(1 <= f.line <= text.count("\n") + 1 for f in report.findings)
