"""PowerShell and cmd command lines, lightly: what `powershell -Command`, `pwsh -c`, `-EncodedCommand`
and `cmd /c` would run, as the same requests a Bash command produces. Never parsed as Bash.

The text is split into stages (toolkit.shell.winlex) and each stage is read by
its command name:

- deletes: `Remove-Item` and its aliases (`rm`, `ri`, `del`, `erase`, `rd`,
  `rmdir`), cmd `rd /s`, `del /s`, `robocopy /MIR|/PURGE` (its destination) →
  `rm` with `-r` when recursive, `-f` when forced, and the paths;
- writes: `Set-Content`, `Add-Content`, `Out-File`, `Clear-Content`,
  `Tee-Object`, `New-Item`, `Export-*`, `Invoke-WebRequest -OutFile`, `>`/`>>`
  redirections (not `nul`, `$null`), `Copy-Item`/`copy`/`xcopy`/`robocopy`
  (→ `cp`), `Move-Item`/`move`/`Rename-Item`/`ren` (→ `mv`), `mkdir`/`md`;
- every other external program (`git`, `psql`, `bash -c`, a nested
  `powershell`/`cmd`, …) goes through the Bash walker's argv resolution, so its
  own analysis applies (`git push --force origin main` is a push);
- known read-only cmdlets and cmd built-ins run as themselves, allowed;
- anything else that could hide a gated program — `Invoke-Expression`,
  `Start-Process`, `Invoke-Command`, .NET calls, a Verb-Noun cmdlet not listed
  here, an unknown or variable command name, `for`/`if` in cmd, unreadable
  text, a script read from stdin — is an unknown, dynamic command (asked).

Nested groups (`$(…)`, `{…}`, `(…)`) are analysed as commands that run.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from typing import Any

from toolkit.shell.model import Word
from toolkit.shell.winlex import Lexed, Stage, lex
from toolkit.shell.winpaths import _EXECUTABLE, CMD, POWERSHELLS, WINDOWS_SHELLS, program_name, slashes  # noqa: F401


REMOVE = frozenset({"remove-item", "rm", "ri", "del", "erase", "rd", "rmdir"})
COPY = frozenset({"copy-item", "cp", "copy", "cpi", "xcopy"})
MOVE = frozenset({"move-item", "mv", "move", "mi", "rename-item", "ren", "rni", "rename"})
MKDIR = frozenset({"mkdir", "md"})
CONTENT = frozenset({"set-content", "sc", "add-content", "ac", "out-file", "clear-content", "clc", "tee-object",
                     "tee", "new-item", "ni", "invoke-webrequest", "iwr", "invoke-restmethod", "irm"})
CD = frozenset({"cd", "chdir", "sl", "set-location", "pushd", "push-location"})
SAFE = frozenset({
    "echo", "write", "write-output", "write-host", "write-error", "write-warning", "write-verbose", "write-debug",
    "write-information", "write-progress", "cat", "gc", "type", "ls", "dir", "gci", "gi", "gp", "pwd", "gl",
    "popd", "pop-location", "cls", "clear", "clear-host", "sleep", "start-sleep", "select", "sort", "where", "?",
    "%", "foreach", "foreach-object", "where-object", "ft", "fl", "fw", "gm", "ps", "gps", "gsv", "measure",
    "group", "h", "history", "help", "man", "exit", "return", "break", "continue", "if", "else", "elseif", "for",
    "while", "do", "until", "try", "catch", "finally", "switch", "param", "function", "filter", "throw", "trap",
    "out-host", "out-string", "out-null", "out-default", "tree", "ver", "vol", "rem", "title", "set", "setlocal",
    "endlocal", "findstr", "find", "more", "whoami", "hostname", "timeout", "pause", "path", "prompt", "color",
    "tasklist", "systeminfo", "ipconfig", "chcp", "date", "time", "exit", "goto", ":", "call"})
_SAFE_VERBS = ("get-", "select-", "where-", "sort-", "measure-", "format-table", "format-list", "format-wide",
               "format-custom", "format-hex", "test-", "resolve-", "convertto-",
               "convertfrom-", "compare-", "group-", "join-", "split-", "find-", "search-", "read-", "show-",
               "write-", "out-host", "out-string", "out-null", "trace-", "wait-", "debug-", "confirm-")
_VERB_NOUN = re.compile(r"^[a-z]+-[a-z][\w.]*$")
_SWITCH = re.compile(r"^/[a-z?][a-z0-9]*(?::.*)?$", re.I)
"""A cmd switch (`/s`, `/MIR`, `/a:h`); in PowerShell only one letter long (`/tmp` is a path there)."""
_PATH_PARAMS = ("path", "literalpath", "lp", "pspath", "filepath", "destination", "outfile", "name")
_VALUE_PARAMS = ("value", "encoding", "itemtype", "type", "inputobject", "include", "exclude", "filter",
                 "credential", "stream", "delimiter", "width", "uri", "method", "body", "headers", "contenttype",
                 "usebasicparsing", "erroraction", "ea", "warningaction", "wa", "outvariable", "ov")
_SWITCHES = ("force", "recurse", "nonewline", "append", "noclobber", "passthru", "whatif", "confirm",
             "container", "asbytestream", "notypeinformation", "usebasicparsing")


def run_windows_shell(walker: Any, program: str, argv: list[Word], stdin: Any) -> None:
    """The text `powershell`/`pwsh`/`cmd` would run, analysed in a child walker (its `cd` stays inside)."""
    from toolkit.shell.walker import MAX_DEPTH
    from toolkit.shell.words import DYNAMIC

    child = type(walker)(walker.run, walker.depth + 1, {}, walker.cwd, walker.cwd_dynamic)
    if child.depth > MAX_DEPTH:
        walker.run.unknown(" ".join(w.text for w in argv))
        return
    args = argv[1:]
    text, is_ps, from_stdin = (_ps_command(args) if program in POWERSHELLS else _cmd_command(args))
    if from_stdin:
        if isinstance(stdin, str):
            text = stdin
        elif stdin is DYNAMIC:
            walker.run.unknown(f"<{program} script read from stdin>")
            return
    if text is None:
        return
    if isinstance(text, Word):
        if text.dynamic:
            walker.run.unknown(text.text)
            return
        text = text.text
    analyse(child, text, is_ps)


def _ps_command(args: list[Word]) -> tuple[Any, bool, bool]:
    """(command text or None, True, reads stdin) from powershell's own parameters."""
    i = 0
    while i < len(args):
        word = args[i]
        token = word.text
        if not token.startswith(("-", "/")) or len(token) < 2:
            if token.casefold().endswith(".ps1"):
                return None, True, False
            return _joined(args[i:]), True, False
        name = token[1:].casefold().partition(":")[0]
        if name in ("e", "ec") or len(name) >= 2 and "encodedcommand".startswith(name):
            return _decoded(args[i + 1]) if i + 1 < len(args) else None, True, False
        if "command".startswith(name):
            rest = args[i + 1:]
            if not rest or [w.text for w in rest] == ["-"]:
                return None, True, True
            return _joined(rest), True, False
        if "file".startswith(name):
            return None, True, bool(args[i + 1:i + 2]) and args[i + 1].text == "-"
        if name in ("ep", "ex", "w", "if", "of", "wd", "v", "ea", "config") or any(
                len(name) >= 3 and full.startswith(name) for full in (
                    "executionpolicy", "windowstyle", "inputformat", "outputformat", "workingdirectory",
                    "configurationname", "version", "psconsolefile", "settingsfile", "custompipename",
                    "encodedarguments")):
            i += 1
        i += 1
    return None, True, True


def _cmd_command(args: list[Word]) -> tuple[Any, bool, bool]:
    for i, word in enumerate(args):
        token = word.text.casefold().replace("//", "/", 1)
        if token[:2] in ("/c", "/k", "/r"):
            rest = ([Word(word.text[token.index(token[:2]) + 3:], word.dynamic)] if len(token) > 2 else []) + \
                args[i + 1:]
            joined = _joined([w for w in rest if w.text])
            if joined.text.startswith('"') and joined.text.endswith('"') and len(joined.text) > 1:
                joined = Word(joined.text[1:-1], joined.dynamic)
            return joined, False, False
    return None, False, True


def _joined(words: list[Word]) -> Word:
    return Word(" ".join(w.text for w in words), any(w.dynamic for w in words))


def _decoded(word: Word) -> Word:
    if word.dynamic:
        return word
    try:
        raw = base64.b64decode(word.text.strip(), validate=True)
        return Word(raw.decode("utf-16-le"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return Word(f"<undecodable -EncodedCommand {word.text[:60]}>", True)


def analyse(walker: Any, text: str, ps: bool, depth: int = 0) -> None:
    """Emit, into `walker`, every command the PowerShell (`ps`) or cmd text would run."""
    from toolkit.shell.walker import MAX_DEPTH

    if depth > MAX_DEPTH:
        walker.run.unknown(text)
        return
    lexed: Lexed = lex(text, ps)
    if lexed.unreadable:
        walker.run.unknown(text)
    for group in lexed.groups:
        analyse(walker, group, ps, depth + 1)
    for stage in lexed.stages:
        _stage(walker, stage, ps, depth)


def _stage(walker: Any, stage: Stage, ps: bool, depth: int) -> None:
    from toolkit.shell.words import NO_DATA

    words, writes = list(stage.words), list(stage.writes)
    quoted = list(stage.quoted)
    if not ps:
        while words and words[0].text.startswith("@"):
            words[0] = Word(words[0].text[1:], words[0].dynamic)
            if not words[0].text:
                words, quoted = words[1:], quoted[1:]
    if ps and len(words) >= 2 and words[1].text == "=" and words[0].dynamic:
        words, quoted = words[2:], quoted[2:]
    if not words:
        if writes:
            walker.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return
    head = words[0]
    if ps and not stage.call and head.text.startswith("$") and not any("(" in w.text for w in words):
        if writes:
            walker.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return  # an expression (`$_.CPU -gt 100`, `$x`): values only, no method call, nothing runs
    if head.dynamic or ps and head.text.startswith(("$", "(", "[", "@", "{")):
        walker.run.unknown(" ".join(w.text for w in words))
        return
    if ps and quoted[0] and not stage.call:
        if writes:
            walker.emit(":", (), any(w.dynamic for w in writes), tuple(writes))
        return
    explicit_exe = head.text.casefold().endswith(_EXECUTABLE)
    name = program_name(head.text)
    rest = words[1:]
    if not ps and name == "call":
        _stage(walker, Stage(rest, quoted[1:], writes), ps, depth)
        return
    if not ps and name == "start" or ps and name in ("start-process", "saps", "start"):
        walker.run.unknown(" ".join(w.text for w in words))
        return
    if explicit_exe and name not in ("robocopy", "xcopy"):
        walker.resolve([Word(name, head.dynamic), *rest], NO_DATA, writes)
        return
    if name in REMOVE:
        _remove(walker, name, rest, writes, ps)
    elif name in COPY or name in MOVE or name == "robocopy":
        _copy_move(walker, name, rest, writes)
    elif name in MKDIR:
        walker.resolve([Word("mkdir"), Word("-p"), *_operands(rest, ps)[0]], NO_DATA, writes)
    elif name in CONTENT:
        targets, dynamic = _operands(rest, ps, content=True)
        if name in ("invoke-webrequest", "iwr", "invoke-restmethod", "irm"):
            targets = [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*://", t.text, re.I)]
        walker.emit(name, tuple(w.text for w in rest), dynamic or any(w.dynamic for w in rest + writes),
                    tuple(writes + targets))
    elif name in CD:
        targets = _operands([w for w in rest if w.text.casefold() != "/d"], ps)[0]
        walker.resolve([Word("cd"), *targets[:1]], NO_DATA, writes)
    elif name in SAFE or ps and name.startswith(_SAFE_VERBS):
        if not ps and name in ("if", "for"):
            walker.run.unknown(" ".join(w.text for w in words))
            return
        walker.emit(name, tuple(w.text for w in rest), any(w.dynamic for w in writes), tuple(writes))
    elif ps and (_VERB_NOUN.match(name) or name in ("iex", "icm", "ii", "sajb", "ipmo", "nal", "sal")):
        walker.run.unknown(" ".join(w.text for w in words))
    else:
        walker.resolve([Word(name if not ps or not stage.call else name, head.dynamic), *rest], NO_DATA, writes)


def _param(word: Word, ps: bool) -> str | None:
    """The lower-case parameter name of `-Name`, `-Name:value` or `/x`, else None."""
    text = word.text
    if len(text) > 1 and text[0] == "-" and not text[1].isdigit() and text != "--%":
        return text[1:].casefold().partition(":")[0]
    if _SWITCH.match(text) and (not ps or len(text) == 2):
        return text[1:].casefold().partition(":")[0]
    return None


def _matches(name: str, options: tuple[str, ...]) -> bool:
    return any(option.startswith(name) for option in options) if name else False


def _operands(words: list[Word], ps: bool, content: bool = False) -> tuple[list[Word], bool]:
    """Path operands: explicit path parameters' values, then positionals (only the first for content
    cmdlets, whose second positional is the value); `dynamic` when an unknown parameter blurs them."""
    explicit: list[Word] = []
    positional: list[Word] = []
    unsure = False
    i = 0
    while i < len(words):
        word = words[i]
        name = _param(word, ps)
        if name is None:
            positional.append(word)
        elif word.text.startswith("/"):
            pass
        elif _matches(name, _SWITCHES) and name not in ("n",):
            pass
        elif _matches(name, _PATH_PARAMS) or _matches(name, _VALUE_PARAMS):
            value = word.text.partition(":")[2]
            if not value and i + 1 < len(words):
                i += 1
                value_word = words[i]
            else:
                value_word = Word(value, word.dynamic)
            if _matches(name, _PATH_PARAMS) and not _matches(name, _VALUE_PARAMS[:1]):
                explicit.append(value_word)
        else:
            unsure = True
        i += 1
    if content and not unsure:
        positional = positional[:1]
    return explicit + positional, unsure


def _remove(walker: Any, name: str, words: list[Word], writes: list[Word], ps: bool) -> None:
    from toolkit.shell.words import NO_DATA

    recurse = force = False
    rest: list[Word] = []
    for word in words:
        param = _param(word, ps)
        if param is None:
            rest.append(word)
            continue
        if param in ("s", "mir", "purge") or "recurse".startswith(param) or (
                param.isalpha() and "r" in param and set(param) <= set("rfvdi")):
            recurse = True
        if param in ("q", "f", "fo", "for", "forc", "force") or param.isalpha() and set(param) <= set("rfvdi") \
                and "f" in param:
            force = True
        rest.append(word) if not (param.isalpha() and len(param) <= 2 or param in (
            "recurse", "force", "s", "q")) else None
    paths, _ = _operands(rest, ps)
    if not paths:
        paths = [Word("<paths from the pipeline>", True)]
    flags = [Word("-r")] * recurse + [Word("-f")] * force
    walker.resolve([Word("rm"), *flags, Word("--"), *paths], NO_DATA, writes)


def _copy_move(walker: Any, name: str, words: list[Word], writes: list[Word]) -> None:
    from toolkit.shell.words import NO_DATA

    ps = name != "robocopy"
    params = {(_param(w, ps) or "") for w in words}
    destination: list[Word] = []
    rest: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        param = _param(word, ps) if word.text.startswith("-") else None
        if param and "destination".startswith(param):
            value = word.text.partition(":")[2]
            if value or i + 1 == len(words):
                destination.append(Word(value, word.dynamic))
            else:
                destination.append(words[i + 1])
                i += 1
        else:
            rest.append(word)
        i += 1
    paths = _operands([w for w in rest if not (w.text.startswith("/") and _param(w, ps))], ps)[0] + destination
    if name == "robocopy":
        paths = paths[:2]
        if params & {"mir", "purge"} and len(paths) == 2:
            walker.resolve([Word("rm"), Word("-r"), Word("-f"), Word("--"), paths[1]], NO_DATA, [])
    if name in ("rename-item", "ren", "rni", "rename") and len(paths) >= 2:
        head = posixpath.dirname(slashes(paths[0].text))
        paths = [paths[0], Word(posixpath.join(head, paths[1].text) if head else paths[1].text, paths[1].dynamic)]
    program = "mv" if name in MOVE else "cp"
    walker.resolve([Word(program), *([Word("-r")] if program == "cp" else []), Word("--"), *paths], NO_DATA, writes)
