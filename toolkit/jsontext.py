"""JSON text read strictly: numbers are data, and a key given twice is a mistake, not a silent overwrite.

`json.loads` accepts what the toolkit cannot carry further: integers of
thousands of digits (Python refuses to print them again past 4,300 digits),
integers outside Cedar's Long (a signed 64-bit integer, the range both engines
share), `NaN` and `Infinity` (not JSON at all), numbers such as `1e400` that
only parse to infinity, and objects that give the same key twice (the last one
silently wins). `loads` refuses each with a `JsonValueError` that names the
place; syntax errors and deep nesting still raise `json.JSONDecodeError` and
`RecursionError`, which every caller already reports.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
_MAX_DIGITS = 20  # with the sign: more is outside the 64-bit range whatever the digits


class JsonValueError(ValueError):
    """A value that parses but cannot be carried: the message, and the place when it can be found."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.hint = message, line, column, hint

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return where + self.message


class _Refused(Exception):
    def __init__(self, message: str, needle: str, nth: int = 1, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.needle, self.nth, self.hint = message, needle, nth, hint


def in_range(value: int) -> bool:
    return I64_MIN <= value <= I64_MAX


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS or not in_range(int(text)):
        shown = text if len(text) <= 24 else f"{text[:12]}…({len(text.lstrip('-')):,} digits)"
        raise _Refused(f"the integer {shown} is outside the 64-bit range both Cedar engines carry "
                       f"({I64_MIN} to {I64_MAX})", re.escape(text),
                       hint="write it as a string if it is an identifier, or use a smaller number")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large to be a finite number", re.escape(text),
                       hint="use a smaller number, or write it as a string")
    return value


def _constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON number (JSON has no NaN or Infinity)", r"(?<![\w\"])" + re.escape(text),
                   hint="write a number, or null")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"duplicate key {key!r} in one object (the later value would silently win)",
                           re.escape(json.dumps(key, ensure_ascii=False)[1:-1]).join(['"', r'"\s*:']), nth=2,
                           hint="keep one of the two entries")
        result[key] = value
    return result


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes, lone_surrogates: bool = True) -> Any:
    """`json.loads`, with the refusals above raised as JsonValueError (line and column when found).

    `lone_surrogates=False` also refuses a `\\ud800`-style escape that is not half of a pair: such a string is
    not Unicode text, and an engine that needs UTF-8 (both Cedar engines) cannot take it.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float,
                           parse_constant=_constant)
    except _Refused as exc:
        line, column = _locate(text, exc.needle, exc.nth)
        raise JsonValueError(exc.message, line, column, exc.hint) from None
    if not lone_surrogates and _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        line, column = _lone_escape_place(text)
        raise JsonValueError("a string holds a lone surrogate escape (\\ud800-\\udfff without its pair); it is not "
                             "Unicode text and neither engine can carry it", line, column,
                             "use the character itself, or a proper surrogate pair")
    return value


def _has_lone_surrogate(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return _LONE.search(value) is not None
    if depth > 1000:
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v, depth + 1) for v in value)
    return False


def _lone_escape_place(text: str) -> tuple[int | None, int | None]:
    for found in _SURROGATE_ESCAPE.finditer(text):
        code = int(found.group()[2:], 16)
        after = text[found.end():found.end() + 6]
        paired = (0xD800 <= code <= 0xDBFF and after[:2] == "\\u" and len(after) == 6
                  and 0xDC00 <= int(after[2:], 16) <= 0xDFFF if all(c in "0123456789abcdefABCDEF" for c in after[2:])
                  else False)
        if not paired and not (0xDC00 <= code and text[max(0, found.start() - 6):found.start() - 4] == "\\u"):
            offset = found.start()
            return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return None, None


def _locate(text: str, needle: str, nth: int) -> tuple[int | None, int | None]:
    try:
        found = [m.start() for m in re.finditer(needle, text)]
    except re.error:  # pragma: no cover - every needle is escaped
        found = []
    if not found:
        return None, None
    offset = found[min(nth, len(found)) - 1]
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_value(value: Any, depth: int = 0, limit: int = 500) -> str | None:
    """What in an already-parsed value JSON text and both engines cannot carry (YAML, TOML, Python), or None."""
    if depth > limit:
        return "the value is nested too deeply"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        if not in_range(value):
            return "an integer outside the 64-bit range both Cedar engines carry"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a number JSON can carry"
    if isinstance(value, dict):
        for item in value.values():
            problem = check_value(item, depth + 1, limit)
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = check_value(item, depth + 1, limit)
            if problem:
                return problem
    return None
