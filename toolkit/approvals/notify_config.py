"""`[approvals.notify]` read into channels: webhooks and apprise URLs, the inbox link, tries and the time cap.

Nothing here raises on a bad entry: an unusable channel (an unset environment
variable) keeps its `problem`, which its result reports. Labels never hold a
URL's path, query, credentials or a secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_TRIES = 3
MAX_TRIES = 5
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_CAP_S = 10.0
MAX_CAP_S = 60.0
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
