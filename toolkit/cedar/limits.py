"""Structural limits on Cedar text, checked before either engine sees it.

Both engines parse and evaluate Cedar recursively, so text that is deep enough
overflows their native stacks: cedarpy dies with SIGSEGV (the whole Python
process, exit 139, no exception) and cedar-wasm traps with "memory access out
of bounds" (a later call on the same runner failed too once). Measured with
cedarpy 4.12.2 (main thread, 8 MB stack) and cedar-wasm 4.12.0 through the
runner, each shape alone in one `permit ... when { ... };`, parsed
(`policies_to_json`, `load`) and authorised, every size in a fresh process;
the largest size that worked, then the first that failed:

=======================================  =================  ==================
shape                                     cedarpy            cedar-wasm
=======================================  =================  ==================
nested `(`, `[` or `{a:` brackets          650 / 660          117-127 / 121-131
`&&`, `||`, `+` or `.a` chain              16,250 / 16,562    3,071 / 3,120
the same chain when evaluation errors      > 16,250           373 / 377
`if ... then ... else` chain               4,366 / 4,421      374 / 380
`like` with 50,000 `*` (or a 50,000-char   no problem         no problem
string against 50,000 `*`)
=======================================  =================  ==================

The limits sit well below the lowest failure and well above real policies
(the built-in tiers nest at most 6 brackets deep and reach a chain depth of
about 40 on one rule; a typical rule is under 10):

* `MAX_NESTING` = 32 open brackets (`(`, `[`, `{` together) at any point
  (4x below cedar-wasm's 117, 20x below cedarpy's 650);
* `MAX_CHAIN` = 128: the depth of operators along one path into a policy's
  expression tree (3x below cedar-wasm's 373). Operators are the binary ones
  (`||`, `&&`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `has`, `like`, `is`,
  `+`, `-`, `*`), `.` (attribute access, method call) and `if`. The depth is
  computed by precedence: `a || b || c` is 2 deep, `x.a like "1" || x.b like
  "2"` is 3 (one `||` over a `like` over a `.`), a bracketed operand adds its
  own depth plus one, and the depth outside a bracket counts inside it. This is
  the tree depth for left-associative chains and an upper bound otherwise;
* `MAX_TEXT_BYTES` = 2 MiB of UTF-8 for one text (blueprint files and parity
  fixtures are capped at 1 MiB; the joined gate text is the built-ins plus one
  blueprint). Size is not what crashes the engines; the cap keeps the scan and
  the parse bounded.

The worst texts within the limits (32 nested brackets around a chain whose
evaluation errors, a 128-deep `&&`, `if` or `.` chain) run in both engines;
tests/test_cedar_limits.py holds that.

The scan is linear, needs no recursion and never raises: string literals and
`//` comments are skipped (an unterminated string runs to the end of the text),
brackets that do not match are tolerated (the engine reports the syntax error): a
closer pops whatever bracket is open, an unmatched closer is ignored, and a `;`
ends a policy only outside brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.cedar.scan import LineIndex

MAX_NESTING = 32
MAX_CHAIN = 128
MAX_TEXT_BYTES = 2 << 20

FIRST_FAILURES = {
    "cedarpy": {"nesting": 660, "chain": 16_562, "if-chain": 4_421},
    "cedar-wasm": {"nesting": 121, "chain": 3_120, "erroring chain": 377, "if-chain": 380},
}
"""The smallest sizes that failed in the measurements above (documentation; the limits are what is enforced)."""

_TOKEN = re.compile(
    r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)'  # a string literal (escapes included), or its unterminated rest
    r"|//[^\n]*"  # a comment
    r"|[A-Za-z_][A-Za-z0-9_]*"  # an identifier or keyword
    r"|&&|\|\||==|!=|<=|>=|::"
    r"|[()\[\]{},;:.<>+\-*]",
    re.S,
)
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_SEPARATORS = frozenset(",:")
# Binding levels, loosest first: `if`, `||`, `&&`, relations, `+ -`, `*`, (unary), member access.
_LEVEL = {"if": 0, "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "in": 3, "has": 3,
          "like": 3, "is": 3, "+": 4, "-": 4, "*": 5, ".": 7}
_LEVELS = 8
_IF_PARTS = frozenset(("then", "else"))


class _Frame:
    """One open bracket (or the policy's top level): the expression element being read in it.

    `count[k]` is the number of level-k operators in the current level-k operand,
    `below[k]` the deepest level-(k+1) operand finished inside it; an operand's
    depth is `count[k] + below[k]`, which is exactly the tree depth for a chain of
    left-associative operators and an upper bound otherwise.
    """

    __slots__ = ("count", "below", "widest", "outside", "bound")

    def __init__(self, outside: int) -> None:
        self.count = [0] * _LEVELS
        self.below = [0] * _LEVELS
        self.widest = 0  # the deepest finished element of this bracket
        self.outside = outside  # the depth of the path outside this bracket when it opened
        self.bound = 0  # operators plus the deepest bracketed operand in this element: partial() <= bound

    def close_above(self, level: int) -> None:
        """Finish the operands tighter than `level` (an operator of that level follows them)."""
        count, below = self.count, self.below
        for k in range(_LEVELS - 1, level, -1):
            depth = count[k] + below[k]
            if depth > below[k - 1]:
                below[k - 1] = depth
            count[k] = below[k] = 0

    def partial(self) -> int:
        """The depth of the current element if it ended here."""
        depth = 0
        for k in range(_LEVELS - 1, -1, -1):
            depth = self.count[k] + max(self.below[k], depth)
        return depth

    def end_element(self) -> None:
        if self.bound:
            self.widest = max(self.widest, self.partial())
            self.count = [0] * _LEVELS
            self.below = [0] * _LEVELS
            self.bound = 0


@dataclass(frozen=True)
class LimitProblem:
    """The first place a text goes over a limit: offsets into the text, and what went over."""

    kind: str
    """`nesting`, `chain` or `size`."""
    limit: int
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class Measure:
    """What the scan saw: the deepest nesting, the longest chain, the size, and the first problem.

    After a problem the scan stops, so the maxima are those up to that place.
    """

    nesting: int
    chain: int
    size: int
    problem: LimitProblem | None


class CedarTooComplex(ValueError):
    """The text exceeds a structural limit; no engine has seen it."""

    def __init__(self, problem: LimitProblem, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {problem.message}")
        self.problem = problem
        self.line = line
        self.column = column


def _size_problem(text: str, size: int, max_bytes: int) -> LimitProblem:
    start = len(text.encode("utf-8", "surrogatepass")[:max_bytes].decode("utf-8", "ignore"))
    return LimitProblem("size", max_bytes, start, len(text),
                        f"the Cedar text is {size:,} bytes; the limit is {max_bytes:,} bytes")


def measure(text: str, max_nesting: int = MAX_NESTING, max_chain: int = MAX_CHAIN,
            max_bytes: int = MAX_TEXT_BYTES) -> Measure:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return Measure(0, 0, size, _size_problem(text, size, max_bytes))
    frames = [_Frame(0)]
    deepest = longest = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"' or token.startswith("//"):
            continue
        frame = frames[-1]
        level = _LEVEL.get(token)
        if level is not None:
            frame.close_above(level)
            frame.count[level] += 1
            frame.bound += 1
        elif first in _OPEN:
            frames.append(_Frame(frame.outside + (frame.partial() if frame.bound else 0)))
            if len(frames) - 1 > deepest:
                deepest = len(frames) - 1
                if deepest > max_nesting:
                    return Measure(deepest, longest, size, LimitProblem(
                        "nesting", max_nesting, match.start(), match.end(),
                        f"brackets nested more than {max_nesting} deep (`(`, `[` and `{{` together)"))
            continue
        elif first in _CLOSE:
            if len(frames) == 1:
                continue  # an unmatched closer: the engine reports it
            frame.end_element()
            frames.pop()
            # The bracketed expression is one operand (one node) of the enclosing element.
            frame, inner = frames[-1], frame.widest + 1
            if inner > frame.below[-1]:
                frame.below[-1] = inner
            frame.bound += inner
        elif token in _SEPARATORS:
            frame.end_element()
            continue
        elif token in _IF_PARTS:
            frame.close_above(0)
            continue
        elif token == ";":
            if len(frames) == 1:
                frames[0] = _Frame(0)  # the next policy starts afresh
            else:
                frame.end_element()  # a `;` inside brackets is a syntax error; brackets still count
            continue
        else:
            continue
        if frame.outside + frame.bound <= longest:
            continue  # cannot be a new longest chain: skip the exact count
        chain = frame.outside + frame.partial()
        if chain > longest:
            longest = chain
            if chain > max_chain:
                return Measure(deepest, longest, size, LimitProblem(
                    "chain", max_chain, match.start(), match.end(),
                    f"operators and attribute accesses chained more than {max_chain} deep (binary operators, "
                    "`.` and `if`, counted along one path into the expression)"))
    return Measure(deepest, longest, size, None)


def check(text: str) -> LimitProblem | None:
    """The first limit the text exceeds, or None."""
    return measure(text).problem


def ensure_within_limits(text: str) -> None:
    """Raise CedarTooComplex (with the line and column in `text`) when the text exceeds a limit."""
    problem = check(text)
    if problem is not None:
        line, column = LineIndex(text).position(problem.start)
        raise CedarTooComplex(problem, line, column)
