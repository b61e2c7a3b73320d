"""cedar-gates inside the Claude Agent SDK (toolkit.integrations.claude_agent_sdk), issue 22 item 6.

The live cases run the real `claude-agent-sdk` (pinned in the test extra) in this
process, driving the real Claude Code CLI from tests/live/node_modules (the
binary `tests/live/claude.py:locate_cli()` finds; else the one the SDK wheel
bundles) against the scripted fake Messages API on 127.0.0.1
(tests/live/fake_model.py). Dangerous calls are harmless stand-ins: a write under
`.git/`, a marker file.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

LIVE = Path(__file__).resolve().parent / "live"
if str(LIVE) not in sys.path:
    sys.path.insert(0, str(LIVE))

from claude import CliUnavailable, bash_call, locate_cli, make_project  # noqa: E402
from fake_model import FakeModel  # noqa: E402

sdk = pytest.importorskip("claude_agent_sdk", reason="claude-agent-sdk is not installed (pip install -e '.[test]')")

from toolkit.approvals import ApprovalService  # noqa: E402
from toolkit.integrations.claude_agent_sdk import (  # noqa: E402
    GateSettings,
    cedar_gates_hooks,
    decide,
    longest_wait_s,
)

FIRST, SECOND = "toolu_live_00_00", "toolu_live_01_00"
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
RUN_TIMEOUT_S = 60.0


# -- the CLI the SDK drives -----------------------------------------------------------------------------------------

def _bundled_cli() -> str | None:
    path = Path(sdk.__file__).parent / "_bundled" / "claude"
    if not path.exists():
        return None
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(LIVE)})
    except (OSError, subprocess.TimeoutExpired):
        return None
    return str(path) if done.returncode == 0 and "Claude Code" in done.stdout else None


@pytest.fixture(scope="module")
def cli_path() -> str:
    try:
        command, _version = locate_cli()
    except CliUnavailable as exc:
        bundled = _bundled_cli()
        if bundled is None:
            pytest.skip(f"no Claude Code CLI can run here for the SDK: {exc}")
        return bundled
    if len(command) != 1:  # node + cli-wrapper.cjs: the SDK takes one executable
        bundled = _bundled_cli()
        if bundled is None:
            pytest.skip("the Claude Code CLI here needs a Node wrapper, and the SDK's bundled CLI cannot run")
        return bundled
    return command[0]


@pytest.fixture(scope="module")
def model() -> Any:
    server = FakeModel().start()
    yield server
    server.stop()


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A scratch git project with the soft-rule blueprint, a HOME and an approval store of its own."""
    for name in list(os.environ):  # the SDK merges the parent's environment under options.env
        if name.startswith(("ANTHROPIC_", "CLAUDE")) or name == "CEDAR_GATES_APPROVALS_STORE":
            monkeypatch.delenv(name)
    project = make_project(tmp_path)
    (project / "agent.yaml").write_text(BLUEPRINT)
    store = tmp_path / "approvals.sqlite3"
    (project / "cedar-gates.toml").write_text(f'[approvals]\nstore = "{store}"\n')
    home = tmp_path / "home"
    home.mkdir()
    return {"project": project, "home": home, "store": store, "root": tmp_path}


def _options(cli_path: str, model: FakeModel, scratch: dict[str, Path], hooks: dict[str, Any]) -> Any:
    home = scratch["home"]
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
           "ANTHROPIC_BASE_URL": model.base_url, "ANTHROPIC_API_KEY": "test",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1",
           "DISABLE_ERROR_REPORTING": "1", "IS_SANDBOX": "1"}
    return sdk.ClaudeAgentOptions(cli_path=cli_path, cwd=str(scratch["project"]), env=env,
                                  permission_mode="bypassPermissions", hooks=hooks, setting_sources=[])


async def _run(options: Any) -> list[Any]:
    async def collect() -> list[Any]:
        return [message async for message in sdk.query(prompt="Do the scripted task.", options=options)]

    return await asyncio.wait_for(collect(), RUN_TIMEOUT_S)


def _seen(model: FakeModel, tool_use_id: str) -> tuple[str, bool | None]:
    from fake_model import result_text

    block = model.tool_results().get(tool_use_id)
    return (result_text(block), bool(block.get("is_error"))) if block else ("", None)


def _log(project: Path) -> list[dict[str, Any]]:
    path = project / ".cedar-gates" / "hook-decisions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- live: the real SDK, the real CLI, the fake model -------------------------------------------------------------

def test_a_hard_deny_stops_the_call_and_the_model_reads_the_rule(cli_path, model, scratch):
    project = scratch["project"]
    model.load([[bash_call("mkdir -p .git/evil && touch .git/evil/x")], "done"])
    asyncio.run(_run(_options(cli_path, model, scratch, cedar_gates_hooks(blueprint=project / "agent.yaml"))))
    seen, is_error = _seen(model, FIRST)
    assert not (project / ".git" / "evil").exists()
    assert is_error is True and "cedar-gates: blocked by hard rule write_git_internals" in seen
    assert "do not retry" in seen
    record = _log(project)[0]
    assert record["final"] == "deny" and record["via"] == "claude-agent-sdk"


def test_no_matching_rule_gives_no_decision_and_the_sdk_mode_runs_the_call(cli_path, model, scratch):
    project = scratch["project"]
    model.load([[bash_call("touch ran.txt && echo RAN")], "done"])
    asyncio.run(_run(_options(cli_path, model, scratch, cedar_gates_hooks(blueprint=project / "agent.yaml"))))
    assert (project / "ran.txt").exists() and _seen(model, FIRST) == ("RAN", False)
    record = _log(project)[0]
    assert record["decision"]["stage"] == "no_match" and record["final"] == "allow"


def _decider(store: Path, act: Any) -> Any:
    """An asyncio task in the SDK's own loop: it can only act if the waiting hook leaves the loop free."""
    async def run() -> Any:
        service = ApprovalService.open(str(store))
        try:
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while time.monotonic() < deadline:
                found = await asyncio.to_thread(service.pending) if store.exists() else []
                if found:
                    return await asyncio.to_thread(act, service, found[0])
                await asyncio.sleep(0.1)
            raise AssertionError("no ask was parked in the approval store")
        finally:
            service.close()

    return run()


async def _run_with(options: Any, decider: Any) -> tuple[list[Any], Any]:
    deciding = asyncio.ensure_future(decider)
    messages = await _run(options)
    return messages, await asyncio.wait_for(deciding, 5)


def test_wait_mode_an_ask_approved_through_the_service_runs_and_its_scope_covers_the_next_call(cli_path, model,
                                                                                             scratch):
    project, store = scratch["project"], scratch["store"]
    model.load([[bash_call("touch marker.txt && echo FIRST")], [bash_call("touch marker.txt && echo SECOND")],
                "done"])
    hooks = cedar_gates_hooks(blueprint=project / "agent.yaml", approvals="wait")
    decider = _decider(store, lambda svc, req: svc.approve(req.id, "rule:touch_marker", by="test-reviewer",
                                                           input_sha256=req.input_sha256))
    _, approved = asyncio.run(_run_with(_options(cli_path, model, scratch, hooks), decider))
    assert approved.status == "approved"
    assert _seen(model, FIRST) == ("FIRST", False) and _seen(model, SECOND) == ("SECOND", False)
    service = ApprovalService.open(str(store))
    try:
        assert len(service.history()) == 1 and service.pending() == []  # the second call asked nobody
    finally:
        service.close()
    first, second = [r for r in _log(project) if r.get("event") == "PreToolUse"]
    assert first["approval"]["status"] == "approved" and first["approval"]["decided_by"] == "test-reviewer"
    assert second["decision"]["stage"] == "rule_grant" and second["final"] == "allow"


def test_wait_mode_a_denial_reaches_the_model_in_the_envelope(cli_path, model, scratch):
    project, store = scratch["project"], scratch["store"]
    model.load([[bash_call("touch marker.txt")], "done"])
    hooks = cedar_gates_hooks(blueprint=project / "agent.yaml")
    decider = _decider(store, lambda svc, req: svc.deny(req.id, "not on a Friday; open a ticket instead",
                                                        by="test-reviewer"))
    _, denied = asyncio.run(_run_with(_options(cli_path, model, scratch, hooks), decider))
    seen, is_error = _seen(model, FIRST)
    assert denied.status == "denied" and not (project / "marker.txt").exists()
    assert is_error is True and "<user_denial" in seen and "open a ticket instead" in seen


def test_a_hook_that_cannot_use_its_state_blocks_the_call(cli_path, model, scratch):
    project, root = scratch["project"], scratch["root"]
    (root / "not-a-dir").write_text("a file where the state directory should be\n")
    model.load([[bash_call("touch ran.txt && echo RAN")], "done"])
    hooks = cedar_gates_hooks(blueprint=project / "agent.yaml", state=root / "not-a-dir" / "state.sqlite3")
    asyncio.run(_run(_options(cli_path, model, scratch, hooks)))
    seen, is_error = _seen(model, FIRST)
    assert not (project / "ran.txt").exists()
    assert is_error is True and "cedar-gates could not decide on this call, so it was blocked" in seen
    assert str(root) not in seen  # no installation path reaches the model


# -- the callbacks alone (no CLI) ---------------------------------------------------------------------------------

def _event(project: Path, command: str, tool_use_id: str = "toolu_unit_1", name: str = "PreToolUse",
           session: str = "sdk-unit") -> dict[str, Any]:
    return {"session_id": session, "transcript_path": "", "cwd": str(project), "permission_mode": "bypassPermissions",
            "hook_event_name": name, "tool_name": "Bash", "tool_input": {"command": command},
            "tool_use_id": tool_use_id}


def test_the_matchers_block_on_failure_and_outlast_the_longest_ask():
    hooks = cedar_gates_hooks()
    assert set(hooks) == {"PreToolUse", "PostToolUse", "PostToolUseFailure"}
    for matchers in hooks.values():
        (matcher,) = matchers
        assert isinstance(matcher, sdk.HookMatcher) and matcher.matcher == "*" and matcher.on_failure == "block"
        assert matcher.timeout >= longest_wait_s() > 0
    assert cedar_gates_hooks(approvals="prompt")["PreToolUse"][0].timeout == 60.0
    with pytest.raises(ValueError):
        cedar_gates_hooks(approvals="defer")
    with pytest.raises(ValueError):
        cedar_gates_hooks(no_match="deny")


def test_prompt_mode_answers_ask_for_the_sdks_own_permission_flow(scratch):
    project = scratch["project"]
    hook = cedar_gates_hooks(blueprint=project / "agent.yaml", approvals="prompt")["PreToolUse"][0].hooks[0]
    out = asyncio.run(hook(_event(project, "touch marker.txt"), "toolu_unit_1", {"signal": None}))
    specific = out["hookSpecificOutput"]
    assert specific["permissionDecision"] == "ask" and "touch_marker" in specific["permissionDecisionReason"]
    assert not scratch["store"].exists()  # nothing parked


def test_a_grant_allows_and_only_cedar_gates_grants_allow(scratch):
    project = scratch["project"]
    hooks = cedar_gates_hooks(blueprint=project / "agent.yaml", task_settings={"initial_approvals": ["rule:touch_marker"]})
    hook = hooks["PreToolUse"][0].hooks[0]
    granted = asyncio.run(hook(_event(project, "touch marker.txt"), "toolu_unit_1", {}))
    assert granted["hookSpecificOutput"]["permissionDecision"] == "allow"
    assert asyncio.run(hook(_event(project, "ls", "toolu_unit_2"), "toolu_unit_2", {})) == {}
    assert asyncio.run(hooks["PostToolUse"][0].hooks[0](_event(project, "ls", "toolu_unit_2", "PostToolUse"),
                                                        "toolu_unit_2", {})) == {}


@pytest.mark.parametrize("case", ["not-an-object", "unknown-event", "no-session", "deadline", "bad-config"])
def test_every_failure_denies_with_a_block(scratch, case):
    project = scratch["project"]
    settings = GateSettings(blueprint=project / "agent.yaml")
    event: Any = _event(project, "ls")
    if case == "not-an-object":
        event = ["PreToolUse"]
    elif case == "unknown-event":
        event = {**event, "hook_event_name": "PreToolUseX"}
    elif case == "no-session":
        event = {**event, "session_id": ""}
    elif case == "deadline":
        settings = GateSettings(blueprint=project / "agent.yaml", budget_s=0.0)
    else:
        (project / "cedar-gates.toml").write_text("[hook]\napprovals = 7\n")
    out = asyncio.run(decide(event, settings))
    assert out["decision"] == "block" and "could not decide on this call" in out["reason"]
    if case != "unknown-event":
        assert out["hookSpecificOutput"]["permissionDecision"] == "deny"


def _pending(store: Path) -> list[Any]:
    service = ApprovalService.open(str(store))
    try:
        return service.pending()
    finally:
        service.close()


def test_waiting_leaves_the_event_loop_free_and_a_timeout_denies(scratch):
    """The wait runs in a worker thread: the loop keeps ticking; a deadline that passes unanswered denies."""
    import sqlite3

    project, store = scratch["project"], scratch["store"]
    hook = cedar_gates_hooks(blueprint=project / "agent.yaml")["PreToolUse"][0].hooks[0]

    async def scenario() -> tuple[dict[str, Any], int]:
        ticks = 0
        waiting = asyncio.ensure_future(hook(_event(project, "touch marker.txt"), "toolu_unit_1", {}))
        while not store.exists() or not _pending(store):
            await asyncio.sleep(0.05)
            ticks += 1
        with sqlite3.connect(store) as db:  # bring the deadline close instead of waiting five minutes
            db.execute("UPDATE approval_requests SET deadline = ?", (time.time() + 0.5,))
        while not waiting.done():
            await asyncio.sleep(0.05)
            ticks += 1
        return waiting.result(), ticks

    out, ticks = asyncio.run(scenario())
    assert ticks > 5 and out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "Nobody answered the approval request in time" in out["hookSpecificOutput"]["permissionDecisionReason"]


def test_the_docs_example_uses_the_real_api():
    import ast
    import inspect
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "sdk.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    accepted = set(inspect.signature(cedar_gates_hooks).parameters)
    options = {f.name for f in __import__("dataclasses").fields(sdk.ClaudeAgentOptions)}
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names = {k.arg for k in node.keywords}
                if node.func.id == "cedar_gates_hooks":
                    assert names <= accepted
                elif node.func.id == "ClaudeAgentOptions":
                    assert names <= options
