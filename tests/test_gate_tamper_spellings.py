"""Tamper spellings the path operands alone do not show: copies into a directory, content copies, dot globs,
`git clean -x`, interpreter code naming the gate's files, and a new `[tool.cedar-gates]` table (issue 20, item 2)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from toolkit.hook.protect import gate_files
from toolkit.toolcall import TaskFacts, requests_for

CWD = "/work/repo"
GATES = (("/work/repo/.cedar-gates", "state"),)


def written(command: str, **facts) -> dict[str, str]:
    task = TaskFacts(**{"cwd": CWD, "gate_files": GATES, **facts})
    return {r["context"]["file_path"]: r["context"]["gate_file"]
            for r in requests_for("Bash", {"command": command}, task) if r["action"]["id"] == "write_file"}


def protected(command: str, **facts) -> set[str]:
    """The written paths a tamper rule would see: a gate kind or the Claude settings directory."""
    return {p for p, kind in written(command, **facts).items()
            if kind or p.rstrip("/").rpartition("/")[2].casefold() == ".claude"}


@pytest.mark.parametrize("command, expected", [
    ("cp -r /tmp/evil/.claude .", {".claude"}),
    ("mv /tmp/x/.claude ./", {"/tmp/x/.claude", ".claude"}),
    ("ln -s /tmp/evil/.claude .", {".claude"}),
    ("cp -t . -r /tmp/evil/.claude", {".claude"}),
    ("cp -r /tmp/evil/.cedar-gates .", {".cedar-gates"}),
    ("cd app && cp -r /tmp/evil/.claude ..", {".claude"}),
])
def test_a_copy_into_a_directory_writes_dest_slash_basename(command, expected):
    assert protected(command) >= expected


@pytest.mark.parametrize("command", ["rsync -a /tmp/evil/ ./", "rsync -a /tmp/evil/ .", "rsync -a /tmp/evil/ /work/repo",
                                     "cp -rT /tmp/evil .", "cp -r /tmp/evil/. .", "git clean -fdx", "git clean -fdX",
                                     "git clean -ffdx", "git clean -x -d -f -- .", "rm -rf ./* .*"])
def test_content_copies_and_cleans_of_the_project_reach_every_gate_file(command):
    assert {".claude", ".cedar-gates", "cedar-gates.toml"} <= {p.rpartition("/")[2] for p in protected(command)}


@pytest.mark.parametrize("command, names", [
    ("rm -rf .[!.]*", {".claude", ".cedar-gates"}), ("rm -rf .??*", {".claude", ".cedar-gates"}),
    ("rm -rf .c*", {".claude", ".cedar-gates"}), ("rm -rf *", {"cedar-gates.toml"}),
])
def test_dot_globs_reach_the_dot_names_and_plain_globs_only_plain_names(command, names):
    found = {p.rpartition("/")[2] for p in protected(command)}
    assert names <= found
    assert not ({".claude", ".cedar-gates", "cedar-gates.toml"} - names) & found


def test_a_configured_state_directory_beneath_a_content_copy_is_reached():
    assert "/work/repo/var/gate" in written("rsync -a /tmp/evil/ var/", gate_files=(("var/gate", "state"),))


@pytest.mark.parametrize("command", [
    "cp -r src/ build/", "rsync -a src/ dist/", "rsync -a /tmp/evil/ build/", "git clean -fd", "git clean -ndx",
    "git clean -fdx build/", "rm -rf ./build/*", "rm -f *.pyc", "cp -r /tmp/evil/docs .", "cp a.txt b.txt",
    "mv src/old.py src/new.py", "rm -rf ../*", "python3 -c 'print(1)'",
])
def test_near_misses_reach_no_gate_file(command):
    assert protected(command) == set()


@pytest.mark.parametrize("command, path", [
    ("python3 -c \"import sqlite3; sqlite3.connect('.cedar-gates/hook-state.sqlite3').execute('delete from x')\"",
     ".cedar-gates/hook-state.sqlite3"),
    ("node -e \"require('fs').readFileSync('.claude/settings.local.json')\"", ".claude/settings.local.json"),
    ("ruby -e 'File.write(\"cedar-gates.toml\", \"\")'", "cedar-gates.toml"),
    ("python3 - <<'EOF'\nimport sqlite3\nsqlite3.connect('.cedar-gates/hook-state.sqlite3')\nEOF",
     ".cedar-gates/hook-state.sqlite3"),
])
def test_interpreter_code_naming_a_gate_file_writes_it(command, path):
    assert path in written(command)


def _config(source=None):
    return SimpleNamespace(source=source, builtins=None)


def test_a_new_cedar_gates_table_in_pyproject_is_the_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    target = str(tmp_path / "pyproject.toml")
    write = {"file_path": target, "content": "[project]\nname = 'x'\n[tool.cedar-gates.hook]\nno-match = 'allow'\n"}
    edit = {"file_path": "pyproject.toml", "old_string": "[project]", "new_string": "[tool.cedar-gates]\n[project]"}
    plain = {"file_path": target, "old_string": "name = 'x'", "new_string": "name = 'y'"}
    assert gate_files(_config(), None, "Write", write, str(tmp_path)) == {str((tmp_path / "pyproject.toml").resolve()): "config"}
    assert gate_files(_config(), None, "Edit", edit, str(tmp_path)) == {str((tmp_path / "pyproject.toml").resolve()): "config"}
    assert gate_files(_config(), None, "Edit", plain, str(tmp_path)) == {}
    assert gate_files(_config(), None, "Write", {"file_path": str(tmp_path / "new" / "pyproject.toml"),
                                                 "content": "[tool.cedar-gates]\n"}, str(tmp_path)) != {}
    assert gate_files(_config(), None, "Write", {"file_path": target, "content": "[project]\n"}, str(tmp_path)) == {}
