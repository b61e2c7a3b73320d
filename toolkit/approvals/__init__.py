"""Human approvals out of band (DESIGN §14): the approval store and deciding.

`ApprovalService` is the API the hook, the CLI and later the web inbox call:
`create` parks a `require_approval` decision, `wait` blocks until its one
outcome (or a deadline), `approve` / `deny` / `cancel` / `expire` settle it,
`grants` / `revoke` manage the session grants approvals create, `answer` says
what the agent is told. Backends: SQLite (default, in the user's state
directory) and PostgreSQL (`postgresql://…`). See docs/approvals.md.
"""

from __future__ import annotations

from toolkit.approvals.model import (
    APPROVED,
    CANCELLED,
    DENIED,
    PENDING,
    STATUSES,
    TIMED_OUT,
    ApprovalError,
    ApprovalRequest,
    Grant,
    NotFound,
    NotPending,
    Refused,
    StoreError,
)
from toolkit.approvals.service import AgentAnswer, ApprovalService

__all__ = [
    "APPROVED", "CANCELLED", "DENIED", "PENDING", "STATUSES", "TIMED_OUT", "AgentAnswer", "ApprovalError",
    "ApprovalRequest", "ApprovalService", "Grant", "NotFound", "NotPending", "Refused", "StoreError",
]
