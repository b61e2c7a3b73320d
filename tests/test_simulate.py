"""Trace replay through the public CLI and services: fixtures, expectations, baselines, diff, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.policyset import load_policies
from toolkit.jsonschema_check import validate
from toolkit.simulate import Respond, simulate
from toolkit.simulate.claude import relativise

from .conftest import ENGINE_FIXTURES, REPO

TRACES = REPO / "fixtures" / "traces"
NATIVE = sorted(p for p in TRACES.glob("*.jsonl") if not p.name.endswith(".expected.jsonl")
                and not p.name.startswith("claude"))
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write_trace(path: Path, *lines: object, header: dict | None = None, raw_tail: str = "") -> Path:
    items = ([{"trace": 1, **header}] if header is not None else []) + list(lines)
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in items) + raw_tail)
    return path


def call(t: float, tool: str, tool_input: dict, **extra) -> dict:
    return {"t": t, "tool_name": tool, "tool_input": tool_input, **extra}


@pytest.mark.parametrize("trace", NATIVE + [TRACES / "claude-session.jsonl"], ids=lambda p: p.name)
def test_example_traces_meet_their_expectations_and_baselines(trace):
    args = ["simulate", str(trace)]
    baseline = trace.with_name(trace.name.replace(".jsonl", ".expected.jsonl"))
    if baseline.exists():
        args += ["--baseline", str(baseline)]
    result = run(*args)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.rstrip().endswith("PASS")


@pytest.mark.parametrize("trace", NATIVE, ids=lambda p: p.name)
def test_example_traces_follow_the_schema_and_carry_expectations(trace):
    lines = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
    for line in lines:
        assert validate(line, "trace.schema.json") == []
    assert all("expect" in line for line in lines if "tool_name" in line)


def test_runaway_loop_hits_the_rate_limit_then_the_gate_cap():
    data = json.loads(run("simulate", str(TRACES / "runaway-loop.jsonl"), "--format", "json").stdout)
    summary = data["summary"]
    assert summary["rate_limit_hits"] == 10 and summary["gate_cap_hits"] == 5
    assert summary["gates_per_rule"] == {"write_env_files": 25}
    assert summary["approvals_by_scope"] == {"this_call": 25}


def test_summary_counts_every_kind_of_event():
    data = json.loads(run("simulate", str(TRACES / "coding-session.jsonl"), "-f", "json").stdout)["summary"]
    assert data["calls"] == 15
    assert data["outcomes"] == {"allow": 7, "deny": 4, "require_approval": 4}
    assert data["human_denials"] == 1 and data["timeouts"] == 1
    assert data["cache_hits"] == {"input": 1, "rule": 1}
    assert data["approvals_by_scope"] == {"this_call": 1, "bash_pattern:git push --force origin feature/*": 1}
    assert data["virtual_duration_s"] == 710.0
    assert data["fail_closed"] == 0


def test_out_writes_one_decision_record_per_call(tmp_path):
    out = tmp_path / "decisions.jsonl"
    assert run("simulate", str(TRACES / "coding-session.jsonl"), "--out", str(out)).exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 15
    assert records[3]["decision"]["soft_rule_ids"] == ["write_env_files"]
    assert records[3]["resolution"]["scope"] == "this_call"
    assert [r["line"] for r in records] == sorted(r["line"] for r in records)


def test_expectation_mismatches_name_the_line_and_exit_1(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl",
                        call(0, "Bash", {"command": "ls"}, expect={"outcome": "deny"}),
                        call(1, "Write", {"file_path": ".env"}, expect={"rule_ids": ["write_credentials"],
                                                                          "final": "allow"}))
    result = run("simulate", str(trace))
    assert result.exit_code == 1
    assert f"{trace}:1: outcome is allow, expected deny" in result.stdout
    assert f"{trace}:2: rule ids are [write_env_files], expected [write_credentials]" in result.stdout
    assert f"{trace}:2: final outcome is deny, expected allow" in result.stdout
    junit = run("simulate", str(trace), "--format", "junit").stdout
    assert junit.count("<failure") == 3


def test_responses_and_default_responder_shape_later_decisions(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl",
                        call(0, "Bash", {"command": "git push -f"}, respond={"answer": "approve",
                                                                             "scope": "tool_type_session"}),
                        call(5, "Bash", {"command": "git push -f origin x"}, expect={"stage": "allowlist"}),
                        call(6, "Write", {"file_path": ".env"}),
                        call(7, "Write", {"file_path": ".env"}, expect={"stage": "input_cache"}),
                        call(8, "Write", {"file_path": "a/.env"}, expect={"stage": "rule_cache"}))
    assert run("simulate", str(trace), "--respond", "deny").exit_code == 0
    # with the default responder (timeout) the gate waits 300 s, so the caches have expired by then
    result = run("simulate", str(trace))
    assert result.exit_code == 1 and "decided at stage approval, expected rule_cache" in result.stdout


def test_an_answer_after_the_timeout_is_a_timeout(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl",
                        call(0, "Write", {"file_path": ".env"}, respond={"answer": "approve", "after_s": 301},
                             expect={"final": "deny"}), header={"task": {"approval_timeout_s": 300}})
    data = json.loads(run("simulate", str(trace), "-f", "json").stdout)
    assert data["summary"]["late_answers"] == 1 and data["exit_code"] == 0


def test_record_then_check_a_baseline(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Bash", {"command": "git push --force origin main"}),
                        call(9, "Read", {"file_path": "x"}))
    baseline = tmp_path / "t.expected.jsonl"
    result = run("simulate", "record", str(trace), "-o", str(baseline))
    assert result.exit_code == 0 and "recorded 2 calls" in result.stdout
    assert run("simulate", str(trace), "--baseline", str(baseline)).exit_code == 0
    changed = run("simulate", str(trace), "--baseline", str(baseline), "-b", str(ENGINE_FIXTURES / "review.yaml"))
    assert changed.exit_code == 1
    assert 'baseline: rule_ids was ["force_push_any", "force_push_main", "push_to_protected_branch"], now ' \
           '["force_push_main", "push_to_protected_branch"]' in changed.stdout
    longer = write_trace(tmp_path / "t.jsonl", call(0, "Bash", {"command": "git push --force origin main"}),
                         call(9, "Read", {"file_path": "x"}), call(10, "Read", {"file_path": "y"}))
    assert "the baseline ends before this call" in run("simulate", str(longer), "--baseline", str(baseline)).stdout


def test_unreadable_baseline_is_an_input_error(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Read", {"file_path": "x"}))
    bad = tmp_path / "b.jsonl"
    bad.write_text("{nope\n")
    result = run("simulate", str(trace), "--baseline", str(bad))
    assert result.exit_code == 2 and f"{bad}:1:2: not valid JSON" in result.stderr
    result = run("simulate", str(trace), "--baseline", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2 and "simulate record" in result.stderr


def test_record_refuses_a_trace_with_bad_lines(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Read", {"file_path": "x"}), "{broken")
    out = tmp_path / "b.jsonl"
    result = run("simulate", "record", str(trace), "-o", str(out))
    assert result.exit_code == 2 and ":2:" in result.stderr and not out.exists()


def test_diff_lists_changed_calls_grouped_by_rule(tmp_path):
    blueprint = tmp_path / "candidate.yaml"
    blueprint.write_text("security:\n  approvalGateCap: 50\n  cedarPolicies:\n    disable: [write_env_files]\n")
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Write", {"file_path": ".env"}),
                        call(400, "Write", {"file_path": "x/.env.prod"}), call(800, "Read", {"file_path": "x"}))
    result = run("simulate", "diff", str(trace), "--candidate-blueprint", str(blueprint))
    assert result.exit_code == 0
    assert "2 of 3 call(s) change" in result.stdout and "write_env_files: 2 call(s)" in result.stdout
    assert 'outcome "require_approval" -> "allow"' in result.stdout
    assert run("simulate", "diff", str(trace), "--candidate-blueprint", str(blueprint), "--fail-on-change").exit_code == 1
    same = run("simulate", "diff", str(trace), "--fail-on-change", "--format", "json")
    assert same.exit_code == 0 and json.loads(same.stdout)["changed"] == 0


BAD_LINES = {
    "malformed json": ("{not json}\n", "not valid JSON at column 2"),
    "unknown tool": (json.dumps(call(0, "Frobnicate", {})) + "\n", "unknown tool 'Frobnicate'"),
    "missing fields": (json.dumps({"t": 0, "tool_name": "Bash"}) + "\n", "missing field(s): tool_input"),
    "bad time": (json.dumps(call(-1, "Read", {})) + "\n", "t must be a number of seconds >= 0"),
    "invalid scope": (json.dumps(call(0, "Read", {}, respond={"answer": "approve", "scope": "bash_pattern:*"}))
                      + "\n", "degenerate"),
    "scope with deny": (json.dumps(call(0, "Read", {}, respond={"answer": "deny", "scope": "this_call"})) + "\n",
                        "respond.scope only goes with"),
    "bad expect": (json.dumps(call(0, "Read", {}, expect={"outcome": "maybe"})) + "\n", "expect.outcome"),
    "unknown field": (json.dumps(call(0, "Read", {}, extra=1)) + "\n", "unknown field(s) 'extra'"),
    "input not object": (json.dumps(call(0, "Read", [])) + "\n", "tool_input must be a JSON object"),
    "late header": (json.dumps({"trace": 1}) + "\n", "a header may only be the first line"),
    "truncated": ('{"t": 9, "tool_name": "Re', "the last line is cut off"),
    "not utf-8": (b"\xff\xfe\n".decode("latin-1"), "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_lines_stop_the_replay_with_their_line_number(tmp_path, case):
    text, message = BAD_LINES[case]
    trace = tmp_path / "t.jsonl"
    good = json.dumps(call(0, "Read", {"file_path": "a"})) + "\n"
    trace.write_bytes(good.encode() + (text.encode("latin-1") if case == "not utf-8" else text.encode()))
    result = run("simulate", str(trace))
    assert result.exit_code == 2, result.stdout
    assert f"{trace}:2: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    skipped = run("simulate", str(trace), "--skip-bad-lines", "-f", "json")
    data = json.loads(skipped.stdout)
    assert skipped.exit_code == 1 and data["summary"]["calls"] == 1 and data["bad_lines"][0]["line"] == 2


def test_non_monotonic_timestamps_and_uncovering_scopes_are_bad_lines(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", call(10, "Read", {}), call(5, "Read", {}),
                        call(20, "Bash", {"command": "git push -f"}, respond={"answer": "approve",
                                                                              "scope": "tool_type:Write"}))
    result = run("simulate", str(trace), "--skip-bad-lines")
    assert result.exit_code == 1
    assert f"{trace}:2: t = 5 is earlier than the previous call's t = 10.0" in result.stdout
    assert f"{trace}:3: respond.scope 'tool_type:Write'" in result.stdout


def test_a_bad_header_stops_even_when_skipping(tmp_path):
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Read", {}), header={"task": {"gate_cap": "lots"}})
    result = run("simulate", str(trace), "--skip-bad-lines")
    assert result.exit_code == 2 and "gate_cap: must be an integer" in result.stderr
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Read", {}),
                        header={"task": {"initial_approvals": ["rule:rm_slash"]}})
    assert "hard rules cannot be pre-approved" in run("simulate", str(trace)).stderr


def test_missing_trace_and_unusable_blueprint_exit_2(tmp_path):
    result = run("simulate", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2 and "cannot read the trace" in result.stderr
    trace = write_trace(tmp_path / "t.jsonl", call(0, "Read", {}))
    result = run("simulate", str(trace), "-b", str(REPO / "fixtures/blueprints/bad/CG010-missing-tier.yaml"))
    assert result.exit_code == 2 and "CG010" in result.stderr


def test_claude_transcripts_become_calls_relative_to_cwd(tmp_path):
    data = json.loads(run("simulate", str(TRACES / "claude-session.jsonl"), "-f", "json",
                          "--input-format", "claude").stdout)
    assert data["summary"]["calls"] == 6
    assert data["summary"]["virtual_duration_s"] == 915.5  # first tool use at t=0, three 300 s timeouts, last at 15.5
    assert relativise({"file_path": "/home/dev/acme/src/a.py"}, "/home/dev/acme") == {"file_path": "src/a.py"}
    assert relativise({"file_path": "/home/dev/acmex/a.py"}, "/home/dev/acme") == {"file_path": "/home/dev/acmex/a.py"}
    assert relativise({"path": "/etc/passwd"}, "/home/dev/acme") == {"path": "/etc/passwd"}


def test_claude_tool_use_without_timestamp_is_a_bad_line(tmp_path):
    trace = tmp_path / "c.jsonl"
    trace.write_text(json.dumps({"type": "assistant", "message": {"content": [
        {"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "x"}}]}}) + "\n")
    result = run("simulate", str(trace))
    assert result.exit_code == 2 and "no ISO 8601 `timestamp`" in result.stderr


def test_check_replays_configured_traces_against_baselines(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text(f'blueprints = []\n[simulate]\ntraces = ["{TRACES}/*.jsonl"]\n')
    result = run("check", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 0, result.stdout
    assert re.search(r"simulate +PASS +5 trace\(s\) \(2 with a baseline\)", result.stdout)
    broken = write_trace(tmp_path / "b.jsonl", call(0, "Read", {"file_path": "x"}, expect={"outcome": "deny"}))
    (tmp_path / "cedar-gates.toml").write_text(f'blueprints = []\n[simulate]\ntraces = ["{broken}"]\n')
    result = run("check", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 1 and "outcome is allow, expected deny" in result.stdout


def test_configured_trace_pattern_that_matches_nothing_is_a_config_error(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text('[simulate]\ntraces = ["none/*.jsonl"]\n')
    result = run("check", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 2 and "matches no trace file" in result.stderr


@pytest.fixture(scope="module")
def bundle_pair():
    return load_policies()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_property_arbitrary_bytes_never_raise(tmp_path, bundle_pair, data):
    trace = tmp_path / "fuzz.jsonl"
    trace.write_bytes(data)
    bundle, constants = bundle_pair
    report = simulate(trace, bundle, constants, default=Respond("timeout"), skip_bad_lines=True)
    assert report.exit_code in (0, 1, 2)
    assert report.summary.calls + report.summary.bad_line_count <= data.count(b"\n") + 1


LINE = st.fixed_dictionaries(
    {"t": st.one_of(st.integers(-5, 500), st.floats(allow_nan=True)), "tool_name": st.sampled_from(
        ["Bash", "Write", "Read", "Nope", "", "mcp__x__y"]),
     "tool_input": st.one_of(st.dictionaries(st.sampled_from(["command", "file_path", "x"]),
                                             st.one_of(st.text(max_size=20), st.integers())), st.integers())},
    optional={"respond": st.one_of(st.sampled_from(["approve", "deny", "timeout", "maybe"]), st.fixed_dictionaries(
        {"answer": st.sampled_from(["approve", "deny", "timeout"])},
        optional={"scope": st.text(max_size=30), "after_s": st.floats(-1, 1000)})),
        "expect": st.fixed_dictionaries({}, optional={"outcome": st.sampled_from(["allow", "deny", "x"])})},
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=12))
def test_property_generated_traces_give_results_or_bad_lines(tmp_path, bundle_pair, lines):
    trace = tmp_path / "gen.jsonl"
    trace.write_text("".join(json.dumps(line) + "\n" for line in lines))
    bundle, constants = bundle_pair
    report = simulate(trace, bundle, constants, default=Respond("approve"), skip_bad_lines=True)
    assert report.summary.calls + report.summary.bad_line_count >= len(lines) - 0
