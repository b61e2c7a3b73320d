"""`cedar-gates hook check`: run probe events through the exact installed command and say how it could fail open.

A settings file can look right and still let calls through: a command that is
missing on this machine, a wrapper that passes a crash on as exit 1, a timeout
shorter than the hook needs, `disableAllHooks`. The probes are real hook events
(session id `cedar-gates-hook-check`, so they are easy to find in the decision
log) sent through `sh -c <command>` with Claude Code's environment variables.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.hook.install import EVENTS, installed_commands, read_settings, settings_path, timeout_for
from toolkit.hook.quickpost import BUDGET_S

PROBE_SESSION = "cedar-gates-hook-check"
PROBE_TIMEOUT_S = 60
_ABSOLUTE_EXE = re.compile(r"'/[^']*/cedar-gates'|(?<![\w$}])/[^\s'\"]*/cedar-gates")
PROBES = (
    ("hard deny", {"command": "rm -rf /"}, {"deny", "blocked"}),
    ("pass-through", {"command": "ls"}, {"none", "allow"}),
    ("soft rule", {"command": "git push --force origin main"}, {"ask"}),
)


@dataclass
class ProbeResult:
    name: str
    answer: str
    """deny, allow, ask, none (exit 0 without a decision), blocked (exit 2) or failed-open (anything else)."""
    exit_code: int
    seconds: float
    expected: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.answer in self.expected


@dataclass
class CheckReport:
    settings: list[Path] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def fails_open(self) -> bool:
        return bool(self.problems) or any(not p.ok for p in self.probes)

    def to_json(self) -> dict[str, Any]:
        return {"settings": [str(p) for p in self.settings], "commands": self.commands,
                "probes": [{"name": p.name, "answer": p.answer, "exit_code": p.exit_code,
                            "seconds": round(p.seconds, 3), "expected": list(p.expected), "ok": p.ok}
                           for p in self.probes],
                "problems": self.problems, "fails_open": self.fails_open}


def check(project: Path, home: Path, environ: dict[str, str] | None = None) -> CheckReport:
    report = CheckReport()
    env = dict(os.environ if environ is None else environ)
    pre_commands: list[tuple[str, int]] = []
    seen_post = set()
    for scope in ("local", "shared", "user"):
        path = settings_path(scope, project, home)
        if not path.exists():
            continue
        data = read_settings(path)
        report.settings.append(path)
        if data.get("disableAllHooks") is True:
            report.problems.append(f"{path}: disableAllHooks is true, so no hook runs at all")
        ours = installed_commands(data)
        for entry in ours["PreToolUse"]:
            pre_commands.append((entry["command"], entry.get("timeout", 60)))
        seen_post.update(e for e in EVENTS[1:] if ours[e])
    if not pre_commands:
        report.problems.append("no cedar-gates PreToolUse hook is installed in the project, local or user settings "
                               "(run `cedar-gates hook install claude-code`)")
        return report
    for event in EVENTS[1:]:
        if event not in seen_post:
            report.problems.append(f"no {event} hook: approvals given in Claude Code are not recorded")
    needed, waits = _needed_timeout(project)
    for command, timeout in dict.fromkeys(pre_commands):
        report.commands.append(command)
        if not isinstance(timeout, (int, float)) or timeout < needed:
            report.problems.append(f"hook timeout {timeout} s is shorter than the hook may need ({needed} s); "
                                   f"Claude Code lets a call through on a timeout. Reinstall to write {needed} s")
        for name, tool_input, expected in PROBES:
            if name == "soft rule" and waits:
                continue  # it would park a real request in the approval store and wait for a human
            report.probes.append(_probe(name, command, tool_input, expected, project,
                                        {**env, "CLAUDE_CODE_SESSION_ATTENDED": "1"}))
        bare = {**env, "PATH": "/usr/bin:/bin", "CLAUDE_PROJECT_DIR": str(project)}
        with tempfile.TemporaryDirectory() as empty:
            report.probes.append(_probe("cedar-gates not on PATH", command, {"command": "rm -rf /"},
                                        {"deny", "blocked"}, project, bare))
            moved = {**bare, "CLAUDE_PROJECT_DIR": empty}
            report.probes.append(_probe("cedar-gates removed", _without_executable(command),
                                        {"command": "rm -rf /"}, {"deny", "blocked"}, Path(empty), moved))
    return report


def _needed_timeout(project: Path) -> tuple[int, bool]:
    """The settings timeout the configured hook needs, and whether it always waits for a human (`wait`)."""
    from toolkit.config import load_config
    from toolkit.contract import load_constants

    mode = load_config(None, project).hook_approvals
    return max(int(BUDGET_S) + 5, timeout_for(mode, load_constants().approval_timeout_s.max)), mode == "wait"


def _without_executable(command: str) -> str:
    """The same command with any absolute cedar-gates path pointing nowhere (a removed virtualenv)."""
    return _ABSOLUTE_EXE.sub("/nonexistent/bin/cedar-gates", command)


def _probe(name: str, command: str, tool_input: dict[str, Any], expected: set[str], project: Path,
           env: dict[str, str]) -> ProbeResult:
    event = {"session_id": PROBE_SESSION, "transcript_path": "", "cwd": str(project), "permission_mode": "default",
             "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": tool_input,
             "tool_use_id": f"probe-{name.replace(' ', '-')}"}
    start = time.perf_counter()
    try:
        done = subprocess.run(["sh", "-c", command], input=json.dumps(event).encode(), capture_output=True,
                              cwd=project, env={"CLAUDE_PROJECT_DIR": str(project), **env}, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return ProbeResult(name, "failed-open", -1, time.perf_counter() - start, tuple(sorted(expected)))
    seconds = time.perf_counter() - start
    return ProbeResult(name, _answer(done.returncode, done.stdout), done.returncode, seconds,
                       tuple(sorted(expected)))


def _answer(code: int, stdout: bytes) -> str:
    if code == 2:
        return "blocked"
    if code != 0:
        return "failed-open"
    try:
        data = json.loads(stdout or b"{}")
    except ValueError:
        return "failed-open"
    decision = data.get("hookSpecificOutput", {}).get("permissionDecision") if isinstance(data, dict) else None
    return decision if decision in ("allow", "deny", "ask") else "none"
