"""`simulate` over directories, globs and several paths: discovery, one gate per session, --jobs, failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.simulate.corpus import DiscoveryError, discover

runner = CliRunner()
STAMP = "2026-10-14T09:00:{:02d}.000Z"


def run(*args: str, **kwargs):
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def native(path: Path, *calls: tuple[str, dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"t": i * 10, "tool_name": tool, "tool_input": tool_input}) + "\n"
                            for i, (tool, tool_input) in enumerate(calls)))
    return path


def transcript(path: Path, session: str, *calls: tuple[str, dict], agent: str | None = None) -> Path:
    """Claude Code entries: one assistant message per tool_use, as 2.x writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (tool, tool_input) in enumerate(calls):
        entry = {"type": "assistant", "sessionId": session, "cwd": "/home/dev/shop", "isSidechain": agent is not None,
                 "uuid": f"{session[:4]}{i:04d}-0000-4000-8000-000000000000", "timestamp": STAMP.format(i),
                 "message": {"role": "assistant", "content": [
                     {"type": "tool_use", "id": f"toolu_{session[:4]}{i}", "name": tool, "input": tool_input}]}}
        if agent is not None:
            entry["agentId"] = agent
        lines.append(json.dumps(entry))
    path.write_text("\n".join(lines) + "\n")
    return path


PUSH = ("Bash", {"command": "git push --force origin main"})
READ = ("Read", {"file_path": "/home/dev/shop/src/app.py"})
ENV = ("Write", {"file_path": "/home/dev/shop/.env", "content": "X=1"})


@pytest.fixture
def projects(tmp_path: Path) -> Path:
    """A ~/.claude/projects tree: main sessions, a 2.x sub-agent directory, a 1.x agent file, noise to skip."""
    root = tmp_path / "projects"
    transcript(root / "-home-dev-shop" / "aaaa1111.jsonl", "aaaa1111", READ, PUSH)
    transcript(root / "-home-dev-shop" / "aaaa1111" / "subagents" / "agent-5e5e.jsonl", "aaaa1111", ENV, agent="5e5e")
    transcript(root / "-home-dev-shop" / "agent-0a0a.jsonl", "bbbb2222", PUSH, agent="0a0a")
    transcript(root / "-home-dev-api" / "cccc3333.jsonl", "cccc3333", READ, ENV, PUSH)
    native(root / "-home-dev-api" / "native.jsonl", ("Bash", {"command": "git status"}))
    (root / "-home-dev-api" / "native.expected.jsonl").write_text("{}\n")
    (root / "-home-dev-api" / "notes.txt").write_text("not a trace")
    native(root / ".cache" / "hidden.jsonl", PUSH)
    return root


def test_discovery_finds_every_session_and_sub_agent_file_and_skips_baselines_and_noise(projects):
    found = {p.relative_to(projects).as_posix() for p in discover([str(projects)])}
    assert found == {"-home-dev-shop/aaaa1111.jsonl", "-home-dev-shop/aaaa1111/subagents/agent-5e5e.jsonl",
                     "-home-dev-shop/agent-0a0a.jsonl", "-home-dev-api/cccc3333.jsonl", "-home-dev-api/native.jsonl"}


def test_discovery_takes_globs_and_several_paths_once_each(projects):
    pattern = str(projects / "**" / "agent-*.jsonl")
    found = discover([pattern, str(projects / "-home-dev-shop" / "agent-0a0a.jsonl")])
    assert sorted(p.name for p in found) == ["agent-0a0a.jsonl", "agent-5e5e.jsonl"]
    with pytest.raises(DiscoveryError, match="matches no file"):
        discover([str(projects / "*.nothing")])
    with pytest.raises(DiscoveryError, match="no such file"):
        discover([str(projects / "gone")])


def test_a_directory_replays_each_session_with_its_own_gate(projects):
    result = run("simulate", str(projects), "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert data["files"] == 5 and data["sessions"] == 5 and data["calls"] == 8
    names = {row["session"] for row in data["sessions_top"]}
    assert "-home-dev-shop/aaaa1111/subagents/agent-5e5e.jsonl" in names
    # Each session asks about its own force push: no approval or cache carries over from another session.
    assert data["repeated_asks"][0]["asks"] == 3 and data["repeated_asks"][0]["sessions"] == 3


def test_jobs_two_gives_the_same_report_as_jobs_one(projects):
    one = run("simulate", str(projects), "-f", "json", "--jobs", "1")
    two = run("simulate", str(projects), "-f", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 0
    assert json.loads(one.stdout) == json.loads(two.stdout)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_started_either_way_report_and_record_what_one_process_does(projects, tmp_path, method):
    import io
    import multiprocessing

    from toolkit.simulate import corpus

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    settings = corpus.Settings(None, None, "approve")
    files = corpus.discover([str(projects)])
    outputs = []
    for jobs, how in ((1, None), (2, method)):
        records = io.StringIO()
        report = corpus.run(files, [str(projects)], settings, jobs=jobs, records=records, start_method=how)
        rows = [json.loads(line) for line in records.getvalue().splitlines()]
        for row in rows:
            row["decision"].pop("eval_us")
        outputs.append((report.to_json(), rows))
    assert outputs[0] == outputs[1] and outputs[0][0]["calls"] == len(outputs[0][1]) > 0


def test_workers_are_forked_on_linux_only_when_no_other_thread_runs():
    import subprocess
    import sys
    import threading

    from toolkit.simulate.corpus import pick_start_method

    # A fresh interpreter runs one thread: it forks on Linux, and spawns on macOS and Windows.
    probe = "from toolkit.simulate.corpus import pick_start_method as p; print(p())"
    fresh = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == ("fork" if sys.platform == "linux" else "spawn")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert pick_start_method() == "spawn"
    finally:
        stop.set()
        other.join()


@pytest.fixture
def forked(monkeypatch):
    """Workers are forked, so a fault injected here reaches them."""
    import multiprocessing

    from toolkit.simulate import corpus

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("fork is not available here")
    monkeypatch.setattr(corpus, "pick_start_method", lambda: "fork")
    return corpus


def test_a_worker_that_dies_stops_the_run_with_exit_2_and_says_so(projects, tmp_path, monkeypatch, forked):
    import os

    parent, replay = os.getpid(), forked.replay_file

    def dies_in_a_worker(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(9)  # fault injection: the worker vanishes as if killed
        return replay(*args, **kwargs)

    monkeypatch.setattr(forked, "replay_file", dies_in_a_worker)
    for extra in ((), ("--records", str(tmp_path / "r.jsonl"))):
        result = run("simulate", str(projects), "--jobs", "2", *extra)
        assert result.exit_code == 2, result.output
        assert "a replay worker process failed to start or died" in result.stderr
        assert "--jobs 1" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "r.jsonl").exists()
    assert run("simulate", str(projects), "--jobs", "1").exit_code == 0


def test_a_failure_to_start_workers_is_not_blamed_on_the_records_file(projects, tmp_path, monkeypatch, forked):
    import errno
    from concurrent.futures import ProcessPoolExecutor

    def no_processes(self, *args, **kwargs):
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "map", no_processes)
    for extra in ((), ("--records", str(tmp_path / "r.jsonl"))):
        result = run("simulate", str(projects), "--jobs", "2", *extra)
        assert result.exit_code == 2
        assert "--jobs 2: cannot start the replay worker processes: Resource temporarily unavailable" in result.stderr
        assert "cannot write the decisions" not in result.stderr and "None" not in result.stderr


def test_a_records_file_that_cannot_be_written_is_named(projects, tmp_path):
    import errno

    from toolkit.simulate import corpus

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    for jobs in (1, 2):
        with pytest.raises(corpus.RecordsError, match="No space left"):
            corpus.run(corpus.discover([str(projects)]), [str(projects)], corpus.Settings(None, None, "approve"),
                       jobs=jobs, records=Full())  # type: ignore[arg-type]


def test_a_blueprint_changed_after_loading_stops_a_spawned_run(projects, tmp_path):
    import multiprocessing

    from toolkit.simulate import corpus

    if "spawn" not in multiprocessing.get_all_start_methods():
        pytest.skip("spawn is not available here")
    blueprint = tmp_path / "bp.yaml"
    text = (Path(__file__).parent.parent / "fixtures" / "blueprints" / "good" / "minimal.yaml").read_text()
    blueprint.write_text(text)
    settings = corpus.settings_for(blueprint, None, "approve", "auto", False)
    loaded = corpus.load(settings)
    blueprint.write_text(text.replace('@approval_timeout_s("600")', '@approval_timeout_s("900")'))
    files = corpus.discover([str(projects)])
    with pytest.raises(corpus.PolicyChanged, match="other policies than this process") as caught:
        corpus.run(files, [str(projects)], settings, jobs=2, loaded=loaded, start_method="spawn")
    assert caught.value.path == str(blueprint)


def test_a_file_that_fails_is_named_and_the_others_still_replay(projects):
    (projects / "-home-dev-api" / "broken.jsonl").write_text('{"hello": "world"}\n')
    (projects / "-home-dev-api" / "empty.jsonl").write_text("")
    result = run("simulate", str(projects))
    assert result.exit_code == 2
    assert "5 session(s) from 5 file(s), 2 file(s) failed" in result.stdout and "calls            8" in result.stdout
    assert f"failed: {projects / '-home-dev-api' / 'broken.jsonl'}:1: neither a native trace" in result.stdout
    assert f"failed: {projects / '-home-dev-api' / 'empty.jsonl'}:1: the file is empty" in result.stdout
    assert "FAIL: 2 file(s) failed" in result.stdout


def test_a_baseline_is_refused_over_many_traces(projects, tmp_path):
    result = run("simulate", str(projects), "--baseline", str(tmp_path / "b.jsonl"))
    assert result.exit_code == 2 and "--baseline goes with one trace file" in result.stderr


def test_records_over_many_files_name_their_session_in_the_same_order_with_any_jobs(projects, tmp_path):
    seen = []
    for jobs in ("1", "2"):
        target = tmp_path / f"records-{jobs}.jsonl"
        assert run("simulate", str(projects), "--records", str(target), "--jobs", jobs).exit_code == 0
        seen.append([(r["session"], r["line"], r["tool_name"]) for r in map(json.loads, target.read_text().splitlines())])
    assert seen[0] == seen[1] and len(seen[0]) == 8
    assert seen[0][0][0] == "-home-dev-api/cccc3333.jsonl"


def test_records_is_the_decision_file_and_out_still_works(tmp_path):
    trace = native(tmp_path / "t.jsonl", PUSH, READ)
    for option in ("--records", "--out"):
        target = tmp_path / f"{option.strip('-')}.jsonl"
        result = run("simulate", str(trace), option, str(target), "-o", str(tmp_path / "report.txt"))
        assert result.exit_code == 0 and result.stdout == ""
        assert [json.loads(line)["tool_name"] for line in target.read_text().splitlines()] == ["Bash", "Read"]
        assert "calls            2" in (tmp_path / "report.txt").read_text()


def test_record_reads_the_trace_from_stdin(tmp_path):
    trace = native(tmp_path / "t.jsonl", PUSH)
    baseline = tmp_path / "t.expected.jsonl"
    result = run("simulate", "record", "-", "-o", str(baseline), input=trace.read_text())
    assert result.exit_code == 0, result.output
    assert json.loads(baseline.read_text().splitlines()[1])["outcome"] == "require_approval"


def test_strict_makes_a_damaged_transcript_line_stop_the_replay(tmp_path):
    path = transcript(tmp_path / "s.jsonl", "dddd4444", READ, PUSH)
    path.write_text(path.read_text() + '{"type": "assistant", "timestamp": \n')
    assert run("simulate", str(path)).exit_code == 0
    strict = run("simulate", str(path), "--strict")
    assert strict.exit_code == 2 and ":3:" in strict.stderr


def test_task_settings_reach_every_session_of_a_directory(projects):
    writes = run("simulate", str(projects), "-f", "json", "--task-settings", '{"read_only": true}')
    data = json.loads(writes.stdout)
    assert {row["name"] for row in data["rules"] if row["denies"]} >= {"read_only_forbid_write"}


def test_a_baseline_can_come_from_stdin(tmp_path):
    trace = native(tmp_path / "t.jsonl", PUSH, READ)
    baseline = tmp_path / "t.expected.jsonl"
    assert run("simulate", "record", str(trace), "-o", str(baseline)).exit_code == 0
    result = run("simulate", str(trace), "--baseline", "-", input=baseline.read_text())
    assert result.exit_code == 0 and "calls            2" in result.stdout
    changed = baseline.read_text().replace('"require_approval"', '"allow"')
    assert run("simulate", str(trace), "--baseline", "-", input=changed).exit_code == 1
