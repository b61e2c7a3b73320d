"""The checks a human's scope passes before an approval is stored: the engine's rules, applied to a stored request.

Grammar and degenerate patterns come from `toolkit.engine.scopes.parse_scope`;
the blueprint's `maxPreApprovalScope` kept with the request is the ceiling; a
scope must cover the call it approves (the engine checks again when the hook
applies the grant, with the full shell analysis); session-wide scopes need an
explicit confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.approvals.model import ApprovalRequest, Refused
from toolkit.engine.scopes import CallFacts, Scope, ScopeError, covers_command, covers_path, matcher, parse_scope
from toolkit.scopes import BREADTH

SESSION_WIDE = frozenset({"all_session", "tool_type_session", "tool_group_session"})
"""Scopes that let through more than the call in front of the human; they need `--yes` (or a prompt)."""


@dataclass(frozen=True)
class Admitted:
    scope: Scope
    """The scope as the human chose it (stored with the request; the hook hands it to `Gate.resolve`)."""
    grant: Scope | None
    """What the session is granted: None for `this_call`, the concrete tool or group for the `*_session` kinds."""


def needs_confirmation(raw: str, max_length: int) -> bool:
    try:
        return parse_scope(raw, max_length).kind in SESSION_WIDE
    except ScopeError:
        return False


def allowed_kinds(request: ApprovalRequest) -> list[str]:
    """Scope kinds at or under the request's ceiling, narrowest first (for prompts and the web inbox)."""
    limit = _ceiling(request)
    return [kind for kind, breadth in sorted(BREADTH.items(), key=lambda kv: kv[1]) if limit is None or breadth <= limit]


def _ceiling(request: ApprovalRequest) -> int | None:
    if not request.max_scope:
        return None
    return BREADTH.get(request.max_scope.split(":", 1)[0].strip())


def admit(request: ApprovalRequest, raw: str, max_length: int, confirmed: bool) -> Admitted:
    try:
        scope = parse_scope(raw, max_length)
    except ScopeError as exc:
        raise Refused(f"scope refused: {exc}") from None
    limit = _ceiling(request)
    if limit is not None and BREADTH[scope.kind] > limit:
        raise Refused(f"scope refused: `{scope.kind}` is broader than this request's ceiling "
                      f"(maxPreApprovalScope `{request.max_scope}`); use one of {', '.join(allowed_kinds(request))}")
    if scope.kind in SESSION_WIDE and not confirmed:
        raise Refused(f"`{scope.kind}` lets every later matching call of session {request.session} through "
                      "without asking; confirm it (--yes) or choose a narrower scope")
    call = request.call
    facts = CallFacts(request.tool_name, call.tool_group, call.command, call.write_path, call.simple_commands)
    value = scope.value
    problem = None
    if scope.kind == "rule" and value not in request.rule_ids:
        problem = f"rule:{value} is not a rule this request waits on ({', '.join(request.rule_ids) or 'none'})"
    elif scope.kind == "tool_type" and value != request.tool_name:
        problem = f"tool_type:{value} does not cover this {request.tool_name} call"
    elif scope.kind == "tool_group" and value != call.tool_group:
        problem = f"tool_group:{value} does not cover {request.tool_name} (group: {call.tool_group or 'none'})"
    elif scope.kind == "tool_group_session" and call.tool_group is None:
        problem = f"{request.tool_name} belongs to no tool group; use tool_type_session"
    elif scope.kind == "bash_pattern" and (call.command is None or not covers_command(matcher(scope), facts)):
        problem = f"bash_pattern:{value} does not cover every segment of this call's command"
    elif scope.kind == "write_path" and (call.write_path is None or not covers_path(matcher(scope), call.write_path)):
        problem = f"write_path:{value} does not cover this call's path"
    if problem:
        raise Refused(f"scope refused: {problem}")
    if scope.kind == "this_call":
        return Admitted(scope, None)
    if scope.kind == "tool_type_session":
        return Admitted(scope, Scope("tool_type", request.tool_name))
    if scope.kind == "tool_group_session":
        return Admitted(scope, Scope("tool_group", call.tool_group))
    return Admitted(scope, scope)
