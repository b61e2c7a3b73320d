"""The post-tool event Claude Code sends after every call, answered with nothing to record, cheaply.

Almost every PostToolUse follows a call that was never asked about, so there is
nothing to record. This path imports only `json`, `os` and `sqlite3` (no
dataclasses, pathlib, policies or Cedar) and says "nothing pending" only when
it is sure: the default state location (no configuration file, no option that
moves the state), a regular state file, and no pending row for the call. Any
doubt, and the full hook path decides instead.
"""

import json
import os
import stat

POST_EVENTS = ("PostToolUse", "PostToolUseFailure")
BUDGET_S = 45.0
"""Past this the kernel ends the hook (SIGALRM, default action), which the installed command turns into a
block; it lies below the timeout `hook install` writes, so Claude Code never gives up on the hook first."""


def arm_deadline(seconds: float = BUDGET_S) -> None:
    """A hang anywhere, native code and a stdin that never closes included, ends in a signal rather than in
    Claude Code's timeout (which lets the call through)."""
    try:
        import _signal as signal  # the C module: `signal` would import enum, a third of this path's start-up
    except ImportError:  # pragma: no cover - other interpreters
        import signal  # type: ignore[no-redef]
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)
_MOVES_STATE = ("--state", "--config")


def nothing_pending(raw: bytes, args: list, environ) -> bool:
    try:
        return _nothing_pending(raw, args, environ)
    except Exception:  # noqa: BLE001 - any doubt: the full path decides
        return False


def _nothing_pending(raw: bytes, args: list, environ) -> bool:
    if any(a.split("=", 1)[0] in _MOVES_STATE for a in args) or len(raw) > 1 << 20:
        return False
    event = json.loads(raw)
    if not isinstance(event, dict) or event.get("hook_event_name") not in POST_EVENTS:
        return False
    session, tool_use_id, cwd = event.get("session_id"), event.get("tool_use_id"), event.get("cwd")
    if not all(isinstance(v, str) and v for v in (session, tool_use_id, cwd)) or not cwd.startswith("/"):
        return False
    if _has_configuration(cwd):
        return False
    project = environ.get("CLAUDE_PROJECT_DIR") or cwd
    state = os.path.join(project, ".cedar-gates", "hook-state.sqlite3")
    try:
        info = os.lstat(state)
    except FileNotFoundError:
        return True  # no state at all: nothing was ever asked in this project
    if not stat.S_ISREG(info.st_mode) or any(c in state for c in "?#%"):
        return False
    import sqlite3

    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=2.0)
    try:
        row = db.execute("SELECT 1 FROM pending WHERE session = ? AND tool_use_id = ?",
                         (session, tool_use_id)).fetchone()
    finally:
        db.close()
    return row is None


def _has_configuration(start: str) -> bool:
    """Whether a configuration file could apply (the same search as toolkit.configfile, without pathlib)."""
    directory = start
    while True:
        if os.path.isfile(os.path.join(directory, "cedar-gates.toml")):
            return True
        if os.path.isfile(os.path.join(directory, "pyproject.toml")):
            try:
                with open(os.path.join(directory, "pyproject.toml"), "rb") as handle:
                    if b"cedar-gates" in handle.read(1 << 20):
                        return True
            except OSError:
                return True
        if os.path.exists(os.path.join(directory, ".git")):
            return False
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent
