"""Tokenising PowerShell and cmd text into pipeline stages, lightly: words, redirections, nested groups.

This is not a parser for either language. It finds the words of each simple
stage (split at `;`, newlines, `|`, `&&`, `||`, cmd's `&`), the files each
stage redirects into, and the text of nested groups whose commands run too
(PowerShell `$(…)`, `(…)`, `{…}`; cmd `(…)`). A word built from a variable or
a group is marked dynamic, except the few well-known ones that name the home
directory, the system drive or Windows' directory. Text the tokeniser cannot
follow (an unclosed quote, a here-string, a type expression) sets `unreadable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.shell.model import Word

KNOWN_PS = {"home": "~", "env:userprofile": "~", "env:homepath": "~", "env:systemroot": "C:/Windows",
            "env:windir": "C:/Windows", "env:systemdrive": "C:", "pwd": ".", "null": "", "true": "true",
            "false": "false"}
KNOWN_CMD = {"userprofile": "~", "homedrive%%homepath": "~", "homepath": "~", "systemroot": "C:/Windows",
             "windir": "C:/Windows", "systemdrive": "C:", "homedrive": "C:", "cd": "."}
_PS_VAR = re.compile(r"\$(?:\{([^}]*)\}|([A-Za-z_][\w]*(?::[\w]+)?))")
_CMD_VAR = re.compile(r"%([^%\s]+)%")
_REDIRECT = re.compile(r"^([0-9*]?)(>>?)(&[0-9])?$")


@dataclass
class Stage:
    words: list[Word] = field(default_factory=list)
    quoted: list[bool] = field(default_factory=list)
    writes: list[Word] = field(default_factory=list)
    call: bool = False
    """PowerShell's call operator (`& prog args`) or dot-sourcing (`. script`) opened the stage."""


@dataclass
class Lexed:
    stages: list[Stage] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    """Text of nested groups (run as the same language)."""
    unreadable: bool = False


def _close(text: str, i: int, open_: str, close: str, ps: bool) -> int:
    """Index just past the bracket matching text[i] (an `open_`), skipping quotes; -1 when unclosed."""
    depth, quote = 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "`" and ps and quote == '"':
                i += 1
        elif c in "'\"" and (ps or c == '"'):
            quote = c
        elif c == "`" and ps:
            i += 1
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _ps_vars(text: str, lexed: Lexed) -> tuple[str, bool]:
    dynamic = False

    def sub(m: re.Match[str]) -> str:
        nonlocal dynamic
        name = (m.group(1) or m.group(2)).casefold()
        if name in KNOWN_PS:
            return KNOWN_PS[name]
        dynamic = True
        return m.group(0)

    return _PS_VAR.sub(sub, text), dynamic


def _cmd_vars(text: str) -> tuple[str, bool]:
    dynamic = False
    text = re.sub(r"%homedrive%%homepath%", "~", text, flags=re.I)

    def sub(m: re.Match[str]) -> str:
        nonlocal dynamic
        name = m.group(1).casefold()
        if name in KNOWN_CMD:
            return KNOWN_CMD[name]
        dynamic = True
        return m.group(0)

    out = _CMD_VAR.sub(sub, text)
    return out, dynamic or "%" in out and re.search(r"%~?[\w*]", out) is not None


def lex(text: str, ps: bool) -> Lexed:
    """Stages of PowerShell (`ps`) or cmd text; see the module docstring."""
    out = Lexed()
    stage = Stage()
    buf: list[str] = []
    dyn = quoted = started = False
    pending_redirect = ""
    i, n = 0, len(text)

    def end_word() -> None:
        nonlocal buf, dyn, quoted, started, pending_redirect
        if not started:
            return
        word = "".join(buf)
        if not ps:
            word, more = _cmd_vars(word)
            dyn = dyn or more
        m = _REDIRECT.match(word) if not quoted else None
        if m and not pending_redirect:
            if not m.group(3):
                pending_redirect = word
        elif pending_redirect:
            stage.writes.append(Word(word.lstrip("&"), dyn))
            pending_redirect = ""
        elif ps and word == "&" and not stage.words:
            stage.call = True
        elif ps and word == "." and not stage.words:
            stage.call = True
            out.unreadable = True
        else:
            parts = [word] if quoted or not ps or "," not in word else [p for p in word.split(",") if p]
            for part in parts:
                stage.words.append(Word(part, dyn))
                stage.quoted.append(quoted)
        buf, dyn, quoted, started = [], False, False, False

    def end_stage() -> None:
        nonlocal stage
        end_word()
        if stage.words or stage.writes:
            out.stages.append(stage)
        stage = Stage()

    while i < n:
        c = text[i]
        if c in " \t\r":
            end_word()
        elif c in "\n;" if ps else c == "\n":
            end_stage()
        elif c in "|&" and not (ps and c == "&" and not stage.words and not started and text[i + 1:i + 2] != "&"):
            if c == "&" and buf and buf[-1] == ">":
                buf.append(c)
                started = True
            else:
                end_stage()
                if text[i + 1:i + 2] == c:
                    i += 1
        elif c == ">" and not started or c == ">" and "".join(buf) in ("1", "2", "3", "4", "5", "6", "*", ">"):
            if started and "".join(buf) != ">":
                pass
            elif started:
                end_word()
            buf.append(c)
            started = True
            if text[i + 1:i + 2] == ">":
                buf.append(">")
                i += 1
            if text[i + 1:i + 2] == "&":
                buf.append("&")
                i += 1
                while i + 1 < n and text[i + 1].isdigit():
                    buf.append(text[i + 1])
                    i += 1
            end_word()
        elif c == ">":
            end_word()
            continue
        elif c == "<" and not ps:
            end_word()
            i += 1
            while i < n and text[i] == " ":
                i += 1
            while i < n and text[i] not in " \t&|<>":
                i += 1
            continue
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if ps and text[j] == "`" else 1
            if j >= n and ps:
                out.unreadable = True
            body = text[i + 1:j]
            if ps:
                for m in re.finditer(r"\$\(", body):
                    end = _close(body, m.start() + 1, "(", ")", True)
                    out.groups.append(body[m.start() + 2:end - 1] if end > 0 else body[m.start() + 2:])
                body, more = _ps_vars(re.sub(r"`(.)", r"\1", body, flags=re.S), out)
                dyn = dyn or more or "$(" in body
            buf.append(body)
            started = quoted = True
            i = j
        elif c == "'" and ps:
            j = i + 1
            while j < n and not (text[j] == "'" and text[j + 1:j + 2] != "'"):
                j += 2 if text[j] == "'" else 1
            if j >= n:
                out.unreadable = True
            buf.append(text[i + 1:j].replace("''", "'"))
            started = quoted = True
            i = j
        elif c == "^" and not ps or c == "`" and ps:
            if i + 1 < n and text[i + 1] != "\n":
                buf.append(text[i + 1])
                started = True
            i += 1
        elif ps and c == "#" and not started:
            if i > 0 and text[i - 1] == "<":
                end = text.find("#>", i)
                i = n if end < 0 else end + 1
            else:
                while i + 1 < n and text[i + 1] != "\n":
                    i += 1
        elif ps and c == "<" and text[i + 1:i + 2] == "#":
            pass
        elif ps and c == "@" and text[i + 1:i + 2] in ("'", '"'):
            out.unreadable = True
            return out
        elif ps and c == "[" and not started and not stage.words:
            out.unreadable = True
            end = _close(text, i, "[", "]", True)
            i = n if end < 0 else end - 1
        elif c in "({" and (ps or c == "(" and not started):
            close = ")" if c == "(" else "}"
            end = _close(text, i, c, close, ps)
            if end < 0:
                out.unreadable = True
                end = n + 1
            out.groups.append(text[i + 1:end - 1])
            if ps and (stage.words or started):
                buf.append(text[i:end])
                started = dyn = True
            i = end - 1
        elif ps and c == "$":
            if text[i + 1:i + 2] in ("(", "{") and text[i + 1] == "(":
                end = _close(text, i + 1, "(", ")", True)
                if end < 0:
                    out.unreadable = True
                    end = n + 1
                out.groups.append(text[i + 2:end - 1])
                buf.append(text[i:end])
                started = dyn = True
                i = end - 1
            else:
                m = _PS_VAR.match(text, i)
                value, more = _ps_vars(m.group(0), out) if m else ("$", False)
                buf.append(value)
                started, dyn = True, dyn or more
                if m:
                    i = m.end() - 1
                if m and not more and value == "" and pending_redirect:
                    pending_redirect = ""
                    buf, started = [], False
        else:
            buf.append(c)
            started = True
        i += 1
    end_stage()
    if pending_redirect:
        out.unreadable = True
    return out
