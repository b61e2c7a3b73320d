"""`approvals list | show | approve | deny | cancel | watch | history | grants | revoke`: deciding asks out of band.

Parse, call `toolkit.approvals.ApprovalService`, render. Every text that came
from an agent (tool input preview, session and agent ids, reasons) is cleaned
of control sequences before it reaches the terminal. Exit codes: 0 done, 1 not
found / not pending / refused, 2 usage or store errors.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from toolkit.cli.app import ConfigOption, approvals_app
from toolkit.cli.options import FormatOption, OutputOption, TextFormat, print_to_output

SimpleFormat = TextFormat
StoreOption = typer.Option(None, "--store", metavar="STORE", help="SQLite file or postgresql:// DSN. Default: "
                           "$CEDAR_GATES_APPROVALS_STORE, else [approvals] store, else the user's state directory.")
SessionOption = typer.Option(None, "--session", metavar="SESSION", help="Only this session.")
ByOption = typer.Option(None, "--by", metavar="NAME", help="Who decides (recorded). Default: user@host.")
RequestOption = typer.Argument(..., metavar="ID", help="Request id (from `approvals list`).")
PREVIEW_COLUMNS = 60


def _by(value: Optional[str]) -> str:
    if value and value.strip():
        return value.strip()
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _errors(command):
    """ApprovalError and configuration errors become one line on stderr and their exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from toolkit.approvals import ApprovalError
        from toolkit.errors import InputError

        try:
            return command(*args, **kwargs)
        except ApprovalError as exc:
            typer.echo(f"cedar-gates: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except InputError as exc:
            typer.echo(f"cedar-gates: error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def _service(store: Optional[str], config):
    from toolkit.approvals import ApprovalService

    configured = None
    if store is None:
        from toolkit.config import load_config

        configured = load_config(config).approvals_store
    return ApprovalService.open(store, configured)


def _c(text: Any) -> str:
    from toolkit.engine.sanitize import clean

    return clean(str(text)) if text is not None else "-"


def _when(seconds: float | None) -> str:
    from toolkit.engine.sanitize import iso_time

    return iso_time(seconds) if seconds is not None else "-"


def _left(deadline: float) -> str:
    left = int(deadline - time.time())
    return f"{left}s left" if left >= 0 else "expired"


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True))


def _row(r) -> str:
    agent = f" agent {_c(r.agent_type or r.agent_id)}" if (r.agent_id or r.agent_type) else ""
    preview = _c(r.input_preview)
    if len(preview) > PREVIEW_COLUMNS:
        preview = preview[: PREVIEW_COLUMNS - 1] + "…"
    status = _left(r.deadline) if r.pending else r.status + (f" ({_c(r.scope)})" if r.scope else "")
    return (f"{r.id}  {_c(r.tool_name)}  {r.severity or '-'}  {','.join(_c(x) for x in r.rule_ids) or '-'}  "
            f"session {_c(r.session)}{agent}  {status}\n    {preview}")


def _detail(r, allowed: list[str]) -> str:
    lines = [
        f"request      {r.id}",
        f"status       {r.status}" + (f" ({_left(r.deadline)})" if r.pending else ""),
        f"tool         {_c(r.tool_name)}",
        f"session      {_c(r.session)}",
        f"agent        {_c(r.agent_id)} ({_c(r.agent_type)})",
        f"project      {_c(r.project)}",
        f"rules        {', '.join(_c(x) for x in r.rule_ids) or '-'}",
        f"severity     {r.severity or '-'}",
        f"reason       {_c(r.reason)}",
        f"created      {_when(r.created)}",
        f"deadline     {_when(r.deadline)}",
        f"input sha256 {r.input_sha256}",
        f"max scope    {_c(r.max_scope)}",
        f"input        {_c(r.input_preview)}",
    ]
    if r.pending:
        lines.append(f"scopes       {', '.join(allowed)} (session-wide ones need --yes)")
        lines.append(f"approve      cedar-gates approvals approve {r.id} --input-sha256 {r.input_sha256[:16]}… "
                     "[--scope S]")
    else:
        lines += [f"decided by   {_c(r.decided_by)}", f"decided at   {_when(r.decided_at)}",
                  f"scope        {_c(r.scope)}", f"deny reason  {_c(r.deny_reason)}"]
    return "\n".join(lines)


def _grant_row(g) -> str:
    state = "active" if g.active else f"revoked {_when(g.revoked_at)} by {_c(g.revoked_by)}"
    return (f"{g.id}  {_c(g.scope)}  session {_c(g.session)}  from {g.request_id} ({_c(g.tool_name)})  "
            f"by {_c(g.granted_by)} {_when(g.granted_at)}  {state}")


def _listing(items, fmt: SimpleFormat, key: str, render, empty: str, store_name: str) -> None:
    if fmt.value == "json":
        _json({"store": store_name, key: [i.to_json() for i in items]})
        return
    typer.echo("\n".join(render(i) for i in items) if items else empty)


@approvals_app.command("list")
@_errors
def approvals_list(ctx: typer.Context, session: Optional[str] = SessionOption, store: Optional[str] = StoreOption,
                   config: Optional[Path] = ConfigOption, fmt: SimpleFormat = FormatOption,
                   output: Optional[Path] = OutputOption) -> None:
    """Pending asks, nearest deadline first."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    _listing(svc.pending(session), fmt, "requests", _row, "no pending approval requests", svc.store_name)


@approvals_app.command("show")
@_errors
def approvals_show(ctx: typer.Context, request_id: str = RequestOption,
                   store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
                   fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption) -> None:
    """One request in full, with the input sha256 an approval binds to and the scopes allowed."""
    from toolkit.approvals.scoping import allowed_kinds

    print_to_output(ctx, output)
    svc = _service(store, config)
    r = svc.get(request_id)
    allowed = allowed_kinds(r)
    if fmt.value == "json":
        _json({**r.to_json(), "allowed_scope_kinds": allowed})
    else:
        typer.echo(_detail(r, allowed))


@approvals_app.command("approve")
@_errors
def approvals_approve(
    ctx: typer.Context,
    request_id: str = RequestOption,
    scope: str = typer.Option("this_call", "--scope", metavar="SCOPE", help="this_call (default), rule:<id>, bash_pattern:<glob>, "
                              "write_path:<glob>, tool_type:<Tool>, tool_group:<group>, tool_type_session, "
                              "tool_group_session, all_session."),
    input_sha256: Optional[str] = typer.Option(None, "--input-sha256", metavar="SHA256", help="The input hash you reviewed "
                                               "(`approvals show`); refused if the request's differs."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Confirm a session-wide scope without a prompt."),
    by: Optional[str] = ByOption, store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
    fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption,
) -> None:
    """Approve a pending ask with a scope; a scope other than this_call becomes a session grant."""
    from toolkit.approvals.scoping import needs_confirmation

    svc = _service(store, config)
    confirmed = yes
    if not yes and needs_confirmation(scope, svc.constants.scope_max_length) and _interactive():
        r = svc.get(request_id)
        confirmed = typer.confirm(f"{scope} lets every later matching call of session {_c(r.session)} through "
                                  "without asking. Grant it?", default=False)
    print_to_output(ctx, output)  # after the prompt, which is for the terminal
    r = svc.approve(request_id, scope, by=_by(by), input_sha256=input_sha256, confirmed=confirmed)
    grants = [g for g in svc.grants(r.session) if g.request_id == r.id]
    if fmt.value == "json":
        _json({**r.to_json(), "grant": grants[0].to_json() if grants else None})
    else:
        extra = f"; session grant {grants[0].id} ({_c(grants[0].scope)})" if grants else ""
        typer.echo(f"approved {r.id} with scope {_c(r.scope)}{extra}")
    _warn_sink(svc)


@approvals_app.command("deny")
@_errors
def approvals_deny(
    ctx: typer.Context,
    request_id: str = RequestOption,
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help="What the model reads (redacted for secrets, "
                               "capped)."),
    by: Optional[str] = ByOption, store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
    fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption,
) -> None:
    """Deny a pending ask with a reason; the model receives it inside the denial envelope."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    r = svc.deny(request_id, reason, by=_by(by))
    answer = svc.answer(r)
    if fmt.value == "json":
        _json({**r.to_json(), "agent_reason": answer.reason, "envelope": answer.envelope})
    else:
        typer.echo(f"denied {r.id}: {_c(r.deny_reason)}")


@approvals_app.command("cancel")
@_errors
def approvals_cancel(ctx: typer.Context, request_id: str = RequestOption, by: Optional[str] = ByOption,
                     store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
                     fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption) -> None:
    """Withdraw a pending ask (the call is denied)."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    r = svc.cancel(request_id, by=_by(by))
    if fmt.value == "json":
        _json(r.to_json())
    else:
        typer.echo(f"cancelled {r.id}")


@approvals_app.command("watch")
@_errors
def approvals_watch(
    session: Optional[str] = SessionOption,
    interval: float = typer.Option(1.0, "--interval", min=0.05, metavar="SECONDS", help="Seconds between polls."),
    exit_after: Optional[float] = typer.Option(None, "--exit-after", min=0.0, metavar="SECONDS",
                                               help="Stop after this many seconds."),
    store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption, fmt: SimpleFormat = FormatOption,
) -> None:
    """Print each new pending ask, and each outcome of one seen pending, as it happens (Ctrl-C stops)."""
    from toolkit.cli.streams import reader_gone

    svc = _service(store, config)
    seen: dict[str, Any] = {}
    stop = None if exit_after is None else time.monotonic() + exit_after
    while True:
        current = {r.id: r for r in svc.pending(session)}
        for rid, r in current.items():
            if rid not in seen:
                _event("pending", r, fmt)
        for rid in [rid for rid in seen if rid not in current]:
            try:
                _event("settled", svc.get(rid), fmt)
            except Exception:  # noqa: BLE001 - gone from the store: nothing to say
                pass
            del seen[rid]
        seen.update(current)
        if (stop is not None and time.monotonic() >= stop) or reader_gone():
            return
        time.sleep(interval if stop is None else max(0.0, min(interval, stop - time.monotonic())))


def _event(kind: str, r, fmt: SimpleFormat) -> None:
    if fmt.value == "json":
        typer.echo(json.dumps({"event": kind, **r.to_json()}, sort_keys=True))
    else:
        typer.echo(f"[{kind}] {_row(r)}")


@approvals_app.command("history")
@_errors
def approvals_history(ctx: typer.Context, session: Optional[str] = SessionOption,
                      limit: int = typer.Option(50, "--limit", min=1, metavar="N",
                                                help="At most this many, newest first."),
                      store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
                      fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption) -> None:
    """Settled requests (approved, denied, timed out, cancelled), newest first."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    _listing(svc.history(session, limit), fmt, "requests", _row, "no settled approval requests", svc.store_name)


@approvals_app.command("grants")
@_errors
def approvals_grants(ctx: typer.Context, session: Optional[str] = SessionOption,
                     show_all: bool = typer.Option(False, "--all", help="Include revoked grants."),
                     store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
                     fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption) -> None:
    """Session grants created by approvals (active ones unless --all)."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    _listing(svc.grants(session, show_all), fmt, "grants", _grant_row, "no session grants", svc.store_name)


@approvals_app.command("revoke")
@_errors
def approvals_revoke(ctx: typer.Context,
                     grant_id: str = typer.Argument(..., metavar="GRANT", help="Grant id (from `approvals grants`)."),
                     by: Optional[str] = ByOption, store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
                     fmt: SimpleFormat = FormatOption, output: Optional[Path] = OutputOption) -> None:
    """Revoke a session grant: the session's next matching call asks again."""
    print_to_output(ctx, output)
    svc = _service(store, config)
    g = svc.revoke(grant_id, by=_by(by))
    if fmt.value == "json":
        _json(g.to_json())
    else:
        typer.echo(f"revoked {g.id} ({_c(g.scope)}, session {_c(g.session)})")


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()


def _warn_sink(svc) -> None:
    for problem in svc.sink_errors:
        typer.echo(f"cedar-gates: warning: decision log: {problem}", err=True)


@approvals_app.command("serve")
@_errors
def approvals_serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Address to bind. Loopback only unless --allow-remote."),
    port: int = typer.Option(0, "--port", min=0, max=65535, metavar="PORT", help="Port (0: any free port)."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow a non-loopback --host (anyone who can "
                                      "reach it and has the token can decide; prefer an SSH tunnel)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host", metavar="HOST", help="Another name browsers use for this host "
                                           "(Host/Origin allow-list; repeatable)."),
    by: Optional[str] = ByOption, store: Optional[str] = StoreOption, config: Optional[Path] = ConfigOption,
) -> None:
    """The web inbox: pending asks with live countdowns, approve with a scope, deny with a reason, history.

    Prints a URL holding a fresh secret token; every request needs it (or the session cookie it sets).
    """
    from toolkit.approvals.web import Inbox, RemoteRefused, is_loopback

    svc = _service(store, config)
    try:
        inbox = Inbox(svc, host=host, port=port, allow_remote=allow_remote, decided_by=f"{_by(by)} (web inbox)",
                      extra_hosts=allowed_host, store_name=svc.store_name)
    except RemoteRefused as exc:
        typer.echo(f"cedar-gates: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"cedar-gates: error: cannot bind {host}:{port}: {exc}", err=True)
        raise typer.Exit(2) from None
    if not is_loopback(host):
        typer.echo(f"cedar-gates: warning: serving on {host}, not a loopback address: anyone who can reach "
                   f"{inbox.base} and learns the token can approve agents' asks; plain HTTP, no TLS", err=True)
    typer.echo(f"cedar-gates approvals inbox for the {svc.store_name}")
    typer.echo(f"open: {inbox.url}")
    typer.echo("(the token in this URL is the only key; Ctrl-C stops)", err=True)
    try:
        inbox.run()
    finally:
        svc.close()
