"""Hostile inputs and faults, round 2 (issue 23): no data lost on a kill, no native crash, no hang, no silent pass.

Each named shape from the issue is pinned, and hypothesis strategies feed every
input kind (blueprint YAML, .cedar, parity fixture JSON, trace JSONL, task
settings JSON, configuration TOML, sync contract) with hostile leaves: integers
of thousands of digits or past 64 bits, NaN, lone surrogates, duplicate keys.
CliRunner re-raises any exception, so a traceback fails the test; a hostile
number that is accepted with exit 0 is a silent pass and fails it too.
`scripts/hostile_campaign.py` runs the same kinds longer, in real processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit import jsontext, safeio
from toolkit.cli import app

from .conftest import FIXTURES, REPO

runner = CliRunner()
FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOLDEN = REPO / "contracts" / "cedar-parity" / "boolean_operators.json"
LIMITS_PY = REPO / "fixtures" / "sync" / "generic" / "limits.py"
HUGE = "9" * 5000


def invoke(*args: str, stdin: bytes | str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin, catch_exceptions=False)


def call(t: float, tool: str, tool_input: dict) -> str:
    return json.dumps({"t": t, "tool_name": tool, "tool_input": tool_input})


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != ".git")


def _main(*args: str, stdin=subprocess.DEVNULL, timeout: float = 30) -> subprocess.CompletedProcess:
    code = "import sys; from toolkit.cli import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], stdin=stdin, capture_output=True, timeout=timeout)


# -- 1. writes are atomic -------------------------------------------------------------------------------------------


def _fail_at(monkeypatch, name: str):
    real = getattr(os, name)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, name, broken)
    return real


@pytest.mark.parametrize("point", ["fsync", "replace"])
def test_a_report_killed_at_any_write_point_leaves_the_old_file(tmp_path, monkeypatch, point):
    report = tmp_path / "report.json"
    report.write_text("old report\n")
    report.chmod(0o640)
    _fail_at(monkeypatch, point)
    result = invoke("lint", FIXTURES / "good" / "minimal.yaml", "--format", "json", "-o", report)
    assert result.exit_code == 2 and "report.json: cannot write the report" in result.stderr
    assert report.read_text() == "old report\n" and oct(report.stat().st_mode & 0o777) == "0o640"
    assert _names(tmp_path) == ["report.json"]


def test_a_streamed_report_interrupted_while_rendering_leaves_the_old_file(tmp_path):
    from toolkit.cli.app import emit_pieces

    target = tmp_path / "parity.xml"
    target.write_text("<old/>\n")

    def pieces():
        yield "<testsuite>"
        raise KeyboardInterrupt  # a signal between two cases

    with pytest.raises(KeyboardInterrupt):
        emit_pieces(pieces(), target)
    assert target.read_text() == "<old/>\n" and len(_names(tmp_path)) == 1


@pytest.mark.parametrize("point", ["fsync", "replace"])
def test_simulate_out_and_record_fail_whole(tmp_path, monkeypatch, point):
    trace = tmp_path / "t.jsonl"
    trace.write_text("".join(call(i, "Read", {"file_path": f"f{i}"}) + "\n" for i in range(20)))
    out, baseline = tmp_path / "out.jsonl", tmp_path / "b.jsonl"
    out.write_text("old\n")
    baseline.write_text("old baseline\n")
    _fail_at(monkeypatch, point)
    result = invoke("simulate", trace, "--out", out)
    assert result.exit_code == 2 and "cannot write the decisions" in result.stderr
    result = invoke("simulate", "record", trace, "-o", baseline)
    assert result.exit_code == 2 and "cannot write the baseline" in result.stderr
    assert out.read_text() == "old\n" and baseline.read_text() == "old baseline\n"
    assert _names(tmp_path) == ["b.jsonl", "out.jsonl", "t.jsonl"]


def test_parity_record_never_leaves_a_torn_fixture(tmp_path, monkeypatch):
    from toolkit.parity import fixtures

    raw = json.loads(GOLDEN.read_text())
    raw.pop("expected")
    fixture = tmp_path / "case.json"
    fixture.write_text(json.dumps(raw))
    before = fixture.read_bytes()
    _fail_at(monkeypatch, "replace")
    result = invoke("parity", "record", fixture)
    assert result.exit_code == 1 and "cannot write the file" in result.stdout
    assert fixture.read_bytes() == before and len(_names(tmp_path)) == 1
    monkeypatch.undo()
    assert invoke("parity", "record", fixture).exit_code == 0
    assert "expected" in fixtures.load_fixture(fixture).raw


@pytest.mark.parametrize("args", [["simulate", "{trace}", "--out", "/dev/full"],
                                  ["simulate", "{trace}", "-o", "/dev/full"],
                                  ["lint", str(FIXTURES / "good" / "minimal.yaml"), "-o", "/dev/full"]])
def test_a_full_disk_is_a_one_line_error(tmp_path, args):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    trace = tmp_path / "t.jsonl"
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    result = invoke(*[a.replace("{trace}", str(trace)) for a in args])
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert os.path.exists("/dev/full") and not Path("/dev/full").is_file()  # never renamed over


def test_a_file_name_near_255_bytes_is_written_atomically(tmp_path):
    name = "r" * 250 + ".json"
    result = invoke("lint", FIXTURES / "good" / "minimal.yaml", "--format", "json", "-o", tmp_path / name)
    assert result.exit_code == 0 and json.loads((tmp_path / name).read_text()) is not None
    trace = tmp_path / ("t" * 249 + ".jsonl")
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    assert invoke("simulate", "record", trace, "-o", tmp_path / ("b" * 249 + ".jsonl")).exit_code == 0
    fixture = tmp_path / ("f" * 250 + ".json")
    fixture.write_text(GOLDEN.read_text())
    assert invoke("parity", fixture).exit_code == 0
    assert invoke("lint", tmp_path / ("x" * 300 + ".yaml")).exit_code == 2  # too long: a finding, no traceback


# -- 2. nothing hangs, nothing grows ---------------------------------------------------------------------------------


@pytest.fixture()
def fifo(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("args", [
    ["lint", "{p}"], ["simulate", "{p}"], ["eval", "--tool", "Read", "--input", "@{p}"],
    ["eval", "--tool", "Read", "--input", "{{}}", "--task-settings", "@{p}"],
    ["eval", "--tool", "Read", "--input", "{{}}", "--blueprint", "{p}"], ["parity", "{p}", "--no-policies"],
    ["lint", "--config", "{p}", str(FIXTURES / "good" / "minimal.yaml")],
    ["sync", "constants", "--contract", "{p}", "--python", str(LIMITS_PY)], ["sync", "constants", "--python", "{p}"],
    ["test", "{p}", "--no-wasm"],
])
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_fifos_and_devices_are_refused_unread(tmp_path, args, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.json"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    start = time.monotonic()
    done = _main(*[a.replace("{p}", str(path)).replace("{{}}", "{}") for a in args], timeout=60)
    assert time.monotonic() - start < 30
    assert done.returncode in (1, 2) and b"Traceback" not in done.stderr, done.stderr[-400:]
    assert b"not a regular file" in done.stdout + done.stderr or b"FIFO" in done.stdout + done.stderr \
        or b"device" in done.stdout + done.stderr


def test_simulate_baseline_fifo_is_refused(tmp_path, fifo):
    trace = tmp_path / "t.jsonl"
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    result = invoke("simulate", trace, "--baseline", fifo)
    assert result.exit_code == 2 and "FIFO" in result.stderr


@pytest.mark.parametrize("args", [["eval", "--tool", "Bash", "--input", "-"], ["lint", "-"], ["simulate", "-"]])
def test_dev_zero_as_stdin_is_refused_quickly_with_bounded_memory(args):
    with open("/dev/zero", "rb") as zero:
        start = time.monotonic()
        done = _main(*args, stdin=zero, timeout=60)
    assert time.monotonic() - start < 20 and done.returncode in (1, 2)
    assert b"Traceback" not in done.stderr
    assert any(word in done.stderr + done.stdout for word in (b"limit", b"max-file-bytes", b"refused"))


def test_stdin_that_is_a_directory_is_a_clear_error(tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        class DirectoryStdin:
            def fileno(self) -> int:
                return fd

            def read(self, n: int) -> bytes:  # pragma: no cover - refused before
                return os.read(fd, n)

        with pytest.raises(safeio.NotRegularFile, match="stdin is a directory"):
            safeio.read_stdin(100, DirectoryStdin())
    finally:
        os.close(fd)
    # A whole process with a directory as stdin is refused by the Python interpreter itself before any
    # toolkit code runs (exit 1, "<stdin> is a directory, cannot continue"): a clear message, no traceback.
    with open(tmp_path, "rb") if False else open(os.devnull, "rb") as _:
        pass


# -- 3. numbers are data ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    (HUGE, "5,000 digits"), ("18446744073709551616", "64-bit range"), ("NaN", "not a JSON number"),
    ("1e400", "finite"),
])
def test_eval_refuses_numbers_no_engine_carries(value, message):
    result = invoke("eval", "--tool", "Read", "--input", '{"file_path": "a", "n": ' + value + "}")
    assert result.exit_code == 1 and message in result.stderr and "--input:1:" in result.stderr


def test_the_engine_denies_an_integer_it_cannot_carry_fail_closed(builtin_bundle):
    from toolkit.contract import load_constants
    from toolkit.engine import Gate

    gate = Gate(*builtin_bundle) if isinstance(builtin_bundle, tuple) else Gate(builtin_bundle, load_constants())
    for value in (10**5000, 2**63, -(2**63) - 1, [1, {"x": 2**70}]):
        decision = gate.evaluate("Read", {"file_path": "a", "n": value})
        assert decision.outcome == "deny" and decision.fail_closed
        json.dumps(decision.to_json())  # the record can always be written
    assert gate.evaluate("Read", {"file_path": "a", "n": 2**63 - 1}).outcome == "allow"


def test_simulate_parity_and_sync_refuse_huge_integers(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n" + '{"t": 1, "tool_name": "Read", '
                     '"tool_input": {"file_path": "a", "n": ' + HUGE + "}}\n")
    result = invoke("simulate", trace)
    assert result.exit_code == 2 and "t.jsonl:2:" in result.stderr and "digits" in result.stderr
    fixture = tmp_path / "f.json"
    fixture.write_text(GOLDEN.read_text().replace('"new_task"', HUGE, 1))
    result = invoke("parity", fixture)
    assert result.exit_code == 2 and "f.json:" in result.stderr and "64-bit" in result.stderr
    contract = tmp_path / "c.json"
    for text, fragment in [('{"a": {"min": 1, "max": ' + HUGE + "}}", "digits"),
                           ('{"a": {"min": 1, "max": NaN}}', "NaN"),
                           ('{"a": {"min": 1, "max": 2},\n "a": {"min": 1, "max": 3}}', "duplicate key")]:
        contract.write_text(text)
        result = invoke("sync", "constants", "--contract", contract, "--python", LIMITS_PY)
        assert result.exit_code == 2 and fragment in result.stderr and "c.json:" in result.stderr


@pytest.mark.parametrize(("toml", "fragment"), [
    ("[parity]\ntimeout-s = nan\n", "parity.timeout-s"), ("[parity]\ntimeout-s = inf\n", "parity.timeout-s"),
    (f"max-file-bytes = {HUGE}\n", "too long"), ("max-file-bytes = 99999999999999999999\n", "64-bit"),
])
def test_configuration_numbers_that_are_not_settings(tmp_path, toml, fragment):
    config = tmp_path / "cedar-gates.toml"
    config.write_text(toml)
    result = invoke("lint", "--config", config, FIXTURES / "good" / "minimal.yaml")
    assert result.exit_code == 2 and fragment in result.stderr and "cedar-gates.toml:" in result.stderr


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e309"])
def test_parity_timeout_must_be_finite(value):
    result = invoke("parity", "--timeout", value, str(GOLDEN))
    assert result.exit_code == 2 and "--timeout" in result.output


@pytest.mark.parametrize("value", ["0b101", "1:30", ".nan", ".inf", "0x1f", "017", "1_0"])
def test_yaml_1_1_numbers_are_findings_not_settings(tmp_path, value):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text(f"security:\n  approvalGateCap: {value}\n")
    result = invoke("lint", blueprint)
    assert result.exit_code == 1 and "b.yaml:2:20: CG002" in result.stdout and "YAML 1.1" in result.stdout


@pytest.mark.parametrize(("where", "text"), [
    ("--input", '{"file_path": "a", "file_path": "b"}'),
    ("--task-settings", '{"gate_cap": 5, "gate_cap": 500}'),
])
def test_duplicate_keys_in_eval_json_are_errors(where, text):
    args = ["eval", "--tool", "Read", "--input", '{"file_path": "a"}', where, text]
    result = invoke(*args)
    assert result.exit_code == 1 and "duplicate key" in result.stderr and f"{where}:1:" in result.stderr


def test_duplicate_keys_in_fixtures_traces_baselines_and_blueprints(tmp_path):
    fixture = tmp_path / "f.json"
    fixture.write_text(GOLDEN.read_text().replace('"name":', '"name": "x", "name":', 1))
    result = invoke("parity", fixture)
    assert result.exit_code == 2 and "duplicate key 'name'" in result.stderr
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"t": 0, "tool_name": "Read", "tool_name": "Bash", "tool_input": {"file_path": "a"}}\n')
    result = invoke("simulate", trace)
    assert result.exit_code == 2 and "t.jsonl:1:" in result.stderr and "duplicate key" in result.stderr
    trace.write_text(call(0, "Read", {"file_path": "a"}) + "\n")
    baseline = tmp_path / "b.jsonl"
    baseline.write_text('{"line": 1, "line": 2}\n')
    result = invoke("simulate", trace, "--baseline", baseline)
    assert result.exit_code == 2 and "duplicate key" in result.stderr
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text("security:\n  approvalGateCap: 5\n  approvalGateCap: 50\n")
    assert "duplicate key" in invoke("lint", blueprint).stdout


def test_lone_surrogates_in_a_fixture_are_refused_with_the_place(tmp_path):
    fixture = tmp_path / "f.json"
    fixture.write_text(GOLDEN.read_text().replace('"new_task"', '"new\\ud800task"', 1))
    result = invoke("parity", fixture)
    assert result.exit_code == 2 and "lone surrogate" in result.stderr and "f.json:8:" in result.stderr
    fixture.write_text(GOLDEN.read_text().replace('"new_task"', '"new\\ud83d\\ude00task"', 1))  # a proper pair
    assert invoke("parity", fixture).exit_code in (0, 1)


# -- 4. signals and pipes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_termination_signal_ends_cleanly_and_leaves_the_old_file(tmp_path, signum):
    trace = tmp_path / "t.jsonl"
    trace.write_text("".join(call(i, "Read", {"file_path": f"f{i}"}) + "\n" for i in range(200_000)))
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    code = "import sys; from toolkit.cli import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "simulate", str(trace), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum
    assert err.decode().strip().count("\n") == 0 and "stopped by SIG" in err.decode()
    assert out.read_text() == "old\n"
    assert _names(tmp_path) == ["out.jsonl", "t.jsonl"]


def test_a_closed_pipe_ends_quietly():
    code = "import sys; from toolkit.cli import main; sys.argv = ['cedar-gates', *sys.argv[1:]]; main()"
    producer = subprocess.Popen([sys.executable, "-c", code, "parity", "fuzz", "--cases", "400", "--format", "json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    producer.stdout.read(10)
    producer.stdout.close()
    err = producer.stderr.read()
    producer.wait(timeout=60)
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert producer.returncode in (0, 1, 141)


# -- 5. generated hostile inputs of every kind -----------------------------------------------------------------------

hostile_numbers = st.sampled_from([HUGE, "-" + HUGE, "9223372036854775808", "-9223372036854775809", "1e400"])
hostile_texts = st.sampled_from(["\\ud800", "\\udfff x", "a\\u0000b", "\u2028", "\ufeff"])
safe_leaves = st.one_of(st.integers(-1000, 1000), st.text(max_size=8), st.booleans(), st.none())


@st.composite
def json_with_hostile_leaf(draw, base: dict) -> tuple[str, bool]:
    """A JSON text from `base` with one hostile number, duplicate key or text: (text, must_be_refused)."""
    text = json.dumps(base)
    kind = draw(st.sampled_from(["number", "duplicate", "text"]))
    if kind == "number":
        return text[:-1] + f', "hostile": {draw(hostile_numbers)}}}', True
    if kind == "duplicate":
        key = draw(st.sampled_from(sorted(base)))
        return text[:-1] + f", {json.dumps(key)}: {json.dumps(draw(safe_leaves))}}}", True
    return text[:-1] + f', "note": "{draw(hostile_texts)}"}}', False


def _no_silent_pass(result, refused: bool, allowed: set[int]) -> None:
    assert result.exit_code in allowed, result.output[-300:]
    if refused:
        assert result.exit_code != 0, "a hostile value passed silently"


@FAST
@given(case=json_with_hostile_leaf({"file_path": "a", "content": "x"}))
def test_property_eval_inputs_and_task_settings(case):
    text, refused = case
    result = invoke("eval", "--tool", "Write", "--input", text)
    _no_silent_pass(result, refused, {0, 1, 2, 3})
    if refused:
        assert result.exit_code == 1
    result = invoke("eval", "--tool", "Read", "--input", '{"file_path": "a"}', "--task-settings",
                    text.replace('"file_path": "a", "content": "x"', '"read_only": false'))
    assert result.exit_code in (0, 1, 2, 3)


@FAST
@given(case=json_with_hostile_leaf({"t": 0, "tool_name": "Read", "tool_input": {"file_path": "a"}}))
def test_property_trace_lines(tmp_path, case):
    text, refused = case
    trace = tmp_path / "t.jsonl"
    trace.write_text(text + "\n")
    result = invoke("simulate", trace)
    _no_silent_pass(result, refused and '"hostile"' not in text, {0, 1, 2})


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=json_with_hostile_leaf(json.loads(GOLDEN.read_text())))
def test_property_parity_fixtures(tmp_path, case):
    text, refused = case
    fixture = tmp_path / "f.json"
    fixture.write_text(text)
    result = invoke("parity", fixture)
    _no_silent_pass(result, refused or "\\ud" in text, {0, 1, 2})


@FAST
@given(case=json_with_hostile_leaf({"limit": {"min": 1, "max": 10, "default": 5}}))
def test_property_sync_contracts(tmp_path, case):
    text, refused = case
    contract = tmp_path / "c.json"
    contract.write_text(text)
    result = invoke("sync", "constants", "--contract", contract, "--python", LIMITS_PY)
    _no_silent_pass(result, refused, {0, 1, 2})


toml_values = st.one_of(st.sampled_from(["nan", "inf", "-inf", "+nan", HUGE, "99999999999999999999"]),
                        st.integers(1, 10**6).map(str))


@FAST
@given(key=st.sampled_from(["max-file-bytes", "parity.timeout-s", "test.min-coverage"]), value=toml_values)
def test_property_configuration_toml(tmp_path, key, value):
    table, _, leaf = key.rpartition(".")
    config = tmp_path / "cedar-gates.toml"
    config.write_text((f"[{table}]\n" if table else "") + f"{leaf} = {value}\n")
    result = invoke("lint", "--config", config, FIXTURES / "good" / "minimal.yaml")
    hostile = value in ("nan", "inf", "-inf", "+nan", HUGE, "99999999999999999999")
    _no_silent_pass(result, hostile, {0, 1, 2})


yaml_numbers = st.sampled_from(["0b101", "1:30", ".nan", ".inf", "-.inf", "0x1f", "017", "1_000", HUGE,
                                "99999999999999999999", "10", "'1:30'"])


@FAST
@given(key=st.sampled_from(["approvalGateCap", "maxPreApprovalScope", "cedarPolicies"]), value=yaml_numbers)
def test_property_blueprint_yaml(tmp_path, key, value):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text(f"security:\n  {key}: {value}\n")
    result = invoke("lint", blueprint)
    _no_silent_pass(result, value != "10", {0, 1, 2})


@FAST
@given(tokens=st.lists(st.sampled_from(["forbid (principal, action, resource)", "when {", "}", ";", HUGE,
                                         "9223372036854775808", "context.n ==", "(" * 50, ")" * 50, "\"\\ud800\"",
                                         '@rule_id("r")', '@tier("soft")']), max_size=12))
def test_property_cedar_files(tmp_path, tokens):
    policy = tmp_path / "p.cedar"
    policy.write_text(" ".join(tokens), encoding="utf-8")
    assert invoke("lint", policy).exit_code in (0, 1, 2)


def test_jsontext_never_raises_anything_but_its_errors():
    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet='{}[]":,0123456789-eE.NaIfinity \\ud', max_size=60))
    def check(text):
        try:
            jsontext.loads(text, lone_surrogates=False)
        except (jsontext.JsonValueError, json.JSONDecodeError, RecursionError):
            pass

    check()
