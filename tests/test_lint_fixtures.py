"""Each fixture blueprint produces exactly the findings (code, line) listed here."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config import Config
from toolkit.lint.catalogue import all_rules
from toolkit.lint.runner import Linter
from toolkit.policytests.linting import linter as full_linter

from .conftest import FIXTURES

EXPECTED: dict[str, list[tuple[str, int]]] = {
    "CG001-not-utf8.yaml": [("CG001", 2)],
    "CG001-yaml-syntax.yaml": [("CG001", 3)],
    "CG002-wrong-types.yaml": [("CG002", 4)],
    "CG002-duplicate-key.yaml": [("CG002", 10)],
    "CG003-cedar-syntax.yaml": [("CG003", 8)],
    "CG003-syntax.cedar": [("CG003", 4)],
    "CG004-unscoped-context.yaml": [("CG004", 7)],
    "CG005-template.yaml": [("CG005", 7)],
    "CG006-too-deep.yaml": [("CG006", 10)],
    "CG007-not-a-blueprint.yaml": [("CG007", 2)],
    "CG008-misspelt-security.yaml": [("CG008", 2)],
    "CG010-missing-tier.yaml": [("CG010", 6)],
    "CG011-invalid-tier.yaml": [("CG011", 5)],
    "CG012-tier-mismatch.yaml": [("CG012", 5)],
    "CG020-missing-rule-id.yaml": [("CG020", 6)],
    "CG021-invalid-rule-id.yaml": [("CG021", 6)],
    "CG022-rule-id-too-long.yaml": [("CG022", 6)],
    "CG023-duplicate-rule-id.yaml": [("CG023", 11)],
    "CG024-builtin-rule-id.yaml": [("CG024", 6)],
    "CG025-unknown-annotation.yaml": [("CG025", 7)],
    "CG030-timeout-not-integer.yaml": [("CG030", 7)],
    "CG031-timeout-below-floor.yaml": [("CG031", 7)],
    "CG032-timeout-short.yaml": [("CG032", 7)],
    "CG033-timeout-above-max.yaml": [("CG033", 7)],
    "CG034-timeout-on-hard.yaml": [("CG034", 7)],
    "CG035-invalid-severity.yaml": [("CG035", 7)],
    "CG036-severity-on-hard.yaml": [("CG036", 7)],
    "CG037-unknown-category.yaml": [("CG037", 7)],
    "CG038-invalid-enforcement.yaml": [("CG038", 7)],
    "CG039-enforcement-on-permit.yaml": [("CG039", 6)],
    "CG040-disable-builtin-hard.yaml": [("CG040", 10)],
    "CG041-disable-unknown.yaml": [("CG041", 10)],
    "CG042-disable-duplicate.yaml": [("CG042", 10)],
    "CG043-disable-blueprint-hard.yaml": [("CG043", 9)],
    "CG050-policies-too-large.yaml": [("CG050", 4)],
    "CG051-invalid-gate-cap.yaml": [("CG051", 2)],
    "CG052-gate-cap-default.yaml": [("CG052", 1)],
    "CG053-invalid-max-scope.yaml": [("CG053", 3)],
    "CG054-max-scope-this-call.yaml": [("CG054", 3)],
    "CG060-permit-in-tier.yaml": [("CG060", 13)],
    "CG061-legacy-form.yaml": [("CG061", 3)],
    "CG062-legacy-annotated.yaml": [("CG061", 3), ("CG062", 5)],
    "CG063-legacy-two-policies.yaml": [("CG061", 3), ("CG063", 4)],
    "CG070-flag-prefix.yaml": [("CG070", 8)],
    "CG071-sql-case.yaml": [("CG071", 8)],
    "CG072-whitespace.yaml": [("CG072", 8)],
    "CG073-all-wildcard.yaml": [("CG073", 8)],
    "CG080-invalid-lint-allow.yaml": [("CG080", 7), ("CG080", 7)],
    "CG090-policy-test-fails.yaml": [("CG090", 15)],
    "CG091-invalid-policy-test.yaml": [("CG091", 10)],
}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return full_linter(Config(root=Path.cwd()))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture_reports_exactly_its_codes_and_lines(linter, name):
    report = linter.lint_file(FIXTURES / "bad" / name)
    assert [(f.code, f.line) for f in report.findings] == EXPECTED[name]


def test_every_bad_fixture_is_listed():
    assert sorted(p.name for p in (FIXTURES / "bad").iterdir()) == sorted(EXPECTED)


def test_every_rule_code_has_a_bad_fixture():
    covered = {code for findings in EXPECTED.values() for code, _ in findings}
    assert {rule.code for rule in all_rules()} <= covered


@pytest.mark.parametrize("path", sorted((FIXTURES / "good").iterdir()), ids=lambda p: p.name)
def test_good_fixture_lints_clean(linter, path):
    assert linter.lint_file(path).findings == []


def test_bundled_builtins_and_example_lint_clean(linter):
    from toolkit.resources import builtin_policies_dir, example_blueprint_path

    paths = [builtin_policies_dir() / "hard_deny.cedar", builtin_policies_dir() / "soft_deny.cedar", example_blueprint_path()]
    assert linter.lint_paths(paths).findings == []


def test_columns_inside_block_scalar_point_at_the_yaml_text(linter):
    path = FIXTURES / "bad" / "CG031-timeout-below-floor.yaml"
    finding = linter.lint_file(path).findings[0]
    line = path.read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1 : finding.end_column - 1] == '@approval_timeout_s("10")'


def test_syntax_error_points_at_the_offending_token(linter):
    path = FIXTURES / "bad" / "CG003-cedar-syntax.yaml"
    finding = linter.lint_file(path).findings[0]
    line = path.read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1 : finding.end_column - 1] == "}"
