"""A light scanner for Cedar policy text that keeps source offsets.

The engines report no source positions, so the linter finds them here: where
each policy starts and ends, where its annotations, effect keyword, template
slots and `like` patterns are.  It recognises only what it needs (strings,
comments, `;`, annotations, a few keywords); the engines remain the authority
on whether the text is valid Cedar.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_SCAN = re.compile(
    r'(?P<str>"(?:[^"\\]|\\.)*(?:"|\Z))'
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<semi>;)"
    r"|(?P<annot>@\s*(?P<aname>[A-Za-z_][A-Za-z0-9_]*)(?P<aparen>\s*\()?)"
    r"|(?P<effect>\b(?:permit|forbid)\b)"
    r"|(?P<like>\blike\b)"
    r"|(?P<slot>\?(?:principal|resource)\b)",
    re.S,
)

_TOKEN = re.compile(
    r'(?P<str>"(?:[^"\\]|\\.)*(?:"|\Z))'
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<ws>\s+)"
    r"|(?P<tok>[A-Za-z_][A-Za-z0-9_]*|\d+|::|==|!=|<=|>=|&&|\|\||\?[A-Za-z_]+|.)",
    re.S,
)

_SUBJECT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_. \t")

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}
_UNICODE_ESCAPE = re.compile(r"u\{([0-9a-fA-F]{1,6})\}")

WILDCARD = object()


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass
class Annotation:
    name: str
    value: str | None
    span: Span


@dataclass
class LikePattern:
    """A `like` operand: elements are characters or WILDCARD."""

    raw: str
    elements: tuple[object, ...]
    span: Span
    subject: str = ""

    def literal_runs(self) -> list[str]:
        """Text between wildcards, in order (empty runs dropped)."""
        runs, current = [], []
        for element in self.elements:
            if element is WILDCARD:
                if current:
                    runs.append("".join(current))
                current = []
            else:
                current.append(element)
        if current:
            runs.append("".join(current))
        return runs


@dataclass
class ScannedPolicy:
    span: Span
    head: Span
    effect: str | None = None
    effect_span: Span | None = None
    annotations: list[Annotation] = field(default_factory=list)
    likes: list[LikePattern] = field(default_factory=list)
    slots: list[Span] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        for annotation in self.annotations:
            if annotation.name == name:
                return annotation
        return None


@dataclass
class ScannedText:
    text: str
    policies: list[ScannedPolicy]
    trailing: Span | None


def unescape_string(body: str) -> str:
    """Decode a Cedar string literal body (without quotes); unknown escapes stay verbatim."""
    if "\\" not in body:
        return body
    return "".join(ch for ch in _decode(body, keep_star_escape=False))


def _decode(body: str, keep_star_escape: bool) -> list[object]:
    out: list[object] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "*":
                out.append("*")
                i += 2
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            match = _UNICODE_ESCAPE.match(body, i + 1)
            if match:
                out.append(chr(int(match.group(1), 16)))
                i = match.end()
                continue
        out.append(WILDCARD if (ch == "*" and keep_star_escape) else ch)
        i += 1
    return out


def like_elements(body: str) -> tuple[object, ...]:
    """Pattern elements of a `like` literal body: `*` is WILDCARD, `\\*` a literal star."""
    if "\\" not in body:
        return tuple(WILDCARD if ch == "*" else ch for ch in body)
    return tuple(_decode(body, keep_star_escape=True))


def scan(text: str) -> ScannedText:
    policies: list[ScannedPolicy] = []
    current: ScannedPolicy | None = None
    pending_like = False
    like_subject = ""
    pending_annotation: Annotation | None = None

    def start_policy(at: int) -> ScannedPolicy:
        return ScannedPolicy(span=Span(at, at), head=Span(at, at))

    for match in _SCAN.finditer(text):
        kind = "annot" if match.group("annot") else match.lastgroup
        if kind == "comment":
            continue
        start = match.start()
        if current is None:
            current = start_policy(start)
        if kind == "str":
            raw = match.group()
            body = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            if pending_annotation is not None:
                pending_annotation.value = unescape_string(body)
                pending_annotation.span = Span(pending_annotation.span.start, _annotation_end(text, match.end()))
                pending_annotation = None
            elif pending_like:
                current.likes.append(LikePattern(raw, like_elements(body), Span(start, match.end()), like_subject))
            pending_like = False
            continue
        pending_like = False
        pending_annotation = None
        if kind == "semi":
            current.span = Span(current.span.start, match.end())
            policies.append(current)
            current = None
        elif kind == "annot":
            annotation = Annotation(match.group("aname"), None, Span(start, match.end("aname")))
            current.annotations.append(annotation)
            if match.group("aparen"):
                pending_annotation = annotation
        elif kind == "effect":
            if current.effect is None:
                current.effect = match.group()
                current.effect_span = Span(start, match.end())
                current.head = Span(start, match.end())
        elif kind == "like":
            pending_like = True
            like_subject = _subject_before(text, start)
        elif kind == "slot":
            current.slots.append(Span(start, match.end()))
    tail_start = policies[-1].span.end if policies else 0
    tail = tokens(text[tail_start:])
    trailing = Span(tail_start + tail[0].start, tail_start + tail[-1].end) if tail else None
    return ScannedText(text, policies, trailing)


def _subject_before(text: str, end: int) -> str:
    """The attribute path written just before `like` (e.g. `context.command`)."""
    start = end
    while start > 0 and end - start < 120 and text[start - 1] in _SUBJECT_CHARS:
        start -= 1
    return text[start:end].strip()


def _annotation_end(text: str, after_string: int) -> int:
    close = re.compile(r"\s*\)").match(text, after_string)
    return close.end() if close else after_string


def tokens(text: str) -> list[Span]:
    """Significant tokens (no whitespace, no comments) as spans."""
    return [Span(m.start(), m.end()) for m in _TOKEN.finditer(text) if m.lastgroup in ("str", "tok")]


class LineIndex:
    """Offset -> 1-based (line, column) for one text."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1
