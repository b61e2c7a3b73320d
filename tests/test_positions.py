"""Findings point at the place the author edits, whatever YAML style holds the Cedar text."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.cedar.document import load_document
from toolkit.config import Config
from toolkit.policytests.linting import linter as full_linter

from .conftest import FIXTURES

LINTER = full_linter(Config(root=Path.cwd()))
POLICY = '@tier("soft") @rule_id("x") @approval_timeout_s("10") forbid (principal, action == Agent::Action::"execute_bash", resource);'


def lint(tmp_path: Path, text: str):
    path = tmp_path / "bp.yaml"
    path.write_text(text)
    return LINTER.lint_file(path).findings


def test_single_quoted_scalar_columns_are_exact(tmp_path):
    text = f"security:\n  approvalGateCap: 5\n  cedarPolicies:\n    soft: '{POLICY}'\n"
    (finding,) = lint(tmp_path, text)
    line = text.splitlines()[finding.line - 1]
    assert finding.code == "CG031"
    assert line[finding.column - 1 : finding.end_column - 1] == '@approval_timeout_s("10")'


def test_folded_scalar_points_at_the_scalar_start(tmp_path):
    text = "security:\n  approvalGateCap: 5\n  cedarPolicies:\n    soft: >\n      " + POLICY + "\n"
    (finding,) = lint(tmp_path, text)
    assert (finding.code, finding.line, finding.column) == ("CG031", 4, 11)


def test_literal_block_with_blank_lines_and_comments(tmp_path):
    text = (
        "security:\n  approvalGateCap: 5\n  cedarPolicies:\n    soft: |\n      // first\n\n"
        '      @tier("soft")\n      @rule_id("x")\n\n      @approval_timeout_s("10")\n'
        '      forbid (principal, action == Agent::Action::"execute_bash", resource);\n'
    )
    (finding,) = lint(tmp_path, text)
    assert (finding.line, finding.column) == (10, 7)


def test_bare_cedar_file_positions(tmp_path):
    path = tmp_path / "p.cedar"
    path.write_text("\n\n" + POLICY.replace(" forbid", "\nforbid") + "\n")
    (finding,) = LINTER.lint_file(path).findings
    assert (finding.code, finding.line, finding.column) == ("CG031", 3, 29)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("permit (principal, action, resource);\nforbid (principal, action, resource)", "forbid (principal, action, resource)"),
        ('forbid (principal, action, resource) when { foo(1) };', "foo"),
        ('@a("x") @a("y") forbid (principal, action, resource);', "@a"),
        ('forbid (principal, action, resource) when { "\\q" };', "\\q"),
        ("forbid (principal, action, resource) when { 99999999999999999999 };", "99999999999999999999"),
        ("forbid (principal, action, resource) when { 1 } };", "}"),
    ],
)
def test_syntax_errors_name_the_token(text, token):
    document = load_document(text)
    assert not document.parsed
    error = document.syntax_errors[0]
    assert text[error.span.start : error.span.end] == token


def test_legacy_entries_keep_their_own_positions():
    findings = LINTER.lint_file(FIXTURES / "bad" / "CG062-legacy-annotated.yaml").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("CG061", 3, 3), ("CG062", 5, 7)]
