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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from toolkit.engine.records import ALLOW, Approve, Decision, Deny, Resolution, Timeout
from toolkit.hook.events import HookEvent

PROMPT = "prompt"
WAIT = "wait"
AUTO = "auto"
MODES = (PROMPT, WAIT, AUTO)
WAIT_MARGIN_S = 15.0
"""Time the hook keeps past an ask's deadline to expire it, apply the outcome and answer."""


def approvals_mode(config: Any, headless: bool) -> str:
    mode = getattr(config, "hook_approvals", PROMPT)
    if mode == AUTO:
        return WAIT if headless else PROMPT
    return mode


@dataclass(frozen=True)
class Waited:
    resolution: Resolution
    request_id: str
    decided_by: str | None
    approval: dict[str, Any]
    """For the decision log: the request, its status, who decided, the scope or reason, and the time to decide."""


def park_and_wait(decision: Decision, event: HookEvent, gate: Any, config: Any, max_scope: str | None,
                  log: Callable[[dict[str, Any]], None] | None, rearm: Callable[[float], None] | None,
                  apply: Callable[[Decision, Any, Any], Resolution]) -> Waited:
    """Park the ask, wait for its one outcome, and apply it with `apply(decision, open_gate, response)`."""
    from toolkit.approvals import ApprovalService
    from toolkit.approvals.model import APPROVED, CANCELLED, DENIED

    open_gate = gate.state.open_gates[decision.request_id]
    service = ApprovalService.open(configured=getattr(config, "approvals_store", None), sink=log)
    try:
        request = service.create(decision, session_id=event.session_id, tool_input=event.tool_input,
                                 tool_use_id=event.tool_use_id, project=event.cwd, call=open_gate.call,
                                 max_scope=max_scope)
        if rearm is not None:
            rearm(request.deadline - service.clock() + WAIT_MARGIN_S)
        settled = service.wait(request.id)
    finally:
        service.close()
    if settled.status == APPROVED:
        response: Any = Approve(settled.scope or "this_call")
    elif settled.status in (DENIED, CANCELLED):
        response = Deny(settled.deny_reason or f"the approval request was {settled.status}")
    else:
        response = Timeout()
    approval = {"id": settled.id, "status": settled.status, "decided_by": settled.decided_by, "scope": settled.scope,
                "deny_reason": settled.deny_reason, "store": service.store_name,
                "time_to_decide_s": None if settled.decided_at is None else round(settled.decided_at - settled.created, 3)}
    return Waited(apply(decision, open_gate, response), settled.id, settled.decided_by, approval)


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
