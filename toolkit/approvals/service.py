"""The approval service: park an ask, wait for its one outcome, decide it, list and revoke grants.

The hook (and later the web inbox and the SDK integration) call this; the CLI
is a thin shell over it. Each state change is the backend's conditional update,
so the service adds checks (scope rules, the input hash the decider saw) but
never a read-then-write race. Pending requests past their deadline are turned
into `timed_out` before anything is read or decided, and an approval's own
UPDATE requires `deadline > now`: nothing is ever approved late.

Every request and decision is handed to the optional `sink` (one JSON object
each) for the decision log; a failing sink is recorded in `sink_errors` and
never changes an outcome.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from toolkit.approvals.model import (
    APPROVED,
    CANCELLED,
    DENIED,
    FACT_MAX_CHARS,
    PENDING,
    PREVIEW_MAX_CHARS,
    TIMED_OUT,
    ApprovalRequest,
    CallSummary,
    Grant,
    NotFound,
    NotPending,
    Refused,
)
from toolkit.approvals.redact import safe_text
from toolkit.approvals.scoping import admit
from toolkit.approvals.sqlbase import SqlBackend
from toolkit.contract import Constants, load_constants
from toolkit.engine.records import REQUIRE_APPROVAL, Decision
from toolkit.engine.sanitize import STEERING_DENIED, STEERING_TIMED_OUT, agent_reason, denial_envelope
from toolkit.engine.scopes import CallFacts, tool_group
from toolkit.toolcall import WRITE_PATH_KEYS

Sink = Callable[[dict[str, Any]], None]
POLL_INTERVAL_S = 0.2
STEERING_CANCELLED = ("The approval request for this tool call was withdrawn, so the call was denied. Do not retry "
                      "it; ask the user how to proceed.")


@dataclass(frozen=True)
class AgentAnswer:
    """What the agent is told about a settled request: `allow` or `deny`, the agent-facing reason, an envelope."""

    outcome: str
    reason: str
    scope: str | None = None
    envelope: str | None = None


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def _summary(tool_name: str, tool_input: Mapping[str, Any], call: CallFacts | None) -> CallSummary:
    if call is None:
        command = tool_input.get("command") if tool_name == "Bash" else None
        path_key = WRITE_PATH_KEYS.get(tool_name)
        path = tool_input.get(path_key) if path_key else None
        call = CallFacts(tool_name, tool_group(tool_name), command if isinstance(command, str) else None,
                         path if isinstance(path, str) else None)

    def bounded(text: str | None) -> str | None:
        return text if text is not None and len(text) <= FACT_MAX_CHARS else None

    simple = tuple(call.simple_commands)
    if sum(len(s) for s in simple) > FACT_MAX_CHARS:
        return CallSummary(call.group, None, bounded(call.write_path))  # no command: patterns cannot vouch for it
    return CallSummary(call.group, bounded(call.command), bounded(call.write_path), simple)


def preview(tool_input: Mapping[str, Any]) -> str:
    """Sanitised (control sequences out, secrets redacted) and bounded; for eyes, never for matching."""
    try:
        text = json.dumps(tool_input, sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(tool_input)
    return safe_text(text, PREVIEW_MAX_CHARS)


class ApprovalService:
    def __init__(self, backend: SqlBackend, constants: Constants | None = None,
                 clock: Callable[[], float] = time.time, sink: Sink | None = None,
                 poll_interval_s: float = POLL_INTERVAL_S) -> None:
        self.backend = backend
        self.constants = constants or load_constants()
        self.clock = clock
        self.sink = sink
        self.poll_interval_s = poll_interval_s
        self.sink_errors: list[str] = []

    @classmethod
    def open(cls, location: str | None = None, configured: str | None = None, **kwargs: Any) -> "ApprovalService":
        """The service over the store at `location` (see toolkit.approvals.location for the order)."""
        from toolkit.approvals.location import open_backend, store_location

        return cls(open_backend(store_location(location, configured)), **kwargs)

    @property
    def store_name(self) -> str:
        return self.backend.name

    def close(self) -> None:
        self.backend.close()

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        if self.sink is None:
            return
        try:
            self.sink({"event": event, **data})
        except Exception as exc:  # noqa: BLE001 - the log must not change an outcome
            self.sink_errors.append(f"{event}: {type(exc).__name__}: {exc}")

    # -- parking an ask -------------------------------------------------------------

    def create(self, decision: Decision, *, session_id: str, tool_input: Mapping[str, Any],
               agent_id: str | None = None, agent_type: str | None = None, tool_use_id: str | None = None,
               project: str | None = None, call: CallFacts | None = None, max_scope: str | None = None,
               timeout_s: float | None = None) -> ApprovalRequest:
        """Park a `require_approval` decision; the deadline is now + `timeout_s` (default: the decision's timeout)."""
        if decision.outcome != REQUIRE_APPROVAL:
            raise ValueError(f"{decision.request_id} is `{decision.outcome}`; only require_approval is parked")
        sha = decision.input_sha256
        if sha is None:
            from toolkit.engine.gate import input_digest

            sha = input_digest(tool_input).hex
        now = self.clock()
        timeout = timeout_s if timeout_s is not None else (decision.timeout_s or
                                                           self.constants.approval_timeout_s.default)
        request = ApprovalRequest(
            id=new_id("ap"), session=session_id, agent_id=agent_id, agent_type=agent_type, tool_use_id=tool_use_id,
            project=project, tool_name=decision.tool_name, input_preview=preview(tool_input), input_sha256=sha,
            rule_ids=tuple(sorted(decision.soft_rule_ids)), severity=decision.severity,
            reason=safe_text(decision.reason, PREVIEW_MAX_CHARS), max_scope=max_scope,
            call=_summary(decision.tool_name, tool_input, call), created=now, deadline=now + float(timeout))
        self.backend.insert(request)
        self._emit("approval_requested", request.to_json())
        return request

    # -- reading ----------------------------------------------------------------------

    def expire(self) -> list[str]:
        """Every pending request past its deadline becomes timed_out; returns the ids this call expired."""
        now = self.clock()
        expired = self.backend.expire(now)
        for rid in expired:
            found = self.backend.get(rid)
            if found is not None:
                self._decided(found)
        return expired

    def get(self, request_id: str) -> ApprovalRequest:
        self.expire()
        found = self.backend.get(request_id)
        if found is None:
            raise NotFound(f"no approval request {request_id!r} in the {self.store_name}")
        return found

    def pending(self, session: str | None = None, limit: int = 200) -> list[ApprovalRequest]:
        """Pending requests, the nearest deadline first."""
        self.expire()
        return self.backend.find((PENDING,), session, limit, newest_first=False)

    def history(self, session: str | None = None, limit: int = 50) -> list[ApprovalRequest]:
        """Settled requests, newest first."""
        self.expire()
        return self.backend.find((APPROVED, DENIED, TIMED_OUT, CANCELLED), session, limit, newest_first=True)

    def wait(self, request_id: str, until: float | None = None, interval_s: float | None = None,
             sleep: Callable[[float], None] = time.sleep) -> ApprovalRequest:
        """Poll until the request is settled or `until` (default: its deadline) passes.

        At its deadline a pending request is expired here (the conditional update
        still lets a decision that committed first win). A request still pending
        when an earlier `until` passes is returned pending.
        """
        interval = self.poll_interval_s if interval_s is None else interval_s
        while True:
            found = self.backend.get(request_id)
            if found is None:
                raise NotFound(f"no approval request {request_id!r} in the {self.store_name}")
            if not found.pending:
                return found
            now = self.clock()
            if now >= found.deadline:
                if self.backend.expire(now, request_id):
                    settled = self.backend.get(request_id) or found
                    self._decided(settled)
                    return settled
                continue
            limit = found.deadline if until is None else min(until, found.deadline)
            if now >= limit:
                return found
            sleep(max(0.0, min(interval, limit - now)))

    # -- deciding ---------------------------------------------------------------------

    def _pending_or_raise(self, request_id: str) -> ApprovalRequest:
        found = self.get(request_id)
        if not found.pending:
            raise NotPending(_settled_text(found), found)
        return found

    def _lost(self, request_id: str) -> NotPending:
        self.expire()
        found = self.backend.get(request_id)
        return NotPending(_settled_text(found) if found else f"approval request {request_id!r} is gone", found)

    def approve(self, request_id: str, scope: str = "this_call", *, by: str, input_sha256: str | None = None,
                confirmed: bool = False) -> ApprovalRequest:
        """Approve with `scope`; `input_sha256` is the hash the decider saw (refused when it is not the request's)."""
        found = self._pending_or_raise(request_id)
        if input_sha256 is not None and input_sha256.strip().lower() != found.input_sha256:
            raise Refused(f"request {request_id} is for input sha256 {found.input_sha256}, not {input_sha256.strip()}; "
                          "look at it again (`cedar-gates approvals show`) before approving")
        admitted = admit(found, scope, self.constants.scope_max_length, confirmed)
        now = self.clock()
        grant = None
        if admitted.grant is not None:
            grant = Grant(new_id("gr"), found.session, admitted.grant.text, found.id, found.input_sha256,
                          found.tool_name, by, now)
        if not self.backend.settle(request_id, APPROVED, now, by, admitted.scope.text, None, found.input_sha256, grant):
            raise self._lost(request_id)
        settled = self.backend.get(request_id) or found
        self._decided(settled, grant)
        return settled

    def deny(self, request_id: str, reason: str, *, by: str) -> ApprovalRequest:
        """Deny; the reason is cleaned, redacted and cut to the contract's deny reason length before it is stored."""
        words = safe_text(reason or "", self.constants.deny_reason_max_length)
        if not words:
            raise Refused("a denial needs a reason (the model reads it); say what to do instead")
        self._pending_or_raise(request_id)
        if not self.backend.settle(request_id, DENIED, self.clock(), by, None, words, None, None):
            raise self._lost(request_id)
        settled = self.backend.get(request_id)
        assert settled is not None
        self._decided(settled)
        return settled

    def cancel(self, request_id: str, *, by: str | None = None) -> ApprovalRequest:
        """Withdraw a pending request (the hook gave up on it, the session ended); the call is denied."""
        self._pending_or_raise(request_id)
        if not self.backend.settle(request_id, CANCELLED, self.clock(), by, None, None, None, None):
            raise self._lost(request_id)
        settled = self.backend.get(request_id)
        assert settled is not None
        self._decided(settled)
        return settled

    def _decided(self, r: ApprovalRequest, grant: Grant | None = None) -> None:
        self._emit("approval_decided", {
            "id": r.id, "session": r.session, "tool_name": r.tool_name, "rule_ids": list(r.rule_ids),
            "input_sha256": r.input_sha256, "status": r.status, "decided_by": r.decided_by, "scope": r.scope,
            "grant": grant.to_json() if grant else None, "deny_reason": r.deny_reason, "decided_at": r.decided_at,
            "time_to_decide_s": None if r.decided_at is None else round(r.decided_at - r.created, 3)})

    # -- grants -------------------------------------------------------------------------

    def grants(self, session: str | None = None, include_revoked: bool = False) -> list[Grant]:
        return self.backend.grants(session, include_revoked)

    def revoke(self, grant_id: str, *, by: str) -> Grant:
        found = self.backend.grant(grant_id)
        if found is None:
            raise NotFound(f"no grant {grant_id!r} in the {self.store_name}")
        if not self.backend.revoke(grant_id, self.clock(), by):
            raise NotPending(f"grant {grant_id} was already revoked")
        revoked = self.backend.grant(grant_id) or found
        self._emit("approval_grant_revoked", revoked.to_json())
        return revoked

    # -- what the agent is told -----------------------------------------------------------

    def answer(self, request: ApprovalRequest) -> AgentAnswer:
        """The agent-facing outcome of a settled request; anything not approved denies."""
        limit = self.constants.agent_reason_max_chars
        if request.status == APPROVED:
            return AgentAnswer("allow", f"approved by {request.decided_by} with scope {request.scope}", request.scope)
        if request.status == DENIED:
            reason = agent_reason(STEERING_DENIED, request.deny_reason, limit)
            return AgentAnswer("deny", reason, envelope=denial_envelope(request.id, request.decided_at or 0.0, reason))
        if request.status == CANCELLED:
            return AgentAnswer("deny", agent_reason(STEERING_CANCELLED, None, limit))
        return AgentAnswer("deny", agent_reason(STEERING_TIMED_OUT, None, limit))


def _settled_text(r: ApprovalRequest) -> str:
    if r.status == TIMED_OUT:
        return f"request {r.id} timed out (its deadline passed); nothing can be decided any more"
    who = f" by {r.decided_by}" if r.decided_by else ""
    return f"request {r.id} is already {r.status}{who}; it has exactly one outcome"
