"""Adding and removing the hook entry in Claude Code's settings.json.

Only our own entries are touched: everything else in the file is kept as it
was (key order included), a second install changes nothing, the previous file
is copied to `settings.json.bak` before any change, and uninstall removes
exactly the entries whose command runs `hook claude-code` of cedar-gates.
"""

from __future__ import annotations

import json
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import InputError

EVENTS = ("PreToolUse", "PostToolUse")
MARKER = "hook claude-code"
TIMEOUT_S = 30


@dataclass(frozen=True)
class SettingsChange:
    path: Path
    changed: bool
    backup: Path | None
    command: str


def settings_path(scope: str, project: Path, home: Path) -> Path:
    return (home if scope == "user" else project) / ".claude" / "settings.json"


def hook_command(executable: str, extra: list[str]) -> str:
    """The command Claude Code runs: an absolute path, so a PATH without cedar-gates cannot make it fail open."""
    return " ".join(shlex.quote(part) for part in [executable, "hook", "claude-code", *extra])


def _is_ours(entry: Any) -> bool:
    if not isinstance(entry, dict) or entry.get("type") != "command":
        return False
    command = entry.get("command")
    return isinstance(command, str) and MARKER in command and "cedar-gates" in command


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read Claude Code settings: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno,
                         hint="fix the file by hand; nothing was changed") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "Claude Code settings must be a JSON object", hint="nothing was changed")
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict) or any(not isinstance(hooks.get(e, []), list) for e in EVENTS):
        raise InputError(str(path), "`hooks` must map event names to lists of matcher groups",
                         hint="fix the file by hand; nothing was changed")
    return data


def _write(path: Path, data: dict[str, Any]) -> Path | None:
    backup = None
    if path.exists():
        backup = path.with_name(path.name + ".bak")
        shutil.copy2(path, backup)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".cedar-gates.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return backup


def install(path: Path, command: str) -> SettingsChange:
    data = _read(path)
    hooks = data.setdefault("hooks", {})
    changed = False
    for event in EVENTS:
        groups = hooks.setdefault(event, [])
        ours = [h for g in groups if isinstance(g, dict) for h in g.get("hooks", []) if _is_ours(h)]
        if any(h.get("command") == command for h in ours) and len(ours) == 1:
            continue
        _drop_ours(groups)
        groups.append({"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": TIMEOUT_S}]})
        changed = True
    backup = _write(path, data) if changed else None
    return SettingsChange(path, changed, backup, command)


def uninstall(path: Path) -> SettingsChange:
    data = _read(path)
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
