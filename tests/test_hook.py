"""The Claude Code hook: decisions, session state across processes, fail-closed exits, install, audit log."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.engine import ManualClock
from toolkit.hook import install as hook_install
from toolkit.hook.service import HookOptions, handle

from .conftest import REPO

T0 = 1_800_000_000.0
EXE = shutil.which("cedar-gates", path=str(Path(sys.executable).parent)) or "cedar-gates"


def event(name: str = "PreToolUse", tool: str = "Bash", tool_input: dict | None = None, tool_use_id: str = "toolu_1",
          session: str = "s1", cwd: str = "/work/repo", **extra) -> bytes:
    body = {"session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": cwd, "permission_mode": "default",
            "hook_event_name": name, "tool_name": tool, "tool_input": tool_input if tool_input is not None else
            {"command": "ls"}, "tool_use_id": tool_use_id, **extra}
    return json.dumps(body).encode()


@pytest.fixture
def opts(tmp_path):
    return HookOptions(state=tmp_path / "state.sqlite3", log=tmp_path / "log.jsonl")


def decide(raw: bytes, opts: HookOptions, t: float = T0):
    result = handle(raw, opts, ManualClock(t), environ={})
    return result, (json.loads(result.stdout) if result.stdout else None)


def permission(answer) -> str:
    """The decision, or "none" when the hook gave none (Claude Code's own rules decide)."""
    return answer.get("hookSpecificOutput", {}).get("permissionDecision", "none")


def log_lines(opts: HookOptions) -> list[dict]:
    return [json.loads(line) for line in opts.log.read_text().splitlines()]


@pytest.mark.parametrize(("tool_input", "expected"), [
    ({"command": "bash -c 'sudo rm -rf /'"}, "deny"),
    ({"command": "git push -fu origin main"}, "ask"),
])
def test_pre_tool_use_answers_deny_or_ask(opts, tool_input, expected):
    result, answer = decide(event(tool_input=tool_input), opts)
    assert result.exit_code == 0 and result.stderr == ""
    assert answer["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
    assert permission(answer) == expected


def test_no_matching_rule_gives_no_decision_so_claude_codes_own_rules_apply(opts):
    result, answer = decide(event(tool_input={"command": "git status"}), opts)
    assert result.exit_code == 0 and answer == {}
    record = log_lines(opts)[0]
    assert record["final"] == "allow" and record["decision"]["stage"] == "no_match" and record["answer"] == "pass"


def test_no_match_allow_is_a_configuration_choice_for_sandboxes(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text('[hook]\nno-match = "allow"\n')
    result, answer = decide(event(tool_input={"command": "git status"}, cwd=str(tmp_path)), HookOptions())
    assert permission(answer) == "allow"
    logged = [json.loads(line) for line in (tmp_path / ".cedar-gates" / "hook-decisions.jsonl").read_text().splitlines()]
    assert logged[-1]["final"] == "allow" and logged[-1]["answer"] == "allow"


def test_a_granted_scope_is_an_allow_from_cedar_gates(tmp_path):
    opts = HookOptions(state=tmp_path / "s.sqlite3", task_settings={"initial_approvals": ["rule:force_push_main",
                                                                                          "rule:force_push_any",
                                                                                          "rule:push_to_protected_branch"]})
    _, answer = decide(event(tool_input={"command": "git push --force origin main"}), opts)
    assert permission(answer) == "allow" and "rule:force_push_main" in answer["hookSpecificOutput"][
        "permissionDecisionReason"]


def test_reasons_name_the_rules_for_the_model_and_the_human(opts):
    _, denied = decide(event(tool_input={"command": "rm -rf /"}), opts)
    assert "rm_slash" in denied["hookSpecificOutput"]["permissionDecisionReason"]
    _, asked = decide(event(tool_input={"command": "git push --force origin main"}, tool_use_id="t2"), opts)
    reason = asked["hookSpecificOutput"]["permissionDecisionReason"]
    assert "force_push_main" in reason and "severity high" in reason and "300 s" in reason


def test_absolute_paths_inside_the_session_cwd_are_judged_as_repository_paths(opts):
    _, answer = decide(event(tool="Write", tool_input={"file_path": "/work/repo/.git/config", "content": "x"}), opts)
    assert permission(answer) == "deny"


def test_post_tool_use_after_an_ask_is_logged_as_the_humans_approval(opts):
    decide(event(tool_input={"command": "git push origin main"}, tool_use_id="toolu_9"), opts)
    result, answer = decide(event("PostToolUse", tool_input={"command": "git push origin main"},
                                  tool_use_id="toolu_9", tool_response={"stdout": ""}), opts, T0 + 20)
    assert result.exit_code == 0 and answer == {}
    pre, post = log_lines(opts)
    assert pre["final"] == "require_approval" and pre["tool_use_id"] == "toolu_9"
    assert post["event"] == "PostToolUse" and post["final"] == "allow"
    assert post["resolution"]["response"] == "approve" and post["resolution"]["scope"] == "this_call"
    assert post["decision"]["request_id"] == pre["decision"]["request_id"]
    again, _ = decide(event("PostToolUse", tool_use_id="toolu_9"), opts, T0 + 21)
    assert again.exit_code == 0 and len(log_lines(opts)) == 2


def test_gate_cap_and_caches_hold_across_hook_processes(tmp_path):
    opts = HookOptions(state=tmp_path / "s.sqlite3", log=tmp_path / "l.jsonl", task_settings={"gate_cap": 2})
    answers = [permission(decide(event(tool_input={"command": f"git push remote{i} main"}, tool_use_id=f"t{i}"),
                                 opts, T0 + i)[1]) for i in range(4)]
    assert answers == ["ask", "ask", "deny", "deny"]
    other = permission(decide(event(session="s2", tool_input={"command": "git push origin main"}), opts)[1])
    assert other == "ask"


def test_sessions_are_kept_apart_and_old_ones_pruned(opts):
    decide(event(session="old"), opts, T0)
    decide(event(session="mid"), opts, T0 + 8 * 24 * 3600)
    decide(event(session="new"), opts, T0 + 8 * 24 * 3600 + 5)
    with sqlite3.connect(opts.state) as db:
        assert sorted(r[0] for r in db.execute("SELECT id FROM sessions")) == ["mid", "new"]


def test_a_clock_jump_in_one_session_does_not_reset_the_others(tmp_path):
    opts = HookOptions(state=tmp_path / "s.sqlite3", task_settings={"gate_cap": 1})
    assert permission(decide(event(session="a", tool_input={"command": "git push o main"}), opts, T0)[1]) == "ask"
    decide(event(session="b"), opts, T0 + 1)
    decide(event(session="jumped"), opts, T0 + 400 * 24 * 3600)
    again = decide(event(session="a", tool_input={"command": "git push p main"}, tool_use_id="t2"), opts, T0 + 2)[1]
    assert permission(again) == "deny"  # the cap of one still holds: session a kept its state


def _run_hook(raw: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "hook", "claude-code", *args], input=raw, capture_output=True, timeout=60)


def test_eight_concurrent_asks_against_a_cap_of_three_give_exactly_three_asks(tmp_path):
    state = tmp_path / "state.sqlite3"
    cap = ("--state", str(state), "--task-settings", '{"gate_cap": 3}')
    _run_hook(event(tool_input={"command": "ls"}), *cap)
    raws = [event(tool_input={"command": f"git push remote{i} main"}, tool_use_id=f"t{i}") for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda r: _run_hook(r, *cap), raws))
    assert [d.returncode for d in done] == [0] * 8, [d.stderr for d in done]
    decisions = sorted(permission(json.loads(d.stdout)) for d in done)
    assert decisions == ["ask"] * 3 + ["deny"] * 5


@pytest.mark.parametrize(("raw", "message"), [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"{not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b"[" * 5000 + b"]" * 5000, "not JSON"),
    (event("UserPromptSubmit"), "unknown hook event"),
    (json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {}}).encode(), "session_id"),
    (event(tool_input=None) .replace(b'"tool_input": {"command": "ls"}', b'"tool_input": "ls"'), "tool_input"),
])
def test_unusable_events_block_with_one_line(opts, raw, message):
    result = handle(raw, opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and json.loads(result.stdout)["decision"] == "block"
    assert message in json.loads(result.stdout)["reason"]
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_policies_with_lint_errors_block(tmp_path, opts):
    bad = REPO / "fixtures" / "blueprints" / "bad" / "CG004-unscoped-context.yaml"
    result = handle(event(), HookOptions(blueprint=bad, state=opts.state), ManualClock(T0), environ={})
    assert result.exit_code == 2 and "lint error" in result.stderr


def test_a_locked_state_file_blocks_instead_of_waiting_forever(opts):
    decide(event(), opts)
    holder = sqlite3.connect(opts.state, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = handle(event(tool_use_id="t2"), HookOptions(state=opts.state, busy_timeout_s=0.2), ManualClock(T0),
                        environ={})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2 and "stayed locked by another cedar-gates hook" in result.stderr
    assert "Retry in a moment" in json.loads(result.stdout)["reason"]


def test_a_corrupt_state_file_blocks(opts):
    opts.state.write_bytes(b"this is not a database" * 100)
    result = handle(event(), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and "state" in result.stderr


def test_a_corrupt_session_record_blocks(opts):
    decide(event(), opts)
    with sqlite3.connect(opts.state) as db:
        db.execute("UPDATE sessions SET state = '{\"calls\": \"many\"}'")
    result = handle(event(tool_use_id="t2"), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and "permissionDecision" not in result.stdout


def test_any_internal_exception_blocks(opts, monkeypatch):
    monkeypatch.setattr("toolkit.hook.store.StateStore.save_session", lambda *a: 1 / 0)
    result = handle(event(), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and "ZeroDivisionError" in result.stderr


def test_the_installed_command_exits_2_on_bad_input_and_usage_errors(tmp_path):
    assert _run_hook(b"garbage", "--state", str(tmp_path / "s")).returncode == 2
    usage = _run_hook(event(), "--bogus")
    assert usage.returncode == 2 and "usage" in usage.stderr.decode()
    bad_settings = _run_hook(event(), "--state", str(tmp_path / "s"), "--task-settings", "{nope")
    assert bad_settings.returncode == 2


def test_an_answer_the_hook_cannot_write_blocks_the_call(tmp_path):
    """The hook skips interpreter teardown after its answer; an answer that cannot be flushed must still block."""
    done = subprocess.run(["sh", "-c", f'"{EXE}" hook claude-code --state "{tmp_path / "s"}" >&-'],
                          input=event(tool_input={"command": "ls"}), capture_output=True, timeout=60)
    assert done.returncode == 2


def test_a_hook_that_cannot_even_import_its_engine_blocks(monkeypatch):
    from toolkit import entry

    monkeypatch.setitem(sys.modules, "toolkit.hook.lean", None)  # the import raises ImportError
    monkeypatch.setattr("toolkit.hook.quickpost.arm_deadline", lambda: None)  # no alarm in the test process
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(event())))
    assert entry.hook([]) == 2


def test_the_policy_bundle_is_cached_and_a_changed_blueprint_is_picked_up(tmp_path, monkeypatch):
    blueprint = tmp_path / "b.yaml"
    blueprint.write_text((REPO / "fixtures" / "blueprints" / "good" / "minimal.yaml").read_text())
    opts = HookOptions(blueprint=blueprint, state=tmp_path / "s.sqlite3")
    assert permission(decide(event(tool_input={"command": "terraform apply"}), opts)[1]) == "ask"

    def no_linting(*args, **kwargs):
        raise AssertionError("linted again although nothing changed")

    monkeypatch.setattr("toolkit.policyset.load_policies", no_linting)
    assert permission(decide(event(tool_input={"command": "terraform plan"}, tool_use_id="t2"), opts)[1]) == "none"
    monkeypatch.undo()
    blueprint.write_text(blueprint.read_text().replace('"apply"', '"plan"'))
    assert permission(decide(event(tool_input={"command": "terraform plan"}, tool_use_id="t3"), opts)[1]) == "ask"


def test_a_cached_bundle_this_version_cannot_read_is_compiled_afresh(tmp_path):
    opts = HookOptions(state=tmp_path / "s.sqlite3")
    assert permission(decide(event(tool_input={"command": "git push --force"}), opts)[1]) == "ask"
    db = sqlite3.connect(tmp_path / "s.sqlite3")
    with db:
        damaged = db.execute("UPDATE bundles SET data = ?", (json.dumps({"text": "", "rules": []}),)).rowcount
    db.close()
    assert damaged >= 1
    result, answer = decide(event(tool_input={"command": "git push --force"}, tool_use_id="t2"), opts)
    assert permission(answer) == "ask"


def test_hook_settings_come_from_the_configuration(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text(
        '[hook]\nstate = "state/hook.sqlite3"\nlog = ""\n[hook.task-settings]\nread_only = true\n')
    raw = event(tool="Write", tool_input={"file_path": "a.py", "content": "x"}, cwd=str(tmp_path))
    result, answer = decide(raw, HookOptions())
    assert permission(answer) == "deny" and "read_only_forbid_write" in answer["hookSpecificOutput"][
        "permissionDecisionReason"]
    assert (tmp_path / "state" / "hook.sqlite3").is_file()
    assert not (tmp_path / ".cedar-gates").exists()


runner = CliRunner()


def test_install_merges_keeps_everything_else_is_idempotent_and_backs_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    original = {"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "./audit.sh"}]}], "Stop": [{"hooks": [{"type": "command", "command": "x"}]}]}}
    settings.write_text(json.dumps(original))
    first = runner.invoke(app, ["hook", "install", "claude-code", "--shared"])
    assert first.exit_code == 0 and "installed" in first.stdout
    data = json.loads(settings.read_text())
    assert data["model"] == "opus" and data["hooks"]["Stop"] == original["hooks"]["Stop"]
    pre = data["hooks"]["PreToolUse"]
    assert pre[0] == original["hooks"]["PreToolUse"][0]
    assert "hook claude-code" in pre[1]["hooks"][0]["command"]
    assert json.loads((tmp_path / ".claude" / "settings.json.bak").read_text()) == original
    second = runner.invoke(app, ["hook", "install", "claude-code", "--shared"])
    assert "nothing changed" in second.stdout and json.loads(settings.read_text()) == data
    removed = runner.invoke(app, ["hook", "uninstall", "claude-code", "--shared"])
    assert removed.exit_code == 0 and json.loads(settings.read_text()) == original


def test_install_refuses_a_settings_file_it_cannot_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ broken")
    result = runner.invoke(app, ["hook", "install", "claude-code", "--shared"])
    assert result.exit_code == 2 and settings.read_text() == "{ broken"


def test_install_options_become_part_of_the_command(tmp_path):
    path = tmp_path / "settings.json"
    change = hook_install.install(path, hook_install.hook_command("/opt/cg/bin/cedar-gates", ["--blueprint", "/b y.yaml"]))
    command = json.loads(path.read_text())["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
    assert change.changed and "; /opt/cg/bin/cedar-gates hook claude-code --blueprint '/b y.yaml' || {" in command


def test_simulate_on_the_session_transcript_reproduces_the_logged_decisions(tmp_path):
    """A recorded session: the transcript Claude Code wrote and the hook events it sent for the same calls."""
    cwd = "/home/dev/shop"
    calls = [
        (0.0, "Read", {"file_path": f"{cwd}/src/app.py"}),
        (4.0, "Bash", {"command": "git status --short"}),
        (9.5, "Write", {"file_path": f"{cwd}/.env.local", "content": "K=v\n"}),
        (30.0, "Bash", {"command": "bash -c 'rm -rf /'"}),
        (41.0, "Bash", {"command": "git push -fu origin main"}),
        (70.0, "Edit", {"file_path": f"{cwd}/src/app.py", "old_string": "a", "new_string": "b"}),
        (75.0, "Bash", {"command": "psql -c 'DROP TABLE users'"}),
    ]
    transcript = tmp_path / "session.jsonl"
    opts = HookOptions(state=tmp_path / "s.sqlite3", log=tmp_path / "log.jsonl")
    lines = []
    for i, (t, tool, tool_input) in enumerate(calls):
        stamp = f"2026-11-20T09:00:{t:06.3f}Z" if t < 60 else f"2026-11-20T09:01:{t - 60:06.3f}Z"
        lines.append({"type": "assistant", "sessionId": "sess", "cwd": cwd, "timestamp": stamp,
                      "message": {"role": "assistant", "content": [
                          {"type": "tool_use", "id": f"toolu_{i}", "name": tool, "input": tool_input}]}})
        raw = event(tool=tool, tool_input=tool_input, tool_use_id=f"toolu_{i}", session="sess", cwd=cwd)
        result, answer = decide(raw, opts, T0 + t)
        if permission(answer) == "ask":
            decide(event("PostToolUse", tool=tool, tool_input=tool_input, tool_use_id=f"toolu_{i}", session="sess",
                         cwd=cwd), opts, T0 + t + 3)
    transcript.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "replayed.jsonl"
    result = runner.invoke(app, ["simulate", str(transcript), "--respond", "approve", "--out", str(out)])
    assert result.exit_code == 0, result.stdout
    logged = [(r["tool_name"], r["decision"]["outcome"], r["decision"]["hard_rule_ids"], r["decision"]["soft_rule_ids"])
              for r in log_lines(opts) if r["event"] == "PreToolUse"]
    replayed = [(r["tool_name"], r["decision"]["outcome"], r["decision"]["hard_rule_ids"],
                 r["decision"]["soft_rule_ids"]) for r in map(json.loads, out.read_text().splitlines())]
    assert replayed == logged
    assert [o for _, o, _, _ in logged] == ["allow", "allow", "require_approval", "deny", "require_approval", "allow",
                                            "deny"]


def test_a_long_fault_is_cut_before_its_hint_so_the_model_still_reads_what_to_do():
    from toolkit.hook.service import MAX_FAULT_CHARS, fault_reason

    class Refused(Exception):
        hint = "run `cedar-gates lint blueprints/` and fix the errors it lists"

    reason = fault_reason(Refused("CG006 nesting too deep in /home/someone/project/blueprints/agent.yaml " * 20))
    assert len(reason) <= MAX_FAULT_CHARS and "/home/someone" not in reason
    assert reason.endswith("hint: run `cedar-gates lint blueprints/` and fix the errors it lists")
