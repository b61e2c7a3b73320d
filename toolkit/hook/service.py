"""One Claude Code hook event, decided: read the event, restore the session, evaluate, persist, answer.

Everything runs inside one store transaction, so concurrent hooks of a session
are serialised. Any failure — an unreadable event, an unknown event, policies
that do not lint clean, a locked or corrupt state file, a bug — ends in exit 2
with one line on stderr, which blocks the call and tells the model why. Exit 0
is only ever printed together with a decision the engine made.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from toolkit.configfile import candidate
from toolkit.engine.clock import Clock, SystemClock
from toolkit.engine.gate import Gate
from toolkit.engine.records import REQUIRE_APPROVAL, Resolution
from toolkit.engine.settings import TaskSettings
from toolkit.hook import bundles
from toolkit.hook.events import POST, PRE, HookEvent, parse_event, pre_tool_answer
from toolkit.hook.store import StateStore
from toolkit.toolcall import relativise

BLOCK = 2
STATE_DIR = ".cedar-gates"
STATE_FILE = "hook-state.sqlite3"
LOG_FILE = "hook-decisions.jsonl"
MAX_EVENT_BYTES = 1 << 20
PRUNE_EVERY = 50
"""Old sessions are pruned on a session's first call and every 50th after it."""


@dataclass(frozen=True)
class HookOptions:
    blueprint: Path | None = None
    task_settings: Mapping[str, Any] | None = None
    state: Path | None = None
    config: Path | None = None
    log: Path | None = None
    busy_timeout_s: float = 10.0
    """How long to wait for another hook of the session to finish; Claude Code's own hook timeout is 30 s."""


@dataclass(frozen=True)
class HookResult:
    exit_code: int
    stdout: str = ""
    stderr: str = ""


def handle(raw: bytes, options: HookOptions, clock: Clock | None = None,
           environ: Mapping[str, str] | None = None) -> HookResult:
    """Never raises; exit 0 with an answer, or exit 2 with the reason."""
    try:
        return _handle(raw, options, clock or SystemClock(), os.environ if environ is None else environ)
    except BaseException as exc:  # noqa: BLE001 - fail closed on anything, KeyboardInterrupt included
        return HookResult(BLOCK, stderr=f"cedar-gates hook: blocked: {_one_line(exc)}\n")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    head = text[0] if text else ""
    where = getattr(exc, "path", None)
    hint = getattr(exc, "hint", None)
    label = type(exc).__name__
    parts = [f"{label}: {where + ': ' if where and where not in head else ''}{head}".rstrip(": ")]
    if hint:
        parts.append(f"hint: {hint}")
    return " — ".join(parts)[:1000]


def _config(options: HookOptions, event: HookEvent) -> tuple[Any, bool]:
    """(configuration, whether it was schema-validated); without a configuration file nothing is imported."""
    start = Path(event.cwd) if event.cwd else Path.cwd()
    if options.config is None and candidate(start) is None:
        return _Defaults(root=start), True
    from toolkit.config import load_config

    try:
        return load_config(options.config, start, validate_schema=False), False
    except Exception:  # noqa: BLE001 - the validating load below says what is wrong
        return load_config(options.config, start), True


class _Defaults:
    """The configuration keys the hook reads, when there is no configuration file."""

    source = builtins = constants = hook_blueprint = hook_state = hook_log = None
    hook_log_enabled = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hook_task_settings: Mapping[str, Any] = {}


def _handle(raw: bytes, options: HookOptions, clock: Clock, environ: Mapping[str, str]) -> HookResult:
    event = parse_event(raw, MAX_EVENT_BYTES)
    config, validated = _config(options, event)
    project = Path(environ.get("CLAUDE_PROJECT_DIR") or (config.root if config.source else None)
                   or event.cwd or Path.cwd())
    state_path = options.state or config.hook_state or project / STATE_DIR / STATE_FILE
    log_path = options.log or config.hook_log or (project / STATE_DIR / LOG_FILE if config.hook_log_enabled else None)
    blueprint = options.blueprint or config.hook_blueprint
    store = StateStore(state_path, options.busy_timeout_s)
    try:
        with store.transaction():
            now = clock.now()
            if config.source is not None:
                checked = "config:" + bundles.key_of([config.source])
                if not validated and not store.was_checked(checked):
                    from toolkit.config import load_config

                    config = load_config(options.config, Path(event.cwd) if event.cwd else None)
                store.mark_checked(checked, now)
            bundle, constants = bundles.compiled(store, config, blueprint, now)
            task = TaskSettings.from_mapping(
                {**config.hook_task_settings, **(options.task_settings or {}),
                 **({"cwd": event.cwd} if event.cwd else {})}, "hook task settings")
            gate = Gate(bundle, constants, task, clock, saved_state=store.session(event.session_id))
            if event.name == PRE:
                answer, record = _pre(gate, event, store, now, constants.agent_reason_max_chars)
            else:
                answer, record = _post(gate, event, store, now)
            store.save_session(event.session_id, gate.state.to_json(), now)
            if gate.state.calls % PRUNE_EVERY == 1:
                store.prune(now)
            if record is not None and log_path is not None:
                _append(log_path, record)
    finally:
        store.close()
    return HookResult(0, json.dumps(answer) + "\n")


def _pre(gate: Gate, event: HookEvent, store: StateStore, now: float,
         limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    decision = gate.evaluate(event.tool_name, relativise(event.tool_input, event.cwd))
    record = _record(event, gate, decision.at, decision.to_json(), None, decision.outcome)
    if decision.outcome == REQUIRE_APPROVAL and event.tool_use_id:
        store.add_pending(event.session_id, event.tool_use_id, decision.to_json(), now)
    return pre_tool_answer(decision, limit), record


def _post(gate: Gate, event: HookEvent, store: StateStore, now: float) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The call ran after an ask: the human approved it, for this call only."""
    asked = store.pop_pending(event.session_id, event.tool_use_id) if event.tool_use_id else None
    if asked is None:
        return {}, None
    resolution = Resolution(asked["request_id"], "approve", "allow", "approved in Claude Code (PostToolUse)", now,
                            scope="this_call")
    return {}, _record(event, gate, now, asked, resolution.to_json(), "allow")


def _record(event: HookEvent, gate: Gate, at: float, decision: dict[str, Any], resolution: dict[str, Any] | None,
            final: str) -> dict[str, Any]:
    """The `simulate --out` record, plus where it came from; `t` is seconds since the session's first call."""
    return {"session_id": event.session_id, "tool_use_id": event.tool_use_id, "event": event.name,
            "t": round(max(0.0, at - gate.state.started_at), 6), "tool_name": event.tool_name, "final": final,
            "decision": decision, "resolution": resolution}


def _append(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


__all__ = ["BLOCK", "HookOptions", "HookResult", "handle", "POST", "PRE"]
