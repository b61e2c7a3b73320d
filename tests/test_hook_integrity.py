"""The live gate holds: its own files cannot be turned against it, every failure blocks, every answer is recorded."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.engine import ManualClock
from toolkit.hook import install as hook_install
from toolkit.hook.service import HookOptions, handle

from .test_hook import EXE, T0, decide, event, log_lines, permission

runner = CliRunner()
HEADLESS = {"CLAUDE_CODE_SESSION_ATTENDED": "0"}


@pytest.fixture
def opts(tmp_path):
    return HookOptions(state=tmp_path / "gate" / "state.sqlite3", log=tmp_path / "gate" / "log.jsonl")


# -- its own files ------------------------------------------------------------------------------------------------

def test_state_and_log_are_created_owner_only(opts):
    decide(event(tool_input={"command": "rm -rf /"}), opts)
    for path in (opts.state, opts.log):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(opts.state.parent.stat().st_mode) == 0o700


def test_a_log_replaced_by_a_symlink_blocks_and_the_target_is_untouched(opts, tmp_path):
    decide(event(), opts)
    target = tmp_path / "config"
    target.write_text("[core]\n")
    opts.log.unlink()
    opts.log.symlink_to(target)
    result = handle(event(tool_use_id="t2"), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and "symlink" in result.stderr
    assert target.read_text() == "[core]\n"


def test_a_log_replaced_by_a_fifo_blocks_at_once_instead_of_hanging(opts):
    decide(event(), opts)
    opts.log.unlink()
    os.mkfifo(opts.log)
    start = time.monotonic()
    result = handle(event(tool_use_id="t2"), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and time.monotonic() - start < 5
    assert "is not a regular file" in result.stderr
    other = handle(event(session="other", tool_input={"command": "rm -rf /"}), HookOptions(state=opts.state),
                   ManualClock(T0), environ={})
    assert other.exit_code == 0 and permission(json.loads(other.stdout)) == "deny"  # the state is not left locked


@pytest.mark.parametrize("companion", ["", "-wal", "-shm"])
def test_a_state_file_replaced_by_a_symlink_blocks(opts, tmp_path, companion):
    decide(event(), opts)
    victim = tmp_path / "victim"
    victim.write_text("keep")
    path = opts.state.with_name(opts.state.name + companion)
    if path.exists():
        path.unlink()
    path.symlink_to(victim)
    result = handle(event(tool_use_id="t2"), opts, ManualClock(T0), environ={})
    assert result.exit_code == 2 and victim.read_text() == "keep"


def test_a_blueprint_that_is_a_fifo_blocks_instead_of_hanging(tmp_path):
    fifo = tmp_path / "agent.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    result = handle(event(), HookOptions(blueprint=fifo, state=tmp_path / "s.sqlite3"), ManualClock(T0), environ={})
    assert result.exit_code == 2 and time.monotonic() - start < 5


def test_an_oversized_event_on_stdin_is_refused_unread(tmp_path):
    done = subprocess.run([EXE, "hook", "claude-code", "--state", str(tmp_path / "s")],
                          stdin=open("/dev/zero", "rb"), capture_output=True, timeout=60)
    assert done.returncode == 2 and b"more than" in done.stderr


# -- every failure blocks -----------------------------------------------------------------------------------------

def _run_installed(command: str, raw: bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", command], input=raw, capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_the_installed_command_blocks_when_the_executable_is_missing(tmp_path):
    command = hook_install.hook_command(str(tmp_path / "gone" / "cedar-gates"), [], interpreter=sys.executable)
    done = _run_installed(command, event())
    assert done.returncode == 2
    assert b"could not decide" in done.stderr and str(tmp_path).encode() not in done.stderr


def test_the_installed_command_blocks_when_the_interpreter_is_gone(tmp_path):
    command = hook_install.hook_command(EXE, [], interpreter=str(tmp_path / "python3"))
    assert _run_installed(command, event()).returncode == 2


@pytest.mark.parametrize("signal_name", ["KILL", "SEGV", "TERM", "ALRM"])
def test_the_installed_command_blocks_when_the_hook_dies_by_a_signal(tmp_path, signal_name):
    fake = tmp_path / "cedar-gates"
    fake.write_text(f"#!/bin/sh\nkill -{signal_name} $$\n")
    fake.chmod(0o755)
    done = _run_installed(hook_install.hook_command(str(fake), []), event())
    assert done.returncode == 2 and b"ended with status" in done.stderr


def test_the_installed_command_passes_answers_and_blocks_through(tmp_path):
    command = hook_install.hook_command(EXE, ["--state", str(tmp_path / "s.sqlite3")], interpreter=sys.executable)
    denied = _run_installed(command, event(tool_input={"command": "rm -rf /"}))
    assert denied.returncode == 0 and permission(json.loads(denied.stdout)) == "deny"
    garbage = _run_installed(command, b"garbage")
    assert garbage.returncode == 2 and garbage.stderr.count(b"\n") == 1


def test_the_portable_command_blocks_where_cedar_gates_cannot_be_found(tmp_path):
    command = hook_install.portable_command([])
    done = _run_installed(command, event(), {"PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(tmp_path)})
    assert done.returncode == 2 and b"not installed on this machine" in done.stderr


def test_the_portable_command_finds_the_projects_virtualenv(tmp_path):
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "cedar-gates").symlink_to(EXE)
    command = hook_install.portable_command(["--state", '"$CLAUDE_PROJECT_DIR/s.sqlite3"'])
    done = _run_installed(command, event(tool_input={"command": "rm -rf /"}),
                          {"PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(tmp_path)})
    assert done.returncode == 0 and permission(json.loads(done.stdout)) == "deny"
    assert (tmp_path / "s.sqlite3").is_file()


def test_a_hang_ends_in_the_hooks_own_deadline_not_in_claude_codes_timeout():
    code = ("import time, sys; from toolkit.hook import quickpost; quickpost.arm_deadline(0.5); time.sleep(30)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode < 0  # ended by its own alarm; the installed command turns that into exit 2


def test_internal_faults_tell_the_model_no_paths(tmp_path):
    state = tmp_path / "deep" / "secret-place" / "state.sqlite3"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"not a database" * 100)
    result = handle(event(), HookOptions(state=state), ManualClock(T0), environ={})
    assert result.exit_code == 2 and "could not decide" in result.stderr
    assert "secret-place" not in result.stderr and str(tmp_path) not in result.stderr


def test_a_hard_deny_names_the_rule_and_what_to_do_instead(opts):
    _, answer = decide(event(tool_input={"command": "rm -rf /"}), opts)
    reason = answer["hookSpecificOutput"]["permissionDecisionReason"]
    assert "rm_slash" in reason and "do not retry" in reason and "user" in reason


# -- every answer is recorded -------------------------------------------------------------------------------------

def test_post_tool_use_failure_records_the_approval(opts):
    decide(event(tool_input={"command": "git push origin main"}, tool_use_id="t9"), opts)
    result, answer = decide(event("PostToolUseFailure", tool_input={"command": "git push origin main"},
                                  tool_use_id="t9", error="exit 1"), opts, T0 + 5)
    assert result.exit_code == 0 and answer == {}
    post = log_lines(opts)[-1]
    assert post["event"] == "PostToolUseFailure" and post["resolution"]["response"] == "approve"
    assert post["resolution"]["late"] is False


def test_an_approval_after_the_deadline_is_recorded_late(opts):
    _, asked = decide(event(tool_input={"command": "git push origin main"}, tool_use_id="t9"), opts)
    decide(event("PostToolUse", tool_use_id="t9"), opts, T0 + 301)
    assert log_lines(opts)[-1]["resolution"]["late"] is True


def test_a_headless_ask_is_recorded_as_refused_not_left_pending(opts):
    result = handle(event(tool_input={"command": "git push origin main"}, tool_use_id="t9"), opts, ManualClock(T0),
                    environ=HEADLESS)
    assert permission(json.loads(result.stdout)) == "ask"
    record = log_lines(opts)[-1]
    assert record["final"] == "deny" and record["resolution"]["response"] == "refused"
    again = handle(event(tool_input={"command": "git push origin main"}, tool_use_id="t10"), opts,
                   ManualClock(T0 + 5), environ=HEADLESS)
    assert permission(json.loads(again.stdout)) == "deny"  # the refusal feeds the engine's caches


def test_pending_asks_expire_at_their_deadline_and_a_late_answer_still_counts(opts):
    decide(event(tool_input={"command": "git push origin main"}, tool_use_id="t9"), opts)
    decide(event(tool_input={"command": "ls"}, tool_use_id="t10"), opts, T0 + 400)
    expired = [r for r in log_lines(opts) if r["event"] == "expired"]
    assert len(expired) == 1 and expired[0]["tool_use_id"] == "t9" and expired[0]["final"] == "deny"
    decide(event(tool_input={"command": "ls"}, tool_use_id="t11"), opts, T0 + 500)
    assert len([r for r in log_lines(opts) if r["event"] == "expired"]) == 1
    decide(event("PostToolUse", tool_use_id="t9"), opts, T0 + 600)
    assert log_lines(opts)[-1]["resolution"]["late"] is True


def test_a_post_tool_use_with_nothing_pending_loads_no_engine(tmp_path):
    code = ("import sys, io; from toolkit.hook import lean; sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1]."
            "encode())); code = lean.run(['--state', sys.argv[2]]); "
            "print(code, 'cedarpy' in sys.modules, 'toolkit.shell.parse' in sys.modules)")
    raw = event("PostToolUse").decode()
    done = subprocess.run([sys.executable, "-c", code, raw, str(tmp_path / "s.sqlite3")], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "0 False False", done.stderr


# -- install ------------------------------------------------------------------------------------------------------

def test_install_defaults_to_the_personal_settings_file_with_a_blocking_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["hook", "install", "claude-code"])
    assert result.exit_code == 0, result.stdout
    data = json.loads((tmp_path / ".claude" / "settings.local.json").read_text())
    assert not (tmp_path / ".claude" / "settings.json").exists()
    assert set(data["hooks"]) == {"PreToolUse", "PostToolUse", "PostToolUseFailure"}
    entry = data["hooks"]["PreToolUse"][0]["hooks"][0]
    assert entry["timeout"] == hook_install.TIMEOUT_S and "exit 2" in entry["command"]


def test_shared_install_writes_no_machine_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "agent.yaml").write_text("security: {}\n")
    result = runner.invoke(app, ["hook", "install", "claude-code", "--shared", "--blueprint",
                                 "blueprints/agent.yaml"])
    assert result.exit_code == 0, result.stdout
    text = (tmp_path / ".claude" / "settings.json").read_text()
    assert str(tmp_path) not in text and sys.prefix not in text and "$CLAUDE_PROJECT_DIR/blueprints/agent.yaml" in text
    outside = runner.invoke(app, ["hook", "install", "claude-code", "--shared", "--blueprint", "/etc/hostname"])
    assert outside.exit_code == 2


def test_install_keeps_the_files_mode(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{}")
    path.chmod(0o640)
    hook_install.install(path, hook_install.hook_command("/opt/cg", []))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("planted", ["settings.json", "settings.json.bak"])
def test_install_refuses_symlinked_settings_and_backups(tmp_path, planted):
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    path = tmp_path / "settings.json"
    if planted == "settings.json":
        path.symlink_to(victim)
    else:
        path.write_text("{}")
        (tmp_path / planted).symlink_to(victim)
    with pytest.raises(Exception) as caught:
        hook_install.install(path, hook_install.hook_command("/opt/cg", []))
    assert "symlink" in str(caught.value) and victim.read_text() == "{}"


@pytest.mark.parametrize("text", ['{"n": 1e400}', '{"n": NaN}', '{"a": 1, "a": 2}'])
def test_install_never_writes_what_it_could_not_read_back_exactly(tmp_path, text):
    path = tmp_path / "settings.json"
    path.write_text(text)
    with pytest.raises(Exception):
        hook_install.install(path, hook_install.hook_command("/opt/cg", []))
    assert path.read_text() == text


def test_two_installs_at_once_leave_one_entry_per_event(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"model": "opus"}')
    commands = [hook_install.hook_command(f"/opt/cg{i}/cedar-gates", []) for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda c: hook_install.install(path, c), commands))
    data = json.loads(path.read_text())
    assert data["model"] == "opus"
    for event_name in hook_install.EVENTS:
        assert len(hook_install.installed_commands(data)[event_name]) == 1


def test_hook_check_passes_a_sound_install_and_fails_a_fail_open_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert runner.invoke(app, ["hook", "check"]).exit_code == 1  # nothing installed: no gate at all
    runner.invoke(app, ["hook", "install", "claude-code"])
    sound = runner.invoke(app, ["hook", "check", "--format", "json"])
    report = json.loads(sound.stdout)
    assert sound.exit_code == 0, report
    assert {p["name"]: p["answer"] for p in report["probes"]}["hard deny"] == "deny"
    settings = tmp_path / ".claude" / "settings.local.json"
    data = json.loads(settings.read_text())
    data["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = f"{EXE} hook claude-code"  # no blocking wrapper
    settings.write_text(json.dumps(data))
    weak = runner.invoke(app, ["hook", "check", "--format", "json"])
    assert weak.exit_code == 1
    failing = [p["name"] for p in json.loads(weak.stdout)["probes"] if not p["ok"]]
    assert failing == ["cedar-gates removed"]


def test_commands_past_the_analysis_limit_are_asked_never_allowed(opts):
    hidden = "; ".join(["true"] * 2100) + "; rm -rf /"
    _, answer = decide(event(tool_input={"command": hidden}), opts)
    assert permission(answer) == "ask" and "dynamic_command" in answer["hookSpecificOutput"][
        "permissionDecisionReason"]


# -- the gate's own files, as the hook names them -----------------------------------------------------------------

PYPROJECT = '[project]\nname = "app"\nversion = "1.0"\n\n[tool.cedar-gates.hook]\nlog = ""\n'


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "blueprints").mkdir()
    (root / "blueprints" / "agent.yaml").write_text("security: {}\n")
    return root


def _in(project: Path, tool: str, tool_input: dict, tool_use_id: str = "t1") -> str:
    result = handle(event(tool=tool, tool_input=tool_input, cwd=str(project), tool_use_id=tool_use_id),
                    HookOptions(blueprint=project / "blueprints" / "agent.yaml"), ManualClock(T0),
                    environ={"CLAUDE_PROJECT_DIR": str(project)})
    assert result.exit_code == 0, result.stderr
    return permission(json.loads(result.stdout))


def test_edits_outside_the_cedar_gates_table_of_pyproject_are_not_gated(project):
    edit = {"file_path": str(project / "pyproject.toml"), "old_string": 'version = "1.0"', "new_string": 'version = "1.1"'}
    assert _in(project, "Edit", edit) == "none"


def test_edits_of_the_cedar_gates_table_are_denied_however_they_are_made(project):
    path = str(project / "pyproject.toml")
    assert _in(project, "Edit", {"file_path": path, "old_string": 'log = ""', "new_string": 'log = "x"'}) == "deny"
    assert _in(project, "Write", {"file_path": path, "content": '[project]\nname = "app"\n'}, "t2") == "deny"
    assert _in(project, "Bash", {"command": "sed -i s/log/x/ pyproject.toml"}, "t3") == "deny"
    assert _in(project, "Edit", {"file_path": path, "old_string": "not there", "new_string": "x"}, "t4") == "deny"


def test_the_active_blueprint_is_a_policy_change_a_human_approves(project):
    edit = {"file_path": str(project / "blueprints" / "agent.yaml"), "old_string": "{}", "new_string": "{x: 1}"}
    assert _in(project, "Edit", edit) == "ask"


@pytest.mark.parametrize(("tool", "tool_input"), [
    ("Write", {"file_path": ".claude/settings.local.json", "content": '{"disableAllHooks": true}'}),
    ("Bash", {"command": "rm -rf .cedar-gates"}),
    ("Bash", {"command": "sqlite3 .cedar-gates/hook-state.sqlite3 'DELETE FROM sessions'"}),
    ("Bash", {"command": "claude -p hi --dangerously-skip-permissions"}),
    ("Bash", {"command": "cedar-gates hook uninstall claude-code"}),
])
def test_the_agent_cannot_switch_the_gate_off(project, tool, tool_input):
    assert _in(project, tool, tool_input) == "deny"


def test_the_post_tool_use_after_an_unasked_call_imports_neither_the_hook_service_nor_cedar(tmp_path):
    (tmp_path / ".git").mkdir(exist_ok=True)
    code = ("import os, sys; leave = os._exit; os._exit = lambda code: (sys.__stderr__.write('MODULES ' + ' '.join("
            "sorted(m for m in sys.modules if m.startswith('toolkit') or m in ('cedarpy', 'dataclasses')))), "
            "sys.__stderr__.flush(), leave(code));"
            "sys.argv = ['cedar-gates', 'hook', 'claude-code']; from toolkit.entry import main; main()")
    for state in (False, True):
        if state:  # a state file with an unrelated pending ask
            decide(event(tool_input={"command": "git push origin main"}, tool_use_id="other", cwd=str(tmp_path)),
                   HookOptions(state=tmp_path / ".cedar-gates" / "hook-state.sqlite3"))
        done = subprocess.run([sys.executable, "-c", code], input=event("PostToolUse", cwd=str(tmp_path)),
                              capture_output=True, timeout=60, env={**os.environ, "CLAUDE_PROJECT_DIR": str(tmp_path)})
        assert done.returncode == 0 and done.stdout.strip() == b"{}"
        modules = done.stderr.decode().split("MODULES ")[-1].split()
        assert modules == ["toolkit", "toolkit.entry", "toolkit.hook", "toolkit.hook.quickpost"], modules


def test_a_pending_ask_still_reaches_the_full_path_after_the_quick_check(tmp_path):
    (tmp_path / ".git").mkdir(exist_ok=True)
    state = tmp_path / ".cedar-gates" / "hook-state.sqlite3"
    decide(event(tool_input={"command": "git push origin main"}, tool_use_id="t9", cwd=str(tmp_path)),
           HookOptions(state=state))
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(tmp_path)}
    done = subprocess.run([EXE, "hook", "claude-code"], input=event("PostToolUse", tool_use_id="t9", cwd=str(tmp_path)),
                          capture_output=True, timeout=60, env=env)
    assert done.returncode == 0
    log = tmp_path / ".cedar-gates" / "hook-decisions.jsonl"
    assert json.loads(log.read_text().splitlines()[-1])["resolution"]["response"] == "approve"


def test_a_bare_push_of_a_protected_current_branch_is_asked_about(tmp_path):
    repo = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    opts = HookOptions(state=tmp_path / "s.sqlite3")
    _, answer = decide(event(tool_input={"command": "git push"}, cwd=str(repo)), opts)
    assert permission(answer) == "ask" and "push_to_protected_branch" in answer["hookSpecificOutput"][
        "permissionDecisionReason"]
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "-b", "feature/x"], check=True)
    _, other = decide(event(tool_input={"command": "git push"}, cwd=str(repo), tool_use_id="t2"), opts)
    assert permission(other) == "none"


def test_a_windows_working_directory_resolves_the_sessions_paths(opts):
    write = {"file_path": "C:\\Users\\dev\\shop\\.git\\config", "content": "x"}
    _, answer = decide(event(tool="Write", tool_input=write, cwd="C:\\Users\\dev\\shop"), opts)
    assert permission(answer) == "deny" and "write_git_internals" in answer["hookSpecificOutput"][
        "permissionDecisionReason"]


def test_a_relative_path_to_the_configured_pyproject_is_judged_against_the_sessions_cwd(project):
    relative = {"file_path": "pyproject.toml", "old_string": 'log = ""', "new_string": 'log = "x"'}
    assert _in(project, "Edit", relative) == "deny"


@pytest.mark.parametrize(("tool", "tool_input"), [
    ("Write", {"file_path": "{venv}/bin/cedar-gates", "content": "#!/bin/sh\necho '{}'\n"}),
    ("Bash", {"command": "cp /tmp/evil {venv}/bin/cedar-gates"}),
    ("Bash", {"command": "echo 'exit 0' > {venv}/bin/cedar-gates"}),
])
def test_the_agent_cannot_replace_the_running_gates_executable(project, monkeypatch, tool, tool_input):
    venv = project / ".venv"
    monkeypatch.setattr(sys, "argv", [str(venv / "bin" / "cedar-gates"), "hook", "claude-code"])
    filled = {k: v.replace("{venv}", str(venv)) for k, v in tool_input.items()}
    assert _in(project, tool, filled) == "deny"
    assert _in(project, "Write", {"file_path": str(venv / "bin" / "other-tool"), "content": "x"}, "t2") == "none"


def test_an_installed_package_is_the_gates_own_code_and_an_editable_checkout_is_not(tmp_path):
    from toolkit.hook.protect import own_code

    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "toolkit"
    assert own_code("/usr/bin/python3", installed) == {str(installed): "config"}
    assert own_code("pytest", tmp_path / "checkout" / "toolkit") == {}


@pytest.mark.parametrize(("tool", "tool_input"), [
    ("Write", {"file_path": "sub/pyproject.toml", "content": '[tool.cedar-gates.hook]\nno-match = "allow"\n'}),
    ("Bash", {"command": "printf '[tool.cedar-gates.hook]\\nno-match = \"allow\"\\n' > sub/pyproject.toml"}),
    ("Bash", {"command": "cp /tmp/elsewhere/pyproject.toml sub/"}),
    ("Bash", {"command": "cat /tmp/elsewhere/pyproject.toml > sub/pyproject.toml"}),
    ("Bash", {"command": "echo \"$TABLES\" >> pyproject.toml"}),
])
def test_a_pyproject_that_would_become_the_configuration_is_the_configuration(project, tool, tool_input):
    """A nearer pyproject with cedar-gates tables would be loaded for a session in that directory; a shell write
    whose content is not on the command line cannot be told apart from one."""
    (project / "sub").mkdir()
    assert _in(project, tool, tool_input) == "deny"


def test_a_file_tool_edit_of_another_pyprojects_project_table_is_not_gated(project):
    (project / "sub").mkdir()
    (project / "sub" / "pyproject.toml").write_text('[project]\nname = "sub"\n')
    edit = {"file_path": str(project / "sub" / "pyproject.toml"), "old_string": 'name = "sub"',
            "new_string": 'name = "sub2"'}
    assert _in(project, "Edit", edit) == "none"
    assert _in(project, "Write", {"file_path": "sub/pyproject.toml", "content": "[project]\n"}, "t2") == "none"
    assert _in(project, "Bash", {"command": "sed -i 's/1.0/1.1/' sub/pyproject.toml"}, "t3") == "none"
