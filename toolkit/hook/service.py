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
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

from toolkit.configfile import candidate
from toolkit.engine.clock import Clock, SystemClock
from toolkit.engine.records import REQUIRE_APPROVAL, Deny, Resolution
from toolkit.engine.sanitize import truncate
from toolkit.hook.events import POST, PRE, HookEvent, is_headless, parse_event, pre_tool_answer
from toolkit.hook.ownfiles import append_line
from toolkit.hook.store import StateStore, StoreBusy
from toolkit.record import record

BLOCK = 2
STATE_DIR = ".cedar-gates"
STATE_FILE = "hook-state.sqlite3"
LOG_FILE = "hook-decisions.jsonl"
MAX_EVENT_BYTES = 1 << 20
MAX_FAULT_CHARS = 300
"""A fault's reason in the block message: the fault cut first, so its hint (what to do) stays whole."""
PRUNE_EVERY = 50
"""Old sessions are pruned on a session's first call and every 50th after it."""


@record
class HookOptions:
    blueprint: Path | None = None
    task_settings: Mapping[str, Any] | None = None
    state: Path | None = None
    config: Path | None = None
    log: Path | None = None
    busy_timeout_s: float = 10.0
    """How long to wait for another hook of the session to finish."""
    rearm: Callable[[float], None] | None = None
    """Moves the process's deadline (set by the process entry) when the hook is about to wait for a human."""
    approvals: str | None = None
    """Overrides `[hook] approvals` (an in-process integration chooses its own mode)."""
    no_match: str | None = None
    """Overrides `[hook] no-match`."""
    via: str | None = None
    """Marks the decision log's records with where the event came from (e.g. `claude-agent-sdk`)."""


@record
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
        return blocked(fault_reason(exc), retry=isinstance(exc, StoreBusy))


def blocked_message(reason: str, retry: bool = False) -> str:
    """What the model reads when the hook itself failed: short, no installation paths, no command line."""
    advice = ("Retry in a moment; tell the user if it keeps happening." if retry
              else "Tell the user; retrying will not help until this is fixed.")
    return f"cedar-gates could not decide on this call, so it was blocked: {reason}. {advice}"


def blocked(reason: str, retry: bool = False) -> HookResult:
    """Exit 2 blocks whatever else happens; the JSON on stdout is what Claude Code shows the model.

    Without it, Claude Code shows exit 2's stderr prefixed with the hook's whole
    command line (installation paths included); with it, only the reason.
    """
    text = blocked_message(reason, retry)
    return HookResult(BLOCK, stdout=json.dumps({"decision": "block", "reason": text}) + "\n", stderr=text + "\n")


_ABSOLUTE = re.compile(r"(?<![\w.~-])(?:[A-Za-z]:)?(?:[\\/][^\s'\"`:;,()\\/]+)+[\\/]?")


def _without_paths(text: str) -> str:
    return _ABSOLUTE.sub(lambda m: re.split(r"[\\/]", m.group(0).rstrip("/\\"))[-1] or "/", text)


def fault_reason(exc: BaseException) -> str:
    text = [line.strip(" -") for line in str(exc).strip().splitlines() if line.strip()]
    head = "; ".join(text[:3]).replace(":;", ":")
    where = getattr(exc, "path", None)
    hint = getattr(exc, "hint", None)
    label = type(exc).__name__
    what = _without_paths(f"{label}: {where + ': ' if where and where not in head else ''}{head}".rstrip(": "))
    if not hint or hint in head:
        return truncate(what, MAX_FAULT_CHARS)
    told = truncate(_without_paths(f" — hint: {hint}"), MAX_FAULT_CHARS // 2)
    return truncate(what, MAX_FAULT_CHARS - len(told)) + told


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
    hook_no_match = "pass"
    hook_approvals = "prompt"
    approvals_store = approvals_notify = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hook_task_settings: Mapping[str, Any] = {}


def _handle(raw: bytes, options: HookOptions, clock: Clock, environ: Mapping[str, str]) -> HookResult:
    return HookResult(0, json.dumps(decide_event(raw, options, clock, environ)) + "\n")


def decide_event(raw: bytes, options: HookOptions, clock: Clock, environ: Mapping[str, str]) -> dict[str, Any]:
    """The answer to one hook event (`{}` for none); raises when it cannot decide, and the caller must block."""
    event = parse_event(raw, MAX_EVENT_BYTES)
    config, validated = _config(options, event)
    project = Path(environ.get("CLAUDE_PROJECT_DIR") or (config.root if config.source else None)
                   or event.cwd or Path.cwd())
    default_dir = project / STATE_DIR
    state_path = options.state or config.hook_state or default_dir / STATE_FILE
    log_path = options.log or config.hook_log or (default_dir / LOG_FILE if config.hook_log_enabled else None)
    store = StateStore(state_path, options.busy_timeout_s)
    try:
        if event.name == PRE:
            answer, records = _pre(event, options, config, validated, store, clock, environ,
                                   _own_files(state_path, log_path, default_dir), log_path)
            if records and records[-1].get("event") == PRE:
                records[-1] = {**records[-1], "answer": answered(answer)}
        else:
            answer, records = _post(event, store, clock.now())
    finally:
        store.close()
    if log_path is not None:
        for record in records:  # after the state lock is released: a slow log never holds up other sessions
            tagged = {**record, "via": options.via} if options.via else record
            append_line(log_path, json.dumps(tagged, ensure_ascii=False) + "\n")
    return answer


def answered(answer: Mapping[str, Any]) -> str:
    """What Claude Code was told: its permission decision, or `pass` for none (its own rules and prompts apply).

    `final` is the gate's outcome; a call no rule matched is `final: allow` whether the hook answered `allow`
    (`no-match = "allow"`) or passed it on."""
    specific = answer.get("hookSpecificOutput")
    decision = specific.get("permissionDecision") if isinstance(specific, Mapping) else None
    return decision if isinstance(decision, str) else "pass"


def _own_files(state: Path, log: Path | None, default_dir: Path) -> dict[str, str]:
    """The hook's state, log, executable and package as `gate_files` entries: the built-in rules keep the agent's
    hands off them."""
    from toolkit.hook.protect import own_code

    own = {**own_code(sys.argv[0] if sys.argv else "", Path(__file__).resolve().parent.parent), str(default_dir): "state"}
    for path in (state, state.with_name(state.name + "-wal"), state.with_name(state.name + "-shm"), log):
        if path is not None:
            own[str(path)] = "state"
    return own


def _pre(event: HookEvent, options: HookOptions, config: Any, validated: bool, store: StateStore, clock: Clock,
         environ: Mapping[str, str], own: dict[str, str],
         log_path: Path | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from toolkit.engine.gate import Gate
    from toolkit.engine.settings import TaskSettings
    from toolkit.hook import bundles
    from toolkit.hook.protect import gate_files
    from toolkit.hook import waiting as W
    from toolkit.toolcall import relativise

    now = clock.now()
    if config.source is not None:
        checked = "config:" + bundles.key_of([config.source])
        if not validated and not store.was_checked(checked):
            from toolkit.config import load_config

            config = load_config(options.config, Path(event.cwd) if event.cwd else None)
        store.mark_checked(checked, now)
    blueprint = options.blueprint or config.hook_blueprint
    bundle, constants = bundles.compiled(store, config, blueprint, now)
    protected = {**gate_files(config, blueprint, event.tool_name, event.tool_input, event.cwd), **own}
    task = TaskSettings.from_mapping(
        {**config.hook_task_settings, **(options.task_settings or {}),
         **({"cwd": event.cwd} if event.cwd else {})}, "hook task settings")
    task = replace(task, gate_files={**task.gate_files, **protected})
    if task.current_branch is None and event.cwd:
        from toolkit.shell.git import current_branch

        task = replace(task, current_branch=current_branch(event.cwd))  # a bare `git push` pushes this branch
    no_match = options.no_match or getattr(config, "hook_no_match", "pass")
    headless = is_headless(environ)
    mode = W.approvals_mode(config, headless, options.approvals)
    waits = mode == W.WAIT
    defers = mode == W.DEFER and event.tool_use_id is not None
    asked_before = store.peek_pending(event.session_id, event.tool_use_id) if defers else None
    saved = store.session(event.session_id)
    revoked = (W.revoked_scopes(config, event.session_id)
               if mode != W.PROMPT and saved and (saved.get("grants") or saved.get("rule_grants")) else [])
    if asked_before is not None and asked_before.get("approval_id"):
        return _resume(event, asked_before, store, bundle, constants, task, clock, config, log_path)
    with store.transaction():
        now = clock.now()
        records = [_expired(event, asked, now) for asked in store.expire_pending(event.session_id, now)]
        gate = Gate(bundle, constants, task, clock, saved_state=store.session(event.session_id))
        for scope in revoked:
            gate.state.revoke(scope)
        decision = gate.evaluate(event.tool_name, relativise(event.tool_input, event.cwd))
        started = gate.state.started_at
        resolution = None
        if decision.outcome == REQUIRE_APPROVAL and (waits or defers):
            pass  # parked in the approval store below, once this transaction has released the lock
        elif decision.outcome == REQUIRE_APPROVAL and headless:
            refused = gate.resolve(decision, Deny("refused by Claude Code: no human can answer an ask in a "
                                                  "headless session (claude -p)"))
            resolution = replace(refused, response="refused").to_json()
        elif decision.outcome == REQUIRE_APPROVAL and event.tool_use_id:
            store.add_pending(event.session_id, event.tool_use_id,
                              {**decision.to_json(), "started_at": started,
                               "deadline": now + (decision.timeout_s or 0)}, now)
        store.save_session(event.session_id, gate.state.to_json(), now)
        if gate.state.calls % PRUNE_EVERY == 1:
            store.prune(now, event.session_id)
    if decision.outcome == REQUIRE_APPROVAL and waits:
        def apply(asked: Any, open_gate: Any, response: Any) -> Any:
            with store.transaction():
                later = Gate(bundle, constants, task, clock, saved_state=store.session(event.session_id))
                later.state.open_gates[asked.request_id] = open_gate
                settled = later.resolve(asked, response)
                store.save_session(event.session_id, later.state.to_json(), clock.now())
            return settled

        waited = W.park_and_wait(decision, event, gate, config, bundle.max_scope, W.log_sink(log_path),
                                 options.rearm, apply)
        records.append({**_record(event, started, decision.at, decision.to_json(), waited.resolution.to_json(),
                                  waited.resolution.outcome), "approval": waited.approval})
        return W.answer_of(waited, constants.agent_reason_max_chars), records
    if decision.outcome == REQUIRE_APPROVAL and defers:
        approval_id = W.park(decision, event, gate, config, bundle.max_scope, log_path)
        with store.transaction():
            store.add_pending(event.session_id, event.tool_use_id or "",
                              {**decision.to_json(), "started_at": started, "approval_id": approval_id,
                               "deadline": decision.at + (decision.timeout_s or 0)}, clock.now())
        records.append({**_record(event, started, decision.at, decision.to_json(), None, "deferred"),
                        "approval": {"id": approval_id, "status": "pending"}})
        return W.defer_answer(decision, approval_id), records
    final = "deny" if resolution is not None else decision.outcome
    records.append(_record(event, started, decision.at, decision.to_json(), resolution, final))
    return pre_tool_answer(decision, constants.agent_reason_max_chars, no_match), records


def _resume(event: HookEvent, asked: dict[str, Any], store: StateStore, bundle: Any, constants: Any, task: Any,
            clock: Clock, config: Any, log_path: Path | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A deferred call sent again after `claude -p --resume`: its decided request applies, or it defers again."""
    from toolkit.engine.gate import Gate
    from toolkit.engine.records import Decision
    from toolkit.hook import waiting as W
    from toolkit.toolcall import relativise

    decision = Decision.from_json({k: v for k, v in asked.items()
                                   if k not in ("started_at", "deadline", "expired", "approval_id")})
    settled = W.settled_request(asked["approval_id"], config, W.log_sink(log_path))
    if settled is None:
        return W.defer_answer(decision, asked["approval_id"]), []
    with store.transaction():
        gate = Gate(bundle, constants, task, clock, saved_state=store.session(event.session_id))
        gate.reopen(decision, relativise(event.tool_input, event.cwd))
        resolution = gate.resolve(decision, W.response_to(settled))
        store.save_session(event.session_id, gate.state.to_json(), clock.now())
        store.pop_pending(event.session_id, event.tool_use_id or "")
    waited = W.resumed(settled, resolution, "approval store")
    record = {**_record(event, float(asked.get("started_at", decision.at)), resolution.decided_at,
                        decision.to_json(), resolution.to_json(), resolution.outcome), "approval": waited.approval}
    return W.answer_of(waited, constants.agent_reason_max_chars), [record]


def _post(event: HookEvent, store: StateStore, now: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call ran after an ask (PostToolUse, or PostToolUseFailure when it then failed): the human approved it.

    With nothing pending for the call this returns before any policy or engine is loaded.
    """
    if not event.tool_use_id:
        return {}, []
    with store.transaction():
        asked = store.pop_pending(event.session_id, event.tool_use_id)
    if asked is None:
        return {}, []
    late = now > float(asked.get("deadline", now))
    resolution = Resolution(asked["request_id"], "approve", "allow", f"approved in Claude Code ({event.name})", now,
                            scope="this_call", late=late)
    decision = {k: v for k, v in asked.items() if k not in ("started_at", "deadline", "expired")}
    return {}, [_record(event, float(asked.get("started_at", now)), now, decision, resolution.to_json(), "allow")]


def _expired(event: HookEvent, asked: dict[str, Any], now: float) -> dict[str, Any]:
    """An ask whose deadline passed with no post-tool event: the human refused it or never answered."""
    resolution = Resolution(asked["request_id"], "timeout", "deny", "no approval reached cedar-gates before the "
                            "deadline (refused in Claude Code, or never answered)", now)
    decision = {k: v for k, v in asked.items() if k not in ("started_at", "deadline", "expired", "tool_use_id")}
    expired = HookEvent("expired", event.session_id, str(asked.get("tool_name", "")), {}, asked.get("tool_use_id"),
                        event.cwd, event.transcript_path, event.permission_mode)
    return _record(expired, float(asked.get("started_at", now)), now, decision, resolution.to_json(), "deny")


def _record(event: HookEvent, started: float, at: float, decision: dict[str, Any],
            resolution: dict[str, Any] | None, final: str) -> dict[str, Any]:
    """The `simulate --out` record, plus where it came from; `t` is seconds since the session's first call."""
    return {"session_id": event.session_id, "tool_use_id": event.tool_use_id, "event": event.name,
            "t": round(max(0.0, at - started), 6), "tool_name": event.tool_name, "final": final,
            "decision": decision, "resolution": resolution}


__all__ = ["BLOCK", "HookOptions", "HookResult", "blocked_message", "decide_event", "fault_reason", "handle", "POST", "PRE"]
