"""The cedar-gates gate inside the Claude Agent SDK (`claude-agent-sdk`), in process.

`cedar_gates_hooks(...)` returns the `hooks=` mapping for `ClaudeAgentOptions`:
one PreToolUse, one PostToolUse and one PostToolUseFailure matcher (`*`) whose
callbacks decide each event exactly as `cedar-gates hook claude-code` does.
They build the same event object Claude Code pipes to the command hook and run
the hook service's own steps (`toolkit.hook.service`: configuration, session
state in SQLite, the compiled bundle, the gate, the approval store) in a worker
thread, so the event loop never blocks — not even while an ask waits for a human.

What the SDK is told:

* a hard rule, cap, rate limit or cache denies: `permissionDecision: "deny"` with
  the engine's reason (the model reads it);
* no rule matched: nothing (`{}`), so the SDK's own permission mode and rules apply;
* a scope a human granted, or a task pre-approval: `allow`;
* a soft rule, `approvals="wait"` (the default): the ask is parked in the approval
  store (docs/approvals.md) and waited for; approved → `allow` (an approved scope
  becomes a session grant), denied / timed out / cancelled → `deny` (a denial in
  the engine's envelope, with the human's reason);
  `approvals="prompt"`: `ask`, for the SDK's own `can_use_tool` callback or mode;
* anything that goes wrong — an exception, a store that cannot be read or
  written, policies that do not lint clean, a deadline passed — `deny` with a
  block (`decision: "block"`), and every matcher has `on_failure="block"` so a
  failure the callback cannot catch (a timeout in the CLI) blocks as well.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from toolkit.engine.clock import Clock

WAIT = "wait"
PROMPT = "prompt"
CONFIG = "config"
MODES = (WAIT, PROMPT, CONFIG)
EVALUATE_BUDGET_S = 45.0
"""How long one event may take when nobody is waited for (the command hook's own deadline)."""
WAIT_MARGIN_S = 60.0
"""The matchers' SDK timeout exceeds the longest ask the contract allows by this much."""
ATTENDED = "CLAUDE_CODE_SESSION_ATTENDED"


class GateBlocked(RuntimeError):
    """The gate could not decide (raised only inside the callbacks, which turn it into a deny)."""


@dataclass
class _Deadline:
    """A monotonic deadline the worker thread may move (the service calls `rearm` before it waits for a human)."""

    at: float
    moved: list[float] = field(default_factory=list)

    def rearm(self, seconds: float) -> None:
        self.at = time.monotonic() + max(0.0, float(seconds))
        self.moved.append(seconds)


@dataclass(frozen=True)
class GateSettings:
    """What `cedar_gates_hooks` was given; one instance serves every event of every session."""

    blueprint: Path | None = None
    config: Path | None = None
    task_settings: Mapping[str, Any] | None = None
    state: Path | None = None
    log: Path | None = None
    project: Path | None = None
    approvals: str = WAIT
    no_match: str | None = None
    environ: Mapping[str, str] | None = None
    clock: Clock | None = None
    budget_s: float = EVALUATE_BUDGET_S
    busy_timeout_s: float = 10.0


def blocked_output(event_name: str, reason: str) -> dict[str, Any]:
    """The SDK answer when the gate could not decide: block, and (before the call) deny with the reason."""
    from toolkit.hook.service import blocked_message

    text = blocked_message(reason)
    out: dict[str, Any] = {"decision": "block", "reason": text}
    if event_name == "PreToolUse":
        out["hookSpecificOutput"] = {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                     "permissionDecisionReason": text}
    return out


def _one_line(exc: BaseException) -> str:
    from toolkit.hook.service import fault_reason

    return fault_reason(exc)


def _environ(settings: GateSettings, event: Mapping[str, Any]) -> dict[str, str]:
    base = dict(settings.environ) if settings.environ is not None else {}
    if settings.project is not None:
        base["CLAUDE_PROJECT_DIR"] = str(settings.project)
    if settings.approvals == PROMPT:
        base[ATTENDED] = "1"  # the ask goes to the platform's can_use_tool / permission mode, not refused here
    return base


def evaluate(event: Mapping[str, Any], settings: GateSettings, rearm: Callable[[float], None] | None = None
             ) -> dict[str, Any]:
    """One SDK hook event, decided by the hook service itself (the same steps as the CLI hook); raises when it
    cannot decide. The SDK's `approvals` and `no_match` override `[hook]`'s; log records are marked `via`."""
    from toolkit.engine.clock import SystemClock
    from toolkit.hook import service

    options = service.HookOptions(blueprint=settings.blueprint, task_settings=settings.task_settings,
                                  state=settings.state, config=settings.config, log=settings.log,
                                  busy_timeout_s=settings.busy_timeout_s, rearm=rearm,
                                  approvals=settings.approvals if settings.approvals in (WAIT, PROMPT) else None,
                                  no_match=settings.no_match, via="claude-agent-sdk")
    raw = json.dumps(dict(event), ensure_ascii=False).encode("utf-8")
    return service.decide_event(raw, options, settings.clock or SystemClock(), _environ(settings, event))


def _sdk_output(event_name: str, answer: Mapping[str, Any]) -> dict[str, Any]:
    """The service's answer, as the SDK's hook output: `{}` (no decision) or the PreToolUse permission decision."""
    specific = answer.get("hookSpecificOutput")
    if not specific:
        return {}
    decision = specific.get("permissionDecision")
    if event_name != "PreToolUse" or decision not in ("allow", "deny", "ask"):
        raise GateBlocked(f"the gate answered {str(decision)[:40]!r}, which the SDK integration does not pass on")
    out: dict[str, Any] = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                                  "permissionDecisionReason": specific.get(
                                                      "permissionDecisionReason", "")}}
    if decision == "deny":
        out["reason"] = out["hookSpecificOutput"]["permissionDecisionReason"]
    return out


async def decide(event: Mapping[str, Any], settings: GateSettings) -> dict[str, Any]:
    """The SDK hook output for one event. Never raises (a cancellation excepted): any failure blocks the call."""
    name = str(event.get("hook_event_name", "PreToolUse")) if isinstance(event, Mapping) else "PreToolUse"
    try:
        if not isinstance(event, Mapping):
            raise GateBlocked("the SDK passed a hook input that is not an object")
        deadline = _Deadline(time.monotonic() + settings.budget_s)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()

        def settle(ok: bool, value: Any) -> None:
            if not done.done():
                (done.set_result if ok else done.set_exception)(value)

        def work() -> None:
            try:
                outcome: tuple[bool, Any] = (True, evaluate(event, settings, deadline.rearm))
            except BaseException as exc:  # noqa: BLE001 - fail closed on anything
                outcome = (False, exc)
            try:
                loop.call_soon_threadsafe(settle, *outcome)
            except RuntimeError:  # the loop is gone (the caller gave up and closed it): nobody is left to tell
                pass

        # a daemon thread, not the loop's executor: a worker stuck past its deadline never holds up the process's exit
        threading.Thread(target=work, name=f"cedar-gates-{name}", daemon=True).start()
        while True:
            left = deadline.at - time.monotonic()
            if left <= 0:
                raise GateBlocked("the gate took longer than its deadline")
            try:
                answer = await asyncio.wait_for(asyncio.shield(done), timeout=min(left, 1.0))
                break
            except asyncio.TimeoutError:
                continue
        return _sdk_output(name, answer)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # noqa: BLE001 - fail closed on anything
        return blocked_output(name, _one_line(exc))


def longest_wait_s() -> float:
    """The SDK timeout a waiting matcher needs: the longest ask the contract allows, plus a margin."""
    from toolkit.contract import load_constants

    return float(load_constants().approval_timeout_s.max) + WAIT_MARGIN_S


def cedar_gates_hooks(blueprint: str | Path | None = None, config: str | Path | None = None,
                      task_settings: Mapping[str, Any] | None = None, state: str | Path | None = None,
                      approvals: str = WAIT, *, log: str | Path | None = None, project: str | Path | None = None,
                      no_match: str | None = None, environ: Mapping[str, str] | None = None,
                      clock: Clock | None = None, budget_s: float = EVALUATE_BUDGET_S,
                      timeout_s: float | None = None) -> dict[str, list[Any]]:
    """The `hooks=` mapping for `ClaudeAgentOptions`: cedar-gates decides every tool call.

    `blueprint`, `config`, `task_settings`, `state`, `log`: as the command hook's
    options (docs/hook.md). `approvals`: `"wait"` (park asks in the approval store
    and wait for a human), `"prompt"` (answer `ask`, for the SDK's `can_use_tool`
    or permission mode), or `"config"` (`[hook] approvals` decides). `project`:
    where the default state and log live (`<project>/.cedar-gates/`; default: the
    session's `cwd`). `no_match`: override `[hook] no-match`. `timeout_s`: the
    SDK's timeout for each callback (default: 60 s, or the longest ask plus a
    margin when asks are waited for).
    """
    from claude_agent_sdk import HookMatcher

    if approvals not in MODES:
        raise ValueError(f"approvals must be one of {', '.join(MODES)}, not {approvals!r}")
    if no_match not in (None, "pass", "allow"):
        raise ValueError(f"no_match must be 'pass' or 'allow', not {no_match!r}")
    path = lambda value: None if value is None else Path(value)  # noqa: E731
    settings = GateSettings(blueprint=path(blueprint), config=path(config),
                            task_settings=dict(task_settings) if task_settings is not None else None,
                            state=path(state), log=path(log), project=path(project), approvals=approvals,
                            no_match=no_match, environ=dict(environ) if environ is not None else None, clock=clock,
                            budget_s=budget_s)
    if timeout_s is None:
        timeout_s = max(60.0, budget_s + 15.0, longest_wait_s() if approvals != PROMPT else 0.0)

    async def gate(input_data: Any, tool_use_id: str | None, context: Any) -> dict[str, Any]:
        event = dict(input_data) if isinstance(input_data, Mapping) else input_data
        if isinstance(event, dict) and tool_use_id and not event.get("tool_use_id"):
            event["tool_use_id"] = tool_use_id
        return await decide(event, settings)

    gate.cedar_gates_settings = settings  # type: ignore[attr-defined]
    return {event: [HookMatcher(matcher="*", hooks=[gate], timeout=timeout_s, on_failure="block")]
            for event in ("PreToolUse", "PostToolUse", "PostToolUseFailure")}


__all__ = ["CONFIG", "GateBlocked", "GateSettings", "MODES", "PROMPT", "WAIT", "blocked_output",
           "cedar_gates_hooks", "decide", "evaluate", "longest_wait_s"]
