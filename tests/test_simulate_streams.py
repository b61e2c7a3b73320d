"""One file holding several agents (Claude Code 1.0.x sidechains) replays as a run over its directory does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()
T0 = datetime(2026, 11, 3, 10, 0, 0, tzinfo=timezone.utc)
COMMANDS = ["ls", "git push --force origin main", "git status", "rm -rf build"]


def _stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def transcript(main: list[tuple[int, int]], agents: list[list[tuple[int, int]]]) -> str:
    """A 1.0.x main file: the main agent's calls, then each sidechain appended after it finished.

    Each call is (seconds after the session start, command index).
    """
    lines: list[dict] = []
    serial = 0

    def entry(parent: str | None, sidechain: bool, at: int, command: int) -> str:
        nonlocal serial
        serial += 1
        uuid = f"{serial:08x}-0000-4000-8000-000000000000"
        lines.append({"parentUuid": parent, "isSidechain": sidechain, "cwd": "/home/dev/shop", "sessionId": "s1",
                      "version": "1.0.57", "type": "assistant", "uuid": uuid, "timestamp": _stamp(at),
                      "message": {"role": "assistant", "content": [
                          {"type": "tool_use", "id": f"toolu_{serial}", "name": "Bash",
                           "input": {"command": COMMANDS[command]}}]}})
        return uuid

    parent = None
    for at, command in main:
        parent = entry(parent, False, at, command)
    for calls in agents:
        parent = None
        for at, command in calls:
            parent = entry(parent, True, at, command)
    return "".join(json.dumps(line) + "\n" for line in lines)


def replay_records(target: Path, records: Path, *extra: str) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["simulate", "run", str(target), "--respond", "approve", "--records", str(records),
                                 *extra], catch_exceptions=False)
    rows = [json.loads(line) for line in records.read_text().splitlines()]
    for row in rows:
        row["decision"].pop("eval_us", None)
    return result.exit_code, rows


CALLS = st.lists(st.tuples(st.integers(0, 400), st.integers(0, len(COMMANDS) - 1)), min_size=1, max_size=12).map(
    lambda calls: sorted(calls, key=lambda c: c[0]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(main=CALLS, agents=st.lists(CALLS, min_size=1, max_size=3))
def test_property_a_file_replayed_alone_decides_each_stream_as_a_directory_run_does(tmp_path, main, agents):
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    path = folder / "t.jsonl"
    path.write_text(transcript(main, agents))
    one_code, one = replay_records(path, tmp_path / "one.jsonl")
    many_code, many = replay_records(folder, tmp_path / "many.jsonl")
    assert one_code == many_code == 0
    for row in one:
        row["session"] = row["session"].replace(str(path), "t.jsonl", 1)
    assert one == many
    assert {row["session"] for row in one} == {"t.jsonl", *(f"t.jsonl [agent-{n + 1:08x}]"
                                                           for n in _agent_roots(main, agents))}


def _agent_roots(main: list, agents: list[list]) -> list[int]:
    roots, serial = [], len(main)
    for calls in agents:
        roots.append(serial)
        serial += len(calls)
    return roots


def test_sub_agent_calls_replay_on_their_own_clock_not_after_the_main_agents_last_call(tmp_path):
    path = tmp_path / "rl.jsonl"
    pushes = [(i * 10, 1) for i in range(25)]
    path.write_text(transcript([(0, 0), (1000, 0)], [pushes]))
    code, rows = replay_records(path, tmp_path / "r.jsonl")
    agent = [r for r in rows if r["session"].endswith("]")]
    assert code == 0 and len(agent) == 25
    assert [r["t"] for r in agent] == [float(at) for at, _ in pushes]
    assert {r["decision"]["stage"] for r in agent} != {"rate_limit"}
    assert [r["decision"]["outcome"] for r in agent] == ["require_approval"] * 25


def test_text_and_json_name_each_stream_of_a_file_with_its_calls(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(transcript([(0, 0), (5, 0)], [[(0, 1), (3, 0)], [(1, 0)]]))
    text = runner.invoke(app, ["simulate", "run", str(path), "--respond", "approve"], catch_exceptions=False)
    assert text.exit_code == 0
    assert f"  {path}: 2 call(s), allow 2" in text.stdout
    assert f"  {path} [agent-00000003]: 2 call(s), allow 1, require_approval 1" in text.stdout
    assert f"  {path} [agent-00000005]: 1 call(s), allow 1" in text.stdout
    data = json.loads(runner.invoke(app, ["simulate", "run", str(path), "-f", "json"]).stdout)
    assert [(s["session"], s["agent"], s["calls"]) for s in data["streams"]] == [
        (str(path), None, 2), (f"{path} [agent-00000003]", "00000003", 2), (f"{path} [agent-00000005]", "00000005", 1)]


def test_a_file_of_one_stream_keeps_its_records_and_report_as_before(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(transcript([(0, 0), (5, 1)], []))
    code, rows = replay_records(path, tmp_path / "r.jsonl")
    assert code == 0 and [("session" in r, r["decision"]["request_id"]) for r in rows] == [(False, "call-1"),
                                                                                         (False, "call-2")]
    data = json.loads(runner.invoke(app, ["simulate", "run", str(path), "-f", "json"]).stdout)
    assert data["streams"] == []


def test_record_and_diff_of_a_file_with_sub_agents_keep_each_streams_clock(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    path = folder / "rl.jsonl"
    path.write_text(transcript([(0, 0), (1000, 0)], [[(i * 10, 1) for i in range(25)]]))
    baseline = tmp_path / "rl.expected.jsonl"
    recorded = runner.invoke(app, ["simulate", "record", str(path), "-o", str(baseline), "--respond", "approve"])
    assert recorded.exit_code == 0
    pinned = [json.loads(line) for line in baseline.read_text().splitlines()[1:]]
    assert [p["stage"] for p in pinned].count("rate_limit") == 0 and len(pinned) == 27
    checked = runner.invoke(app, ["simulate", "run", str(path), "--respond", "approve", "--baseline", str(baseline)])
    assert checked.exit_code == 0, checked.stdout
    one = json.loads(runner.invoke(app, ["simulate", "diff", str(path), "--respond", "approve", "-f", "json"]).stdout)
    many = json.loads(runner.invoke(app, ["simulate", "diff", str(folder), "--respond", "approve", "-f",
                                          "json"]).stdout)
    assert one["calls"] == many["calls"] == 27 and one["changed"] == many["changed"] == 0
