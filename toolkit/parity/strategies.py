"""Hypothesis strategies for differential fuzzing: policy sets, entity stores and requests in the vocabulary.

Generated policies are written as Cedar text (what both engines really receive);
they stay mostly well-typed, with a small share of ill-typed or attribute-missing
expressions so evaluation errors are compared too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.errors import MissingExtra

FUZZ_EXTRA = "parity fuzz needs the fuzz extra: pip install 'cedar-gates[fuzz]'"

try:
    from hypothesis import strategies as st
except ImportError as exc:  # the fuzz extra is optional; say how to get it
    raise MissingExtra(FUZZ_EXTRA) from exc

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
JS_EDGE = 2**53
ACTIONS = ("invoke_tool", "write_file", "execute_bash", "run_command")
TASKS = ("new_task", "pr_iteration", "pr_review")
GROUPS = ("g0", "g1", "g2", "g3")
TOOLS = ("Bash", "Write", "Edit", "Read", "MultiEdit", "WebFetch", "mcp__x__y")
STRING_ATTRS = ("task_type", "repo", "command", "file_path", "program")
SET_ATTRS = ("labels", "flags")
RESOURCE_FOR = {
    "invoke_tool": None,
    "write_file": ("Agent::File", "file"),
    "execute_bash": ("Agent::BashCommand", "command"),
    "run_command": ("Agent::BashCommand", "command"),
}
WANTED = {"execute_bash": ("command",), "write_file": ("file_path",), "run_command": ("program", "flags", "command")}

_SPECIAL_CHARS = ["*", "\\", '"', "/", ".", "-", " ", "é", "日", "🚀", "\u0301", "\n", "\t", "\x00", "\x7f", "\u200b"]
chars = st.one_of(
    st.sampled_from(list("abcgitpushrm-f/.env") + _SPECIAL_CHARS),
    st.characters(codec="utf-8"),
)
strings = st.text(chars, max_size=12)
integers = st.one_of(
    st.sampled_from([0, 1, -1, 2, 300, JS_EDGE - 1, JS_EDGE, JS_EDGE + 1, -JS_EDGE - 1, I64_MAX, I64_MIN, I64_MAX - 1]),
    st.integers(-1000, 1000),
    st.integers(I64_MIN, I64_MAX),
)
safe_integers = st.one_of(st.integers(-1000, 1000), st.sampled_from([JS_EDGE - 1, -(JS_EDGE - 1), 0]))
# Inputs beyond ±2^53 only show the known JavaScript rounding class; keep them a minority.
input_integers = st.one_of(safe_integers, safe_integers, safe_integers, safe_integers, safe_integers, integers)


def cedar_string(value: str) -> str:
    return '"' + "".join(_escape(c) for c in value) + '"'


def _escape(char: str, in_pattern: bool = False) -> str:
    if char == "\\":
        return "\\\\"
    if char == '"':
        return '\\"'
    if char == "*" and in_pattern:
        return "\\*"
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{{{ord(char):x}}}"
    return char


def cedar_pattern(elements: list[str | None]) -> str:
    """None is a wildcard; a literal `*` is escaped as `\\*`."""
    return '"' + "".join("*" if e is None else _escape(e, in_pattern=True) for e in elements) + '"'


def cedar_int(value: int) -> str:
    # `-9223372036854775808` is not a literal in Cedar (the positive part overflows).
    return f"({value + 1} - 1)" if value == I64_MIN else str(value)


patterns = st.lists(st.one_of(st.none(), chars), max_size=8).map(cedar_pattern)
set_literals = st.lists(strings, max_size=3).map(lambda items: "[" + ", ".join(map(cedar_string, items)) + "]")


def uid_text(kind: str, ident: str) -> str:
    return f"Agent::{kind}::{cedar_string(ident)}"


@st.composite
def atoms(draw: st.DrawFn) -> str:
    attr = draw(st.sampled_from(STRING_ATTRS))
    choice = draw(st.integers(0, 13))
    if choice == 0:
        return draw(st.sampled_from(["true", "false", "context.read_only"]))
    if choice == 1:
        return f"context has {draw(st.sampled_from([*STRING_ATTRS, 'size', 'labels', 'read_only']))}"
    if choice == 2:
        return f"context.{attr} like {draw(patterns)}"
    if choice == 3:
        return f"(context has {attr} && context.{attr} like {draw(patterns)})"
    if choice == 4:
        op = draw(st.sampled_from(["==", "!="]))
        return f"context.{attr} {op} {cedar_string(draw(strings))}"
    if choice == 5:
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"context.size {op} {cedar_int(draw(integers))}"
    if choice == 6:
        op = draw(st.sampled_from(["+", "-", "*"]))
        return f"(context.size {op} {cedar_int(draw(integers))}) > {cedar_int(draw(safe_integers))}"
    if choice == 7:
        return f"{draw(set_literals)}.contains(context.{attr})"
    if choice == 8:
        method = draw(st.sampled_from(["contains", "containsAny", "containsAll"]))
        set_attr = draw(st.sampled_from(SET_ATTRS))
        if method == "contains":
            return f"context.{set_attr}.contains({cedar_string(draw(strings))})"
        return f"context.{set_attr}.{method}({draw(set_literals)})"
    if choice == 9:
        return f"principal in {uid_text('Group', draw(st.sampled_from(GROUPS)))}"
    if choice == 10:
        return f"resource == {uid_text('Tool', draw(st.sampled_from(TOOLS)))}"
    if choice == 11:
        return f"(principal has trust && principal.trust < {cedar_int(draw(safe_integers))})"
    if choice == 12:
        # ill-typed on purpose: both engines must report the same evaluation error
        return draw(st.sampled_from(["context.command < 3", "context.size like \"1*\"", "context.read_only + 1 > 0"]))
    return "context.labels.isEmpty()" if draw(st.booleans()) else f"context.{attr}.isEmpty()"


def expressions(depth: int = 2) -> st.SearchStrategy[str]:
    if depth == 0:
        return atoms()
    sub = expressions(depth - 1)
    return st.one_of(
        atoms(),
        st.tuples(sub, sub).map(lambda p: f"({p[0]} && {p[1]})"),
        st.tuples(sub, sub).map(lambda p: f"({p[0]} || {p[1]})"),
        sub.map(lambda e: f"!({e})"),
        st.tuples(sub, sub, sub).map(lambda p: f"(if {p[0]} then {p[1]} else {p[2]})"),
    )


@st.composite
def scopes(draw: st.DrawFn) -> str:
    principal = draw(st.sampled_from([
        "principal",
        f"principal == {uid_text('TaskAgent', draw(st.sampled_from(TASKS)))}",
        f"principal in {uid_text('Group', draw(st.sampled_from(GROUPS)))}",
    ]))
    actions = draw(st.lists(st.sampled_from(ACTIONS), max_size=2, unique=True))
    if not actions:
        action = "action"
    elif len(actions) == 1:
        action = f"action == {uid_text('Action', actions[0])}"
    else:
        action = "action in [" + ", ".join(uid_text("Action", a) for a in actions) + "]"
    resource = draw(st.sampled_from([
        "resource",
        f"resource == {uid_text('Tool', draw(st.sampled_from(TOOLS)))}",
        "resource is Agent::File",
        "resource is Agent::BashCommand",
    ]))
    return f"({principal}, {action}, {resource})"


_CLAUSES = st.lists(st.tuples(st.sampled_from(["when", "unless"]), expressions()), max_size=2)
_TIERS = st.sampled_from(["", '@tier("hard")\n', '@tier("soft")\n'])
_EFFECTS = st.sampled_from(["forbid", "forbid", "permit"])


@st.composite
def policy_bodies(draw: st.DrawFn) -> tuple[str, str]:
    """(annotations before @rule_id, policy after it); numbered when the set is assembled."""
    body = "".join(f"\n{kind} {{ {expr} }}" for kind, expr in draw(_CLAUSES))
    return draw(_TIERS), f"{draw(_EFFECTS)} {draw(scopes())}{body};"


@st.composite
def policy_sets(draw: st.DrawFn) -> str:
    texts = ['@rule_id("base_permit")\npermit (principal, action, resource);'] if draw(st.booleans()) else []
    for index, (tier, body) in enumerate(draw(st.lists(policy_bodies(), max_size=4))):
        texts.append(f'{tier}@rule_id("r{index}")\n{body}')
    return "\n".join(texts)


def _uid(kind: str, ident: str) -> dict[str, str]:
    return {"type": f"Agent::{kind}", "id": ident}


@st.composite
def entity_stores(draw: st.DrawFn) -> list[dict[str, Any]]:
    store = []
    for task in draw(st.lists(st.sampled_from(TASKS), max_size=3, unique=True)):
        attrs = {"trust": draw(input_integers)} if draw(st.booleans()) else {}
        parents = [_uid("Group", g) for g in draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))]
        store.append({"uid": _uid("TaskAgent", task), "attrs": attrs, "parents": parents})
    for index, group in enumerate(GROUPS[:-1]):
        if draw(st.booleans()):
            higher = draw(st.lists(st.sampled_from(GROUPS[index + 1 :]), max_size=1))
            store.append({"uid": _uid("Group", group), "attrs": {}, "parents": [_uid("Group", g) for g in higher]})
    return store


_CONTEXT_VALUES = (
    ("task_type", st.sampled_from(TASKS)),
    ("repo", strings),
    ("read_only", st.booleans()),
    ("command", strings),
    ("file_path", strings),
    ("size", input_integers),
    ("labels", st.lists(strings, max_size=3, unique=True)),
    ("program", strings),
    ("flags", st.lists(st.sampled_from(["-r", "-f", "--force", "-i"]), max_size=3, unique=True)),
)
_PRESENCE = st.integers(0, 3)


@st.composite
def contexts(draw: st.DrawFn, action: str) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for key, value in _CONTEXT_VALUES:
        if key in WANTED.get(action, ()) or draw(_PRESENCE) > 0:
            ctx[key] = draw(value)
    return ctx


_CONTEXTS = {action: contexts(action) for action in ACTIONS}


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    action = draw(st.sampled_from(ACTIONS))
    fixed = RESOURCE_FOR[action]
    resource = {"type": fixed[0], "id": fixed[1]} if fixed else _uid("Tool", draw(st.sampled_from(TOOLS)))
    return {
        "principal": _uid("TaskAgent", draw(st.sampled_from(TASKS))),
        "action": _uid("Action", action),
        "resource": resource,
        "context": draw(_CONTEXTS[action]),
    }


@dataclass(frozen=True)
class FuzzCase:
    policies: str
    entities: list[dict[str, Any]]
    requests: list[dict[str, Any]]


fuzz_cases = st.builds(
    FuzzCase,
    policies=policy_sets(),
    entities=entity_stores(),
    requests=st.lists(requests(), min_size=1, max_size=4),
)
