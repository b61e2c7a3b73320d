"""Agent-facing text: what a human typed must not steer, spoof or break the agent's context.

Reasons lose ANSI sequences, every C0 and C1 control, DEL, lone surrogates and
XML non-characters; newlines and tabs become spaces, so a reason cannot fake a
new turn. The fixed steering text always comes first and is never truncated.
"""

from __future__ import annotations

import re

STEERING_DENIED = (
    "The user denied this tool call. Do not retry it or reach the same result another way; "
    "ask the user how to proceed."
)
STEERING_TIMED_OUT = (
    "Nobody answered the approval request in time, so the tool call was denied. Do not retry it; "
    "ask the user how to proceed."
)
REASON_LABEL = " Reason given: "
ELLIPSIS = "…"

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated by BEL or ST (or cut off)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
)
_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"[\t\n]+")


def clean(text: str) -> str:
    """Strip sequences and controls; fold newlines and tabs to one space."""
    text = _ANSI.sub("", text)
    text = _DROP.sub("", text)
    return _SPACE.sub(" ", text).strip()


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def agent_reason(steering: str, human_reason: str | None, limit: int) -> str:
    """Steering text, then the human's words cut to what is left of `limit`."""
    steering = truncate(steering, limit)
    words = clean(human_reason or "")
    if not words:
        return steering
    room = limit - len(steering) - len(REASON_LABEL)
    if room < len(ELLIPSIS) + 1:
        return steering
    return steering + REASON_LABEL + truncate(words, room)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def iso_time(seconds: float) -> str:
    """UTC ISO 8601; a virtual time outside the calendar stays a plain number of seconds."""
    try:
        from datetime import datetime, timezone

        stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.3f}"
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def denial_envelope(request_id: str, decided_at: float, reason: str) -> str:
    """The block re-injected into the conversation; `reason` must already be agent-facing."""
    return (
        f'<user_denial request_id="{_escape(clean(request_id))}" decided_at="{iso_time(decided_at)}">'
        f"{_escape(reason)}</user_denial>"
    )
