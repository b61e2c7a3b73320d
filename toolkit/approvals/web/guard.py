"""The inbox's front door: every request passes these checks before any page or action runs.

In order: the Host header must name the address the inbox is bound to (or a
localhost name for a loopback bind), so a DNS-rebinding page cannot talk to
it; only GET, HEAD and POST exist; a POST must come from the inbox's own
origin (`Origin`, and `Sec-Fetch-Site` when the browser sends it); the caller
must hold the secret token, either in the URL printed at start (`?token=`, then
exchanged for an HttpOnly, SameSite=Strict session cookie and a redirect that
drops the token from the address bar) or through that cookie. Browsers
send `Origin: null` on a form post under `Referrer-Policy: no-referrer`; such a
post passes only with `Sec-Fetch-Site: same-origin`. Each browser
session has its own CSRF token, which the action endpoints check.

Every response, refusals included, carries the security headers.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import urlencode

from starlette.datastructures import Headers, QueryParams
from starlette.responses import PlainTextResponse, RedirectResponse, Response

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
     "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("cache-control", "no-store"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
MAX_SESSIONS = 64
"""Browser sessions kept; the oldest is dropped first (its browser opens the token URL again)."""


@dataclass
class BrowserSession:
    id: str
    csrf: str
    created: float
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(presented.encode(), self.csrf.encode())


class Sessions:
    """In-memory browser sessions (a restart only asks the browser to open the new token URL)."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._items: OrderedDict[str, BrowserSession] = OrderedDict()
        self._lock = threading.Lock()
        self.limit = limit

    def new(self) -> BrowserSession:
        session = BrowserSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.time())
        with self._lock:
            self._items[session.id] = session
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> BrowserSession | None:
        if not session_id:
            return None
        with self._lock:
            for known, session in self._items.items():
                if hmac.compare_digest(known.encode(), session_id.encode()):
                    return session
        return None


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(f"cedar-gates inbox: {text}\n", status_code=status)


class Guard:
    """ASGI middleware enforcing the rules above; sets `scope["state"]["browser"]` for the endpoints."""

    def __init__(self, app: ASGIApp, *, token: str, allowed_hosts: Iterable[str], allowed_origins: Iterable[str],
                 cookie_name: str, sessions: Sessions) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.allowed_origins = frozenset(o.lower() for o in allowed_origins)
        self.cookie_name = cookie_name
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in {name for name, _ in SECURITY_HEADERS}]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS]
                message = {**message, "headers": headers}
            await send(message)

        refusal = self.check(scope)
        if isinstance(refusal, Response):
            await refusal(scope, receive, send_with_headers)
            return
        scope.setdefault("state", {})["browser"] = refusal
        await self.app(scope, receive, send_with_headers)

    def check(self, scope: Scope) -> Response | BrowserSession:
        headers = Headers(scope=scope)
        host = headers.get("host", "").strip().lower()
        if host not in self.allowed_hosts:
            return _refuse(400, "this Host header is not the inbox's address (DNS rebinding or a proxy?); "
                                "open the URL printed by `cedar-gates approvals serve`")
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            return _refuse(405, f"{method} is not used here")
        if method == "POST":
            origin = (headers.get("origin") or "").strip().lower()
            site = (headers.get("sec-fetch-site") or "").strip().lower()
            if site and site not in ("same-origin", "none"):
                return _refuse(403, "cross-site form posts are refused")
            # With `Referrer-Policy: no-referrer` a browser sends `Origin: null` even for its own forms; then
            # only its `Sec-Fetch-Site: same-origin` (which no page can set) vouches for the post.
            if origin == "null" and site != "same-origin":
                return _refuse(403, "cross-origin form posts are refused")
            if origin and origin != "null" and origin not in self.allowed_origins:
                return _refuse(403, "cross-origin form posts are refused")
        query = QueryParams(scope.get("query_string", b""))
        presented = query.get("token")
        if presented is not None:
            if not hmac.compare_digest(presented.encode(), self.token.encode()):
                return _refuse(403, "wrong token; open the URL printed by `cedar-gates approvals serve`")
            if method != "GET":
                return _refuse(403, "the token is exchanged for a session by a GET of the printed URL only")
            session = self.sessions.new()
            rest = [(k, v) for k, v in query.multi_items() if k != "token"]
            path = scope.get("path") or "/"
            target = (path if path.startswith("/") and not path.startswith("//") else "/") + (
                f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(self.cookie_name, session.id, httponly=True, samesite="strict", path="/")
            return response
        session = self.sessions.get(_cookie(headers, self.cookie_name))
        if session is None:
            return _refuse(403, "no valid token; open the URL printed by `cedar-gates approvals serve` "
                                "(it holds the secret token)")
        return session


def _cookie(headers: Headers, name: str) -> str | None:
    for raw in headers.getlist("cookie"):
        for part in raw.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
    return None
