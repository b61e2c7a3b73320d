"""The CLI as a user runs it: help, exit codes, formats, configuration, policies."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit import __version__
from toolkit.cli import app

from .conftest import FIXTURES

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"cedar-gates {__version__}"
    out = run("--help").stdout
    for command in ("lint", "check", "policies", "rule", "eval", "simulate"):
        assert command in out


@pytest.mark.parametrize("command", [["lint"], ["check"], ["policies", "list"], ["policies", "show"], ["rule"],
                                     ["eval"], ["simulate", "run"], ["simulate", "record"], ["simulate", "diff"]])
def test_every_subcommand_explains_its_options(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and len(result.stdout) > 200


def test_lint_clean_file_exits_zero():
    result = run("lint", str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 0
    assert "All checks passed" in result.stdout


def test_lint_error_exits_one_and_shows_source_line():
    result = run("lint", str(FIXTURES / "bad" / "CG031-timeout-below-floor.yaml"))
    assert result.exit_code == 1
    assert re.search(r"CG031-timeout-below-floor.yaml:7:7: CG031 error: ", result.stdout)
    assert '7 |       @approval_timeout_s("10")' in result.stdout
    assert "^^^^^" in result.stdout and "hint:" in result.stdout


def test_warnings_pass_unless_strict():
    path = str(FIXTURES / "bad" / "CG032-timeout-short.yaml")
    assert run("lint", path).exit_code == 0
    assert run("lint", "--strict", path).exit_code == 1


def test_unreadable_input_exits_two():
    assert run("lint", str(FIXTURES / "bad" / "CG001-not-utf8.yaml")).exit_code == 2
    result = run("lint", "does-not-exist.yaml")
    assert result.exit_code == 2
    assert "file not found" in result.stdout


def test_lint_without_paths_in_a_repository_without_blueprints_says_how_to_fix_it():
    result = run("lint")
    assert result.exit_code == 2
    assert "no blueprints to check" in result.stderr and "blueprints/**/*.yaml" in result.stderr
    assert "cedar-gates init" in result.stderr and "--example" in result.stderr


def test_json_format_is_machine_readable():
    result = run("lint", "-f", "json", str(FIXTURES / "bad" / "CG041-disable-unknown.yaml"))
    data = json.loads(result.stdout)
    assert data["summary"] == {"error": 1, "warning": 0, "info": 0}
    finding = data["findings"][0]
    assert (finding["code"], finding["line"], finding["column"], finding["rule_id"]) == ("CG041", 10, 15, "force_push_anyy")


def test_sarif_has_stable_rule_ids_and_relative_uris(tmp_path):
    shutil.copy(FIXTURES / "bad" / "CG023-duplicate-rule-id.yaml", tmp_path / "bp.yaml")
    result = run("lint", "-f", "sarif", "bp.yaml")
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    assert all(r["help"]["text"] for r in rules)
    result_ = run_["results"][0]
    assert result_["ruleId"] == "CG023"
    assert rules[result_["ruleIndex"]]["id"] == "CG023"
    location = result_["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "bp.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 11


def test_github_format_escapes_workflow_command_properties(tmp_path):
    path = tmp_path / "a,b:c.yaml"
    shutil.copy(FIXTURES / "bad" / "CG021-invalid-rule-id.yaml", path)
    result = run("lint", "-f", "github", str(path.name))
    line = result.stdout.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=6,col=7,")
    assert "title=CG021 invalid-rule-id::" in line


def test_github_escaping_of_data():
    from toolkit.lint.render.github import escape_data, escape_property

    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_output_file(tmp_path):
    out = tmp_path / "report.json"
    result = run("lint", "-f", "json", "-o", str(out), str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 0
    assert json.loads(out.read_text())["findings"] == []


def test_directory_is_searched_for_blueprints():
    result = run("lint", str(FIXTURES / "good"))
    assert result.exit_code == 0
    assert "4 files linted" in result.stdout


def test_check_of_the_bundled_example_passes_and_names_it():
    result = run("check", "--example")
    assert result.exit_code == 0, result.stdout
    assert re.search(r"lint\s+PASS\s+3 files: built-in tiers \+ \S+examples/blueprint.yaml \(the bundled example\)",
                     result.stdout)
    assert re.search(r"test\s+PASS\s+86 test\(s\), 0 failed; .*from \S+examples/blueprint.yaml", result.stdout)


def test_check_that_finds_no_blueprint_is_an_error_not_a_pass():
    result = run("check")
    assert result.exit_code == 2, result.stdout
    assert re.search(r"lint\s+ERROR\s+no blueprints to check: none under \. match blueprints/", result.stdout)
    assert re.search(r"test\s+SKIP\s+no policy tests", result.stdout)


def test_check_uses_configured_blueprints(tmp_path):
    shutil.copy(FIXTURES / "bad" / "CG031-timeout-below-floor.yaml", tmp_path / "bp.yaml")
    (tmp_path / "cedar-gates.toml").write_text('blueprints = ["*.yaml"]\n')
    result = run("check", "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [f["code"] for f in data["gates"][0]["findings"]] == ["CG031"]


def test_config_changes_levels_and_adds_categories(tmp_path):
    shutil.copy(FIXTURES / "bad" / "CG037-unknown-category.yaml", tmp_path / "cat.yaml")
    shutil.copy(FIXTURES / "bad" / "CG032-timeout-short.yaml", tmp_path / "short.yaml")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cedar-gates.lint]\nextra-categories = ["infrastructure"]\n'
        '[tool.cedar-gates.lint.levels]\nCG032 = "error"\n'
    )
    assert run("lint", "cat.yaml").exit_code == 0
    result = run("lint", "-f", "json", "short.yaml")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["level"] == "error"


def test_config_level_off_hides_rule(tmp_path):
    shutil.copy(FIXTURES / "bad" / "CG052-gate-cap-default.yaml", tmp_path / "bp.yaml")
    assert "CG052" in run("lint", "bp.yaml").stdout
    (tmp_path / "cedar-gates.toml").write_text('[lint.levels]\nCG052 = "off"\n')
    assert "CG052" not in run("lint", "bp.yaml").stdout


def test_invalid_config_is_a_clear_error(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text('[lint.levels]\nCG032 = "loud"\n')
    result = run("lint", str(FIXTURES / "good" / "minimal.yaml"))
    assert result.exit_code == 2
    assert "cedar-gates.toml" in result.stderr and "lint.levels.CG032" in result.stderr


def test_custom_builtins_directory(tmp_path, repo):
    custom = tmp_path / "platform"
    custom.mkdir()
    (custom / "hard_deny.cedar").write_text(
        '@rule_id("base_permit")\npermit (principal, action, resource);\n'
        '@tier("hard")\n@rule_id("no_curl")\n'
        'forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.command like "*curl*" };\n'
    )
    (custom / "soft_deny.cedar").write_text('@rule_id("base_permit")\npermit (principal, action, resource);\n')
    (tmp_path / "cedar-gates.toml").write_text('builtins = "platform"\n')
    # rm_slash is no longer a built-in, so disabling it is now an unknown id; no_curl is the built-in hard rule.
    result = run("lint", "-f", "json", str(FIXTURES / "bad" / "CG040-disable-builtin-hard.yaml"))
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["CG041"]
    listing = run("policies", "list").stdout
    assert "no_curl" in listing and "rm_slash" not in listing


def test_missing_builtins_file_is_a_config_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "cedar-gates.toml").write_text('builtins = "empty"\n')
    result = run("policies", "list")
    assert result.exit_code == 2
    assert "hard_deny.cedar" in result.stderr


def test_policies_list_shows_effective_rules_with_disabled_state():
    result = run("policies", "list", "--blueprint", str(FIXTURES / "good" / "full.yaml"))
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "disabled" in rows["force_push_any"]
    assert "disabled" in rows["edit_docs_config"]
    assert "active" in rows["rm_slash"]
    assert "1800s" in rows["edit_docs_config"]
    assert "full.yaml" in rows["publish_docs"]


def test_policies_list_tier_filter_and_json():
    data = json.loads(run("policies", "list", "--tier", "soft", "-f", "json").stdout)
    assert {r["tier"] for r in data} == {"soft"}
    assert {r["rule_id"] for r in data} == {
        "force_push_any", "force_push_main", "push_to_protected_branch", "write_env_files", "write_credentials",
        "dynamic_command", "dynamic_write", "gate_policy_edit", "destroy_parent", "secret_exfiltration",
        "secret_to_file", "git_config_exec", "git_no_verify",
    }


def test_policies_show():
    result = run("policies", "show", "force_push_main")
    assert result.exit_code == 0
    assert "timeout:   600s" in result.stdout and "severity:  high" in result.stdout
    assert run("policies", "show", "nope").exit_code == 2


def test_rule_explains_a_code():
    result = run("rule", "cg072")
    assert result.exit_code == 0
    assert "whitespace-sensitive-pattern" in result.stdout
    assert run("rule", "CG999").exit_code == 2
    assert "CG001" in run("rule").stdout


def test_main_turns_contract_errors_into_exit_two(tmp_path, monkeypatch, capsys):
    from toolkit import cli

    bad = tmp_path / "constants.json"
    bad.write_text(Path(__file__).resolve().parent.parent.joinpath("contracts", "constants.json").read_text()
                   .replace('"default": 50', '"default": 900'))
    (tmp_path / "cedar-gates.toml").write_text('constants = "constants.json"\n')
    monkeypatch.setattr("sys.argv", ["cedar-gates", "check"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "constants.json" in err and "approval_gate_cap" in err
