"""Approval scopes: the grammar, the checks every scope passes on entry, and matching.

A scope enters in two places, a pre-approval in the task settings and a human's
approval; both go through `parse_scope`, so a degenerate pattern is refused
wherever it comes from. Matching errs towards asking again: a command the
splitter cannot see through (command substitution) is never covered by a
`bash_pattern`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Mapping

from toolkit.record import record
from toolkit.scopes import SCOPE_KINDS, SESSION_KINDS, VALUE_KINDS
from toolkit.shell import Analysis
from toolkit.toolcall import WRITE_PATH_KEYS

BASE_GROUPS: Mapping[str, frozenset[str]] = {
    "file_write": frozenset(WRITE_PATH_KEYS),
    "file_read": frozenset({"Read", "Glob", "Grep", "LS", "NotebookRead"}),
    "shell": frozenset({"Bash"}),
    "network": frozenset({"WebFetch", "WebSearch"}),
}
MCP_PREFIX = "mcp__"
WILDCARDS = frozenset("*?")
_UNCOVERABLE = ("$(", "`", "<(", ">(")
_SEGMENT_SPLIT = re.compile(r"&&|\|\||\|&|[;|&\n\r]")


class ScopeError(ValueError):
    """A scope that may not enter; the message says why and what to use instead."""


@record
class Scope:
    kind: str
    value: str | None = None

    @property
    def text(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    def __str__(self) -> str:
        return self.text


def tool_group(tool_name: str, write_tools: Mapping[str, str] | None = None) -> str | None:
    """The group a tool belongs to; MCP tools group by server (`mcp__github__x` is in `mcp__github`)."""
    if write_tools and tool_name in write_tools:
        return "file_write"
    for group, members in BASE_GROUPS.items():
        if tool_name in members:
            return group
    if tool_name.startswith(MCP_PREFIX):
        server = tool_name[len(MCP_PREFIX):].split("__", 1)[0]
        return MCP_PREFIX + server if server else None
    return None


def is_degenerate(pattern: str) -> bool:
    """Too short, only wildcards, or more than half wildcards: it would approve almost anything."""
    wild = sum(1 for c in pattern if c in WILDCARDS)
    return len(pattern) <= 2 or wild == len(pattern) or wild > len(pattern) / 2


def normalise_path(path: str) -> str | None:
    """The lexically normalised path, or None when it is empty or escapes upwards with `..`."""
    if not path or "\x00" in path:
        return None
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return None
    return norm


def parse_scope(raw: object, max_length: int) -> Scope:
    """Check a scope's grammar and shape; context-dependent checks live in the caller."""
    if not isinstance(raw, str):
        raise ScopeError(f"a scope must be a string, got {type(raw).__name__}")
    text = raw.strip()
    if not text:
        raise ScopeError("empty scope")
    if len(text) > max_length:
        raise ScopeError(f"scope is {len(text)} characters long; at most {max_length} are allowed")
    kind, sep, value = text.partition(":")
    kind = kind.strip()
    if kind not in SCOPE_KINDS:
        raise ScopeError(f"unknown scope kind {kind!r}; use one of {', '.join(SCOPE_KINDS)}")
    if kind not in VALUE_KINDS:
        if sep:
            raise ScopeError(f"`{kind}` takes no value (got {text!r})")
        return Scope(kind)
    value = value.strip()
    if not value:
        raise ScopeError(f"`{kind}` needs a value: `{kind}:<value>`")
    if kind in ("bash_pattern", "write_path") and is_degenerate(value):
        raise ScopeError(
            f"{kind} pattern {value!r} is degenerate (at most 2 characters, only wildcards, or more than half "
            "wildcards) and would approve almost anything; name the command or path more precisely"
        )
    if kind == "write_path":
        if any(part == ".." for part in value.split("/")):
            raise ScopeError(f"write_path pattern {value!r} contains `..`; give the normalised path")
        value = posixpath.normpath(value)
    if kind == "tool_group" and value not in BASE_GROUPS and not (
        value.startswith(MCP_PREFIX) and len(value) > len(MCP_PREFIX)
    ):
        raise ScopeError(
            f"unknown tool group {value!r}; groups are {', '.join(BASE_GROUPS)} and mcp__<server>"
        )
    return Scope(kind, value)


def command_segments(command: str) -> list[str] | None:
    """The simple commands of a compound command, or None when a pattern cannot vouch for it.

    Splitting ignores quoting on purpose: a separator inside quotes only yields
    more segments, each of which must match, so it can only make a pattern
    match less.
    """
    if any(marker in command for marker in _UNCOVERABLE):
        return None
    segments = [s.strip() for s in _SEGMENT_SPLIT.split(command)]
    segments = [s for s in segments if s]
    return segments or None


def _bash_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for c in pattern:
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
    return re.compile("".join(out), re.DOTALL)


def _path_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            c = pattern[i]
            out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
            i += 1
    return re.compile("".join(out), re.DOTALL)


@record
class CallFacts:
    """What scope matching needs to know about one tool call."""

    tool_name: str
    group: str | None
    command: str | None
    write_path: str | None
    simple_commands: tuple[str, ...] = ()
    """Canonical renderings of the simple commands the shell parser found in `command`."""
    analysis: Analysis | None = field(default=None, compare=False)


@record(frozen=False, eq=False)
class Allowlist:
    """Tool-level grants of one task: the allowlist fast path of the pipeline."""

    all_session: Scope | None = None
    tools: dict[str, Scope] = field(default_factory=dict)
    groups: dict[str, Scope] = field(default_factory=dict)
    commands: dict[str, tuple[Scope, re.Pattern[str]]] = field(default_factory=dict)
    paths: dict[str, tuple[Scope, re.Pattern[str]]] = field(default_factory=dict)

    def add(self, scope: Scope) -> None:
        if scope.kind in ("this_call", "rule") or scope.kind in SESSION_KINDS:
            raise ValueError(f"{scope.text} is not a tool-level grant")
        value = scope.value or ""
        if scope.kind == "all_session":
            self.all_session = scope
        elif scope.kind == "tool_type":
            self.tools[value] = scope
        elif scope.kind == "tool_group":
            self.groups[value] = scope
        elif scope.kind == "bash_pattern":
            self.commands.setdefault(value, (scope, _bash_regex(value)))
        elif scope.kind == "write_path":
            self.paths.setdefault(value, (scope, _path_regex(value)))

    def remove(self, text: str) -> bool:
        """Withdraw a grant by its text (a human revoked it); whether it was there."""
        if self.all_session is not None and self.all_session.text == text:
            self.all_session = None
            return True
        for table in (self.tools, self.groups, self.commands, self.paths):
            for key, held in list(table.items()):
                scope = held[0] if isinstance(held, tuple) else held
                if scope.text == text:
                    del table[key]
                    return True
        return False

    def match(self, call: CallFacts) -> Scope | None:
        if self.all_session is not None:
            return self.all_session
        hit = self.tools.get(call.tool_name) or (self.groups.get(call.group) if call.group else None)
        if hit is not None:
            return hit
        if call.command is not None and self.commands:
            for scope, regex in self.commands.values():
                if covers_command(regex, call):
                    return scope
        if call.write_path is not None and self.paths:
            for scope, regex in self.paths.values():
                if covers_path(regex, call.write_path):
                    return scope
        return None

    def scopes(self) -> list[str]:
        found = ([self.all_session] if self.all_session else []) + list(self.tools.values()) + list(
            self.groups.values()
        ) + [s for s, _ in self.commands.values()] + [s for s, _ in self.paths.values()]
        return sorted(s.text for s in found)


def covers_command(regex: re.Pattern[str], call: CallFacts) -> bool:
    """Every raw segment and every simple command the parser found (nested shells included) must match."""
    segments = command_segments(call.command or "")
    return (segments is not None and all(regex.fullmatch(s) for s in segments)
            and all(regex.fullmatch(s) for s in call.simple_commands))


def covers_path(regex: re.Pattern[str], path: str) -> bool:
    norm = normalise_path(path)
    return norm is not None and regex.fullmatch(norm) is not None


def matcher(scope: Scope) -> re.Pattern[str]:
    """The compiled pattern of a `bash_pattern` or `write_path` scope."""
    return _bash_regex(scope.value or "") if scope.kind == "bash_pattern" else _path_regex(scope.value or "")
