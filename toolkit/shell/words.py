"""Words as Bash rebuilds them: quotes and escapes, ANSI-C strings, word splitting, brace expansion.

Everything here is pure text work on pieces the walker has already taken from
the tree; a piece that holds something unknown keeps its `dynamic` mark.
"""

from __future__ import annotations

import re
from typing import Any

from toolkit.record import record
from toolkit.shell.model import Word

IFS = " \t\n"
NO_DATA = None


class _Dynamic:
    """A stream whose content is not known (a file, a network download, another program's output)."""


DYNAMIC = _Dynamic()
Stream = Any  # None (nothing read), str (known text) or DYNAMIC


@record(frozen=False, eq=False)
class Part:
    text: str
    quoted: bool
    dynamic: bool = False
    splittable: bool = False


ANSI = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.S)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f",
                "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def ansi_c(body: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(min(int(code[1:], 16), 0x10FFFF))
        if code[0].isdigit():
            return chr(int(code, 8) & 0xFF)
        if code[0] == "c" and len(code) == 2:
            return chr(ord(code[1]) & 0x1F)
        return _ANSI_SIMPLE.get(code, "\\" + code)

    return ANSI.sub(sub, body)


def unescape_word(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def unescape_dquoted(text: str) -> str:
    return re.sub(r'\\([\\"$`\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), text)



ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_BRACE = re.compile(r"\{([^{}]*,[^{}]*)\}")
_SEQUENCE = re.compile(r"\{(-?\d{1,9}|[A-Za-z])\.\.(-?\d{1,9}|[A-Za-z])(?:\.\.(-?\d{1,9}))?\}")
MAX_BRACE_WORDS = 64


def braces(text: str) -> list[str]:
    """Brace expansion: lists (`/{,}` → `/ /`, `a{b,c}` → `ab ac`) and short sequences (`{1..3}`, `{a..c}`).

    Past MAX_BRACE_WORDS words the rest is left as written.
    """
    out, pending = [], [text]
    while pending and len(out) + len(pending) <= MAX_BRACE_WORDS:
        word = pending.pop(0)
        m = _BRACE.search(word)
        if m is not None:
            pending.extend(word[:m.start()] + alt + word[m.end():] for alt in m.group(1).split(","))
            continue
        m = _SEQUENCE.search(word)
        items = sequence(*m.groups()) if m is not None else None
        if m is None or items is None or len(out) + len(pending) + len(items) > MAX_BRACE_WORDS:
            out.append(word)
            continue
        pending.extend(word[:m.start()] + item + word[m.end():] for item in items)
    return out + pending


def long_sequence(text: str) -> bool:
    """A brace sequence left as written because it is too long to expand (`{1..1000}`)."""
    return _SEQUENCE.search(text) is not None


def sequence(first: str, last: str, step: str | None) -> list[str] | None:
    """The words of `{first..last[..step]}` as Bash writes them, None when it is no sequence or too long."""
    stride = abs(int(step)) if step else 1
    stride = stride or 1
    if first.lstrip("-").isdigit() and last.lstrip("-").isdigit():
        a, b = int(first), int(last)
        if abs(b - a) // stride >= MAX_BRACE_WORDS:
            return None
        width = max(len(first), len(last)) if first.lstrip("-").startswith("0") or last.lstrip("-").startswith("0") \
            else 0
        numbers = range(a, b + 1, stride) if a <= b else range(a, b - 1, -stride)
        return [f"{n:0{width}d}" for n in numbers]
    if first.isalpha() and last.isalpha():
        a, b = ord(first), ord(last)
        codes = range(a, b + 1, stride) if a <= b else range(a, b - 1, -stride)
        return [chr(c) for c in codes]
    return None


def c_string(text: str) -> str:
    """A word as a program receives it: argv entries and paths are C strings, so the kernel stops at
    the first NUL (`rm -rf "/\\0foo"` removes `/`; Bash itself cuts `$'/\\x00foo'` there too)."""
    return text.partition("\x00")[0]


def is_dynamic(text: str, argv: list[Word]) -> bool:
    return any(w.dynamic and w.text == text for w in argv)


def join(outputs: list[Stream]) -> Stream:
    data = [o for o in outputs if o is not None]
    if not data:
        return NO_DATA
    if any(o is DYNAMIC for o in data):
        return DYNAMIC
    return "".join(data)


def split_fields(parts: list[Part]) -> list[Word]:
    """Word splitting: only unquoted expansions of known values split, on IFS white space."""
    fields: list[Word] = []
    text: list[str] = []
    dynamic = False
    started = False
    for part in parts:
        if part.splittable:
            pieces = re.split(f"[{re.escape(IFS)}]+", part.text)
            for k, piece in enumerate(pieces):
                if k > 0 and (started or text):
                    fields.append(Word("".join(text), dynamic))
                    text, dynamic, started = [], False, False
                if piece:
                    text.append(piece)
                    started = True
            continue
        text.append(part.text)
        dynamic = dynamic or part.dynamic
        started = started or part.quoted or bool(part.text)
    if started or text:
        fields.append(Word("".join(text), dynamic))
    return fields
