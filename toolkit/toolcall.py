"""From one tool call to the Cedar requests that gate it (DESIGN §3).

Every applicable action is produced, so callers can evaluate all of them and merge
the matches instead of stopping at the first denying action. A Bash command is
also parsed into the simple commands that would run (toolkit.shell): each gets a
`run_command` request with structured context and an `execute_bash` request
with its canonical rendering, and every file it would write gets a
`write_file` request, exactly as a file tool's path does. Paths are normalised
(toolkit.shell.paths) before any rule sees them.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from functools import lru_cache
from typing import Any, Callable, Mapping

from toolkit.record import record
from toolkit.shell import Analysis, ShellAnalyser, SimpleCommand
from toolkit.shell.model import Word
from toolkit.shell.options import OptionSpec, Parsed, parse
from toolkit.shell.paths import fold, normalise
from toolkit.shell.winpaths import inside, is_absolute, slashes
from toolkit.shell.programs import GIT_GLOBAL, NO_SPLIT, git_subcommand, write_spec
from toolkit.shell.kinds import SECRET, is_device, kinds_of
from toolkit.shell.sends import forwards, sent_files, stdin_files
from toolkit.shell.git import DEFAULT_PROTECTED, exec_config, protected, push_destinations, skips_checks

NAMESPACE = "Agent"
WRITE_PATH_KEYS: Mapping[str, str] = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}
_SPEC = OptionSpec()
_SPEC_SINGLE_DASH = OptionSpec(single_dash_long=True)
Keep = Callable[[str, Mapping[str, Any]], bool]


@record
class TaskFacts:
    """The per-task context every request carries, and the working directory paths resolve against."""

    task_type: str = "new_task"
    repo: str = ""
    read_only: bool = False
    cwd: str | None = None
    gate_files: tuple[tuple[str, str], ...] = ()
    """The gate's own files as (path, kind) pairs, kinds in GATE_KINDS (TaskSettings.gate_files)."""
    current_branch: str | None = None
    """The branch checked out in the task's repository, when the edge knows it (TaskSettings.current_branch)."""
    protected_branches: tuple[str, ...] = DEFAULT_PROTECTED
    """Branch patterns a push to which is gated (`release/*`); TaskSettings.protected_branches."""

    def context(self) -> dict[str, Any]:
        return {"task_type": self.task_type, "repo": self.repo, "read_only": self.read_only}

    def gates(self) -> GateTable:
        return gate_table(self.gate_files, self.cwd)


GATE_KINDS = ("config", "policy", "state")
"""What a gate file is: the cedar-gates configuration, a policy the gate enforces, the hook's state and log."""
DEFAULT_STATE_DIR = ".cedar-gates"
DEFAULT_CONFIG_FILE = "cedar-gates.toml"
PYPROJECT = "pyproject.toml"
"""A shell write to a pyproject in the task's tree counts as the configuration unless its content is on the
command line and does not name cedar-gates (`_content_known`): a pyproject with `[tool.cedar-gates]` tables
nearer the session's directory would be the configuration the next call loads."""
GateTable = tuple[tuple[str, str], ...]


def _lookup_form(path: str, cwd: str | None) -> str:
    """The case-folded normalised path, made absolute when the task's directory is known, for comparing."""
    norm = normalise(path, cwd)
    if cwd and is_absolute(cwd) and not is_absolute(norm) and not norm.startswith("~"):
        norm = normalise(posixpath.join(slashes(cwd), norm))
    return fold(norm)


@lru_cache(maxsize=64)
def gate_table(entries: tuple[tuple[str, str], ...], cwd: str | None) -> GateTable:
    """Configured gate files in lookup form, the longest (most specific) first."""
    table = {_lookup_form(path, cwd): kind for path, kind in entries if path}
    return tuple(sorted(table.items(), key=lambda item: -len(item[0])))


def gate_kind(path: str, cwd: str | None, table: GateTable, shell: bool = False) -> str:
    """The kind of gate file `path` is, "" when none.

    A configured entry covers itself and everything beneath it; without one, a
    path with a `.cedar-gates` segment is "state" and a file named
    `cedar-gates.toml` is "config" (the default names), in any letter case; so
    is any `pyproject.toml` in the task's directory tree a shell command
    writes (`shell`, see PYPROJECT).
    """
    if not path:
        return ""
    form = _lookup_form(path, cwd)
    for entry, kind in table:
        if form == entry or form.startswith(entry if entry.endswith("/") else entry + "/"):
            return kind
    segments = form.split("/")
    if DEFAULT_STATE_DIR in segments:
        return "state"
    if segments[-1] == DEFAULT_CONFIG_FILE:
        return "config"
    if shell and segments[-1] == PYPROJECT and (
            inside(form, _lookup_form(".", cwd)) is not None if cwd else not is_absolute(form)):
        return "config"
    return ""


def _operand_gate_kind(operand: str, shell_cwd: str, cwd: str | None, table: GateTable) -> str:
    """As gate_kind for a command's operand, reading an SQLite URI (`file:path?mode=rw`) as its path."""
    if operand[:5].casefold() == "file:":
        operand = operand[5:].partition("?")[0]
        if operand.startswith("//"):
            operand = "/" + operand[2:].partition("/")[2]
    return gate_kind(_within(shell_cwd, operand), cwd, table)


PATH_KEYS = ("file_path", "notebook_path", "path")


def relativise(tool_input: dict[str, Any], cwd: str | None) -> dict[str, Any]:
    """Absolute paths inside `cwd` made relative, as Claude Code sends them and the path rules expect."""
    if not cwd or not is_absolute(cwd):
        return tool_input
    root = normalise(cwd)
    out = dict(tool_input)
    for key in PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and is_absolute(value):
            relative = inside(normalise(value), root)
            if relative is not None:
                out[key] = relative
    return out


def uid(kind: str, ident: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{kind}", "id": ident}


@lru_cache(maxsize=1)
def default_analyser() -> ShellAnalyser:
    """One parser per process for callers that do not bring their own; it keeps no state between parses."""
    return ShellAnalyser()


def requests_for(
    tool_name: str,
    tool_input: Mapping[str, Any],
    task: TaskFacts,
    write_tools: Mapping[str, str] | None = None,
    analyser: ShellAnalyser | None = None,
    analysis: Analysis | None = None,
    keep: Keep | None = None,
) -> list[dict[str, Any]]:
    """`invoke_tool` always; `write_file` per target path; for Bash the raw request plus the parsed ones.

    `write_tools` maps extra file-writing tool names to the input key holding the path.
    """
    principal = uid("TaskAgent", task.task_type)
    base = task.context()
    gates = task.gates()
    requests = [
        {"principal": principal, "action": uid("Action", "invoke_tool"), "resource": uid("Tool", tool_name),
         "context": dict(base)}
    ]
    path_key = {**WRITE_PATH_KEYS, **(write_tools or {})}.get(tool_name)
    path = tool_input.get(path_key) if path_key else None
    if isinstance(path, str) and path:
        request = write_request(principal, base, path, False, task.cwd, gates)
        if keep is None or keep("write_file", request["context"]):
            requests.append(request)
    command = tool_input.get("command") if tool_name == "Bash" else None
    if isinstance(command, str) and command.strip():
        requests.append(
            {"principal": principal, "action": uid("Action", "execute_bash"), "resource": uid("BashCommand", "command"),
             "context": {**base, "command": command}}
        )
        analysis = analysis or (analyser or default_analyser()).analyse(command)
        requests.extend(bash_requests(principal, base, command, analysis, task.cwd, keep, gates,
                                      (task.current_branch, task.protected_branches)))
    return requests


LITERAL_WRITERS = frozenset({"echo", "printf", "sed", "perl", "touch", "truncate", "chmod", "chown"})
"""Programs whose output is written out on the command line itself (see `_content_known`)."""
REMOVERS = frozenset({"rm", "rmdir", "unlink", "shred"})


def _content_known(command: SimpleCommand, target: str, raw: str) -> bool:
    """Whether a shell write of `target` cannot give a pyproject.toml `[tool.cedar-gates]` tables (PYPROJECT).

    It cannot when it removes the file (`rm`, the source of `mv`), restores it
    from the repository (`git checkout/restore`), or writes what the command
    line itself holds (`sed -i`, `echo >>`, a quoted heredoc to `cat`/`tee`)
    without naming cedar-gates. A copy, a download, a pipe or anything dynamic
    could, so those count as the configuration.
    """
    program = command.program
    if program in REMOVERS or program == "git" or (program == "mv" and command.args and target != command.args[-1]):
        return True
    literal = program in LITERAL_WRITERS or (program in ("cat", "tee") and "<<" in raw)
    return literal and not command.dynamic and "cedar-gates" not in raw.casefold()


def write_request(principal: dict[str, str], base: dict[str, Any], path: str, dynamic: bool,
                  cwd: str | None, gates: GateTable = (), shell: bool = False) -> dict[str, Any]:
    norm = normalise(path, cwd)
    return {"principal": principal, "action": uid("Action", "write_file"), "resource": uid("File", "file"),
            "context": {**base, "file_path": norm, "file_path_lower": fold(norm), "dynamic": dynamic,
                        "gate_file": gate_kind(norm, cwd, gates, shell)}}


def bash_requests(principal: dict[str, str], base: dict[str, Any], raw: str, analysis: Analysis,
                  cwd: str | None, keep: Keep | None = None, gates: GateTable = (),
                  branches: tuple[str | None, tuple[str, ...]] = (None, DEFAULT_PROTECTED)) -> list[dict[str, Any]]:
    """One `run_command` and one canonical `execute_bash` per simple command, one `write_file` per target.

    `keep(action, facts)` may drop a request before its context is built (the
    gate passes its prefilter); for run_command the facts are the base context
    plus `program`, `subcommand`, `dynamic`, `output_to_file`, `path_kinds`,
    `sent_kinds`, `inline_effects`, `git_exec_config` and `git_skips_checks`, for the others the whole context.
    """
    out: list[dict[str, Any]] = []
    seen_lines = {raw.strip()}
    seen_writes: set[tuple[str, bool]] = set()
    run_action, bash_action = uid("Action", "run_command"), uid("Action", "execute_bash")
    resource = uid("BashCommand", "command")
    commands = analysis.commands
    parsed_all = [parse(c.args, _SPEC_SINGLE_DASH if c.program in NO_SPLIT else _SPEC) for c in commands]
    paths_all = [sorted({normalise(_within(c.cwd, a), cwd) for a in p.operands if a})
                 for c, p in zip(commands, parsed_all)]
    kinds_all = [sorted({k for path in paths for k in kinds_of(path, cwd)}) for paths in paths_all]
    later_write = _writes_from_here(commands)
    readers = [i for i, c in enumerate(commands) if c.program in SECRET_READERS and SECRET in kinds_all[i]]
    redirected = None
    for i, (command, parsed) in enumerate(zip(commands, parsed_all)):
        sent = _sent_kinds(command, cwd)
        if command.program and forwards(command.program, command.args):
            if redirected is None:
                redirected = any(SECRET in kinds_of(normalise(t, cwd), cwd) for t in stdin_files(raw))
            if redirected or any(j != i for j in readers):
                sent.add(SECRET)
        facts = {**base, "program": command.program, "subcommand": _subcommand(command, parsed),
                 "dynamic": command.dynamic, "output_to_file": later_write[i], "path_kinds": kinds_all[i],
                 "sent_kinds": sorted(sent), "inline_effects": list(command.effects),
                 "git_exec_config": exec_config(command.args) if command.program == "git" else [],
                 "git_skips_checks": command.program == "git" and skips_checks(command.args)}
        if keep is None or keep("run_command", facts):
            out.append({"principal": principal, "action": run_action, "resource": resource,
                        "context": {**facts, **command_context(command, parsed, cwd, gates, paths_all[i], branches)}})
        line = command.canonical()
        if line not in seen_lines:
            seen_lines.add(line)
            if keep is None or keep("execute_bash", base):
                out.append({"principal": principal, "action": bash_action, "resource": resource,
                            "context": {**base, "command": line}})
        for target in (*command.writes, *implied_writes(command, cwd, gates)):
            path = _within(command.cwd, target.text)
            key = (path, target.dynamic)
            if path and key not in seen_writes and not is_device(path):
                seen_writes.add(key)
                request = write_request(principal, base, path, target.dynamic, cwd, gates,
                                        shell=not _content_known(command, target.text, raw))
                if keep is None or keep("write_file", request["context"]):
                    out.append(request)
    return out


PROTECTED_NAMES = (".claude", DEFAULT_STATE_DIR, DEFAULT_CONFIG_FILE)
"""Names of the gate's own files directly inside a project (or home) directory: its Claude Code settings
directory, the hook's state directory and the configuration file (DEFAULT_* above)."""
_GLOB = re.compile(r"[*?\[]")
_COPIERS = frozenset({"cp", "mv", "ln", "install", "rsync"})


def implied_writes(command: SimpleCommand, cwd: str | None, gates: GateTable) -> list[Word]:
    """The gate's own files a command would also write, beyond the paths its command line names.

    `cp`/`mv`/`ln`/`install`/`rsync` into a directory write `DEST/basename(SOURCE)`;
    a copy of a directory's contents (`rsync SRC/ DEST`, `cp -T`, `cp SRC/. DEST`)
    or a glob source (`cp /x/.* .`) writes whatever protected name it can carry
    into DEST; a glob operand of `rm` (`rm -rf .[!.]*`) and `git clean -x/-X`
    (which removes the ignored state directory and untracked local settings),
    `git stash -u/--all` (which stashes them away) and `find` with `-delete`
    or `-exec` reach the protected names of the directories they work in. Protected names
    are PROTECTED_NAMES inside the project directory or the home directory
    (`~`), and the configured gate files beneath the directory (a glob only
    reaches its direct children: deleting a parent is destroy_parent's).
    Each result is relative to the command's shell directory, as `writes` are.
    """
    program, args = command.program, command.args
    out: list[str] = []
    if program in _COPIERS:
        parsed = parse(args, write_spec(program))
        target = parsed.value("-t", "--target-directory")
        sources, dest = (parsed.operands, target[-1]) if target else (parsed.operands[:-1], (parsed.operands or [""])[-1])
        whole = parsed.has("-T", "--no-target-directory") and program != "rsync"
        if dest and (program != "ln" or sources):
            for source in sources:
                trimmed = source.rstrip("/")
                base = trimmed.rpartition("/")[2]
                if whole or base in ("", ".", "..") or (program == "rsync" and source.endswith("/")):
                    out += _exposed(dest, None, command.cwd, cwd, gates)
                elif _GLOB.search(base):
                    out += _exposed(dest, base, command.cwd, cwd, gates)
                elif base.casefold() not in _PROTECTED_FOLDED or _at_root(dest, command.cwd, cwd):
                    out.append(posixpath.join(dest, base))  # a gate folder copied out elsewhere is only read
    elif program in ("rm", "rmdir", "unlink", "shred"):
        for operand in parse(args).operands:
            folder, slash, base = operand.rstrip("/").rpartition("/")
            if _GLOB.search(base):
                out += _exposed(folder or ("/" if slash else "."), base, command.cwd, cwd, gates)
    elif program == "find" and _find_removes(args) and _find_reaches_gate_names(args):
        starts = args[:next((i for i, a in enumerate(args) if a.startswith(("-", "(", "!"))), len(args))]
        for start in starts or ["."]:
            out += _exposed(start, None, command.cwd, cwd, gates)
    elif program == "git":
        subcommand, rest = git_subcommand(args)
        if subcommand == "stash" and {"-u", "--include-untracked", "-a", "--all"} & set(rest):
            for spec in (rest[rest.index("--") + 1:] if "--" in rest else []) or ["."]:
                out += _exposed(spec, None, command.cwd, cwd, gates)
        if subcommand == "clean" and _cleans_ignored(rest):
            where = parse(args, GIT_GLOBAL).value("-C") or ["."]
            folder = posixpath.join(*where)
            excluded = _clean_values(rest)
            specs = [a for a in rest[rest.index("--") + 1:]] if "--" in rest else \
                [a for a in rest if not a.startswith("-") and a not in excluded]
            for spec in specs or ["."]:
                top = spec.startswith((":/", ":(top)"))  # the work tree's top, wherever -C points
                spec = spec.removeprefix(":(top)").removeprefix(":/") if top else spec
                out += [path for path in _exposed(posixpath.join("." if top else folder, spec or "."), None,
                                                  command.cwd, cwd, gates)
                        if not any(fnmatch.fnmatchcase(part, e) for part in path.split("/") for e in excluded)]
    return [Word(p) for p in out]


_GATE_FILE_NAMES = (*PROTECTED_NAMES, "settings.json", "settings.local.json", "hook-state.sqlite3",
                   "hook-state.sqlite3-wal", "hook-state.sqlite3-shm", "hook-decisions.jsonl")


_FIND_REMOVERS = frozenset({"rm", "rmdir", "unlink", "shred", "mv", "truncate", "sh", "bash", "dash", "zsh"})


def _find_removes(args: tuple[str, ...]) -> bool:
    """`-delete`, or `-exec`/`-execdir`/`-ok`/`-okdir` running a program that removes, moves or empties files
    (or a shell, which could); `find -exec grep …` only reads."""
    for i, arg in enumerate(args):
        if arg == "-delete":
            return True
        if arg in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(args) and \
                args[i + 1].rpartition("/")[2] in _FIND_REMOVERS:
            return True
    return False


def _find_reaches_gate_names(args: tuple[str, ...]) -> bool:
    """Whether `find`'s tests can select a gate file or a folder holding one.

    Only what can widen the match counts: each `-name`/`-iname`/`-regex`
    pattern not negated (`-not`, `!`) is tried on the gate's names; `-path`
    before `-prune` and negated tests only narrow it; `-empty` selects nothing
    the gate keeps. No positive name test, or one the scan cannot read
    (`-path`, `-lname`), could select them.
    """
    if "-empty" in args:
        return False
    tried = False
    for i, arg in enumerate(args[:-1]):
        negated = i > 0 and args[i - 1] in ("-not", "!")
        value = args[i + 1]
        if arg in ("-name", "-iname") and not negated:
            tried = True
            fold = arg == "-iname"
            if any(fnmatch.fnmatchcase(name.casefold() if fold else name, value.casefold() if fold else value)
                   for name in _GATE_FILE_NAMES):
                return True
        elif arg in ("-regex", "-iregex") and not negated:
            tried = True
            try:
                regex = re.compile(value, re.IGNORECASE if arg == "-iregex" else 0)
            except re.error:
                return True
            if any(regex.fullmatch(path) for path in _GATE_PATHS):
                return True
        elif arg in ("-path", "-ipath", "-wholename", "-iwholename", "-lname", "-ilname") and not negated and \
                args[i + 2:i + 3] != ("-prune",):
            return True
    return not tried


_GATE_PATHS = (*(f"./{name}" for name in _GATE_FILE_NAMES), "./.claude/settings.json", "./.claude/settings.local.json",
               "./.cedar-gates/hook-state.sqlite3", "./.cedar-gates/hook-decisions.jsonl")


def _cleans_ignored(rest: list[str]) -> bool:
    """`git clean` with -x or -X (ignored files go too), not a dry run."""
    ignored = dry = False
    for arg in rest:
        if arg == "--":
            break
        if arg in ("--dry-run",):
            dry = True
        elif arg.startswith("-") and not arg.startswith("--"):
            for ch in arg[1:]:
                if ch == "e":
                    break
                ignored = ignored or ch in "xX"
                dry = dry or ch == "n"
    return ignored and not dry


def _clean_values(rest: list[str]) -> set[str]:
    """The values of `git clean -e PATTERN` / `--exclude PATTERN` (not pathspecs)."""
    return {rest[i + 1] for i, a in enumerate(rest[:-1]) if a in ("-e", "--exclude") or
            (a.startswith("-") and not a.startswith("--") and a.endswith("e"))}


_PROTECTED_FOLDED = frozenset(name.casefold() for name in PROTECTED_NAMES)


def _at_root(folder: str, shell_cwd: str, cwd: str | None) -> bool:
    """Whether `folder` is the project directory or the home directory, where the gate's default names live."""
    return _lookup_form(_within(shell_cwd, folder) or ".", cwd) in (_lookup_form(".", cwd), ".", "~")


def _exposed(folder: str, pattern: str | None, shell_cwd: str, cwd: str | None, gates: GateTable) -> list[str]:
    """The gate's own files under `folder` that a name `pattern` reaches (None: the whole content).

    `pattern` None reaches every name; a glob reaches a dot name only when it
    starts with a dot itself, as Bash's default globbing does.
    """
    form = _lookup_form(_within(shell_cwd, folder) or ".", cwd)
    prefix = form if form.endswith("/") else form + "/"
    out: list[str] = []
    if _at_root(folder, shell_cwd, cwd):
        out += [posixpath.join(folder, name) for name in PROTECTED_NAMES if _reaches(pattern, name)]
    for entry, _kind in gates:
        child, _, deeper = entry[len(prefix):].partition("/")
        if entry.startswith(prefix) and (pattern is None or not deeper and _reaches(pattern, child)):
            out.append(entry)
    return out


def _reaches(pattern: str | None, name: str) -> bool:
    if pattern is None:
        return True
    if name.startswith(".") and not pattern.startswith((".", "[.")):
        return False
    return fnmatch.fnmatchcase(name, pattern.replace("[^", "[!"))


SECRET_READERS = frozenset({"cat", "tac", "base64", "base32", "basenc", "xxd", "od", "hexdump", "head", "tail",
                            "tar", "zip", "gzip", "bzip2", "xz", "zstd", "7z", "openssl", "gpg", "strings", "sed",
                            "awk", "gawk", "jq", "yq", "cut", "sort", "tr", "nl", "less", "more", "cpio", "pax",
                            "uuencode", "grep", "rg", "python", "python3", "perl", "ruby", "node"})
"""Programs whose output may carry the content of a file they are given (for the `sent_kinds` taint)."""


def _writes_from_here(commands: tuple[SimpleCommand, ...] | list[SimpleCommand]) -> list[bool]:
    """Per command: it, or a command after it on the same line, writes a file (devices such as /dev/null aside)."""
    out = [False] * len(commands)
    seen = False
    for i in range(len(commands) - 1, -1, -1):
        seen = seen or any(t.text and not is_device(_within(commands[i].cwd, t.text)) for t in commands[i].writes)
        out[i] = seen
    return out


def _sent_kinds(command: SimpleCommand, cwd: str | None) -> set[str]:
    """The kinds of the local files a command sends off the machine, plus "file" when it sends any."""
    if not command.program:
        return set()
    files = sent_files(command.program, command.args)
    kinds = {k for f in files if f for k in kinds_of(normalise(_within(command.cwd, f), cwd), cwd)}
    return kinds | {"file"} if files else kinds


def _within(shell_cwd: str, path: str) -> str:
    """A path as written after `cd shell_cwd` on the same command line, relative to the task's directory."""
    if not shell_cwd or not path or path.startswith(("/", "~")):
        return path
    return posixpath.join(shell_cwd, path)


def _subcommand(command: SimpleCommand, parsed: Parsed) -> str:
    if command.program == "git":
        return git_subcommand(command.args)[0]
    if command.program in NO_SPLIT or not parsed.operands:
        return ""
    return parsed.operands[0]


def command_context(command: SimpleCommand, parsed: Parsed, cwd: str | None,
                    gates: GateTable = (), paths: list[str] | None = None,
                    branches: tuple[str | None, tuple[str, ...]] = (None, DEFAULT_PROTECTED)) -> dict[str, Any]:
    """The rest of a `run_command` context (see docs/engine.md, "Shell-aware requests")."""
    refs: set[str] = set()
    forced: set[str] = set()
    if command.program == "git":
        subcommand, rest = git_subcommand(command.args)
        if subcommand == "push":
            elsewhere = any(a in ("-C", "--git-dir", "--work-tree") or a.startswith(("--git-dir=", "--work-tree="))
                            for a in command.args[:len(command.args) - len(rest)])
            refs, forced = push_destinations(rest, None if elsewhere else branches[0])
    line = command.canonical()
    kinds = {_operand_gate_kind(a, command.cwd, cwd, gates) for a in parsed.operands if a}
    kinds.discard("")
    return {
        "args": sorted(set(command.args)),
        "flags": sorted(set(parsed.flags) | set(parsed.values)),
        "paths": paths if paths is not None else sorted({normalise(_within(command.cwd, a), cwd)
                                                           for a in parsed.operands if a}),
        "refs": sorted(refs),
        "forced_refs": sorted(forced),
        "protected_refs": protected(refs, branches[1]),
        "sql": command.sql,
        "command": line,
        "command_lower": line.casefold(),
        "gate_files": sorted(kinds),
    }
