"""The approval scope vocabulary (DESIGN §8): kinds, which take a value, how broad each is.

The one home of these names: the linter (CG053/CG054) and the runtime engine
(toolkit.engine.scopes: grammar checks and matching) both read them here.
"""

from __future__ import annotations

from typing import Mapping

SCOPE_KINDS: tuple[str, ...] = (
    "this_call",
    "rule",
    "bash_pattern",
    "write_path",
    "tool_type",
    "tool_group",
    "tool_type_session",
    "tool_group_session",
    "all_session",
)
"""Scope kinds; `rule`, `bash_pattern`, `write_path`, `tool_type` and `tool_group` take a `:<value>`."""

VALUE_KINDS = frozenset({"rule", "bash_pattern", "write_path", "tool_type", "tool_group"})
SESSION_KINDS = frozenset({"tool_type_session", "tool_group_session"})
BREADTH: Mapping[str, int] = {
    "this_call": 0,
    "rule": 1,
    "bash_pattern": 2,
    "write_path": 2,
    "tool_type": 3,
    "tool_type_session": 3,
    "tool_group": 4,
    "tool_group_session": 4,
    "all_session": 5,
}
"""How much a scope kind lets through, for the blueprint's `maxPreApprovalScope` ceiling."""
