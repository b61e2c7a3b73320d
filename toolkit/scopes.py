"""Approval scope kinds (DESIGN §8), shared by the linter and the runtime engine."""

from __future__ import annotations

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
