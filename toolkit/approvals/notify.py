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

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from toolkit.approvals.notify_config import (  # noqa: F401 (re-exported: the API lives here)
    DEFAULT_CAP_S,
    DEFAULT_TIMEOUT_S,
    DEFAULT_TRIES,
    MAX_CAP_S,
    MAX_TRIES,
    NEEDS_APPRISE,
    Channel,
    Channels,
    apprise_available,
    inbox_link,
)
from toolkit.approvals.notify_send import (  # noqa: F401
    DELIVERY_HEADER,
    EVENT,
    EVENT_HEADER,
    REPLAY_WINDOW_S,
    RETRY_STATUSES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    _apprise_once,
    _post_once,
    message,
    sign,
    verify_signature,
)
from toolkit.approvals.redact import safe_text

PAYLOAD_VERSION = 1
PAYLOAD_KEYS = ("event", "version", "id", "tool", "rules", "severity", "created", "deadline", "deadline_epoch",
                "inbox")
"""Everything a webhook body holds; nothing of the tool input is among them."""

BACKOFF_S = 0.5
"""Waits between tries: 0.5 s, 1 s, 2 s, … (never past the cap)."""
TOOL_MAX_CHARS = 200
RULE_MAX_CHARS = 200
MAX_RULES = 20
ERROR_MAX_CHARS = 300


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def payload(request: Any, channels: Channels) -> dict[str, Any]:
    """The notification: `PAYLOAD_KEYS` only. Tool and rule names are cleaned and bounded; no input."""
    rules = [safe_text(str(r), RULE_MAX_CHARS) for r in tuple(request.rule_ids or ())[:MAX_RULES]]
    return {"event": EVENT, "version": PAYLOAD_VERSION, "id": request.id,
            "tool": safe_text(str(request.tool_name), TOOL_MAX_CHARS), "rules": rules,
            "severity": request.severity, "created": _iso(request.created), "deadline": _iso(request.deadline),
            "deadline_epoch": request.deadline, "inbox": inbox_link(channels, request.id)}


def _scrub(text: str, channel: Channel) -> str:
    for secret in (channel.target, channel.secret):
        if secret:
            text = text.replace(secret, "…")
    return safe_text(text, ERROR_MAX_CHARS)



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
