"""Shell examples in README.md and docs/*.md, as data the docs tests run and compare.

The convention, so an example is read by people and by the tests alike:

- Every block runs in a copy of the repository's files (what git tracks or does not ignore), never in the
  working tree itself, with a throwaway HOME.
- A ```console block is a terminal session: `$ ` starts a command (a line ending in `\\`, or a following line
  starting with `> `, continues it); the lines up to the next command are what it prints (stdout and stderr as
  a terminal shows them). The whole block runs in one bash, so `cd` and variables carry over. A command must
  exit 0, unless the next command is `echo $?`, whose shown output is then the status.
- A ```sh block is a list of commands to copy: each runs and must exit 0; what it prints is not compared.
- In expected output, trailing spaces are ignored and a run of spaces matches any run of spaces. `...` alone
  on a line stands for any number of lines (none included); elsewhere `...` is any text on one line, and
  `<hash>` (hex digits), `<n>` (a number), `<time>` (a number and a unit), `<path>` (text without spaces) and
  `<version>` (a dotted version) mark the volatile parts.
- An HTML comment right above the fence, invisible when rendered, says how to run it:
  `<!-- docs-test: skip: <why> -->` never runs it (the reason is required);
  `<!-- docs-test: scratch -->` runs it in a fresh empty git repository instead of a copy of this repository
  (`$REPO` names the real one, for copying fixtures in); `setup: <shell>` runs hidden commands first; options
  are separated by `;` and `skip:` and `setup:` take the rest of the comment.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHELL_LANGS = {"console", "sh", "shell", "bash", "shell-session"}
DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->", re.S)
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")


@dataclass(frozen=True)
class Command:
    text: str
    expected: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    body: tuple[str, ...]
    skip: str | None = None
    scratch: bool = False
    setup: str = ""
    problems: tuple[str, ...] = ()
    commands: tuple[Command, ...] = field(default=())

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def fenced_blocks(path: Path) -> list[tuple[int, str, list[str], str]]:
    """(line of the fence, language, body lines, directive text or '') for every fenced block of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(2), m.group(3), i
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        indent = len(m.group(1))
        body = [ln[indent:] if ln[:indent].strip() == "" else ln for ln in lines[start + 1 : j]]
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        directive = ""
        if k >= 0 and lines[k].strip().endswith("-->"):
            k0 = k
            while k0 > 0 and "<!--" not in lines[k0]:
                k0 -= 1
            d = DIRECTIVE.search("\n".join(lines[k0 : k + 1]))
            directive = d.group(1) if d else ""
        found.append((start + 1, lang, body, directive))
        i = j + 1
    return found


def parse_directive(text: str) -> tuple[str | None, bool, str, list[str]]:
    skip, scratch, setup, problems = None, False, "", []
    rest = text.strip()
    while rest:
        if rest.startswith("skip:"):
            skip = rest[len("skip:") :].strip()
            if not skip:
                problems.append("`skip:` needs a reason")
            break
        if rest.startswith("setup:"):
            setup = rest[len("setup:") :].strip()
            break
        head, _, rest = rest.partition(";")
        head, rest = head.strip(), rest.strip()
        if head == "scratch":
            scratch = True
        elif head:
            problems.append(f"unknown docs-test option {head!r} (known: skip:, scratch, setup:)")
    return skip, scratch, setup, problems


def console_commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    text: list[str] | None = None
    out: list[str] = []
    start = 0
    continuing = False
    for n, line in enumerate(body):
        if text is not None and (continuing or (line.startswith("> ") and not out)):
            text.append(line[2:] if line.startswith("> ") and not continuing else line)
            continuing = line.endswith("\\")
            continue
        if line.startswith("$ ") or line == "$":
            if text is not None:
                commands.append(Command("\n".join(text), tuple(out), start))
            text, out, start = [line[2:]], [], first_line + 1 + n
            continuing = line.endswith("\\")
        elif text is not None:
            out.append(line)
    if text is not None:
        commands.append(Command("\n".join(text), tuple(out), start))
    return commands


def sh_commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    text: list[str] = []
    start = 0
    for n, line in enumerate(body):
        if not text and not line.strip():
            continue
        if not text:
            start = first_line + 1 + n
        text.append(line)
        if not line.endswith("\\") and _balanced("\n".join(text)):
            commands.append(Command("\n".join(text), (), start))
            text = []
    if text:
        commands.append(Command("\n".join(text), (), start))
    return commands


def _balanced(text: str) -> bool:
    """Whether the quotes in a shell command are closed (a command may span lines inside a quoted string)."""
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote is None:
            if c == "\\":
                i += 2
                continue
            if c == "#" and (i == 0 or text[i - 1] in " \t\n"):
                nl = text.find("\n", i)
                if nl < 0:
                    break
                i = nl
            elif c in "'\"":
                quote = c
        elif c == quote:
            quote = None
        elif c == "\\" and quote == '"':
            i += 1
        i += 1
    return quote is None


def shell_blocks(paths: list[Path]) -> list[Block]:
    """Every shell example in these Markdown files, with how to run it."""
    blocks: list[Block] = []
    for path in paths:
        for line, lang, body, directive in fenced_blocks(path):
            is_shell = lang in SHELL_LANGS or (lang == "" and any(b.startswith("$ ") for b in body))
            if not is_shell:
                if directive:
                    blocks.append(Block(path, line, lang, tuple(body), problems=(
                        f"a docs-test comment above a ```{lang or ''} block that is not a shell example",)))
                continue
            skip, scratch, setup, problems = parse_directive(directive)
            if lang == "sh" or lang == "shell" or lang == "bash":
                commands = sh_commands(body, line)
            else:
                commands = console_commands(body, line)
                if not commands:
                    problems.append("a console block without a `$ ` command")
            blocks.append(Block(path, line, lang, tuple(body), skip, scratch, setup, tuple(problems), tuple(commands)))
    return blocks


PLACEHOLDERS = {
    "<hash>": r"[0-9a-f]{4,}",
    "<n>": r"-?\d+(?:[.,]\d+)*",
    "<time>": r"\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|min|h)",
    "<path>": r"\S+",
    "<version>": r"v?\d+(?:\.\d+)+(?:[-+.\w]*)?",
}
_TOKEN = re.compile("|".join([re.escape("...")] + [re.escape(k) for k in PLACEHOLDERS]) + r"| +")


def line_pattern(expected: str) -> re.Pattern[str]:
    parts, pos = [], 0
    text = expected.rstrip()
    for m in _TOKEN.finditer(text):
        parts.append(re.escape(text[pos : m.start()]))
        tok = m.group(0)
        parts.append(r".*?" if tok == "..." else r" +" if tok.startswith(" ") else PLACEHOLDERS[tok])
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts) + r"\Z")


def matches(expected: list[str] | tuple[str, ...], actual: list[str]) -> bool:
    """Whether `actual` lines are what `expected` shows, with its wildcards (see the module docstring)."""
    exp = [e for e in expected]
    while exp and not exp[-1].strip():
        exp.pop()
    act = [a.rstrip() for a in actual]
    while act and not act[-1]:
        act.pop()
    pats = [None if e.strip() == "..." else line_pattern(e) for e in exp]
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(pats):
            result = j == len(act)
        elif pats[i] is None:
            result = any(go(i + 1, k) for k in range(j, len(act) + 1))
        else:
            result = j < len(act) and bool(pats[i].match(act[j])) and go(i + 1, j + 1)
        memo[key] = result
        return result

    return go(0, 0)


def copy_of_repo(target: Path) -> None:
    """The repository's files (tracked, and new ones git does not ignore), so no example writes into the tree."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
