"""Adding and removing the hook entry in Claude Code's settings files.

Only our own entries are touched: everything else in the file is kept as it
was (key order included), a second install changes nothing, the previous file
is copied to `<name>.bak` before any change, and uninstall removes exactly the
entries whose command runs `hook claude-code` of cedar-gates.

Claude Code treats every hook failure other than exit 2 (a missing command's
127, a crash, a signal) as "no usable answer" and lets the call through under
a permissive mode. So the command written here is wrapped: whatever happens to
cedar-gates, the shell that runs it exits 2.
"""

from __future__ import annotations

import json
import math
import os
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from toolkit.errors import InputError
from toolkit.hook.ownfiles import regular_or_absent
from toolkit.safeio import UnsafeFileError, write_output

EVENTS = ("PreToolUse", "PostToolUse", "PostToolUseFailure")
MARKER = "hook claude-code"
TIMEOUT_S = 60
"""What the hook may need: a lock wait (10 s) and a first-call lint, inside the hook's own 45 s budget."""
WAIT_MARGIN_S = 60


def timeout_for(approvals_mode: str, longest_ask_s: int) -> int:
    """The settings timeout: 60 s, or the longest ask the policies allow plus a margin when the hook waits."""
    return TIMEOUT_S if approvals_mode not in ("wait", "auto") else longest_ask_s + WAIT_MARGIN_S
SHARED_CANDIDATES = ("$CLAUDE_PROJECT_DIR/.venv/bin/cedar-gates", "$CLAUDE_PROJECT_DIR/venv/bin/cedar-gates")
BLOCKED = "cedar-gates could not decide on this call, so it was blocked"
ON_FAILURE_SINCE = (2, 1, 332)
"""The first Claude Code version seen honouring a hook entry's `"onFailure": "block"` (the one the tests drive);
earlier versions are not known to accept the key, so it is written only where this version or a later one runs."""


@dataclass(frozen=True)
class SettingsChange:
    path: Path
    changed: bool
    backup: Path | None
    command: str


def settings_path(scope: str, project: Path, home: Path) -> Path:
    """`local` (personal, the default), `shared` (committed with the project) or `user` (every project)."""
    if scope == "user":
        return home / ".claude" / "settings.json"
    return project / ".claude" / ("settings.json" if scope == "shared" else "settings.local.json")


def _block(reason: str) -> str:
    """Shell that blocks: JSON on stdout (Claude Code shows the model its reason, not the command line), exit 2.

    `reason` may hold `$s`, expanded by the shell; it holds no `"`, `\\` or `%`.
    """
    return (f'm="{BLOCKED}: {reason}. Tell the user."; '
            """printf '{"decision": "block", "reason": "%s"}\\n' "$m"; printf '%s\\n' "$m" >&2; exit 2""")


def _run_guarded(run: str) -> str:
    """Run the hook; exit 0 and exit 2 pass through, any other status (a crash, a signal) blocks."""
    return f"{run} || {{ s=$?; [ $s -eq 2 ] && exit 2; {_block('the hook ended with status $s')}; }}"


def hook_command(executable: str, extra: list[str], interpreter: str | None = None) -> str:
    """A command for one machine: this installation's absolute path, blocking when it is gone or fails."""
    exe = shlex.quote(executable)
    checks = [exe] + ([shlex.quote(interpreter)] if interpreter else [])
    present = " && ".join(f"[ -x {c} ]" for c in checks)
    run = " ".join([exe, "hook", "claude-code", *(shlex.quote(a) for a in extra)])
    missing = _block("cedar-gates is not installed where this hook expects it")
    return f"{present} || {{ {missing}; }}; {_run_guarded(run)}"


def portable_command(extra: list[str]) -> str:
    """A command for shared settings: no machine's path in it; cedar-gates is found when the hook runs.

    The project's own virtualenv comes first, then PATH; not found anywhere is a block.
    `extra` paths should already be written relative to `$CLAUDE_PROJECT_DIR`.
    """
    lookup = " || ".join([*(f'{{ [ -x "{c}" ] && cg="{c}"; }}' for c in SHARED_CANDIDATES),
                          "cg=$(command -v cedar-gates 2>/dev/null)"])
    args = " ".join(a if a.startswith('"$CLAUDE_PROJECT_DIR') else shlex.quote(a) for a in extra)
    run = f'"$cg" hook claude-code{" " + args if args else ""}'
    missing = _block("cedar-gates is not installed on this machine")
    return f"{lookup} || {{ {missing}; }}; {_run_guarded(run)}"


def project_relative(path: Path, project: Path) -> str:
    """`"$CLAUDE_PROJECT_DIR/…"` for a path inside the project (quoted for the shell), else refuse it."""
    try:
        inside = path.resolve().relative_to(project.resolve())
    except ValueError:
        raise InputError(str(path), "is outside the project; shared settings must not name a machine's path",
                         hint="keep it inside the project, or install without --shared") from None
    text = inside.as_posix()
    if any(c in text for c in '"$`\\'):
        raise InputError(str(path), "has a character that cannot be quoted in a portable hook command",
                         hint="rename it")
    return f'"$CLAUDE_PROJECT_DIR/{text}"'


def _is_ours(entry: Any) -> bool:
    if not isinstance(entry, dict) or entry.get("type") != "command":
        return False
    command = entry.get("command")
    return isinstance(command, str) and MARKER in command and "cedar-gates" in command


def _refuse_number(text: str) -> Any:
    raise ValueError(f"the number {text} cannot be kept exactly")


def _exact_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _refuse_number(text)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def read_settings(path: Path) -> dict[str, Any]:
    """The settings as data; anything that would not survive a rewrite unchanged is refused, never altered."""
    if path.is_symlink():
        raise InputError(str(path), "is a symlink; cedar-gates does not write Claude Code settings through a link",
                         hint="replace the link with the file itself; nothing was changed")
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_refuse_number, parse_float=_exact_float,
                          object_pairs_hook=_no_duplicates)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read Claude Code settings: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno,
                         hint="fix the file by hand; nothing was changed") from None
    except ValueError as exc:
        raise InputError(str(path), f"cannot be rewritten safely: {exc}", hint="fix it by hand; nothing was changed") \
            from None
    if not isinstance(data, dict):
        raise InputError(str(path), "Claude Code settings must be a JSON object", hint="nothing was changed")
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict) or any(not isinstance(hooks.get(e, []), list) for e in EVENTS):
        raise InputError(str(path), "`hooks` must map event names to lists of matcher groups",
                         hint="fix the file by hand; nothing was changed")
    return data


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Two installs at once take turns: each reads the file the other wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.cedar-gates.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise InputError(str(lock), f"cannot take the install lock: {exc.strerror or exc}",
                         hint="remove it if it is a symlink; nothing was changed") from None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # no flock (Windows): one install at a time is the user's to keep
            pass
        yield
    finally:
        os.close(fd)


def _write(path: Path, data: dict[str, Any]) -> Path | None:
    """The previous file to `<name>.bak`, then the new one, each atomically; never through a link or into a FIFO."""
    backup = None
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        for target in (path, path.with_name(path.name + ".bak")):
            regular_or_absent(target)
        if path.exists():
            backup = path.with_name(path.name + ".bak")
            write_output(backup, path.read_bytes())
        write_output(path, text)
    except UnsafeFileError as exc:
        raise InputError(str(path), str(exc), hint="replace it with a plain file; nothing was changed") from None
    return backup


def claude_version(executable: str | None) -> tuple[int, ...] | None:
    """The installed Claude Code's version from `claude --version`, or None when it cannot be told."""
    if executable is None:
        return None
    import re
    import subprocess

    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=20,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", done.stdout)
    return tuple(int(x) for x in found.groups()) if found and done.returncode == 0 else None


def install(path: Path, command: str, on_failure_block: bool = False, timeout_s: int = TIMEOUT_S) -> SettingsChange:
    """Our entry for every event; with `on_failure_block`, Claude Code itself also blocks when the hook fails."""
    entry: dict[str, Any] = {"type": "command", "command": command, "timeout": timeout_s}
    if on_failure_block:
        entry["onFailure"] = "block"
    with _locked(path):
        data = read_settings(path)
        hooks = data.setdefault("hooks", {})
        changed = False
        for event in EVENTS:
            groups = hooks.setdefault(event, [])
            ours = [h for g in groups if isinstance(g, dict) for h in g.get("hooks", []) if _is_ours(h)]
            if len(ours) == 1 and ours[0] == entry:
                continue
            _drop_ours(groups)
            groups.append({"matcher": "*", "hooks": [dict(entry)]})
            changed = True
        backup = _write(path, data) if changed else None
    return SettingsChange(path, changed, backup, command)


def uninstall(path: Path) -> SettingsChange:
    with _locked(path):
        data = read_settings(path)
        hooks = data.get("hooks", {})
        changed = False
        for event in EVENTS:
            groups = hooks.get(event)
            if groups and _drop_ours(groups):
                changed = True
                if not groups:
                    del hooks[event]
        if changed and not hooks:
            del data["hooks"]
        backup = _write(path, data) if changed else None
    return SettingsChange(path, changed, backup, "")


def installed_commands(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Our entries per event in one settings file's data."""
    hooks = data.get("hooks", {}) if isinstance(data.get("hooks"), dict) else {}
    return {event: [h for g in hooks.get(event, []) if isinstance(g, dict) for h in g.get("hooks", [])
                    if _is_ours(h)] for event in EVENTS}


def _drop_ours(groups: list[Any]) -> bool:
    """Remove our entries (and matcher groups left empty by that) in place."""
    dropped = False
    for group in list(groups):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        kept = [h for h in group["hooks"] if not _is_ours(h)]
        if len(kept) != len(group["hooks"]):
            dropped = True
            if kept:
                group["hooks"] = kept
            else:
                groups.remove(group)
    return dropped
