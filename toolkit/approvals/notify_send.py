"""One try at one channel: a signed webhook POST (urllib, no redirects) or an apprise notification.

The signature scheme (`sign`, `verify_signature`) is what receivers check;
see docs/approvals.md. Each function returns (HTTP status or None, error or
None) and raises nothing a channel can cause.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

from toolkit.approvals.notify_config import NEEDS_APPRISE, Channel

EVENT = "approval_requested"
SIGNATURE_HEADER = "X-Cedar-Gates-Signature"
TIMESTAMP_HEADER = "X-Cedar-Gates-Timestamp"
DELIVERY_HEADER = "X-Cedar-Gates-Delivery"
EVENT_HEADER = "X-Cedar-Gates-Event"
REPLAY_WINDOW_S = 300.0
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def message(data: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) for chat and phone channels."""
    rules = ", ".join(data["rules"]) or "no rule"
    title = f"cedar-gates: approval needed for {data['tool']}"
    body = (f"Request {data['id']}: {data['tool']} ({rules}; severity {data['severity'] or 'unset'}). "
            f"Decide before {data['deadline']} or it is denied.")
    if data.get("inbox"):
        body += f"\nInbox: {data['inbox']}"
    else:
        body += f"\ncedar-gates approvals show {data['id']}"
    return title, body


def sign(secret: str | bytes, body: bytes, timestamp: str) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, timestamp: str | None, signature: str | None, *,
                     now: float | None = None, tolerance_s: float = REPLAY_WINDOW_S) -> bool:
    """For receivers: True only if `signature` is ours over exactly `body` and `timestamp`, and the timestamp
    is within `tolerance_s` of `now`. Also drop a repeated `X-Cedar-Gates-Delivery` seen within the window."""
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), signature.strip())


class _NoRedirect:
    """Build lazily: urllib is only imported in the sending thread."""

    @staticmethod
    def opener() -> Any:
        import urllib.request

        class Refuse(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None  # a redirect is a failure: the body and signature go where configured, nowhere else

        return urllib.request.build_opener(Refuse)


def _post_once(channel: Channel, body: bytes, delivery: str, clock: Callable[[], float],
               timeout: float) -> tuple[int | None, str | None]:
    """(HTTP status or None, error or None)."""
    import http.client
    import urllib.error
    import urllib.request

    timestamp = str(int(clock()))
    headers = {"Content-Type": "application/json", "User-Agent": "cedar-gates-notify/1",
               TIMESTAMP_HEADER: timestamp, DELIVERY_HEADER: delivery, EVENT_HEADER: EVENT}
    if channel.secret:
        headers[SIGNATURE_HEADER] = sign(channel.secret, body, timestamp)
    target = channel.target
    parts = urlsplit(target)
    if parts.username is not None or parts.password is not None:  # user:password@ becomes Basic auth
        import base64
        from urllib.parse import unquote

        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        target = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, parts.query, ""))
    req = urllib.request.Request(target, data=body, headers=headers, method="POST")
    try:
        with _NoRedirect.opener().open(req, timeout=timeout) as resp:
            resp.read(65536)
            status = resp.status
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        return None, f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) else str(reason)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"


def _apprise_once(channel: Channel, data: Mapping[str, Any], timeout: float) -> tuple[int | None, str | None]:
    try:
        import apprise
    except ImportError:
        return None, NEEDS_APPRISE
    import logging

    title, body = message(data)
    with apprise.LogCapture(level=logging.WARNING) as logs:  # its messages go to the result, not to stderr
        sender = apprise.Apprise()
        if not sender.add(channel.target):
            return None, "apprise does not recognise this URL (see the apprise wiki for its form)"
        for server in sender:  # the library's own connect/read timeouts, no longer than ours
            for name in ("socket_connect_timeout", "socket_read_timeout"):
                if isinstance(getattr(server, name, None), (int, float)):
                    setattr(server, name, min(getattr(server, name), timeout))
        ok = sender.notify(title=title, body=body)
        detail = logs.getvalue().strip().splitlines()
    if ok:
        return None, None
    return None, "not delivered" + (f": {detail[-1]}" if detail else "")
