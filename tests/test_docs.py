"""Generated documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from toolkit.lint.catalogue import all_rules
from toolkit.lint.docs import render_markdown

REPO = Path(__file__).resolve().parent.parent


def test_lint_rules_doc_is_current():
    on_disk = (REPO / "docs" / "lint-rules.md").read_text(encoding="utf-8")
    assert on_disk == render_markdown(), "docs/lint-rules.md is stale: run `python scripts/gen_lint_docs.py`"


def test_every_rule_has_code_level_message_hint_and_docs():
    for rule in all_rules():
        assert rule.code.startswith("CG") and len(rule.code) == 5
        assert rule.level in ("error", "warning", "info")
        assert rule.summary and rule.hint and rule.docs and rule.name


def test_pre_commit_hook_targets_blueprints_and_cedar_files():
    import re

    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "cedar-gates-lint")
    assert hook["entry"] == "cedar-gates lint"
    for name in ("bp.yaml", "bp.yml", "x/p.cedar"):
        assert re.search(hook["files"], name)
    assert not re.search(hook["files"], "README.md")


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = "pip install -e '.[test]' && python -m pytest --cov=toolkit --cov-report=term"
    assert command in readme and command in ci


def test_every_python_package_is_in_the_distribution():
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "toolkit").rglob("__init__.py")
    }
    assert on_disk <= declared
