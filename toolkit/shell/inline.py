"""Interpreter one-liners: what code given on the command line (or on stdin) would delete, write or run.

`python -c CODE`, `python - <<EOF` (python, python3, python3.x, pypy), `perl
-e/-E`, `ruby -e`, `node -e/-p/--eval/--print`, `php -r`, `deno eval`, `bun
-e/--eval`. The scan is lexical and conservative: it looks for the deleting,
writing and process-starting primitives of each language and reads their first
arguments. A literal argument becomes what the gates already understand —
a shell string (`os.system("…")`, backticks, `execSync("…")`) is analysed as
Bash, an argument vector (`subprocess.run(["rm", "-rf", "/"])`) as that
command, a deleted path as an `rm`/`rmdir` command, a written path as a file
the interpreter writes. A non-literal argument, and code that builds code
(`eval`, `exec`, `__import__`, `getattr`, `require(variable)`), is dynamic.

`scan` returns the findings; `effects` of the interpreter's own command are
the kinds found ("delete", "write", "exec"), read by the read-only rule.
Program text in a file (`python script.py`) is out of reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from toolkit.shell.interpreters import inline_code
from toolkit.shell.interpreters import (_ARGV_CALLS, _BACKTICK_LANGS, _DELETES, _DYNAMIC, _OPENS, _SAFE_REQUIRES,
                                       _SHELL_CALLS, _WRITES)
from toolkit.shell.model import Word
from toolkit.shell.words import DYNAMIC, NO_DATA

@dataclass
class Findings:
    shells: list[str | None] = field(default_factory=list)
    """Shell strings it runs (None: not literal)."""
    argvs: list[list[str | None]] = field(default_factory=list)
    """Argument vectors it runs (a None element: not literal)."""
    deletes: list[tuple[str | None, bool]] = field(default_factory=list)
    """(path or None, recursive)."""
    writes: list[str | None] = field(default_factory=list)
    dynamic: list[str] = field(default_factory=list)
    """Code it builds at run time (what was seen)."""

    def effects(self) -> tuple[str, ...]:
        out = set()
        if self.deletes:
            out.add("delete")
        if self.writes:
            out.add("write")
        if self.shells or self.argvs or self.dynamic:
            out.add("exec")
        return tuple(sorted(out))


# -- scanning ------------------------------------------------------------------------------------------------------

_METHODS = {"delete": r"\.unlink|\.rmdir", "write": r"\.write_text|\.write_bytes|\.touch|\.mkdir|\.symlink_to",
            "open": r"\.open"}
"""Python pathlib methods: the receiver decides the path (`Path("x").unlink()`), else it is not known."""
_PY_ALIAS = re.compile(r"\bimport\s+(os|shutil|subprocess|pathlib|io|pty)\s+as\s+(\w+)")
_MODE = re.compile(r"^[rwxabtU+]{1,4}$")
_CACHE: dict[tuple[str, str], re.Pattern[str]] = {}


def _pattern(kind: str, lang: str) -> re.Pattern[str] | None:
    key = (kind, lang)
    if key not in _CACHE:
        if kind == "shell":
            source = _SHELL_CALLS[lang]
        elif kind == "argv":
            source = _ARGV_CALLS.get(lang)
        elif kind == "rdelete":
            source = _DELETES[lang][0]
        elif kind == "delete":
            source = _DELETES[lang][1]
        elif kind == "write":
            source = _WRITES[lang]
        elif kind == "open":
            source = _OPENS[lang]
        else:
            source = _DYNAMIC[lang]
        if source is None:
            return None
        paren_only = lang in ("python", "js") or kind == "dynamic"
        tail = r"\s*\(" if paren_only else r"(?:\s*\(|[ \t]+(?=[\w'\"$@]))"
        methods = _METHODS.get(kind) if lang == "python" else None
        body = r"(?<![\w$])(?<![\w$]\.)(?:" + source + ")"
        _CACHE[key] = re.compile(r"(?:" + body + (r"|" + methods if methods else "") + ")" + tail)
    return _CACHE[key]


def scan(lang: str, code: str) -> Findings:
    """What `code` would delete, write or run; see the module docstring."""
    found = Findings()
    text = _strip_comments(lang, code)
    if lang == "python":
        for module, alias in _PY_ALIAS.findall(text):
            text = re.sub(rf"(?<![\w.]){re.escape(alias)}\.", module + ".", text)
    quoted = _quoted(text, lang)
    for m in _iter(quoted, _pattern("shell", lang), text):
        args = _args(text, m.end(), lang)
        found.shells.append(_literal(args[0], lang) if args else None)
    for m in _iter(quoted, _pattern("argv", lang), text):
        args = _args(text, m.end(), lang)
        if lang == "python" and args and any(a.replace(" ", "") == "shell=True" for a in args[1:]):
            found.shells.append(_literal(args[0], lang))
        else:
            found.argvs.append(_argv(args, lang))
    for kind, recursive in (("rdelete", True), ("delete", False)):
        for m in _iter(quoted, _pattern(kind, lang), text):
            args = _args(text, m.end(), lang)
            target = _receiver(text, m.start(), lang) if m.group(0).startswith(".") else (
                _literal(args[0], lang) if args else None)
            recursive_call = recursive or bool(args[1:] and re.search(r"recursive\s*:\s*true", " ".join(args[1:])))
            found.deletes.append((target, recursive_call))
    for m in _iter(quoted, _pattern("write", lang), text):
        args = _args(text, m.end(), lang)
        if m.group(0).startswith("."):
            found.writes.append(_receiver(text, m.start(), lang))
            continue
        destination = args[-1] if re.search(r"copy|move|rename|cp|mv|ln|link|install", m.group(0)) and len(args) > 1 \
            else (args[0] if args else "")
        found.writes.append(_literal(destination, lang))
    for m in _iter(quoted, _pattern("open", lang), text):
        _open(found, _args(text, m.end(), lang), lang, text, m)
    for m in _iter(quoted, _pattern("dynamic", lang), text):
        if not _SAFE_REQUIRES.match(text[m.start():m.start() + 60]):
            found.dynamic.append(m.group(0))
    if lang in _BACKTICK_LANGS:
        for m in re.finditer(r"`([^`]*)`|(?<![\w$])(?:qx|%x)\s*([({\[/|!])", text):
            if m.group(1) is not None:
                found.shells.append(m.group(1) if not _interpolates(m.group(1), lang) else None)
            else:
                found.shells.append(None)
    return found


def _iter(quoted: bytearray, pattern: re.Pattern[str] | None, text: str):
    """The matches that start outside string literals (`print("os.system(x)")` runs nothing)."""
    return (m for m in pattern.finditer(text) if not quoted[m.start()]) if pattern is not None else ()


def _quoted(text: str, lang: str) -> bytearray:
    """1 for each character inside a string literal (backticks run commands in ruby, perl and php)."""
    marks = bytearray(len(text) + 1)
    quotes = "'\"" if lang in _BACKTICK_LANGS else "'\"`"
    quote = ""
    k = 0
    while k < len(text):
        c = text[k]
        if quote:
            marks[k] = 1
            if c == "\\":
                marks[k + 1] = 1
                k += 2
                continue
            if c == quote:
                quote = ""
        elif c in quotes and not (lang == "perl" and text[k - 1:k] == "$"):
            quote = c
        k += 1
    return marks


def _strip_comments(lang: str, code: str) -> str:
    """Comments out (so `# os.system` says nothing); strings are kept as they are."""
    marker = "#" if lang in ("python", "ruby", "perl") else "//"
    out = []
    for line in code.split("\n"):
        quote = ""
        for k, c in enumerate(line):
            if quote:
                if c == quote and line[k - 1] != "\\":
                    quote = ""
            elif c in "'\"`":
                quote = c
            elif line.startswith(marker, k) and (k == 0 or line[k - 1] in " \t;") and not (
                    lang == "perl" and marker == "#" and line[k - 1:k] == "$"):
                line = line[:k]
                break
        out.append(line)
    return "\n".join(out)


def _args(text: str, start: int, lang: str) -> list[str]:
    """The top-level arguments from `start` (after `(`, or a paren-less call up to `;` / end of line)."""
    paren = text[start - 1:start] == "("
    depth, quote, k, piece = 0, "", start, []
    out: list[str] = []
    while k < len(text):
        c = text[k]
        if quote:
            piece.append(c)
            if c == "\\" and k + 1 < len(text):
                piece.append(text[k + 1])
                k += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
            piece.append(c)
        elif c in "([{":
            depth += 1
            piece.append(c)
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
            piece.append(c)
        elif c == "," and depth == 0:
            out.append("".join(piece).strip())
            piece = []
        elif not paren and depth == 0 and c in ";\n":
            break
        elif not paren and depth == 0 and text.startswith((" or ", " and ", " if ", " unless ", " || ", " && "), k):
            break
        else:
            piece.append(c)
        k += 1
    last = "".join(piece).strip()
    if last or out:
        out.append(last)
    return out


_STRING = re.compile(r"""^(?P<prefix>[rRbBuUfF]{0,2})(?P<q>'''|\"\"\"|'|"|`)(?P<body>.*)(?P=q)$""", re.S)


def _literal(arg: str, lang: str) -> str | None:
    """The value of a single string literal (concatenations of literals too); None when anything is not literal."""
    arg = arg.strip()
    if not arg:
        return None
    pieces = _concat(arg, lang)
    if pieces is None:
        return None
    out = []
    for piece in pieces:
        m = _STRING.match(piece)
        if m is None:
            return None
        prefix, q, body = m.group("prefix").lower(), m.group("q"), m.group("body")
        if prefix and lang != "python":
            return None
        if "f" in prefix or _interpolates(body, lang, q):
            return None
        if "r" not in prefix and not (q == "'" and lang in ("perl", "ruby", "php")):
            body = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t", "0": "\x00"}.get(e.group(1), e.group(1)), body)
        out.append(body)
    return "".join(out)


def _concat(arg: str, lang: str) -> list[str] | None:
    joiner = {"python": "+", "js": "+", "ruby": "+", "perl": ".", "php": "."}[lang]
    parts, quote, start = [], "", 0
    for k, c in enumerate(arg):
        if quote:
            if c == quote and arg[k - 1] != "\\":
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == joiner:
            parts.append(arg[start:k].strip())
            start = k + 1
    parts.append(arg[start:].strip())
    return parts if all(parts) else None


def _interpolates(body: str, lang: str, quote: str = '"') -> bool:
    if lang == "js":
        return quote == "`" and "${" in body
    if lang == "ruby":
        return quote != "'" and "#{" in body
    if lang in ("perl", "php"):
        return quote != "'" and re.search(r"[$@]\w|\$\{|\{\$", body) is not None
    return False


def _argv(args: list[str], lang: str) -> list[str | None]:
    """An argument vector: a list literal (`["rm", "-rf", "/"]`), or `execFile("rm", ["-rf", "/"])` in JS."""
    if not args:
        return [None]
    first = args[0].strip()
    if lang == "js" and not first.startswith("["):
        program = _literal(first, lang)
        rest = _list(args[1]) if len(args) > 1 and args[1].strip().startswith("[") else []
        return [program, *(_literal(a, lang) for a in (rest or []))]
    items = _list(first)
    if items is None:
        return [_literal(first, lang)]
    return [_literal(a, lang) for a in items] or [None]


def _list(arg: str) -> list[str] | None:
    arg = arg.strip()
    if len(arg) < 2 or arg[0] not in "[(" or arg[-1] not in "])":
        return None
    return _args(arg[1:-1] + ")", 0, "python") if arg[1:-1].strip() else []


def _receiver(text: str, dot: int, lang: str) -> str | None:
    """`Path("x").unlink()` → "x"; anything else → None."""
    m = re.search(r"(?:Path|PurePath|PosixPath|pathlib\.Path)\(\s*(['\"][^'\"]*['\"])\s*\)$", text[max(0, dot - 300):dot])
    return _literal(m.group(1), lang) if m else None


def _open(found: Findings, args: list[str], lang: str, text: str, m: re.Match[str]) -> None:
    """`open(P, "w")`, `File.open(P, "a")`, `fopen(P, "w")`, perl `open(FH, ">", P)` / `open FH, ">P"`."""
    if lang == "perl":
        rest = args[1:]
        if not rest:
            return
        mode = _literal(rest[0], lang)
        if mode is None:
            found.writes.append(None)
            return
        if len(rest) == 1:
            mode = mode.strip()
            if mode.startswith(("+<", ">", "|")) or mode.endswith("|"):
                target = mode.lstrip("+<>|").rstrip("|").strip()
                (found.shells if "|" in mode else found.writes).append(target or None)
            return
        if any(ch in mode for ch in ">+"):
            found.writes.append(_literal(rest[1], lang))
        elif "|" in mode:
            found.shells.append(None)
        return
    if m.group(0).startswith(".") and lang == "python":
        mode_arg = args[0] if args else ""
        target = _receiver(text, m.start(), lang)
    else:
        mode_arg = next((a.partition("=")[2] for a in args[1:] if a.replace(" ", "").startswith("mode=")),
                        args[1] if len(args) > 1 else "")
        target = _literal(args[0], lang) if args else None
    if not mode_arg.strip():
        return
    mode = _literal(mode_arg, lang)
    if lang == "js" and mode is None and re.search(r"O_(?:WRONLY|RDWR|CREAT|APPEND|TRUNC)", mode_arg):
        mode = "w"
    if mode is None:
        found.writes.append(None)
    elif _MODE.match(mode) and any(ch in mode for ch in "wax+"):
        found.writes.append(target)


def run_inline(walker: Any, program: str, args: list[str], stdin: Any) -> tuple[tuple[str, ...], list[Word]]:
    """Emit, through the walker, what an interpreter one-liner runs; return its effects and the files it writes."""
    lang, pieces, from_stdin = inline_code(program, args)
    if lang is None:
        return (), []
    if from_stdin:
        if isinstance(stdin, str):
            pieces = [stdin]
        elif stdin is DYNAMIC:
            walker.emit("", (f"<{program} program read from stdin>",), True)
            return ("exec",), []
    found = Findings()
    for code in pieces:
        part = scan(lang, code)
        for name in ("shells", "argvs", "deletes", "writes", "dynamic"):
            getattr(found, name).extend(getattr(part, name))
    for shell in found.shells:
        if shell is None:
            walker.emit("", (f"<shell command built by {program} code>",), True)
        else:
            walker.nested(shell)
    for argv in found.argvs:
        walker.resolve([Word(a) if a is not None else Word("<dynamic>", True) for a in argv], NO_DATA, [])
    for path, recursive in found.deletes:
        words = [Word("rm"), *([Word("-r")] if recursive else []),
                 Word(path) if path is not None else Word("<path built by code>", True)]
        walker.resolve(words, NO_DATA, [])
    if found.dynamic:
        walker.emit("", (f"<code {program} builds at run time: {', '.join(sorted(set(found.dynamic)))}>",), True)
    writes = [Word(p) if p is not None else Word("<path built by code>", True) for p in found.writes]
    writes += [Word(name) for code in pieces for name in gate_names(code)]
    return found.effects(), writes


_GATE_NAME = re.compile(r"[^\s'\"`()\[\]{},;]*(?:\.cedar-gates|cedar-gates\.toml|\.claude[/\\]+settings[^\s'\"`()\[\]{},;]*"
                        r"|managed-settings\.json)[^\s'\"`()\[\]{},;]*", re.IGNORECASE)


def gate_names(code: str) -> list[str]:
    """Paths of the gate's own files the code names in a literal (`.cedar-gates/…`, `cedar-gates.toml`,
    `.claude/settings*.json`, managed settings), whatever it does with them: code that names one can open it
    for writing, connect to it as a database or delete it in ways the lexical scan does not follow, so each
    counts as a file the interpreter writes."""
    return sorted({_uri_path(m.group(0)) for m in _GATE_NAME.finditer(code)})


def _uri_path(name: str) -> str:
    """An SQLite URI (`file:.cedar-gates/db?mode=rw`) names its path."""
    if name[:5].casefold() != "file:":
        return name
    path = name[5:].partition("?")[0]
    return "/" + path[2:].partition("/")[2] if path.startswith("//") else path
