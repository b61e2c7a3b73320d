"""Without configuration, check, lint and test cover the project's own files, and say which ones.

Every test runs in a fresh directory with its own `.git` (tests/conftest.py), as a newcomer's repository.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.config import load_config
from toolkit.discovery import UnreadableDirectory, blueprint_selection, search_root
from toolkit.policytests.select import select_tests

from .conftest import FIXTURES, REPO

runner = CliRunner()
BAD = FIXTURES / "bad" / "CG031-timeout-below-floor.yaml"
GOOD = FIXTURES / "good" / "minimal.yaml"
TESTED = REPO / "fixtures" / "policy-tests"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def place(source: Path, target: str) -> Path:
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, path)
    return path


def test_check_reports_an_error_in_the_users_own_blueprint_not_the_bundled_example():
    place(BAD, "blueprints/agent.yaml")
    result = run("check")
    assert result.exit_code == 1, result.stdout
    assert "blueprints/agent.yaml:7:7: CG031 error" in result.stdout
    assert re.search(r"lint\s+FAIL\s+3 files: built-in tiers \+ blueprints/agent.yaml \(found under \.\); 1 error",
                     result.stdout)
    assert "examples/blueprint.yaml" not in result.stdout


def test_checks_lint_summary_names_the_built_in_tiers_not_their_install_path():
    place(BAD, "blueprints/agent.yaml")
    found = next(line for line in run("check").stdout.splitlines() if line.startswith("Found "))
    assert found == "Found 1 error(s), 0 warning(s), 0 note(s) in 3 files (built-in tiers, blueprints/agent.yaml)."


def test_lint_and_test_without_arguments_use_the_same_discovery():
    place(BAD, "blueprints/agent.yaml")
    lint = run("lint")
    assert lint.exit_code == 1 and "CG031" in lint.stdout
    assert lint.stdout.rstrip().endswith("in 1 file (blueprints/agent.yaml).")
    place(TESTED / "agent.yaml", "policies/agent.blueprint.yaml")
    tests = Path("policies/agent.tests.yaml")
    tests.write_text((TESTED / "agent.tests.yaml").read_text().replace("blueprint: agent.yaml",
                                                                       "blueprint: agent.blueprint.yaml"))
    result = run("test", "--no-wasm")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("policy tests in policies/agent.tests.yaml (found under .)\n")


def test_discovery_patterns_and_the_trees_it_skips():
    for name in ["blueprints/a.yaml", "blueprints/team/b.yml", "services/api/blueprints/c.yaml",
                 "agents/d.blueprint.yaml", "blueprints/e.tests.yaml", ".venv/lib/blueprints/f.yaml",
                 "node_modules/pkg/blueprints/g.yaml", ".github/workflows/h.blueprint.yml", "other/i.yaml"]:
        place(GOOD, name)
    selection = blueprint_selection(load_config())
    found = sorted(p.relative_to(Path.cwd()).as_posix() for p in selection.paths)
    assert found == ["agents/d.blueprint.yaml", "blueprints/a.yaml", "blueprints/team/b.yml",
                     "services/api/blueprints/c.yaml"]
    assert selection.origin == "discovered"


def test_the_root_is_the_git_top_from_a_subdirectory_and_the_config_directory_when_there_is_one(monkeypatch):
    top = Path.cwd()
    place(GOOD, "blueprints/a.yaml")
    Path("src/deep").mkdir(parents=True)
    monkeypatch.chdir(top / "src" / "deep")
    assert search_root(load_config()) == top.resolve()
    assert [p.name for p in blueprint_selection(load_config()).paths] == ["a.yaml"]
    (top / "src" / "cedar-gates.toml").write_text("[lint]\n")
    place(GOOD, str(top / "src" / "blueprints" / "z.yaml"))
    assert [p.name for p in blueprint_selection(load_config()).paths] == ["z.yaml"]


def test_nothing_found_is_not_a_pass_and_says_how_to_fix_it():
    result = run("check")
    assert result.exit_code == 2
    assert re.search(r"lint\s+ERROR\s+no blueprints to check", result.stdout)
    assert "cedar-gates init" in result.stdout and "--example" in result.stdout
    tests = run("test")
    assert tests.exit_code == 2 and "no policy tests to check" in tests.stderr


def test_an_empty_blueprints_list_means_built_ins_only_on_purpose():
    place(BAD, "blueprints/ignored.yaml")
    Path("cedar-gates.toml").write_text("blueprints = []\n")
    result = run("check", "-f", "json")
    data = json.loads(result.stdout)
    lint = data["gates"][0]
    assert result.exit_code == 0, result.stdout
    assert "built-in tiers only" in lint["detail"]
    assert all(path.endswith(".cedar") for path in lint["files"])
    test = next(g for g in data["gates"] if g["name"] == "test")
    assert test["skipped"] and test["exit_code"] == 0


def test_check_json_lists_the_files_each_gate_checked():
    place(TESTED / "agent.yaml", "blueprints/agent.yaml")
    tests = Path("blueprints/agent.tests.yaml")
    tests.write_text((TESTED / "agent.tests.yaml").read_text())
    data = json.loads(run("check", "-f", "json").stdout)
    gates = {g["name"]: g for g in data["gates"]}
    assert "blueprints/agent.yaml" in gates["lint"]["files"]
    assert "blueprints/agent.tests.yaml" not in gates["lint"]["files"]
    assert gates["test"]["files"] == ["blueprints/agent.tests.yaml"]
    assert data["exit_code"] == 0, data
    parity = gates["parity"]["files"]
    assert parity[-1] == "blueprints/agent.yaml" and parity[0].endswith("cedar-parity")
    assert any(path.endswith("hard_deny.cedar") for path in parity)


def test_checks_parity_line_counts_the_cases_of_each_source():
    place(TESTED / "agent.yaml", "blueprints/agent.yaml")
    line = next(line for line in run("check").stdout.splitlines() if line.strip().startswith("parity"))
    m = re.search(r"(\d+) cases: \1 pass \([\d.]+ s\); (\d+) bundled fixtures \+ (\d+) built-in tiers over the "
                  r"tool-call corpus \+ (\d+) blueprints/agent.yaml over the corpus$", line)
    assert m, line
    total, fixtures, tiers, blueprint = map(int, m.groups())
    assert total == fixtures + tiers + blueprint and min(fixtures, tiers, blueprint) > 0


def test_configured_blueprints_win_over_discovery_and_a_glob_skips_test_files():
    place(BAD, "blueprints/bad.yaml")
    place(GOOD, "agents/good.yaml")
    Path("agents/good.tests.yaml").write_text("blueprint: good.yaml\ntests: []\n")
    Path("cedar-gates.toml").write_text('blueprints = ["agents/*.yaml"]\n')
    selection = blueprint_selection(load_config())
    assert [p.name for p in selection.paths] == ["good.yaml"] and selection.origin == "configured"
    result = run("lint")
    assert result.exit_code == 0 and "(agents/good.yaml)" in result.stdout


def test_test_discovery_takes_test_files_and_blueprints_with_their_own_tests():
    place(REPO / "toolkit" / "examples" / "blueprint.yaml", "blueprints/inline.yaml")
    place(GOOD, "blueprints/untested.yaml")
    place(TESTED / "agent.yaml", "elsewhere/agent.yaml")
    place(TESTED / "agent.tests.yaml", "elsewhere/agent.tests.yaml")
    names = sorted(p.relative_to(Path.cwd()).as_posix() for p in select_tests(load_config()).paths)
    assert names == ["blueprints/inline.yaml", "elsewhere/agent.tests.yaml"]


@pytest.mark.parametrize("command", [["lint"], ["test", "--no-wasm"]])
def test_the_bundled_example_only_when_asked_for(command):
    plain = run(*command)
    assert plain.exit_code == 2
    example = run(*command, "--example")
    assert example.exit_code == 0, example.stdout
    assert "examples/blueprint.yaml" in example.stdout


def test_this_repository_checks_the_bundled_defaults_by_its_own_configuration(monkeypatch):
    monkeypatch.chdir(REPO)
    config = load_config()
    assert config.source == REPO / "cedar-gates.toml"
    assert [p.resolve() for p in blueprint_selection(config).paths] == [REPO / "toolkit" / "examples" / "blueprint.yaml"]
    assert {p.name for p in select_tests(config).paths} == {"blueprint.yaml", "builtins.tests.yaml"}


@pytest.mark.parametrize("command", ["lint", "test"])
def test_example_and_paths_together_is_a_usage_error(command):
    place(GOOD, "blueprints/a.yaml")
    result = run(command, "--example", "blueprints/a.yaml")
    assert result.exit_code == 2 and "pass one or the other" in result.stderr


@pytest.fixture
def unreadable(monkeypatch):
    """Fault injection: listing `blueprints/locked` fails as permission denied (root reads through chmod 000)."""
    real = os.scandir
    locked = Path("blueprints/locked").resolve()

    def scandir(path="."):
        if Path(os.fsdecode(path)).resolve() == locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real(path)

    place(GOOD, "blueprints/agent.yaml")
    place(BAD, "blueprints/locked/hidden.yaml")
    monkeypatch.setattr(os, "scandir", scandir)
    return locked


def test_a_directory_discovery_cannot_read_is_an_error_naming_it(unreadable):
    with pytest.raises(UnreadableDirectory) as caught:
        blueprint_selection(load_config(None))
    assert Path(caught.value.path) == unreadable
    assert "cannot read this directory (Permission denied)" in caught.value.message


@pytest.mark.parametrize("command", ["lint", "test", "check"])
def test_lint_test_and_check_exit_2_naming_the_unreadable_directory(unreadable, command):
    result = run(command)
    assert result.exit_code == 2, result.output
    assert re.search(r"error: \S*blueprints/locked: cannot read this directory \(Permission denied\)", result.stderr)
    assert "would go unchecked" in result.stderr


def test_lint_of_a_directory_with_an_unreadable_subdirectory_names_it(unreadable):
    result = run("lint", "blueprints")
    assert result.exit_code == 2, result.output
    assert "blueprints/locked: cannot read this directory" in result.stderr
