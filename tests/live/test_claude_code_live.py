"""Live behaviour of the real Claude Code CLI (`claude -p`) with a recording command hook.

The model is `fake_model.FakeModel`; every run is bounded (claude.DEFAULT_TIMEOUT) and
takes about one second, so the whole file runs in well under a minute. These tests pin
the Claude Code behaviour that cedar-gates' hook relies on (see FACTS.md).
"""

from __future__ import annotations

import pytest

from claude import bash_call, pre_tool_decision

pytestmark = pytest.mark.live

FIRST = "toolu_live_00_00"  # id the fake model gives the first tool call
MODES = [pytest.param(False, id="default-mode"), pytest.param(True, id="bypass-permissions")]


def _touch(live):
    return [[bash_call("touch ran.txt && echo TOOL-RAN")], "finished"]


def test_bash_call_runs_and_its_output_reaches_the_model(live):
    run = live.run([[bash_call("echo LIVE-OUTPUT")], "all done"])
    assert run.returncode == 0, run.stderr
    assert run.result["result"] == "all done"
    assert run.seen(FIRST) == "LIVE-OUTPUT"
    assert run.is_error(FIRST) is False
    assert [r.turn for r in live.model.main_requests()] == [0, 1]


def test_file_changing_call_runs_under_bypass_permissions(live):
    run = live.run(_touch(live), skip_permissions=True)
    assert (live.project / "ran.txt").exists()
    assert run.seen(FIRST) == "TOOL-RAN"


def test_hook_sees_pre_and_post_tool_use_with_session_fields(live):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("allow")}})
    live.install_hook()
    run = live.run([[bash_call("echo hi")], "done"])
    assert run.seen(FIRST) == "hi"
    pre, post = live.hook.events()
    assert pre["hook_event_name"] == "PreToolUse" and post["hook_event_name"] == "PostToolUse"
    for event in (pre, post):
        assert event["tool_name"] == "Bash"
        assert event["tool_input"]["command"] == "echo hi"
        assert event["tool_use_id"] == FIRST
        assert event["session_id"] == run.result["session_id"]
        assert event["permission_mode"] == "default"
        assert event["cwd"] == str(live.project)
    assert post["tool_response"]["stdout"] == "hi"


def test_failed_call_sends_post_tool_use_failure_not_post_tool_use(live):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("allow")}})
    live.install_hook()
    run = live.run([[bash_call("echo OUT; exit 3")], "done"])
    assert run.is_error(FIRST) is True
    names = [e["hook_event_name"] for e in live.hook.events()]
    assert names == ["PreToolUse", "PostToolUseFailure"]
    failure = live.hook.events("PostToolUseFailure")[0]
    assert failure["error"].startswith("Exit code 3")
    assert failure["is_interrupt"] is False
    assert failure["tool_use_id"] == FIRST


def test_hook_process_is_told_no_human_is_attending(live):
    live.install_hook(("PreToolUse",))
    live.run([[bash_call("echo hi")], "done"], skip_permissions=True)
    env = live.hook.records()[0]["env"]
    assert env["CLAUDE_CODE_SESSION_ATTENDED"] == "0"
    assert env["CLAUDE_CODE_ENTRYPOINT"] == "sdk-cli"
    assert env["CLAUDECODE"] == "1"
    assert env["CLAUDE_PROJECT_DIR"] == str(live.project)
    assert live.hook.events()[0]["permission_mode"] == "bypassPermissions"


@pytest.mark.parametrize("bypass", MODES)
def test_pre_tool_use_deny_stops_the_call_and_the_model_sees_the_reason(live, bypass):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("deny", "LIVE-DENY-REASON")}})
    live.install_hook()
    run = live.run(_touch(live), skip_permissions=bypass)
    assert not (live.project / "ran.txt").exists()
    assert run.seen(FIRST) == "PreToolUse:Bash hook error: LIVE-DENY-REASON"
    assert run.is_error(FIRST) is True
    assert [d["tool_use_id"] for d in run.result["permission_denials"]] == [FIRST]
    assert [e["hook_event_name"] for e in live.hook.events()] == ["PreToolUse"]


@pytest.mark.parametrize("bypass", MODES)
def test_pre_tool_use_exit_2_blocks_and_the_model_sees_stderr(live, bypass):
    live.hook.set({"PreToolUse": {"stderr": "LIVE-EXIT2-STDERR", "exit": 2}})
    live.install_hook()
    run = live.run(_touch(live), skip_permissions=bypass)
    assert not (live.project / "ran.txt").exists()
    seen = run.seen(FIRST)
    assert seen.startswith("PreToolUse:Bash hook error: [")
    assert seen.endswith("]: LIVE-EXIT2-STDERR")
    assert str(live.hook.script) in seen  # the hook's command line is shown to the model


def test_ask_in_print_mode_is_refused_even_under_bypass(live):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("ask", "LIVE-ASK-REASON")}})
    live.install_hook()
    run = live.run(_touch(live), skip_permissions=True)
    assert not (live.project / "ran.txt").exists()
    assert run.seen(FIRST) == "LIVE-ASK-REASON"
    assert run.is_error(FIRST) is True


def test_failing_hook_without_on_failure_lets_the_call_run_under_bypass(live):
    live.hook.set({"PreToolUse": {"stderr": "boom", "exit": 1}})
    live.install_hook()
    run = live.run(_touch(live), skip_permissions=True)
    assert (live.project / "ran.txt").exists()
    assert run.seen(FIRST) == "TOOL-RAN"


def test_on_failure_block_turns_a_missing_hook_command_into_a_block(live):
    live.install_hook(command="/nonexistent/live-hook-missing", on_failure="block")
    run = live.run(_touch(live), skip_permissions=True)
    assert not (live.project / "ran.txt").exists()
    seen = run.seen(FIRST)
    assert seen.startswith("PreToolUse:Bash hook error: [/nonexistent/live-hook-missing]: failed;")
    assert 'blocking because onFailure is "block"' in seen


def test_settings_deny_rule_wins_over_hook_allow(live):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("allow", "hook says yes")}})
    live.install_hook(extra={"permissions": {"deny": ["Bash(touch:*)"]}})
    run = live.run([[bash_call("touch ran.txt")], "done"], skip_permissions=True)
    assert not (live.project / "ran.txt").exists()
    assert run.seen(FIRST) == "Permission to use Bash with command touch ran.txt has been denied."


def test_defer_ends_the_run_and_resume_runs_the_call_after_allow(live):
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("defer", "wait for a human")}})
    live.install_hook()
    script = _touch(live)
    first = live.run(script)
    assert first.result["terminal_reason"] == "tool_deferred"
    assert first.result["deferred_tool_use"]["id"] == FIRST
    assert not (live.project / "ran.txt").exists()
    live.hook.set({"PreToolUse": {"stdout": pre_tool_decision("allow", "approved")}})
    second = live.run(script, prompt="", args=["--resume", first.result["session_id"]])
    assert (live.project / "ran.txt").exists()
    assert second.seen(FIRST) == "TOOL-RAN"
    pre = [e["tool_use_id"] for e in live.hook.events("PreToolUse")]
    assert pre == [FIRST, FIRST]
