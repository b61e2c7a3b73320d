"""Real Claude Code transcript shapes replay: unknown tools, sub-agent streams, damaged lines, Windows, no calls."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.engine import TaskSettingsError
from toolkit.policyset import load_policies
from toolkit.simulate import Respond
from toolkit.simulate.session import simulate_items
from toolkit.simulate.sources import Note, Stream, streams
from toolkit.simulate.trace import MAX_LINE_BYTES, BadLine, TraceCall, TraceHeader

from .conftest import REPO

SHAPES = REPO / "fixtures" / "transcripts"
SESSION_21 = SHAPES / "session-2.1" / "5a8e0c3b-7f21-4b9d-8c6e-1d2f3a4b5c6d.jsonl"
AGENT_21 = SHAPES / "session-2.1" / "5a8e0c3b-7f21-4b9d-8c6e-1d2f3a4b5c6d" / "subagents" / "agent-9d3c2b1a.jsonl"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def policies():
    return load_policies()


def records(path: Path, constants, **kwargs) -> dict[str, list]:
    return {s.label: list(s.records()) for s in streams(path, constants, **kwargs)}


def calls(items: list) -> list[TraceCall]:
    return [r for r in items if isinstance(r, TraceCall)]


def notes(items: list, kind: str) -> list[Note]:
    return [r for r in items if isinstance(r, Note) and r.kind == kind]


def decisions(path: Path, policies, **kwargs) -> list[tuple[str, str, str, tuple[str, ...]]]:
    bundle, constants = policies
    out: list = []
    for stream in streams(path, constants, **kwargs):
        report = simulate_items(stream.label, stream.records(), bundle, constants, default=Respond("timeout"),
                                observe=lambda r, s=stream: out.append((s.label, r.tool_name, r.decision.outcome,
                                                                        r.decision.rule_ids)))
        assert report.stopped is None, report.stopped
    return out


@pytest.mark.parametrize("name", ["unknown-tools", "sidechains-1.0", "messages-only", "damaged", "windows",
                                  "agent-4f7e2a10"])
def test_every_real_transcript_shape_replays_from_the_cli(name):
    result = run("simulate", "run", str(SHAPES / f"{name}.jsonl"), "-f", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["stopped"] is None and data["bad_lines"] == []


def test_unknown_tools_replay_as_generic_calls_noted_once_per_call(policies):
    _, constants = policies
    [items] = records(SHAPES / "unknown-tools.jsonl", constants).values()
    assert [c.tool_name for c in calls(items)] == ["EnterPlanMode", "Bash", "TaskOutput", "KillBash", "HoloDeploy",
                                                   "HoloDeploy", "Write"]
    assert [(n.line, n.detail) for n in notes(items, "unknown_tool")] == [(8, "HoloDeploy"), (10, "HoloDeploy")]
    assert "unknown tool 'HoloDeploy' replayed" in notes(items, "unknown_tool")[0].message


def test_tool_level_rules_decide_unknown_tools(tmp_path, policies):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text("""security:
  approvalGateCap: 50
  cedarPolicies:
    soft: |
      @tier("soft")
      @rule_id("holo_deploy")
      @approval_timeout_s("60")
      forbid (principal, action == Agent::Action::"invoke_tool", resource == Agent::Tool::"HoloDeploy");
""")
    out = tmp_path / "decisions.jsonl"
    result = run("simulate", "run", str(SHAPES / "unknown-tools.jsonl"), "-b", str(blueprint), "--out", str(out))
    assert result.exit_code == 0, result.stdout
    gated = [(r["tool_name"], r["decision"]["outcome"], r["decision"]["soft_rule_ids"])
             for r in map(json.loads, out.read_text().splitlines()) if r["tool_name"] == "HoloDeploy"]
    assert gated == [("HoloDeploy", "require_approval", ["holo_deploy"])] * 2


def test_sidechains_in_a_1_0_main_file_are_streams_of_their_own_each_in_time_order(policies):
    _, constants = policies
    found = records(SHAPES / "sidechains-1.0.jsonl", constants)
    assert list(found) == ["sidechains-1.0", "sidechains-1.0/agent-bbbb1111", "sidechains-1.0/agent-cccc2221"]
    tools = {label: [c.tool_name for c in calls(items)] for label, items in found.items()}
    assert tools == {"sidechains-1.0": ["Task", "Task", "Edit"],
                     "sidechains-1.0/agent-bbbb1111": ["Grep", "Bash"],
                     "sidechains-1.0/agent-cccc2221": ["Glob", "Read", "Bash"]}
    for items in found.values():
        times = [c.t for c in calls(items)]
        assert times == sorted(times) and times[0] == 0.0
        assert not [r for r in items if isinstance(r, BadLine) or isinstance(r, Note) and r.kind != "no_tool_calls"]
        assert isinstance(items[0], TraceHeader) and items[0].task.cwd == "/home/dev/shop"
    assert [(c.line, c.t) for c in calls(found["sidechains-1.0/agent-cccc2221"])] == [(11, 0.0), (13, 21.0), (15, 46.0)]
    assert [c.line for c in calls(found["sidechains-1.0"])] == [3, 3, 19]


def test_a_damaged_line_among_sub_agents_is_counted_once_with_its_number(tmp_path, policies):
    _, constants = policies
    lines = (SHAPES / "sidechains-1.0.jsonl").read_bytes().splitlines(keepends=True)
    damaged = tmp_path / "s.jsonl"
    huge = b'{"type": "assistant", "x": "' + b"y" * (MAX_LINE_BYTES + 10) + b'"}\n'
    damaged.write_bytes(b"".join(lines[:9] + [b"\x89PNG garbage\n", b"\n", huge] + lines[9:]))
    found = records(damaged, constants)
    assert len(found) == 3
    skipped = [(label, n.line) for label, items in found.items() for n in notes(items, "skipped_line")]
    assert skipped == [("s", 10), ("s", 12)]
    assert [c.line for c in calls(found["s/agent-cccc2221"])] == [14, 16, 18]
    agents_only = tmp_path / "agents.jsonl"
    agents_only.write_bytes(b"".join(lines[3:9] + [b"{broken\n"] + lines[9:17]))
    found = records(agents_only, constants)
    assert list(found) == ["0e6b1a7d-52c4-4d8e-b1f3-9a2c6d4e8f10/agent-bbbb1111",
                           "0e6b1a7d-52c4-4d8e-b1f3-9a2c6d4e8f10/agent-cccc2221"]
    skipped = [(label, n.line) for label, items in found.items() for n in notes(items, "skipped_line")]
    assert skipped == [("0e6b1a7d-52c4-4d8e-b1f3-9a2c6d4e8f10/agent-bbbb1111", 7)]
    assert [c.line for c in calls(found["0e6b1a7d-52c4-4d8e-b1f3-9a2c6d4e8f10/agent-cccc2221"])] == [9, 11, 13]


def test_the_whole_1_0_session_replays_with_each_agent_gated_on_its_own(policies):
    replayed = decisions(SHAPES / "sidechains-1.0.jsonl", policies)
    assert len(replayed) == 8
    pushes = [d for d in replayed if d[1] == "Bash" and d[2] == "require_approval"]
    assert [p[0] for p in pushes] == ["sidechains-1.0/agent-cccc2221"]
    result = run("simulate", "run", str(SHAPES / "sidechains-1.0.jsonl"), "-f", "json")
    assert json.loads(result.stdout)["summary"]["calls"] == 8


def test_sub_agent_files_are_labelled_with_their_session_and_agent(policies):
    _, constants = policies
    assert [(s.label, s.agent) for s in streams(AGENT_21, constants)] == [
        ("5a8e0c3b-7f21-4b9d-8c6e-1d2f3a4b5c6d/agent-9d3c2b1a", "9d3c2b1a")]
    assert [(s.label, s.agent) for s in streams(SHAPES / "agent-4f7e2a10.jsonl", constants)] == [
        ("e2c4a6b8-1111-4222-8333-944455556666/agent-4f7e2a10", "4f7e2a10")]
    assert [(s.label, s.agent) for s in streams(SESSION_21, constants)] == [
        ("5a8e0c3b-7f21-4b9d-8c6e-1d2f3a4b5c6d", None)]
    [agent] = records(AGENT_21, constants).values()
    assert [(c.tool_name, c.t) for c in calls(agent)] == [("Glob", 0.0), ("Read", 12.0), ("Bash", 12.0)]
    result = run("simulate", "run", str(AGENT_21), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["calls"] == 3


def test_a_stream_reads_its_file_again_each_time(policies):
    _, constants = policies
    stream = next(s for s in streams(SHAPES / "sidechains-1.0.jsonl", constants) if s.agent == "cccc2221")
    assert isinstance(stream, Stream) and list(stream.records()) == list(stream.records())


def test_messages_without_tool_calls_replay_zero_calls_and_say_so(policies):
    bundle, constants = policies
    [stream] = streams(SHAPES / "messages-only.jsonl", constants)
    items = list(stream.records())
    assert calls(items) == [] and [n.detail for n in notes(items, "no_tool_calls")] == [
        "the transcript holds messages but no tool call"]
    report = simulate_items(stream.label, iter(items), bundle, constants, default=Respond("timeout"))
    assert report.summary.calls == 0 and report.summary.notes["no_tool_calls"] == 1 and report.exit_code == 0
    result = run("simulate", "run", str(SHAPES / "messages-only.jsonl"))
    assert result.exit_code == 0 and re.search(r"calls +0 ", result.stdout)


def test_damaged_lines_are_skipped_with_their_numbers_and_reasons(policies):
    _, constants = policies
    [items] = records(SHAPES / "damaged.jsonl", constants).values()
    skipped = {n.line: n.detail for n in notes(items, "skipped_line")}
    assert sorted(skipped) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16]
    assert "not UTF-8" in skipped[4] and "an array" in skipped[6] and "null" in skipped[9]
    assert "has no tool `name`" in skipped[11] and "`input` is a string" in skipped[12]
    assert "last line is cut off" in skipped[16]
    assert [(n.line, n.detail) for n in notes(items, "duplicate_call")] == [(14, "toolu_d5")]
    assert [(c.line, c.tool_name) for c in calls(items)] == [(2, "Bash"), (13, "Bash"), (15, "Write")]
    assert not [r for r in items if isinstance(r, BadLine)]


def test_strict_makes_the_first_damaged_line_an_error_naming_it(policies):
    bundle, constants = policies
    [stream] = streams(SHAPES / "damaged.jsonl", constants, strict=True)
    report = simulate_items(str(stream.source), stream.records(), bundle, constants, default=Respond("timeout"))
    assert report.exit_code == 2 and report.stopped.line == 3 and "not valid JSON" in report.stopped.message
    assert "--strict" in report.stopped.hint and report.summary.calls == 1


def _posix(text: str) -> str:
    text = re.sub(r"(?i)c:(\\\\|/)users(\\\\|/)dev(\\\\|/)", "/home/dev/", text)
    return text.replace("\\\\", "/")


def test_windows_paths_and_working_directories_decide_as_their_posix_twins(tmp_path, policies):
    _, constants = policies
    windows = SHAPES / "windows.jsonl"
    [items] = records(windows, constants).values()
    assert items[0].task.cwd == "C:\\Users\\dev\\shop"
    paths = [c.tool_input.get("file_path") or c.tool_input.get("path") for c in calls(items)]
    assert paths[:5] == ["src/app.py", ".env", ".git/config", "src", "C:\\Users\\dev\\other\\notes.txt"]
    twin = tmp_path / "windows.jsonl"
    twin.write_text(_posix(windows.read_text()))
    assert "C:" not in twin.read_text() and "/home/dev/shop" in twin.read_text()
    mine, theirs = decisions(windows, policies), decisions(twin, policies)
    assert [d[1:] for d in mine] == [d[1:] for d in theirs]
    assert ("Edit", "deny", ("write_git_internals",)) in [d[1:] for d in mine]
    assert sum(d[2] != "allow" for d in mine) >= 4


def test_task_settings_apply_to_every_transcript_stream(policies):
    _, constants = policies
    settings_ = {"read_only": True, "repo": "acme/shop", "cwd": "/elsewhere"}
    found = records(SHAPES / "sidechains-1.0.jsonl", constants, task_settings=settings_)
    for items in found.values():
        task = items[0].task
        assert (task.read_only, task.repo, task.cwd) == (True, "acme/shop", "/home/dev/shop")
    replayed = decisions(SHAPES / "sidechains-1.0.jsonl", policies, task_settings=settings_)
    edit = next(d for d in replayed if d[1] == "Edit")
    assert edit[0] == "sidechains-1.0" and edit[2] == "deny" and "read_only_forbid_write" in edit[3]
    push = next(d for d in replayed if d[1] == "Bash" and d[0].endswith("cccc2221"))
    assert push[2] == "deny" and "read_only_forbid_mutation" in push[3]


def test_task_settings_merge_over_a_native_header(tmp_path, policies):
    _, constants = policies
    call = {"t": 0, "tool_name": "Write", "tool_input": {"file_path": "a.py", "content": ""}}
    headed = tmp_path / "h.jsonl"
    header = {"trace": 1, "task": {"repo": "a/b", "read_only": False}}
    headed.write_text(json.dumps(header) + "\n" + json.dumps(call) + "\n")
    [items] = records(headed, constants, task_settings={"read_only": True}).values()
    assert (items[0].task.repo, items[0].task.read_only) == ("a/b", True)
    bare = tmp_path / "n.jsonl"
    bare.write_text(json.dumps(call) + "\n")
    assert decisions(bare, policies, task_settings={"read_only": True})[0][2:] == ("deny", ("read_only_forbid_write",))
    assert decisions(bare, policies)[0][2] == "allow"
    with pytest.raises(TaskSettingsError, match="--task-settings"):
        list(streams(bare, constants, task_settings={"read_only": "yes"}))


@pytest.mark.parametrize(("name", "why"), [("empty", "the file is empty"),
                                           ("not-a-transcript", "neither a native trace nor a Claude Code transcript")])
def test_an_empty_or_foreign_file_is_an_error_naming_the_file_and_why(name, why):
    path = SHAPES / f"{name}.jsonl"
    result = run("simulate", "run", str(path))
    assert result.exit_code == 2 and f"{path}:1: {why}" in result.stderr
    assert "PASS" not in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_a_native_trace_forced_through_the_transcript_reader_says_which_format_to_use(tmp_path):
    trace = tmp_path / "n.jsonl"
    trace.write_text(json.dumps({"t": 0, "tool_name": "Read", "tool_input": {"file_path": "a"}}) + "\n")
    result = run("simulate", "run", str(trace), "--input-format", "claude")
    assert result.exit_code == 2 and "no Claude Code transcript entry" in result.stderr
    assert "--input-format native" in result.stderr


HEAD = json.dumps({"type": "user", "uuid": "u0", "sessionId": "s", "cwd": "/r", "timestamp": "2026-01-01T00:00:00Z",
                   "message": {"role": "user", "content": "go"}}) + "\n"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.binary(max_size=60), max_size=8), strict=st.booleans())
def test_property_random_bytes_in_a_transcript_are_skipped_or_errors_never_a_crash(tmp_path, policies, data, strict):
    bundle, constants = policies
    path = tmp_path / "t.jsonl"
    path.write_bytes(HEAD.encode() + b"\n".join(data))
    for stream in streams(path, constants, strict=strict):
        items = list(stream.records())
        for item in items:
            assert isinstance(item, (TraceHeader, TraceCall, BadLine, Note))
            if isinstance(item, BadLine):
                assert item.line >= 2 and item.message
        if strict:
            assert not notes(items, "skipped_line")
        report = simulate_items(stream.label, iter(items), bundle, constants, default=Respond("approve"))
        # A transcript holds no expectations: a bad line stops it (2), as do zero calls without a note saying why.
        stops = any(isinstance(item, BadLine) for item in items) or (
            not any(isinstance(item, TraceCall) for item in items) and not notes(items, "no_tool_calls"))
        assert report.exit_code == (2 if stops else 0)


STAMP = st.one_of(st.just("2026-01-01T00:00:05Z"), st.integers(0, 3000).map(
    lambda s: f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.5Z"), st.none(), st.just("yesterday"))
BLOCK = st.one_of(
    st.fixed_dictionaries({"type": st.just("tool_use"), "id": st.sampled_from(["t1", "t2", "t3", "t4"]),
                           "name": st.one_of(st.sampled_from(["Bash", "Read", "Mystery", "mcp__x__y"]), st.none(),
                                             st.integers()),
                           "input": st.one_of(st.just({"command": "ls"}), st.just({"file_path": "/r/.env"}),
                                              st.just("redacted"), st.none())}),
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=5)}))
ENTRY = st.fixed_dictionaries(
    {"type": st.sampled_from(["assistant", "user", "system", "summary"]), "uuid": st.sampled_from(["a", "b", "c", "d"]),
     "sessionId": st.just("s")},
    optional={"parentUuid": st.sampled_from(["a", "b", "c", "d", None]), "isSidechain": st.booleans(),
              "agentId": st.sampled_from(["x1", "x2", ""]), "timestamp": STAMP,
              "cwd": st.sampled_from(["/r", "C:\\r", "relative", 3]),
              "message": st.fixed_dictionaries({"content": st.one_of(st.lists(BLOCK, max_size=3),
                                                                      st.text(max_size=4))})})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(ENTRY, min_size=1, max_size=10))
def test_property_every_tool_use_is_a_call_a_note_or_a_bad_line_and_each_stream_keeps_time(tmp_path, policies,
                                                                                             entries):
    _, constants = policies
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    blocks = {n: [b for b in e.get("message", {}).get("content", []) if isinstance(b, dict) and b["type"] == "tool_use"]
              for n, e in enumerate(entries, start=1) if e["type"] == "assistant"
              and isinstance(e.get("message", {}).get("content"), list)}
    accounted = 0
    for stream in streams(path, constants):
        items = list(stream.records())
        times = [c.t for c in calls(items)]
        assert times == sorted(times) and all(t >= 0 for t in times)
        accounted += len(calls(items)) + len(notes(items, "duplicate_call"))
        accounted += sum(1 for n in notes(items, "skipped_line") if n.detail.startswith("tool_use"))
        accounted += sum(len(blocks.get(b.line, [])) for b in items if isinstance(b, BadLine))
    assert accounted == sum(len(b) for b in blocks.values())


def test_the_cli_lists_skipped_lines_warns_with_their_count_and_strict_stops_at_the_first():
    path = SHAPES / "damaged.jsonl"
    result = run("simulate", "run", str(path))
    assert result.exit_code == 0 and result.stdout.rstrip().endswith("PASS")
    assert f"{path}:4: not UTF-8" in result.stdout and f"{path}:16: the last line is cut off" in result.stdout
    assert "warning: 11 damaged line(s) skipped" in result.stdout
    data = json.loads(run("simulate", "run", str(path), "-f", "json").stdout)
    assert data["summary"]["skipped_lines"] == 11 and [s["line"] for s in data["skipped_lines"]][:2] == [3, 4]
    strict = run("simulate", "run", str(path), "--strict")
    assert strict.exit_code == 2 and f"{path}:3: not valid JSON" in strict.stderr and "--strict" in strict.stderr


def test_the_cli_counts_unknown_tools_by_name_and_applies_task_settings_to_transcripts():
    path = SHAPES / "unknown-tools.jsonl"
    data = json.loads(run("simulate", "run", str(path), "-f", "json").stdout)
    assert data["summary"]["notes"] == {"unknown_tool:HoloDeploy": 2}
    assert "unknown_tool:HoloDeploy 2" in run("simulate", "run", str(path)).stdout
    read_only = json.loads(run("simulate", "run", str(path), "-f", "json", "--task-settings",
                               '{"read_only": true}').stdout)
    assert read_only["summary"]["outcomes"]["deny"] == 1 and data["summary"]["outcomes"].get("deny", 0) == 0
    messages = json.loads(run("simulate", "run", str(SHAPES / "messages-only.jsonl"), "-f", "json").stdout)
    assert messages["exit_code"] == 0 and messages["summary"]["notes"] == {"no_tool_calls": 1}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["type", "message", "content", "isSidechain", "uuid", "name", "input"]),
                        inner, max_size=4), max_leaves=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(JSON, max_size=8), strict=st.booleans())
def test_property_any_json_line_in_a_transcript_is_read_past_skipped_or_an_error(tmp_path, policies, values, strict):
    _, constants = policies
    path = tmp_path / "t.jsonl"
    path.write_text(HEAD + "".join(json.dumps(v) + "\n" for v in values))
    seen = [r for s in streams(path, constants, strict=strict) for r in s.records()]
    objects = {n for n, v in enumerate(values, start=2) if isinstance(v, dict) and isinstance(v.get("type"), str)}
    flagged = {r.line for r in seen if isinstance(r, (BadLine, Note)) and r.line}
    assert set(range(2, len(values) + 2)) - objects <= flagged
    if strict:
        assert not notes(seen, "skipped_line")


@pytest.mark.parametrize("cwd", ["C:\\Users\\dev\\shop", "c:/users/dev/shop", "C:\\USERS\\dev\\shop\\"])
def test_any_spelling_of_a_windows_working_directory_makes_paths_repository_relative(tmp_path, policies, cwd):
    _, constants = policies
    entry = {"type": "assistant", "uuid": "a1", "sessionId": "s", "cwd": cwd, "timestamp": "2026-01-01T00:00:00Z",
             "message": {"role": "assistant", "content": [
                 {"type": "tool_use", "id": "t1", "name": "Write", "input": {"file_path": "C:\\Users\\dev\\shop\\.env"}},
                 {"type": "tool_use", "id": "t2", "name": "Grep", "input": {"path": "c:/users/DEV/shop/src"}}]}}
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(entry) + "\n")
    [items] = records(path, constants).values()
    assert [c.tool_input.get("file_path") or c.tool_input.get("path") for c in calls(items)] == [".env", "src"]


def test_recording_a_damaged_transcript_names_what_it_skipped(tmp_path):
    path, baseline = SHAPES / "damaged.jsonl", tmp_path / "b.jsonl"
    result = run("simulate", "record", str(path), "-o", str(baseline))
    assert result.exit_code == 0 and f"skipped {path}:16: the last line is cut off" in result.stdout
    assert "warning: 11 damaged line(s) skipped" in result.stdout and len(baseline.read_text().splitlines()) == 4
    strict = run("simulate", "record", str(path), "-o", str(tmp_path / "s.jsonl"), "--strict")
    assert strict.exit_code == 2 and not (tmp_path / "s.jsonl").exists()
