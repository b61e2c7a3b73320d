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

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from toolkit.shell import Analysis, ShellAnalyser, SimpleCommand
from toolkit.shell.options import flag_set, parse
from toolkit.shell.paths import fold, normalise
from toolkit.shell.programs import NO_SPLIT, git_subcommand, push_refs

NAMESPACE = "Agent"
WRITE_PATH_KEYS: Mapping[str, str] = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}
ACTIONS = ("invoke_tool", "write_file", "execute_bash", "run_command")


@dataclass(frozen=True)
class TaskFacts:
    """The per-task context every request carries, and the working directory paths resolve against."""

    task_type: str = "new_task"
    repo: str = ""
    read_only: bool = False
    cwd: str | None = None

    def context(self) -> dict[str, Any]:
        return {"task_type": self.task_type, "repo": self.repo, "read_only": self.read_only}


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
) -> list[dict[str, Any]]:
    """`invoke_tool` always; `write_file` per target path; for Bash the raw request plus the parsed ones.

    `write_tools` maps extra file-writing tool names to the input key holding the path.
    """
    principal = uid("TaskAgent", task.task_type)
    base = task.context()
    requests = [
        {"principal": principal, "action": uid("Action", "invoke_tool"), "resource": uid("Tool", tool_name),
         "context": dict(base)}
    ]
    path_key = {**WRITE_PATH_KEYS, **(write_tools or {})}.get(tool_name)
    path = tool_input.get(path_key) if path_key else None
    if isinstance(path, str) and path:
        requests.append(write_request(principal, base, path, False, task.cwd))
    command = tool_input.get("command") if tool_name == "Bash" else None
    if isinstance(command, str) and command.strip():
        requests.append(
            {"principal": principal, "action": uid("Action", "execute_bash"), "resource": uid("BashCommand", "command"),
             "context": {**base, "command": command}}
        )
        analysis = analysis or (analyser or default_analyser()).analyse(command)
        requests.extend(bash_requests(principal, base, command, analysis, task.cwd))
    return requests


def write_request(principal: dict[str, str], base: dict[str, Any], path: str, dynamic: bool,
                  cwd: str | None) -> dict[str, Any]:
    norm = normalise(path, cwd)
    return {"principal": principal, "action": uid("Action", "write_file"), "resource": uid("File", "file"),
            "context": {**base, "file_path": norm, "file_path_lower": fold(norm), "dynamic": dynamic}}


def bash_requests(principal: dict[str, str], base: dict[str, Any], raw: str, analysis: Analysis,
                  cwd: str | None) -> list[dict[str, Any]]:
    """One `run_command` and one canonical `execute_bash` per simple command, one `write_file` per target."""
    out: list[dict[str, Any]] = []
    seen_lines = {raw.strip()}
    seen_writes: set[tuple[str, bool]] = set()
    for command in analysis.commands:
        context = command_context(command, cwd)
        out.append({"principal": principal, "action": uid("Action", "run_command"),
                    "resource": uid("BashCommand", "command"), "context": {**base, **context}})
        line = context["command"]
        if line not in seen_lines:
            seen_lines.add(line)
            out.append({"principal": principal, "action": uid("Action", "execute_bash"),
                        "resource": uid("BashCommand", "command"), "context": {**base, "command": line}})
        for target in command.writes:
            path = _within(command.cwd, target.text)
            key = (path, target.dynamic)
            if path and key not in seen_writes:
                seen_writes.add(key)
                out.append(write_request(principal, base, path, target.dynamic, cwd))
    return out


def _within(shell_cwd: str, path: str) -> str:
    """A path as written after `cd shell_cwd` on the same command line, relative to the task's directory."""
    if not shell_cwd or not path or path.startswith(("/", "~")):
        return path
    return posixpath.join(shell_cwd, path)


def command_context(command: SimpleCommand, cwd: str | None) -> dict[str, Any]:
    """The `run_command` context of one simple command (see docs/engine.md, "Shell-aware requests")."""
    program, args = command.program, command.args
    subcommand, refs, forced = "", set(), set()
    if program == "git":
        subcommand, rest = git_subcommand(args)
        if subcommand == "push":
            refs, forced = push_refs(rest)
    else:
        operands = parse(args).operands
        subcommand = operands[0] if operands and program not in NO_SPLIT else ""
    operands = parse(list(args)).operands
    line = command.canonical()
    return {
        "program": program,
        "subcommand": subcommand,
        "args": sorted(set(args)),
        "flags": sorted(flag_set(args, single_dash_long=program in NO_SPLIT)),
        "paths": sorted({normalise(_within(command.cwd, a), cwd) for a in operands if a}),
        "refs": sorted(refs),
        "forced_refs": sorted(forced),
        "sql": command.sql,
        "command": line,
        "command_lower": line.casefold(),
        "dynamic": command.dynamic,
    }
