"""An ask answered out of band: parked in the approval store, waited for without the state lock, applied.

`[hook] approvals = "wait"` (or `"auto"` in a headless session) turns a
require_approval decision into a request in the approval store
(docs/approvals.md). The hook then waits — holding no lock, so the session's
other calls go on — until someone decides with `cedar-gates approvals`, or
the ask's deadline passes (a timeout denies). The human's answer is applied
through the engine's own `resolve` in a second short transaction, so an
approved scope becomes a session grant and a denial feeds the deny caches.
A store that cannot be opened, written or read raises, and the hook blocks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from toolkit.engine.records import ALLOW, Approve, Decision, Deny, Resolution, Timeout
from toolkit.hook.events import HookEvent
from toolkit.record import record

PROMPT = "prompt"
WAIT = "wait"
DEFER = "defer"
AUTO = "auto"
MODES = (PROMPT, WAIT, DEFER, AUTO)
WAIT_MARGIN_S = 15.0
"""Time the hook keeps past an ask's deadline to expire it, apply the outcome and answer."""


def approvals_mode(config: Any, headless: bool, override: str | None = None) -> str:
    """`defer` only means something where no human attends (claude -p); `auto` waits there and prompts elsewhere."""
    mode = override or getattr(config, "hook_approvals", PROMPT)
    if mode == AUTO:
        return WAIT if headless else PROMPT
    if mode == DEFER and not headless:
        return PROMPT
    return mode


@record
class Waited:
    resolution: Resolution
    request_id: str
    decided_by: str | None
    approval: dict[str, Any]
    """For the decision log: the request, its status, who decided, the scope or reason, and the time to decide."""


def _service(config: Any, log: Callable[[dict[str, Any]], None] | None) -> Any:
    from toolkit.approvals import ApprovalService

    return ApprovalService.open(configured=getattr(config, "approvals_store", None), sink=log)


def response_to(settled: Any) -> Any:
    from toolkit.approvals.model import APPROVED, CANCELLED, DENIED

    if settled.status == APPROVED:
        return Approve(settled.scope or "this_call")
    if settled.status in (DENIED, CANCELLED):
        return Deny(settled.deny_reason or f"the approval request was {settled.status}")
    return Timeout()


def _approval(settled: Any, store: str) -> dict[str, Any]:
    return {"id": settled.id, "status": settled.status, "decided_by": settled.decided_by, "scope": settled.scope,
            "deny_reason": settled.deny_reason, "store": store,
            "time_to_decide_s": None if settled.decided_at is None else round(settled.decided_at - settled.created, 3)}


def park_and_wait(decision: Decision, event: HookEvent, gate: Any, config: Any, max_scope: str | None,
                  log: Callable[[dict[str, Any]], None] | None, rearm: Callable[[float], None] | None,
                  apply: Callable[[Decision, Any, Any], Resolution]) -> Waited:
    """Park the ask, wait for its one outcome, and apply it with `apply(decision, open_gate, response)`."""
    open_gate = gate.state.open_gates[decision.request_id]
    service = _service(config, log)
    try:
        request = service.create(decision, session_id=event.session_id, tool_input=event.tool_input,
                                 tool_use_id=event.tool_use_id, project=event.cwd, agent_id=event.agent_id,
                                 agent_type=event.agent_type, call=open_gate.call, max_scope=max_scope)
        if rearm is not None:
            rearm(request.deadline - service.clock() + WAIT_MARGIN_S)
        _tell_channels(request, config, service.clock, log)
        settled = service.wait(request.id)
    finally:
        service.close()
    return Waited(apply(decision, open_gate, response_to(settled)), settled.id, settled.decided_by,
                  _approval(settled, service.store_name))


def park(decision: Decision, event: HookEvent, gate: Any, config: Any, max_scope: str | None,
         log_path: Path | None) -> str:
    """Park the ask for a deferred call; the id of its request in the approval store.

    The hook answers and exits at once, so channels are told by a detached process that outlives it.
    """
    from toolkit.approvals.notify import notify_detached
    from toolkit.approvals.notify_config import Channels

    service = _service(config, log_sink(log_path))
    try:
        request = service.create(decision, session_id=event.session_id, tool_input=event.tool_input,
                                 tool_use_id=event.tool_use_id, project=event.cwd, agent_id=event.agent_id,
                                 agent_type=event.agent_type, call=gate.state.open_gates[decision.request_id].call,
                                 max_scope=max_scope)
    finally:
        service.close()
    if Channels.from_config(config).channels:
        spawned = notify_detached(request, getattr(config, "approvals_notify", None),
                                  str(log_path) if log_path else None)
        if log_path is not None:
            log_sink(log_path)(spawned)  # type: ignore[misc]
    return request.id


def _tell_channels(request: Any, config: Any, clock: Callable[[], float],
                   log: Callable[[dict[str, Any]], None] | None) -> None:
    """Notifications go out while the hook waits; a failing or slow channel never blocks or decides anything."""
    from toolkit.approvals.notify import notify
    from toolkit.approvals.notify_config import Channels

    channels = Channels.from_config(config)
    if channels.channels:
        notify(request, channels, clock=clock, on_result=log)


def settled_request(approval_id: str, config: Any, log: Callable[[dict[str, Any]], None] | None) -> Any | None:
    """The deferred call's request once it has its outcome (a deadline passed counts), else None."""
    service = _service(config, log)
    try:
        found = service.get(approval_id)
    finally:
        service.close()
    return None if found.pending else found


def resumed(settled: Any, resolution: Resolution, store: str) -> Waited:
    return Waited(resolution, settled.id, settled.decided_by, _approval(settled, store))


def defer_answer(decision: Decision, approval_id: str) -> dict[str, Any]:
    """Claude Code ends a `claude -p` run on `defer`; the platform resumes it (`--resume`) once someone decided."""
    text = (f"cedar-gates: approval required by {', '.join(decision.soft_rule_ids)} (severity {decision.severity}); "
            f"deferred until someone decides: cedar-gates approvals approve|deny {approval_id}")
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "defer",
                                   "permissionDecisionReason": text}}


def answer_of(waited: Waited, limit: int) -> dict[str, Any]:
    """Allow after an approval; otherwise deny with the engine's agent-facing text (a denial in its envelope)."""
    from toolkit.engine.sanitize import clean, truncate

    resolution = waited.resolution
    if resolution.outcome == ALLOW:
        text = truncate(clean(f"cedar-gates: approved by {waited.decided_by or 'a human'} ({resolution.reason})"),
                        limit)
        decision = "allow"
    else:  # the engine's agent-facing text, already cleaned and capped; an envelope is never cut
        text = resolution.envelope or resolution.reason
        decision = "deny"
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                   "permissionDecisionReason": text}}


def log_sink(path: Path | None) -> Callable[[dict[str, Any]], None] | None:
    """The approval service's events, appended to the hook's decision log."""
    if path is None:
        return None
    from toolkit.hook.ownfiles import append_line

    return lambda record: append_line(path, json.dumps(record, ensure_ascii=False) + "\n")


def revoked_scopes(config: Any, session_id: str) -> list[str]:
    """Scopes a human revoked for this session in the approval store (they stop allowing at the next call)."""
    service = _service(config, None)
    try:
        return [g.scope for g in service.grants(session_id, include_revoked=True) if g.revoked_at is not None]
    finally:
        service.close()

