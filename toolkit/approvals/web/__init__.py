"""The web inbox (`cedar-gates approvals serve`): pending asks, approve with a scope, deny with a reason, history.

A small Starlette application over `ApprovalService`; every decision goes
through the service, so the store's one-outcome guarantee holds and a restart
loses nothing. The security rules live in `toolkit.approvals.web.guard`:
loopback by default, a secret token, Host and Origin checks, CSRF tokens,
strict headers. See docs/approvals.md, "Web inbox".
"""

from __future__ import annotations

from toolkit.approvals.web.app import InboxSettings, create_app
from toolkit.approvals.web.server import Inbox, RemoteRefused, is_loopback

__all__ = ["Inbox", "InboxSettings", "RemoteRefused", "create_app", "is_loopback"]
