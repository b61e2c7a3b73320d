"""A hostile-input campaign over every command and input channel.

Arbitrary bytes, deep nesting, BOMs, empty files, directories where files are
expected and inputs over max-file-bytes go into every file argument, stdin and
the configuration. The result is always a report or a one-line error with a
documented exit code: CliRunner re-raises any exception, so a traceback fails
the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.hook.service import HookOptions, handle

from .conftest import FIXTURES, REPO

runner = CliRunner()
GOOD_TRACE = '{"t": 0, "tool_name": "Read", "tool_input": {"file_path": "a"}}\n'

structured = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf{}", b"\x00" * 10, b"[" * 4000, b'{"a":' * 3000,
                     b"security:\n  cedarPolicies: [1, 2]\n", b"tests: 7\n", b"- - - - -\n", b"\xff\xfe\xfd",
                     b'{"t": 0, "tool_name": "Bash", "tool_input": {"command": "' + b"\\u0000" * 50 + b'"}}\n',
                     b"&a [*a, *a, *a]\n", b"!!python/object:os.system ls\n"]),
)
CHEAP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def invoke(args: list[str], stdin: bytes | None = None):
    return runner.invoke(app, args, input=stdin, catch_exceptions=False)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    if path.is_dir():
        path = tmp_path / ("x-" + name)
    path.write_bytes(data)
    return path


COMMANDS = {
    "lint": (lambda p: ["lint", str(p)], ("b.yaml",), {0, 1, 2}),
    "lint-cedar": (lambda p: ["lint", str(p)], ("p.cedar",), {0, 1, 2}),
    "simulate": (lambda p: ["simulate", str(p)], ("t.jsonl",), {0, 1, 2}),
    "simulate-claude": (lambda p: ["simulate", str(p), "--input-format", "claude"], ("t.jsonl",), {0, 1, 2}),
    "test": (lambda p: ["test", str(p), "--no-wasm"], ("x.tests.yaml",), {0, 1, 2}),
    "config": (lambda p: ["lint", "--config", str(p), str(FIXTURES / "good" / "minimal.yaml")], ("c.toml",), {0, 1, 2}),
    "eval-file": (lambda p: ["eval", "--tool", "Bash", "--input", f"@{p}"], ("i.json",), {0, 1, 2, 3}),
    "eval-settings": (lambda p: ["eval", "--tool", "Read", "--task-settings", f"@{p}"], ("s.json",), {0, 1, 2, 3}),
    "sync-contract": (lambda p: ["sync", "constants", "--contract", str(p), "--python",
                                 str(REPO / "fixtures" / "sync" / "generic" / "limits.py")], ("c.json",), {0, 1, 2}),
    "sync-python": (lambda p: ["sync", "constants", "--python", str(p)], ("c.py",), {0, 1, 2}),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@CHEAP
@given(data=structured)
def test_property_any_bytes_in_any_file_argument(tmp_path, command, data):
    build, (name,), allowed = COMMANDS[command]
    result = invoke(build(_file(tmp_path, name, data)))
    assert result.exit_code in allowed, (command, data[:80], result.output[-300:])


@CHEAP
@given(data=structured)
def test_property_any_bytes_as_a_baseline(tmp_path, data):
    trace = _file(tmp_path, "t.jsonl", GOOD_TRACE.encode())
    result = invoke(["simulate", str(trace), "--baseline", str(_file(tmp_path, "b.jsonl", data))])
    assert result.exit_code in (0, 1, 2)


@CHEAP
@given(data=structured)
def test_property_any_bytes_on_eval_stdin(data):
    assert invoke(["eval", "--tool", "Bash", "--input", "-"], stdin=data).exit_code in (0, 1, 2, 3)


@CHEAP
@given(data=structured)
def test_property_any_bytes_on_the_hook_stdin_block_or_decide(tmp_path, data):
    result = handle(data, HookOptions(state=tmp_path / "s.sqlite3", log=tmp_path / "l.jsonl"), environ={})
    assert result.exit_code in (0, 2)
    answer = json.loads(result.stdout)
    if result.exit_code == 2:
        assert answer["decision"] == "block" and "could not decide" in answer["reason"]
    else:
        assert answer == {} or answer["hookSpecificOutput"]["permissionDecision"] in ("allow", "deny", "ask")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=structured)
def test_property_any_bytes_as_a_parity_fixture(tmp_path, data):
    result = invoke(["parity", str(_file(tmp_path, "f.json", data)), "--no-policies"])
    assert result.exit_code in (0, 1, 2)


@pytest.mark.parametrize("args", [
    ["lint", "{dir}"], ["simulate", "{dir}"], ["eval", "--tool", "Bash", "--input", "@{dir}"],
    ["sync", "constants", "--contract", "{dir}", "--python", str(REPO / "fixtures" / "sync" / "generic" / "limits.py")],
    ["test", "{dir}", "--no-wasm"], ["parity", "{dir}", "--no-policies"],
])
def test_a_directory_where_a_file_is_expected(tmp_path, args):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    result = invoke([a.replace("{dir}", str(folder)) for a in args])
    assert result.exit_code in (0, 1, 2)


@pytest.mark.parametrize(("args", "name"), [
    (["lint", "{f}"], "big.yaml"), (["eval", "--tool", "Bash", "--input", "@{f}"], "big.json"),
    (["sync", "constants", "--python", "{f}"], "big.py"), (["test", "{f}", "--no-wasm"], "big.tests.yaml"),
    (["parity", "{f}", "--no-policies"], "big.json"),
])
def test_inputs_over_max_file_bytes_are_refused_unread(tmp_path, args, name):
    config = tmp_path / "cedar-gates.toml"
    config.write_text("max-file-bytes = 40000\n")  # above the bundled tiers, below the input
    big = tmp_path / name
    big.write_text("#" * 50000 + "\n")
    result = invoke([a.replace("{f}", str(big)) for a in args] + ["--config", str(config)])
    assert result.exit_code == (1 if args[0] == "eval" else 2)
    assert name in result.output
    assert "max-file-bytes" in result.output or "input limit" in result.output


def test_a_trace_line_over_the_line_limit_is_a_bad_line_and_traces_stream(tmp_path):
    from toolkit.simulate import trace as trace_module

    path = tmp_path / "t.jsonl"
    path.write_text('{"t": 0, "tool_name": "Read", "tool_input": {"file_path": "' + "a" * 3000 + '"}}\n')
    lines = list(trace_module.raw_lines(path, max_line_bytes=1000))
    assert lines == [(1, None, "longer than 1000 bytes; refused unread")]
    result = invoke(["simulate", str(path)])
    assert result.exit_code == 0


def test_a_bom_at_the_start_of_json_inputs_is_accepted(tmp_path):
    data = tmp_path / "i.json"
    data.write_bytes(b"\xef\xbb\xbf" + json.dumps({"command": "ls"}).encode())
    assert invoke(["eval", "--tool", "Bash", "--input", f"@{data}"]).exit_code == 0
