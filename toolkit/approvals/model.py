"""What the approval store holds: requests, grants, their statuses, and the errors a caller can meet.

Plain data with `to_json()`; the backends map rows to these and nothing else
does SQL. Times are seconds since the epoch from the service's injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
TIMED_OUT = "timed_out"
CANCELLED = "cancelled"
STATUSES = (PENDING, APPROVED, DENIED, TIMED_OUT, CANCELLED)
FINAL = frozenset(STATUSES[1:])

PREVIEW_MAX_CHARS = 2000
"""The sanitised input preview is cut to this; the hash binds the decision to the whole input."""
FACT_MAX_CHARS = 8192
"""A command or path longer than this is not kept; pattern scopes then cannot be checked and are refused."""


class ApprovalError(Exception):
    """Base of every error the approval store raises. `exit_code` is what the CLI exits with."""

    exit_code = 2


class StoreError(ApprovalError):
    """The store cannot be opened, read or written. The hook blocks the call on this."""


class NotFound(ApprovalError):
    exit_code = 1


class NotPending(ApprovalError):
    """The request already has its one outcome (or its deadline passed); `request` is its current state."""

    exit_code = 1

    def __init__(self, message: str, request: "ApprovalRequest | None" = None) -> None:
        super().__init__(message)
        self.request = request


class Refused(ApprovalError):
    """A decision that may not be made as asked: a scope outside the rules, a hash mismatch, no confirmation."""

    exit_code = 1


@dataclass(frozen=True)
class CallSummary:
    """What the scope checks need to know about the call, kept with the request (bounded, never the full input)."""

    tool_group: str | None = None
    command: str | None = None
    write_path: str | None = None
    simple_commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"tool_group": self.tool_group, "command": self.command, "write_path": self.write_path,
                "simple_commands": list(self.simple_commands)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "CallSummary":
        data = data or {}
        return cls(data.get("tool_group"), data.get("command"), data.get("write_path"),
                   tuple(data.get("simple_commands") or ()))


@dataclass(frozen=True)
class ApprovalRequest:
    id: str
    session: str
    tool_name: str
    input_preview: str
    input_sha256: str
    created: float
    deadline: float
    status: str = PENDING
    agent_id: str | None = None
    agent_type: str | None = None
    tool_use_id: str | None = None
    project: str | None = None
    rule_ids: tuple[str, ...] = ()
    severity: str | None = None
    reason: str = ""
    max_scope: str | None = None
    call: CallSummary = field(default_factory=CallSummary)
    decided_by: str | None = None
    scope: str | None = None
    deny_reason: str | None = None
    decided_at: float | None = None

    @property
    def pending(self) -> bool:
        return self.status == PENDING

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "session": self.session, "agent_id": self.agent_id, "agent_type": self.agent_type,
            "tool_use_id": self.tool_use_id, "project": self.project, "tool_name": self.tool_name,
            "input_preview": self.input_preview, "input_sha256": self.input_sha256, "rule_ids": list(self.rule_ids),
            "severity": self.severity, "reason": self.reason, "max_scope": self.max_scope,
            "created": self.created, "deadline": self.deadline, "status": self.status,
            "decided_by": self.decided_by, "scope": self.scope, "deny_reason": self.deny_reason,
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True)
class Grant:
    """A scope granted to a session by an approval; `scope` is concrete (`tool_type_session` becomes `tool_type:X`)."""

    id: str
    session: str
    scope: str
    request_id: str
    input_sha256: str
    tool_name: str
    granted_by: str
    granted_at: float
    revoked_at: float | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "session": self.session, "scope": self.scope, "request_id": self.request_id,
                "input_sha256": self.input_sha256, "tool_name": self.tool_name, "granted_by": self.granted_by,
                "granted_at": self.granted_at, "revoked_at": self.revoked_at, "revoked_by": self.revoked_by,
                "active": self.active}
