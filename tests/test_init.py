"""`cedar-gates init`: a starter project whose every file passes as written, and that never overwrites by surprise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.scaffold import FILES, template_text

runner = CliRunner()
WRITTEN = [relative for relative, _, _ in FILES]


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project() -> Path:
    result = run("init")
    assert result.exit_code == 0, result.output
    return Path.cwd()


def test_init_lists_every_file_it_wrote(project):
    out = run("init", "--force").stdout
    for relative in WRITTEN:
        assert re.search(rf"^replaced +{re.escape(relative)} ", out, re.M), out
        assert (project / relative).is_file()
    assert WRITTEN == ["cedar-gates.toml", "blueprints/agent.yaml", ".pre-commit-config.yaml",
                       ".github/workflows/cedar-gates.yml"]


def test_check_lint_and_test_pass_on_the_starter_project(project):
    check = run("check")
    assert check.exit_code == 0, check.stdout
    assert re.search(r"lint\s+PASS\s+3 files: built-in tiers \+ blueprints/agent.yaml", check.stdout)
    assert re.search(r"test\s+PASS\s+4 test\(s\), 0 failed; rule coverage 100%", check.stdout)
    lint = run("lint")
    assert lint.exit_code == 0 and "no findings" in lint.stdout
    test = run("test")
    assert test.exit_code == 0 and "cedar-wasm agrees on every test" in test.stdout


def test_the_starter_configuration_holds_the_coverage_floor(project):
    blueprint = project / "blueprints" / "agent.yaml"
    text = blueprint.read_text()
    cut = text.index("    - name: a deploy asks first")
    blueprint.write_text(text[:cut] + text[text.index("    - name: reading the code"):])
    result = run("test", "--no-wasm")
    assert result.exit_code == 1
    assert "below --min-coverage 100%; add tests for: deploy_asks" in result.stdout


def test_the_yaml_files_parse_and_the_pre_commit_entry_loads_in_pre_commit(project):
    for relative in WRITTEN:
        if relative.endswith((".yaml", ".yml")):
            assert isinstance(yaml.safe_load((project / relative).read_text()), dict), relative
    clientlib = pytest.importorskip("pre_commit.clientlib")
    config = clientlib.load_config(str(project / ".pre-commit-config.yaml"))
    hooks = [h["id"] for repo in config["repos"] for h in repo["hooks"]]
    assert hooks == ["cedar-gates-lint", "cedar-gates-test"]


def test_the_workflow_is_the_shipped_template(project):
    workflow = (project / ".github" / "workflows" / "cedar-gates.yml").read_text()
    assert workflow == template_text("github-workflow.yml")
    job = next(iter(yaml.safe_load(workflow)["jobs"].values()))
    assert any("cedar-gates check" in step.get("run", "") for step in job["steps"])


def test_init_refuses_to_overwrite_and_writes_nothing_then():
    Path(".pre-commit-config.yaml").write_text("repos: []\n")
    result = run("init")
    assert result.exit_code == 2
    assert ".pre-commit-config.yaml" in result.stderr and "--force" in result.stderr
    assert "nothing was written" in result.stderr
    assert Path(".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert not Path("cedar-gates.toml").exists() and not Path("blueprints").exists()


def test_force_replaces_existing_files():
    Path("cedar-gates.toml").write_text("# mine\n")
    result = run("init", "--force")
    assert result.exit_code == 0
    assert re.search(r"^replaced +cedar-gates.toml", result.stdout, re.M)
    assert re.search(r"^wrote +blueprints/agent.yaml", result.stdout, re.M)
    assert Path("cedar-gates.toml").read_text() == template_text("cedar-gates.toml")


def test_init_into_a_named_directory_that_does_not_exist_is_a_clear_error():
    result = run("init", "missing")
    assert result.exit_code == 2 and "missing: not a directory" in result.stderr


def test_a_bad_blueprint_added_to_the_starter_project_fails_check(project):
    bad = Path(__file__).resolve().parent.parent / "fixtures" / "blueprints" / "bad" / "CG031-timeout-below-floor.yaml"
    (project / "blueprints" / "hasty.yaml").write_text(bad.read_text())
    result = run("check")
    assert result.exit_code == 1 and "blueprints/hasty.yaml:7:7: CG031" in result.stdout


def _project_in(tmp: Path) -> tuple[Path, Path]:
    """A project directory with a sibling `outside` a write must never reach."""
    (tmp / "project").mkdir()
    (tmp / "outside").mkdir()
    return tmp / "project", tmp / "outside"


def _refused_for_a_link(result, link: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"{link}: is a symbolic link" in result.stderr and "even with --force" in result.stderr
    assert "nothing was written" in result.stderr


def test_a_dangling_link_in_place_of_a_starter_file_is_refused_and_not_followed(tmp_path):
    project, outside = _project_in(tmp_path)
    (project / "cedar-gates.toml").symlink_to("../outside/pwned.toml")
    result = run("init", str(project))
    _refused_for_a_link(result, str(project / "cedar-gates.toml"))
    assert not (outside / "pwned.toml").exists() and not (project / "blueprints").exists()


def test_force_does_not_overwrite_the_target_of_a_live_link(tmp_path):
    project, outside = _project_in(tmp_path)
    (outside / "precious.yaml").write_text("repos: []\n")
    (project / ".pre-commit-config.yaml").symlink_to(outside / "precious.yaml")
    result = run("init", str(project), "--force")
    _refused_for_a_link(result, str(project / ".pre-commit-config.yaml"))
    assert (outside / "precious.yaml").read_text() == "repos: []\n"
    assert not (project / "cedar-gates.toml").exists()


def test_a_symlinked_directory_on_the_way_to_a_starter_file_is_refused(tmp_path):
    project, outside = _project_in(tmp_path)
    (project / ".github").mkdir()
    (project / ".github" / "workflows").symlink_to(outside, target_is_directory=True)
    result = run("init", str(project), "--force")
    _refused_for_a_link(result, str(project / ".github" / "workflows"))
    assert list(outside.iterdir()) == [] and not (project / "cedar-gates.toml").exists()


def test_every_link_in_the_way_is_named(tmp_path):
    project, outside = _project_in(tmp_path)
    (project / "blueprints").symlink_to(outside, target_is_directory=True)
    (project / ".github").symlink_to(outside, target_is_directory=True)
    result = run("init", str(project))
    _refused_for_a_link(result, str(project / "blueprints"))
    assert f"also {project / '.github'} is a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_a_project_reached_through_a_symlink_is_still_initialised(tmp_path):
    project, _ = _project_in(tmp_path)
    (tmp_path / "alias").symlink_to(project, target_is_directory=True)
    result = run("init", str(tmp_path / "alias"))
    assert result.exit_code == 0, result.output
    assert all((project / relative).is_file() for relative in WRITTEN)
