"""Notifications when an ask is parked: signed webhooks, and chat/phone/e-mail channels through apprise.

`notify(request, channels)` tells every configured channel that a request
waits: its id, tool, rules, severity, deadline and a link to the inbox — never
the input, its preview or its hash. It returns at once; each channel is sent
from its own daemon thread with bounded retries (short per-try timeouts,
backoff) and one hard time cap for the whole notification. A failing, slow or
hanging channel never blocks the caller, never raises into it and never changes
an outcome: `Notification.wait(timeout)` hands back one result per channel (for
the decision log), marking those still sending past the cap as abandoned.

Webhooks get JSON (`payload`) with `X-Cedar-Gates-Timestamp` and
`X-Cedar-Gates-Signature: sha256=HMAC-SHA256(secret, "<timestamp>." + body)`;
receivers check both with `verify_signature` (docs/approvals.md). Every other
URL (`slack://`, `ntfy://`, `mailto://`, `json://`, …) goes through the
optional apprise library (`pip install 'cedar-gates[notify]'`). Channel labels
and error texts never carry a URL's path, query, credentials or a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from toolkit.approvals.redact import safe_text

EVENT = "approval_requested"
PAYLOAD_VERSION = 1
PAYLOAD_KEYS = ("event", "version", "id", "tool", "rules", "severity", "created", "deadline", "deadline_epoch",
                "inbox")
"""Everything a webhook body holds; nothing of the tool input is among them."""
SIGNATURE_HEADER = "X-Cedar-Gates-Signature"
TIMESTAMP_HEADER = "X-Cedar-Gates-Timestamp"
DELIVERY_HEADER = "X-Cedar-Gates-Delivery"
EVENT_HEADER = "X-Cedar-Gates-Event"
REPLAY_WINDOW_S = 300.0
"""`verify_signature` refuses a timestamp further than this from the receiver's clock."""

DEFAULT_TRIES = 3
MAX_TRIES = 5
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_CAP_S = 10.0
MAX_CAP_S = 60.0
BACKOFF_S = 0.5
"""Waits between tries: 0.5 s, 1 s, 2 s, … (never past the cap)."""
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
TOOL_MAX_CHARS = 200
RULE_MAX_CHARS = 200
MAX_RULES = 20
ERROR_MAX_CHARS = 300
NEEDS_APPRISE = ("needs the apprise library, which is not installed: pip install 'cedar-gates[notify]' "
                 "(or use a webhook)")
_TOKEN_PARAMS = frozenset({"token", "t", "key", "secret", "auth", "access_token", "sig"})


@dataclass(frozen=True)
class Channel:
    """One destination. `target` (a URL, maybe with credentials) and `secret` never appear in labels or logs."""

    kind: str  # "webhook" | "apprise"
    label: str
    target: str = field(default="", repr=False)
    secret: str | None = field(default=None, repr=False)
    problem: str | None = None
    """Set when the channel cannot be used as configured (a missing environment variable); reported, not sent."""


@dataclass(frozen=True)
class Channels:
    """`[approvals.notify]`: where to send, and how hard to try."""

    channels: tuple[Channel, ...] = ()
    inbox_url: str | None = None
    include_token: bool = False
    tries: int = DEFAULT_TRIES
    timeout_s: float = DEFAULT_TIMEOUT_S
    cap_s: float = DEFAULT_CAP_S

    def __bool__(self) -> bool:
        return bool(self.channels)

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None,
                   environ: Mapping[str, str] | None = None) -> "Channels":
        """From the (schema-validated) `[approvals.notify]` table. Never raises: an unusable entry is kept with
        its `problem`, so the failure shows in the results instead of stopping the hook."""
        table = table or {}
        env = os.environ if environ is None else environ
        channels: list[Channel] = []
        for i, hook in enumerate(table.get("webhooks") or ()):
            url, problem = _from_env(str(hook.get("url", "")), env)
            secret = hook.get("secret")
            if hook.get("secret-env"):
                secret = env.get(hook["secret-env"])
                if not secret:
                    problem = problem or f"the environment variable {hook['secret-env']} (its secret) is not set"
            where = _origin(url) if url else str(hook.get("url"))
            channels.append(Channel("webhook", f"webhook #{i + 1} {where}", url, secret or None, problem))
        for i, entry in enumerate(table.get("urls") or ()):
            url, problem = _from_env(str(entry), env)
            where = _scheme(url) if url else str(entry)
            channels.append(Channel("apprise", f"url #{i + 1} {where}", url, None, problem))
        return cls(tuple(channels), table.get("inbox-url") or None, bool(table.get("include-token", False)),
                   max(1, min(int(table.get("tries", DEFAULT_TRIES)), MAX_TRIES)),
                   float(table.get("timeout-s", DEFAULT_TIMEOUT_S)),
                   min(float(table.get("cap-s", DEFAULT_CAP_S)), MAX_CAP_S))

    @classmethod
    def from_config(cls, config: Any) -> "Channels":
        return cls.from_table(getattr(config, "approvals_notify", None))

    def problems(self) -> list[str]:
        """What would keep a channel from ever delivering (for `hook check` / doctor); empty when all can send."""
        found = [f"{c.label}: {c.problem}" for c in self.channels if c.problem]
        if any(c.kind == "apprise" for c in self.channels) and not apprise_available():
            found.append(f"[approvals.notify] urls {NEEDS_APPRISE}")
        return found


def apprise_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("apprise") is not None


def _from_env(value: str, env: Mapping[str, str]) -> tuple[str, str | None]:
    """`env:NAME` is the URL held by the environment variable NAME (keeps tokens out of the config file)."""
    if value.startswith("env:"):
        name = value[4:]
        found = env.get(name)
        return (found, None) if found else ("", f"the environment variable {name} is not set")
    return value, None


def _origin(url: str) -> str:
    """scheme://host:port only: no credentials, path or query (they often hold a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{host}{port}"


def _scheme(url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    return f"{scheme[:20]}://…"


def inbox_link(channels: Channels, request_id: str) -> str | None:
    """The inbox URL with `request=<id>`; credentials and token-like query parameters are dropped unless
    `include-token` is set."""
    if not channels.inbox_url:
        return None
    try:
        parts = urlsplit(channels.inbox_url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        netloc = parts.netloc
        fragment = parts.fragment
        if not channels.include_token:
            query = [(k, v) for k, v in query if k.lower() not in _TOKEN_PARAMS]
            netloc = netloc.rsplit("@", 1)[-1]
            fragment = ""
        query.append(("request", request_id))
        return urlunsplit((parts.scheme, netloc, parts.path or "/", urlencode(query), fragment))
    except ValueError:
        return None


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def payload(request: Any, channels: Channels) -> dict[str, Any]:
    """The notification: `PAYLOAD_KEYS` only. Tool and rule names are cleaned and bounded; no input."""
    rules = [safe_text(str(r), RULE_MAX_CHARS) for r in tuple(request.rule_ids or ())[:MAX_RULES]]
    return {"event": EVENT, "version": PAYLOAD_VERSION, "id": request.id,
            "tool": safe_text(str(request.tool_name), TOOL_MAX_CHARS), "rules": rules,
            "severity": request.severity, "created": _iso(request.created), "deadline": _iso(request.deadline),
            "deadline_epoch": request.deadline, "inbox": inbox_link(channels, request.id)}


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


def _scrub(text: str, channel: Channel) -> str:
    for secret in (channel.target, channel.secret):
        if secret:
            text = text.replace(secret, "…")
    return safe_text(text, ERROR_MAX_CHARS)


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


@dataclass
class _Delivery:
    channel: Channel
    result: dict[str, Any] | None = None
    thread: threading.Thread | None = None


def _send(delivery: _Delivery, data: dict[str, Any], body: bytes, settings: Channels, clock: Callable[[], float],
          deadline: float, stop: threading.Event, on_result: Callable[[dict[str, Any]], None] | None,
          request_id: str) -> None:
    channel = delivery.channel
    started = time.monotonic()
    attempts, status, error = 0, None, None
    delivery_id = f"nd-{secrets.token_hex(8)}"
    try:
        if channel.problem:
            error = channel.problem
        else:
            for attempt in range(settings.tries):
                remaining = deadline - time.monotonic()
                if remaining <= 0.05 or stop.is_set():
                    error = (error or "") + " (time cap reached)"
                    break
                attempts += 1
                timeout = max(0.05, min(settings.timeout_s, remaining))
                if channel.kind == "webhook":
                    status, error = _post_once(channel, body, delivery_id, clock, timeout)
                    retry = error is not None and (status is None or status in RETRY_STATUSES)
                else:
                    status, error = _apprise_once(channel, data, timeout)
                    retry = error is not None and error != NEEDS_APPRISE and not error.startswith("apprise does")
                if not retry or attempt + 1 == settings.tries:
                    break
                pause = min(BACKOFF_S * (2 ** attempt), deadline - time.monotonic())
                if pause > 0 and stop.wait(pause):
                    break
    except Exception as exc:  # never into the caller: a bug in a channel is this channel's failure
        error = f"{type(exc).__name__}: {exc}"
    delivery.result = {"event": "approval_notified", "request_id": request_id, "channel": channel.label,
                       "kind": channel.kind, "ok": error is None, "attempts": attempts, "status": status,
                       "error": None if error is None else _scrub(error.strip(), channel),
                       "elapsed_s": round(time.monotonic() - started, 3)}
    if on_result is not None:
        try:
            on_result(dict(delivery.result))
        except Exception:  # a failing log never changes anything
            pass


class Notification:
    """What `notify` returns: the sends under way. `wait` never raises and never waits past the cap."""

    def __init__(self, request_id: str, deliveries: list[_Delivery], deadline: float,
                 stop: threading.Event) -> None:
        self.request_id = request_id
        self._deliveries = deliveries
        self._deadline = deadline
        self._stop = stop

    @property
    def done(self) -> bool:
        return all(d.result is not None for d in self._deliveries)

    def wait(self, timeout: float | None = None) -> list[dict[str, Any]]:
        """One result per channel, after they finish, `timeout` seconds, or the hard cap — whichever is first.
        A channel still sending past the cap is reported `abandoned` (its daemon thread is left to die)."""
        end = self._deadline if timeout is None else min(self._deadline, time.monotonic() + max(0.0, timeout))
        for d in self._deliveries:
            if d.thread is not None:
                d.thread.join(max(0.0, end - time.monotonic()))
        past_cap = time.monotonic() >= self._deadline
        if past_cap:
            self._stop.set()
        results = []
        for d in self._deliveries:
            if d.result is not None:
                results.append(dict(d.result))
            else:
                results.append({"event": "approval_notified", "request_id": self.request_id,
                                "channel": d.channel.label, "kind": d.channel.kind, "ok": False, "attempts": None,
                                "status": None,
                                "error": "abandoned at the time cap" if past_cap else "still sending"})
        return results


def notify(request: Any, channels: Channels | None, clock: Callable[[], float] = time.time,
           on_result: Callable[[dict[str, Any]], None] | None = None) -> Notification:
    """Start telling every channel about the parked `request` (an ApprovalRequest); returns at once, never raises.

    `clock` stamps the webhook signatures. `on_result` (optional) gets each channel's result as it finishes,
    from the sending thread. Call `.wait(timeout)` for the results (e.g. for the decision log)."""
    stop = threading.Event()
    settings = channels or Channels()
    deadline = time.monotonic() + max(0.1, settings.cap_s)
    request_id = str(getattr(request, "id", "?"))
    deliveries = [_Delivery(c) for c in settings.channels]
    try:
        data = payload(request, settings)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    except Exception as exc:
        for d in deliveries:
            d.result = {"event": "approval_notified", "request_id": request_id, "channel": d.channel.label,
                        "kind": d.channel.kind, "ok": False, "attempts": 0, "status": None,
                        "error": f"the notification could not be built: {type(exc).__name__}"}
        return Notification(request_id, deliveries, deadline, stop)
    for d in deliveries:
        try:
            d.thread = threading.Thread(target=_send, name=f"cedar-gates-notify {d.channel.label}", daemon=True,
                                        args=(d, data, body, settings, clock, deadline, stop, on_result, request_id))
            d.thread.start()
        except Exception as exc:  # no thread to be had (resource limits): this channel fails, nothing else
            d.thread = None
            d.result = {"event": "approval_notified", "request_id": request_id, "channel": d.channel.label,
                        "kind": d.channel.kind, "ok": False, "attempts": 0, "status": None,
                        "error": f"could not start sending: {type(exc).__name__}"}
    return Notification(request_id, deliveries, deadline, stop)


def notify_detached(request: Any, table: Mapping[str, Any] | None, log_path: str | None = None) -> dict[str, Any]:
    """For a hook that answers and exits at once (defer): send from a detached child process that outlives it.

    The child gets the summary (never the input) and the `[approvals.notify]` table on stdin — secrets never go
    on a command line — sends under the same tries and cap, appends each result as a JSON line to `log_path`,
    and exits by the cap. Returns at once: `{"event": "approval_notify_spawned", ...}` or its failure."""
    import subprocess
    import sys

    request_id = str(getattr(request, "id", "?"))
    try:
        job = {"request": {"id": request.id, "tool_name": request.tool_name, "rule_ids": list(request.rule_ids or ()),
                           "severity": request.severity, "created": request.created, "deadline": request.deadline},
               "table": dict(table or {}), "log": log_path}
        child = subprocess.Popen([sys.executable, "-m", "toolkit.approvals.notify"], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                 close_fds=True)
        assert child.stdin is not None
        child.stdin.write(json.dumps(job).encode("utf-8"))
        child.stdin.close()
    except Exception as exc:  # never into the hook
        return {"event": "approval_notify_spawned", "request_id": request_id, "ok": False,
                "error": f"could not start the notifier: {type(exc).__name__}"}
    return {"event": "approval_notify_spawned", "request_id": request_id, "ok": True, "pid": child.pid}


def _main() -> int:
    import sys
    from types import SimpleNamespace

    try:
        job = json.loads(sys.stdin.buffer.read(1 << 20))
        request = SimpleNamespace(**job["request"])
        channels = Channels.from_table(job.get("table"))
    except Exception:
        return 2
    threading.Timer(channels.cap_s + 2.0, lambda: os._exit(3)).start()  # the hard cap, whatever hangs
    results = notify(request, channels).wait()
    if job.get("log"):
        try:
            with open(job["log"], "a", encoding="utf-8") as out:
                for result in results:
                    out.write(json.dumps(result, ensure_ascii=False) + "\n")
        except OSError:
            pass
    os._exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    _main()
