"""Claude Code hook events in, hook answers out.

The contract (Claude Code's hook documentation): one JSON object on stdin with
`session_id`, `transcript_path`, `cwd`, `permission_mode`, `hook_event_name`,
`tool_name`, `tool_input`, `tool_use_id` (and `tool_response` after the call).
A PreToolUse answer is `{"hookSpecificOutput": {"hookEventName": "PreToolUse",
"permissionDecision": "allow"|"deny"|"ask", "permissionDecisionReason": "…"}}`
with exit 0; `{}` gives no decision, so Claude Code's own rules and modes
apply. Exit 2 blocks the call: with `{"decision": "block", "reason": …}` on
stdout the model reads that reason, without it the hook's command line and
stderr. Any other non-zero exit lets the call run, so the hook never uses one.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from toolkit.engine.records import ALLOW, DENY, REQUIRE_APPROVAL, Decision
from toolkit.engine.sanitize import clean, truncate
from toolkit.record import record

PRE = "PreToolUse"
POST = "PostToolUse"
POST_FAILURE = "PostToolUseFailure"
EVENTS = (PRE, POST, POST_FAILURE)
PERMISSION = {ALLOW: "allow", DENY: "deny", REQUIRE_APPROVAL: "ask"}
NO_MATCH_STAGE = "no_match"
_ABSOLUTE_CWD = re.compile(r"/|[A-Za-z]:[\\/]")
"""A POSIX or a Windows (`C:\\repo`) working directory; anything else is not used to resolve paths."""
ATTENDED = "CLAUDE_CODE_SESSION_ATTENDED"
"""Claude Code (2.1.332) sets this to "0" in a hook's environment when no human attends the session (`claude -p`),
where it refuses every `ask` at once; see tests/live/FACTS.md."""


class HookInputError(ValueError):
    """The event on stdin cannot be used; the message is one line for stderr."""


@record
class HookEvent:
    name: str
    session_id: str
    tool_name: str
    tool_input: dict[str, Any]
    tool_use_id: str | None
    cwd: str | None
    transcript_path: str | None
    permission_mode: str | None = None
    agent_id: str | None = None
    agent_type: str | None = None
    """A sub-agent's id and type, when the event names them (kept with an ask in the approval store)."""


def parse_event(raw: bytes, max_bytes: int) -> HookEvent:
    if len(raw) > max_bytes:
        raise HookInputError(f"the hook event is {len(raw)} bytes, more than max-file-bytes ({max_bytes})")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise HookInputError("the hook event on stdin is not UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise HookInputError(f"the hook event on stdin is not JSON: {getattr(exc, 'msg', 'too deeply nested')}") from None
    if not isinstance(data, dict):
        raise HookInputError("the hook event must be a JSON object")
    name = data.get("hook_event_name")
    if name not in EVENTS:
        raise HookInputError(f"unknown hook event {str(name)[:60]!r}; this hook handles {' and '.join(EVENTS)}")
    session = data.get("session_id")
    if not isinstance(session, str) or not session.strip() or len(session) > 256:
        raise HookInputError("the hook event has no usable session_id")
    tool = data.get("tool_name")
    if not isinstance(tool, str) or not tool.strip():
        raise HookInputError("the hook event has no tool_name")
    tool_input = data.get("tool_input")
    if not isinstance(tool_input, dict):
        raise HookInputError("the hook event's tool_input must be a JSON object")
    tool_use_id = data.get("tool_use_id")
    cwd = data.get("cwd")
    transcript = data.get("transcript_path")
    mode = data.get("permission_mode")
    return HookEvent(name, session, tool, tool_input,
                     tool_use_id if isinstance(tool_use_id, str) else None,
                     cwd if isinstance(cwd, str) and _ABSOLUTE_CWD.match(cwd) and "\x00" not in cwd else None,
                     transcript if isinstance(transcript, str) else None,
                     mode if isinstance(mode, str) else None,
                     _short(data.get("agent_id")), _short(data.get("agent_type")))


def _short(value: Any) -> str | None:
    return clean(value)[:128] or None if isinstance(value, str) else None


def is_headless(environ: Mapping[str, str]) -> bool:
    """Whether no human can answer an `ask` in this session (Claude Code then refuses it at once).

    Where the variable is absent the hook cannot tell; the ask then waits for a post-tool event or its deadline.
    """
    return environ.get(ATTENDED) == "0"


def pre_tool_answer(decision: Decision, limit: int, no_match: str = "pass") -> dict[str, Any]:
    """What Claude Code acts on: the decision and a reason the model (deny) or the human (ask) reads.

    When no rule matched, the default is no decision at all: `allow` would skip
    Claude Code's own permission rules and prompts, making the gate weaker than
    Claude Code alone. `no_match = "allow"` is for sandboxes that bypass them anyway.
    """
    if decision.outcome == ALLOW and decision.stage == NO_MATCH_STAGE and no_match != "allow":
        return {}
    return {"hookSpecificOutput": {
        "hookEventName": PRE,
        "permissionDecision": PERMISSION[decision.outcome],
        "permissionDecisionReason": reason_text(decision, limit),
    }}


def reason_text(decision: Decision, limit: int) -> str:
    if decision.outcome == REQUIRE_APPROVAL:
        text = (f"cedar-gates: approval required by {', '.join(decision.soft_rule_ids)} "
                f"(severity {decision.severity}, answer within {decision.timeout_s} s)")
    elif decision.outcome == DENY and decision.hard_rule_ids:
        text = (f"cedar-gates: blocked by hard rule {', '.join(decision.hard_rule_ids)}. No approval can allow "
                "this call, however it is written: do not retry it or work around it. Tell the user what you "
                "wanted to do and let them run it if it is really needed.")
    elif decision.outcome == DENY and decision.fail_closed:
        text = (f"cedar-gates could not decide on this call, so it was blocked ({decision.reason}). "
                "Tell the user; retrying will not help until the cause is fixed.")
    elif decision.outcome == DENY:
        text = f"cedar-gates: denied ({decision.reason}). Do not retry it; ask the user how to proceed."
    else:
        text = f"cedar-gates: allowed ({decision.reason})"
    return truncate(clean(text), limit)
