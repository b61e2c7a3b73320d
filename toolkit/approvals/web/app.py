"""Pages and actions of the web inbox; every decision is an `ApprovalService` call.

GET pages only read. The two actions are POST forms carrying the session's
CSRF token and the input hash the human saw; their outcome (done, refused,
already decided by someone else) is shown after a redirect. Templates are
Jinja2 with autoescaping on, so every text from an agent (preview, session,
agent, project, reasons) is HTML-escaped; it is also cleaned of control
sequences first.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from toolkit.approvals.model import ApprovalError, ApprovalRequest, NotFound, NotPending, Refused, StoreError
from toolkit.approvals.scoping import SESSION_WIDE, allowed_kinds
from toolkit.approvals.service import ApprovalService
from toolkit.approvals.web.guard import BrowserSession, Guard, Sessions
from toolkit.engine.sanitize import clean, iso_time

HERE = Path(__file__).resolve().parent
POLL_MS = 2000
HISTORY_LIMIT = 100
VALUE_KINDS_TYPED = ("bash_pattern", "write_path")
"""Scope kinds whose value the human types (a glob); `rule` is chosen from the request's rules, the rest are fixed."""


@dataclass
class InboxSettings:
    token: str
    allowed_hosts: tuple[str, ...]
    allowed_origins: tuple[str, ...]
    decided_by: str
    cookie_name: str = "cedar_gates_inbox"
    poll_ms: int = POLL_MS
    store_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScopeChoice:
    kind: str
    label: str
    value: str | None = None
    """Fixed value (tool_type, tool_group); None for no value or a typed one."""
    options: tuple[str, ...] = ()
    """For `rule`: the request's rules."""
    typed: bool = False
    session_wide: bool = False


def scope_choices(r: ApprovalRequest) -> list[ScopeChoice]:
    """The scopes this request may be approved with: under its ceiling, and only those that can cover the call."""
    out = []
    for kind in allowed_kinds(r):
        if kind == "this_call":
            out.append(ScopeChoice(kind, "this call only"))
        elif kind == "rule" and r.rule_ids:
            out.append(ScopeChoice(kind, "and later calls that ask for this rule", options=tuple(r.rule_ids)))
        elif kind == "bash_pattern" and r.call.command is not None:
            out.append(ScopeChoice(kind, "and later commands matching this glob", typed=True))
        elif kind == "write_path" and r.call.write_path is not None:
            out.append(ScopeChoice(kind, "and later writes to paths matching this glob", typed=True))
        elif kind == "tool_type":
            out.append(ScopeChoice(kind, f"and later {r.tool_name} calls", value=r.tool_name))
        elif kind == "tool_group" and r.call.tool_group:
            out.append(ScopeChoice(kind, f"and later calls of tool group {r.call.tool_group}", value=r.call.tool_group))
        elif kind == "tool_type_session":
            out.append(ScopeChoice(kind, f"every later {r.tool_name} call of this session", session_wide=True))
        elif kind == "tool_group_session" and r.call.tool_group:
            out.append(ScopeChoice(kind, f"every later {r.call.tool_group} call of this session", session_wide=True))
        elif kind == "all_session":
            out.append(ScopeChoice(kind, "everything this session asks from now on", session_wide=True))
    return out


def compose_scope(r: ApprovalRequest, form: dict[str, str]) -> tuple[str, bool]:
    """The scope text and whether it is session-wide, from the approve form; Refused for an unoffered choice."""
    kind = (form.get("scope_kind") or "this_call").strip()
    choice = next((c for c in scope_choices(r) if c.kind == kind), None)
    if choice is None:
        raise Refused(f"scope refused: `{kind}` is not offered for request {r.id}")
    if choice.options:
        value = (form.get("value_rule") or "").strip()
        if value not in choice.options:
            raise Refused(f"scope refused: choose one of this request's rules ({', '.join(choice.options)})")
        return f"{kind}:{value}", False
    if choice.typed:
        value = (form.get(f"value_{kind}") or "").strip()
        if not value:
            raise Refused(f"scope refused: `{kind}` needs a pattern")
        return f"{kind}:{value}", False
    if choice.value is not None:
        return f"{kind}:{choice.value}", False
    return kind, kind in SESSION_WIDE


def _left(deadline: float, now: float) -> str:
    left = int(deadline - now)
    if left < 0:
        return "expired"
    return f"{left // 60}m {left % 60:02d}s left" if left >= 60 else f"{left}s left"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["c"] = lambda v: "-" if v is None or v == "" else clean(str(v))
    env.filters["when"] = lambda v: "-" if v is None else iso_time(v)
    env.globals["left"] = _left
    env.globals["scope_choices"] = scope_choices
    return env


def create_app(service: ApprovalService | Callable[[], ApprovalService], settings: InboxSettings) -> Guard:
    """The inbox as an ASGI app, wrapped in its `Guard`. `service` may be a factory (opened on first use)."""
    env = _environment()
    lock = threading.Lock()
    holder: dict[str, ApprovalService] = {}

    def svc() -> ApprovalService:
        if isinstance(service, ApprovalService):
            return service
        with lock:
            if "svc" not in holder:
                holder["svc"] = service()
            return holder["svc"]

    def render(name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        browser: BrowserSession = request.scope["state"]["browser"]
        flashes, browser.flashes = browser.flashes, []
        body = env.get_template(name).render(csrf=browser.csrf, flashes=flashes, now=time.time(),
                                            poll_ms=settings.poll_ms, store_name=settings.store_name,
                                            decided_by=settings.decided_by, **context)
        return HTMLResponse(body, status_code=status)

    async def call(fn, *args, **kwargs):
        return await run_in_threadpool(fn, *args, **kwargs)

    async def index(request: Request) -> Response:
        try:
            pending = await call(lambda: svc().pending())
        except StoreError as exc:
            return render("error.html", request, 503, message=str(exc))
        return render("index.html", request, pending=pending)

    async def history(request: Request) -> Response:
        try:
            settled = await call(lambda: svc().history(limit=HISTORY_LIMIT))
        except StoreError as exc:
            return render("error.html", request, 503, message=str(exc))
        return render("history.html", request, settled=settled)

    async def api_pending(request: Request) -> Response:
        try:
            pending = await call(lambda: svc().pending())
        except StoreError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return JSONResponse({"now": time.time(),
                             "pending": [{"id": r.id, "deadline": r.deadline} for r in pending]})

    async def partial(request: Request) -> Response:
        try:
            r = await call(lambda: svc().get(request.path_params["rid"]))
        except NotFound:
            return HTMLResponse("", status_code=404)
        except StoreError as exc:
            return HTMLResponse(env.from_string("{{ m }}").render(m=str(exc)), status_code=503)
        if not r.pending:
            return HTMLResponse("", status_code=410)
        browser: BrowserSession = request.scope["state"]["browser"]
        return HTMLResponse(env.get_template("card.html").render(r=r, csrf=browser.csrf, now=time.time()))

    async def approve_action(request: Request) -> Response:
        return await decide(request, "approve")

    async def deny_action(request: Request) -> Response:
        return await decide(request, "deny")

    async def decide(request: Request, action: str) -> Response:
        browser: BrowserSession = request.scope["state"]["browser"]
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        if not browser.csrf_ok(data.get("csrf")):
            return _plain(403, "missing or wrong CSRF token; reload the inbox and try again")
        rid = request.path_params["rid"]
        try:
            if action == "approve":
                text = await call(approve, rid, data)
            else:
                text = await call(deny, rid, data)
            browser.flashes.append(("ok", text))
        except NotPending as exc:
            browser.flashes.append(("warn", f"Not changed: {exc}"))
        except ApprovalError as exc:
            browser.flashes.append(("error", f"Not changed: {exc}"))
        return RedirectResponse("/", status_code=303)

    def approve(rid: str, data: dict[str, str]) -> str:
        s = svc()
        r = s.get(rid)
        if not r.pending:
            raise NotPending(_settled(r), r)
        raw, session_wide = compose_scope(r, data)
        confirmed = data.get("confirm_session") == "yes"
        if session_wide and not confirmed:
            raise Refused(f"`{raw}` lets every later matching call of session {clean(r.session)} through without "
                          "asking; tick the confirmation box or choose a narrower scope")
        done = s.approve(rid, raw, by=settings.decided_by, input_sha256=data.get("input_sha256") or "-",
                         confirmed=confirmed)
        return f"Approved {done.id} ({clean(done.tool_name)}) with scope {done.scope}."

    def deny(rid: str, data: dict[str, str]) -> str:
        reason = data.get("reason") or ""
        if not reason.strip():
            raise Refused("a denial needs a reason (the model reads it); say what to do instead")
        done = svc().deny(rid, reason, by=settings.decided_by)
        return f"Denied {done.id} ({clean(done.tool_name)}): {done.deny_reason}"

    routes = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/history", history, methods=["GET", "HEAD"]),
        Route("/api/pending", api_pending, methods=["GET"]),
        Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),
        Route("/partials/request/{rid}", partial, methods=["GET"]),
        Route("/requests/{rid}/approve", approve_action, methods=["POST"]),
        Route("/requests/{rid}/deny", deny_action, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    app = Starlette(routes=routes)
    return Guard(app, token=settings.token, allowed_hosts=settings.allowed_hosts,
                 allowed_origins=settings.allowed_origins, cookie_name=settings.cookie_name, sessions=Sessions())


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(f"cedar-gates inbox: {text}\n", status_code=status)


def _settled(r: ApprovalRequest) -> str:
    who = f" by {clean(r.decided_by)}" if r.decided_by else ""
    if r.status == "timed_out":
        return f"request {r.id} timed out (its deadline passed); nothing can be decided any more"
    return f"request {r.id} is already {r.status}{who}; it has exactly one outcome"
