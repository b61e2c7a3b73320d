"""Every shell example in README.md and docs/*.md runs, and prints what the docs show.

The convention (```console sessions, ```sh command lists, wildcards, `<!-- docs-test: ... -->` comments) is
described in tests/docblocks.py. The commands run through bash with the installed `cedar-gates` first on PATH,
in a copy of the repository (or a fresh scratch repository), with a throwaway HOME and no colour.
"""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docblocks import (
    Block, console_commands, copy_of_repo, matches, parse_directive, sh_commands, shell_blocks,
)

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCKS = shell_blocks(DOCS)
END = "\x1fdocs-test-end"
TIMEOUT_S = 120


def test_docs_have_shell_examples_to_run():
    runnable = [b for b in BLOCKS if b.skip is None]
    assert len(runnable) >= 10, [b.where for b in BLOCKS]


def test_every_docs_test_comment_is_well_formed():
    assert [f"{b.where}: {p}" for b in BLOCKS for p in b.problems] == []


def test_no_console_example_hides_in_a_block_the_tests_do_not_run():
    from tests.docblocks import SHELL_LANGS, fenced_blocks

    hidden = [f"{path.name}:{line} ```{lang}" for path in DOCS for line, lang, body, _ in fenced_blocks(path)
              if lang and lang not in SHELL_LANGS and any(b.startswith("$ cedar-gates") for b in body)]
    assert hidden == [], "label these ```console (or ```sh) so they run"


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CEDAR_GATES_", "GITHUB_", "XDG_", "CLAUDE_")) and k not in ("FORCE_COLOR", "CI")}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update({
        "HOME": str(home), "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120", "PYTHONUNBUFFERED": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]), "REPO": str(REPO),
        "GIT_AUTHOR_NAME": "docs", "GIT_AUTHOR_EMAIL": "docs@example.org",
        "GIT_COMMITTER_NAME": "docs", "GIT_COMMITTER_EMAIL": "docs@example.org",
    })
    return env


def script_for(block: Block) -> str:
    """One bash script for the block: each command followed by an end marker carrying its exit status."""
    lines = ["exec 2>&1"]
    if block.setup:
        lines += [f"{{ {block.setup}\n}} >/dev/null || {{ echo 'docs-test setup failed' ; exit 97; }}"]
    for command in block.commands:
        lines += [command.text, f"__rc=$?; printf '\\n{END} %d\\n' \"$__rc\"; (exit \"$__rc\")"]
    return "\n".join(lines) + "\n"


def run_block(block: Block, tmp: Path) -> tuple[list[tuple[list[str], int]], str]:
    """Per command: (its output lines, its exit status); plus the raw transcript for messages."""
    cwd = tmp / ("scratch" if block.scratch else "repo")
    if block.scratch:
        cwd.mkdir()
    else:
        copy_of_repo(cwd)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=cwd, check=True)
    proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-c", script_for(block)], cwd=cwd, env=_env(tmp),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole session: a server or watcher the example started too
        stdout, _ = proc.communicate()
        pytest.fail(f"{block.where}: still running after {TIMEOUT_S} s (mark it `skip:` if it runs until stopped)"
                    f":\n{stdout}")
    results: list[tuple[list[str], int]] = []
    current: list[str] = []
    for line in stdout.split("\n"):
        if line.startswith(END):
            if current and current[-1] == "":
                current.pop()
            results.append((current, int(line.split()[-1])))
            current = []
        else:
            current.append(line)
    return results, stdout


def _diff(expected: tuple[str, ...], actual: list[str]) -> str:
    return "\n".join(difflib.unified_diff(list(expected), actual, "docs", "actual", lineterm="", n=2))


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.skip is None], ids=lambda b: b.where)
def test_docs_example_runs_as_shown(block: Block, tmp_path: Path):
    if shutil.which("bash") is None:  # pragma: no cover
        pytest.skip("bash is not on PATH")
    results, transcript = run_block(block, tmp_path)
    assert "docs-test setup failed" not in transcript, f"{block.where}: the hidden setup failed:\n{transcript}"
    assert len(results) == len(block.commands), f"{block.where}: the shell stopped early:\n{transcript}"
    for n, (command, (output, status)) in enumerate(zip(block.commands, results)):
        shows_status = n + 1 < len(block.commands) and block.commands[n + 1].text.strip() == "echo $?"
        where = f"{block.path.name}:{command.line} `{command.text}`"
        if not shows_status:
            assert status == 0, f"{where} exited {status}:\n" + "\n".join(output)
        if block.lang != "sh":
            assert matches(command.expected, output), f"{where} printed something else:\n{_diff(command.expected, output)}"


# The convention itself: wildcards match what they should and nothing more.

def test_a_wildcard_line_stands_for_any_lines_and_placeholders_for_volatile_parts():
    assert matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert matches(["a", "...", "z"], ["a", "z"])
    assert matches(["policy: sha256:<hash>   <time>"], ["policy:  sha256:525333eea6c1088d   626 µs"])
    assert matches(["parity PASS <n> cases (<time>)"], ["parity PASS 307 cases (0.60 s)"])
    assert matches(["cedar-gates <version> at <path>"], ["cedar-gates 0.4.1 at /x/y"])
    assert matches(["open: http://127.0.0.1:<n>/?token=..."], ["open: http://127.0.0.1:40313/?token=Jx3f"])


def test_output_that_differs_from_the_docs_does_not_match():
    assert not matches(["a", "z"], ["a", "b", "z"])
    assert not matches(["policy: sha256:<hash>"], ["policy: sha256:XYZ"])
    assert not matches(["parity PASS <n> cases"], ["parity FAIL 307 cases"])
    assert not matches(["a"], ["a", "extra"])
    assert not matches(["exit <n>"], ["exit"])


def test_console_blocks_split_into_commands_with_their_output():
    body = ["$ cedar-gates eval --tool Bash \\", "    --input '{}'", "allow", "$ echo $?", "0",
            "$ echo 'a", "> b'", "a", "b"]
    commands = console_commands(body, 10)
    assert [c.text for c in commands] == ["cedar-gates eval --tool Bash \\\n    --input '{}'", "echo $?", "echo 'a\nb'"]
    assert [c.expected for c in commands] == [("allow",), ("0",), ("a", "b")]
    assert commands[0].line == 11


def test_sh_blocks_split_into_commands_across_open_quotes_and_continuations():
    body = ["a --x  # comment with ' quote", "echo '{\"k\": 1,", "  \"j\": 2}' | b", "c \\", "  d", ""]
    assert [c.text for c in sh_commands(body, 1)] == [body[0], "\n".join(body[1:3]), "\n".join(body[3:5])]


def test_docs_test_comments_need_a_reason_to_skip_and_known_options():
    assert parse_directive("skip: needs a live Claude Code session")[0] == "needs a live Claude Code session"
    assert parse_directive("skip:")[3] == ["`skip:` needs a reason"]
    assert parse_directive("scratch; setup: cp -r $REPO/fixtures .")[1:3] == (True, "cp -r $REPO/fixtures .")
    assert parse_directive("scrach")[3]
