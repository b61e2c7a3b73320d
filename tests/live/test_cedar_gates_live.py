"""cedar-gates' hook in front of the real Claude Code CLI (`claude -p`), installed by `cedar-gates hook install`.

Every case that could do harm if the gate failed uses a harmless stand-in (a marker
file, a write under `.git/`), never a real destructive command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from claude import bash_call

pytestmark = pytest.mark.live

FIRST = "toolu_live_00_00"
EXE = shutil.which("cedar-gates", path=str(Path(sys.executable).parent)) or "cedar-gates"
BLUEPRINT = """\
security:
  cedarPolicies:
    soft: |
      @tier("soft")
      @rule_id("touch_marker")
      @approval_timeout_s("300")
      @severity("medium")
      @category("filesystem")
      forbid (principal, action == Agent::Action::"run_command", resource)
      when { context.program == "touch" && context.args.contains("marker.txt") };
"""


def _install(live, *extra: str) -> dict:
    """`cedar-gates hook install claude-code` in the scratch project, with the CLI on PATH (for onFailure)."""
    (live.project / "agent.yaml").write_text(BLUEPRINT)
    bin_dir = live.root / "bin"
    bin_dir.mkdir(exist_ok=True)
    if len(live.cli) == 1 and not (bin_dir / "claude").exists():
        (bin_dir / "claude").symlink_to(live.cli[0])
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(live.home)}
    done = subprocess.run([EXE, "hook", "install", "claude-code", "--blueprint", "agent.yaml", *extra],
                          cwd=live.project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((live.project / ".claude" / "settings.local.json").read_text())


def _log(live) -> list[dict]:
    path = live.project / ".cedar-gates" / "hook-decisions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_install_writes_on_failure_block_for_this_claude_code(live):
    settings = _install(live)
    entry = settings["hooks"]["PreToolUse"][0]["hooks"][0]
    assert entry["onFailure"] == "block" and entry["timeout"] == 60


@pytest.mark.parametrize("bypass", [False, True], ids=["default-mode", "bypass-permissions"])
def test_a_hard_deny_stops_the_call_and_the_model_is_told_the_rule(live, bypass):
    _install(live)
    run = live.run([[bash_call("mkdir -p .git/evil && touch .git/evil/x")], "done"], skip_permissions=bypass)
    assert not (live.project / ".git" / "evil").exists()
    seen = run.seen(FIRST)
    assert seen.startswith("PreToolUse:Bash hook error: cedar-gates: blocked by hard rule")
    assert "write_git_internals" in seen and "do not retry" in seen
    assert _log(live)[0]["final"] == "deny"


def test_with_no_matching_rule_claude_codes_own_permission_rules_still_apply(live):
    _install(live)
    settings = live.project / ".claude" / "settings.json"
    settings.write_text(json.dumps({"permissions": {"deny": ["Bash(touch:*)"]}}))
    run = live.run([[bash_call("touch ran.txt")], "done"])
    assert not (live.project / "ran.txt").exists()
    assert run.is_error(FIRST) is True and "cedar-gates" not in run.seen(FIRST)
    assert _log(live)[0]["decision"]["stage"] == "no_match"


def test_with_no_matching_rule_the_default_mode_still_asks_in_claude_code(live):
    _install(live)
    run = live.run([[bash_call("touch ran.txt")], "done"])
    assert not (live.project / "ran.txt").exists() and run.is_error(FIRST) is True


def test_a_granted_scope_allows_the_call(live):
    _install(live, "--task-settings", '{"initial_approvals": ["rule:touch_marker"]}')
    run = live.run([[bash_call("touch marker.txt && echo MADE")], "done"])
    assert (live.project / "marker.txt").exists() and run.seen(FIRST) == "MADE"
    assert _log(live)[0]["decision"]["stage"] == "rule_grant"


def test_an_ask_in_print_mode_is_refused_and_recorded_as_refused(live):
    _install(live)
    run = live.run([[bash_call("touch marker.txt")], "done"], skip_permissions=True)
    assert not (live.project / "marker.txt").exists() and run.is_error(FIRST) is True
    record = _log(live)[0]
    assert record["final"] == "deny" and record["resolution"]["response"] == "refused"


TAMPERING = [
    pytest.param({"name": "Write", "input": {"file_path": ".claude/settings.local.json",
                                             "content": '{"disableAllHooks": true}'}}, id="disable-all-hooks"),
    pytest.param(bash_call("echo '{\"disableAllHooks\": true}' > .claude/settings.json"), id="settings-redirect"),
    pytest.param(bash_call("rm -rf .cedar-gates"), id="delete-state"),
    pytest.param(bash_call("sqlite3 .cedar-gates/hook-state.sqlite3 'DELETE FROM sessions'"), id="sqlite-state"),
    pytest.param(bash_call("printf 'x' > cedar-gates.toml"), id="write-config"),
    pytest.param(bash_call("claude -p hi --dangerously-skip-permissions"), id="nested-unguarded-agent"),
    pytest.param(bash_call("cedar-gates hook uninstall claude-code"), id="uninstall"),
]


@pytest.mark.parametrize("call", TAMPERING)
def test_the_agent_cannot_switch_the_gate_off_even_with_permissions_bypassed(live, call):
    settings = _install(live)
    live.run([[bash_call("true")], "warm"], skip_permissions=True)  # the state directory exists now
    before = (live.project / ".claude" / "settings.local.json").read_text()
    run = live.run([[call], "done"], skip_permissions=True)
    assert "blocked by hard rule" in run.seen(FIRST)
    assert (live.project / ".claude" / "settings.local.json").read_text() == before
    assert json.loads(before) == settings and (live.project / ".cedar-gates" / "hook-state.sqlite3").exists()
    assert not (live.project / ".claude" / "settings.json").exists()
    assert not (live.project / "cedar-gates.toml").exists()


def _point_hook_at(live, executable: str) -> None:
    from toolkit.hook.install import hook_command, install

    install(live.project / ".claude" / "settings.local.json", hook_command(executable, []))


def test_an_installation_whose_executable_is_missing_blocks(live):
    _point_hook_at(live, str(live.root / "gone-venv" / "bin" / "cedar-gates"))
    run = live.run([[bash_call("touch ran.txt")], "done"], skip_permissions=True)
    assert not (live.project / "ran.txt").exists()
    seen = run.seen(FIRST)
    assert "cedar-gates could not decide on this call, so it was blocked" in seen
    assert str(live.root) not in seen  # no installation path reaches the model


@pytest.mark.parametrize("signal_name", ["KILL", "SEGV"])
def test_a_hook_killed_by_a_signal_blocks(live, signal_name):
    fake = live.root / "cedar-gates"
    fake.write_text(f"#!/bin/sh\nkill -{signal_name} $$\n")
    fake.chmod(0o755)
    _point_hook_at(live, str(fake))
    run = live.run([[bash_call("touch ran.txt")], "done"], skip_permissions=True)
    assert not (live.project / "ran.txt").exists()
    assert "the hook ended with status" in run.seen(FIRST)


def test_post_tool_use_failure_from_the_client_records_the_approval(live):
    """An ask approved in an attended session, whose call then fails: the real client's event closes it."""
    _install(live)
    session = str(uuid.uuid4())
    from toolkit.hook.service import HookOptions, handle

    pre = {"session_id": session, "transcript_path": "", "cwd": str(live.project), "permission_mode": "default",
           "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "touch marker.txt"},
           "tool_use_id": FIRST}
    asked = handle(json.dumps(pre).encode(), HookOptions(blueprint=live.project / "agent.yaml"),
                   environ={"CLAUDE_PROJECT_DIR": str(live.project)})
    assert json.loads(asked.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    live.run([[bash_call("exit 3")], "done"], skip_permissions=True, args=["--session-id", session])
    post = [r for r in _log(live) if r["event"] == "PostToolUseFailure"]
    assert len(post) == 1 and post[0]["resolution"]["response"] == "approve" and post[0]["final"] == "allow"


def test_hook_check_passes_the_real_installation(live):
    _install(live)
    env = {**os.environ, "HOME": str(live.home)}
    done = subprocess.run([EXE, "hook", "check", "--format", "json"], cwd=live.project, env=env,
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    assert done.returncode == 0, report
    assert {p["name"]: p["answer"] for p in report["probes"]} == {
        "hard deny": "deny", "pass-through": "none", "soft rule": "ask", "cedar-gates not on PATH": "deny",
        "cedar-gates removed": "blocked"}


# -- approvals out of band: [hook] approvals = "wait" ------------------------------------------------------------

def _wait_mode(live) -> Path:
    store = live.root / "approvals.sqlite3"
    (live.project / "cedar-gates.toml").write_text(f'[hook]\napprovals = "wait"\n[approvals]\nstore = "{store}"\n')
    _install(live)
    return store


def _approvals(store: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "approvals", *args, "--format", "json"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CEDAR_GATES_APPROVALS_STORE": str(store)})


def _requests(store: Path, command: str) -> list[dict]:
    return json.loads(_approvals(store, command).stdout)["requests"]


def _parked(store: Path, timeout: float = 30.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.exists():
            found = _requests(store, "list")
            if found:
                return found[0]
        time.sleep(0.2)
    raise AssertionError("no request was parked")


def _run_in_background(live, script, **kwargs):
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)
    return pool, pool.submit(live.run, script, timeout=120, **kwargs)


def test_wait_mode_an_approval_from_the_cli_runs_the_call_and_the_scope_covers_the_next_one(live):
    store = _wait_mode(live)
    script = [[bash_call("touch marker.txt && echo FIRST")], [bash_call("touch marker.txt && echo SECOND")], "done"]
    pool, running = _run_in_background(live, script)
    request = _parked(store)
    approved = _approvals(store, "approve", request["id"], "--scope", "rule:touch_marker")
    assert approved.returncode == 0, approved.stderr
    run = running.result(timeout=180)
    pool.shutdown()
    assert run.seen(FIRST) == "FIRST" and "SECOND" in run.seen("toolu_live_01_00")
    assert _requests(store, "list") == []  # the second call asked nobody
    assert len(_requests(store, "history")) == 1


def test_wait_mode_a_denial_with_a_reason_reaches_the_model_in_the_envelope(live):
    store = _wait_mode(live)
    pool, running = _run_in_background(live, [[bash_call("touch marker.txt")], "done"])
    request = _parked(store)
    denied = _approvals(store, "deny", request["id"], "--reason", "not on a Friday; open a ticket instead")
    assert denied.returncode == 0, denied.stderr
    run = running.result(timeout=180)
    pool.shutdown()
    seen = run.seen(FIRST)
    assert not (live.project / "marker.txt").exists()
    assert "<user_denial" in seen and "open a ticket instead" in seen


def test_wait_mode_a_timeout_denies(live):
    import sqlite3
    import time

    store = _wait_mode(live)
    pool, running = _run_in_background(live, [[bash_call("touch marker.txt")], "done"])
    request = _parked(store)
    with sqlite3.connect(store) as db:  # the deadline brought close instead of waiting five minutes
        db.execute("UPDATE approval_requests SET deadline = ? WHERE id = ?", (time.time() + 1, request["id"]))
    run = running.result(timeout=180)
    pool.shutdown()
    assert not (live.project / "marker.txt").exists()
    assert "Nobody answered the approval request in time" in run.seen(FIRST)
    assert _requests(store, "history")[0]["status"] == "timed_out"


def test_defer_mode_ends_the_run_and_the_resumed_run_gets_the_humans_decision(live):
    store = live.root / "approvals.sqlite3"
    (live.project / "cedar-gates.toml").write_text(f'[hook]\napprovals = "defer"\n[approvals]\nstore = "{store}"\n')
    _install(live)
    script = [[bash_call("touch marker.txt && echo MADE")], "done"]
    first = live.run(script)
    assert first.result["terminal_reason"] == "tool_deferred" and not (live.project / "marker.txt").exists()
    request = _parked(store)
    assert _approvals(store, "approve", request["id"]).returncode == 0
    second = live.run(script, prompt="", args=["--resume", first.result["session_id"]])
    assert (live.project / "marker.txt").exists() and second.seen(FIRST) == "MADE"
