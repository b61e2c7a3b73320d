"""Which requests could any forbid match? Answered in Python from a few cheap context facts.

A Bash call maps to several requests (one per simple command, one per file it
writes), and cedarpy's cost is per request, dominated by converting the
context. Most simple commands (`git status`, `npm test`) cannot match any
forbid: every built-in command rule requires a particular program, subcommand,
read-only task or dynamic mark. This module reads each forbid's `when`
conditions once, as Cedar's own JSON form, and evaluates them three-valued
(true / false / unknown) over only those facts. A request is sent to Cedar
unless every forbid that applies to its action is *definitely* false; anything
the evaluator does not understand is unknown, so it can only send more.

`unless` clauses and scope constraints on principal and resource are ignored
(they can only make a policy match less). Answers are memoised per
(action, facts) on the instance.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

FACTS = ("program", "subcommand", "read_only", "dynamic", "task_type", "output_to_file", "path_kinds", "sent_kinds",
         "inline_effects", "git_exec_config", "git_skips_checks")
"""Facts with few distinct values: answers over them are memoised (sets as sorted tuples)."""
SET_FACTS = frozenset({"path_kinds", "sent_kinds", "inline_effects", "git_exec_config"})
PATH_FACTS = ("file_path", "file_path_lower", "gate_file")
"""Facts that differ per call: evaluated each time (no memo), only when the memoised answer is yes."""
UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
MEMO_MAX = 4096
PATH_MEMO_MAX = 256

Condition = Callable[[Mapping[str, Any]], Any]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def compile_expr(expr: Any) -> Condition:
    """A function of the facts giving True, False or UNKNOWN; never raises."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return lambda facts: UNKNOWN
    (op, arg), = expr.items()
    if op == "Value":
        value = arg if isinstance(arg, (str, bool, int)) else UNKNOWN
        return lambda facts: value
    if op == "." and isinstance(arg, dict) and arg.get("left") == {"Var": "context"} and (
            arg.get("attr") in FACTS or arg.get("attr") in PATH_FACTS):
        name = arg["attr"]
        return lambda facts: facts.get(name, UNKNOWN)
    if op in ("&&", "||") and isinstance(arg, dict):
        left, right = compile_expr(arg.get("left")), _on_first_use(arg.get("right"))
        if op == "&&":
            def conj(facts: Mapping[str, Any]) -> Any:
                a = left(facts)
                if a is False:
                    return False
                b = right(facts)
                if b is False:
                    return False
                return True if a is True and b is True else UNKNOWN
            return conj

        def disj(facts: Mapping[str, Any]) -> Any:
            a = left(facts)
            if a is True:
                return True
            b = right(facts)
            if b is True:
                return True
            return False if a is False and b is False else UNKNOWN
        return disj
    if op in ("==", "!=") and isinstance(arg, dict):
        left, right = compile_expr(arg.get("left")), compile_expr(arg.get("right"))

        def compare(facts: Mapping[str, Any]) -> Any:
            a, b = left(facts), right(facts)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            return _same(a, b) if op == "==" else not _same(a, b)
        return compare
    if op == "!" and isinstance(arg, dict):
        inner = compile_expr(arg.get("arg"))

        def negate(facts: Mapping[str, Any]) -> Any:
            v = inner(facts)
            return (not v) if isinstance(v, bool) else UNKNOWN
        return negate
    if op == "like" and isinstance(arg, dict):
        matches = _like_matcher(arg.get("pattern"))
        subject = compile_expr(arg.get("left"))

        def like(facts: Mapping[str, Any]) -> Any:
            v = subject(facts)
            if not isinstance(v, str) or matches is None:
                return UNKNOWN
            return matches(v)
        return like
    if op in ("contains", "containsAny", "containsAll") and isinstance(arg, dict) and _set_fact(arg.get("left")):
        return _set_test(op, arg["left"]["."]["attr"], arg.get("right"))
    if op == "isEmpty" and isinstance(arg, dict) and _set_fact(arg.get("arg")):
        name = arg["arg"]["."]["attr"]

        def empty(facts: Mapping[str, Any]) -> Any:
            v = facts.get(name, UNKNOWN)
            return len(v) == 0 if isinstance(v, tuple) else UNKNOWN
        return empty
    if op == "contains" and isinstance(arg, dict):
        members = _literal_set(arg.get("left"))
        element = compile_expr(arg.get("right"))
        if members is None:
            return lambda facts: UNKNOWN

        def member(facts: Mapping[str, Any]) -> Any:
            v = element(facts)
            if v is UNKNOWN:
                return UNKNOWN
            return any(_same(v, m) for m in members)
        return member
    return lambda facts: UNKNOWN


def _on_first_use(expr: Any) -> Condition:
    """The right side of `&&` and `||`, compiled when first needed: a hook process evaluates each condition
    about once, and most stop at their first conjunct (`context.read_only && ...`)."""
    compiled: list[Condition] = []

    def run(facts: Mapping[str, Any]) -> Any:
        if not compiled:
            compiled.append(compile_expr(expr))
        return compiled[0](facts)
    return run


def _set_fact(expr: Any) -> bool:
    """`context.path_kinds` and the like: a set-valued fact."""
    return (isinstance(expr, dict) and isinstance(expr.get("."), dict) and expr["."].get("left") == {"Var": "context"}
            and expr["."].get("attr") in SET_FACTS)


def _set_test(op: str, name: str, right: Any) -> Condition:
    """`context.S.contains(v)`, `.containsAny([..])`, `.containsAll([..])` over literal values."""
    if op == "contains":
        value = right.get("Value") if isinstance(right, dict) else None
        wanted = [value] if isinstance(value, (str, bool, int)) else None
    else:
        wanted = _literal_set(right)
    if wanted is None:
        return lambda facts: UNKNOWN

    def test(facts: Mapping[str, Any]) -> Any:
        v = facts.get(name, UNKNOWN)
        if not isinstance(v, tuple):
            return UNKNOWN
        hits = [any(_same(w, m) for m in v) for w in wanted]
        return all(hits) if op == "containsAll" else any(hits)
    return test


def _like_matcher(pattern: Any) -> Callable[[str], bool] | None:
    """Cedar's `like`: `Wildcard` matches any run of characters (empty too); the whole string must match.

    Matched with string searches rather than a regular expression: a hook process builds the prefilter on every
    call, and compiling dozens of patterns cost more than the call's own evaluation."""
    if not isinstance(pattern, list):
        return None
    segments = [""]
    for element in pattern:
        if element == "Wildcard":
            if segments[-1] or len(segments) == 1:
                segments.append("")
        elif isinstance(element, dict) and isinstance(element.get("Literal"), str):
            segments[-1] += element["Literal"]
        else:
            return None
    if len(segments) == 1:
        exact = segments[0]
        return lambda v: v == exact
    head, *middle, tail = segments

    def matches(v: str) -> bool:
        if len(v) < len(head) + len(tail) or not v.startswith(head) or not v.endswith(tail):
            return False
        at, end = len(head), len(v) - len(tail)
        for segment in middle:
            found = v.find(segment, at, end)
            if found < 0:
                return False
            at = found + len(segment)
        return True
    return matches


def _literal_set(expr: Any) -> list[Any] | None:
    if not isinstance(expr, dict) or not isinstance(expr.get("Set"), list):
        return None
    values = []
    for item in expr["Set"]:
        if not isinstance(item, dict) or "Value" not in item or not isinstance(item["Value"], (str, bool, int)):
            return None
        values.append(item["Value"])
    return values


class Prefilter:
    """Built once per policy bundle from its forbid policies: (action ids or None for all, conditions)."""

    def __init__(self, forbids: Iterable[tuple[frozenset[str] | None, Sequence[Any]]]) -> None:
        self._all: list[list[Any]] = []
        self._by_action: dict[str, list[list[Any]]] = {}
        for actions, conditions in forbids:
            bodies = [c.get("body") for c in conditions if isinstance(c, dict) and c.get("kind") == "when"]
            if actions is None:
                self._all.append(bodies)
            else:
                for action in actions:
                    self._by_action.setdefault(action, []).append(bodies)
        self._compiled: dict[str, tuple[list[Condition], ...]] = {}
        """Conditions per action, compiled when the action is first asked about (a hook process asks about few)."""
        self._memo: dict[tuple[Any, ...], bool] = {}
        self._path_memo: dict[tuple[Any, ...], bool] = {}
        """Answers for requests with paths, few: a call's write is asked about twice when log-only rules exist
        (once before its request is built, once before it is sent), and a session writes the same files again."""

    def needed(self, request: Mapping[str, Any]) -> bool:
        """False only when no forbid could match this request."""
        return self.could_match(request["action"]["id"], request["context"])

    def could_match(self, action: str, context: Mapping[str, Any]) -> bool:
        """The same from the action and the (possibly partial) context: absent facts are unknown."""
        key = (action, *(_hashable(context.get(name, UNKNOWN)) for name in FACTS))
        answer = self._memo.get(key)
        if answer is None:
            facts = {name: value for name, value in zip(FACTS, key[1:]) if value is not UNKNOWN}
            answer = self._any_could_match(action, facts)
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            self._memo[key] = answer
        if answer and any(name in context for name in PATH_FACTS):
            facts = {name: _hashable(context[name]) for name in (*FACTS, *PATH_FACTS) if name in context}
            path_key = (action, *facts.items())
            found = self._path_memo.get(path_key)
            if found is None:
                found = self._any_could_match(action, facts)
                if len(self._path_memo) >= PATH_MEMO_MAX:
                    self._path_memo.clear()
                self._path_memo[path_key] = found
            return found
        return answer

    def _any_could_match(self, action: str, facts: Mapping[str, Any]) -> bool:
        return any(all(when(facts) is not False for when in whens) for whens in self._conditions(action))

    def _conditions(self, action: str) -> tuple[list[Condition], ...]:
        found = self._compiled.get(action)
        if found is None:
            found = tuple([compile_expr(body) for body in bodies]
                          for bodies in (*self._by_action.get(action, ()), *self._all))
            self._compiled[action] = found
        return found


def _hashable(value: Any) -> Any:
    """Set-valued facts arrive as lists; they are compared as tuples."""
    return tuple(value) if isinstance(value, list) else value
