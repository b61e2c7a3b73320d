"""One tool call through a fresh gate, for `cedar-gates eval` and hooks that run once per call.

A service above the engine: it lints and compiles (`toolkit.policyset`) or reads
the compiled bundle from the hook's cache (`toolkit.hook.bundles`), then decides.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.config import Config
from toolkit.engine.gate import Gate
from toolkit.engine.records import ALLOW, DENY, REQUIRE_APPROVAL, Decision
from toolkit.engine.settings import TaskSettings
from toolkit.errors import InputError
from toolkit import jsontext
from toolkit.safeio import InputTooLarge, NotRegularFile, read_input, read_stdin

EXIT_CODES = {ALLOW: 0, DENY: 2, REQUIRE_APPROVAL: 3}
EXIT_ERROR = 1


@dataclass
class EvalResult:
    decision: Decision
    state: dict[str, Any]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.decision.outcome]

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision.to_json(), "state": self.state}


def read_json_arg(option: str, raw: str, max_bytes: int = 1 << 20) -> Any:
    """`'{...}'` inline, `@path` for a file, `-` for stdin; errors name the option and the place.

    Files and stdin larger than `max_bytes` (the configuration's max-file-bytes) are refused unread.
    """
    where, text = option, raw
    if raw == "-":
        where = f"{option} (stdin)"
        try:
            data = read_stdin(max_bytes)
        except OSError as exc:
            raise InputError(where, exc.strerror or str(exc), hint="pipe JSON into stdin") from None
        _check_size(where, len(data), max_bytes)
        text = _decoded(where, data)
    elif raw.startswith("@"):
        path = Path(raw[1:])
        where = f"{option} {path}"
        try:
            data = read_input(path, max_bytes)
        except InputTooLarge:
            _check_size(where, max_bytes + 1, max_bytes)
        except FileNotFoundError:
            raise InputError(where, "cannot read: file not found") from None
        except NotRegularFile as exc:
            raise InputError(where, exc.strerror.replace(", not a file", ", not a JSON file")) from None
        except OSError as exc:
            raise InputError(where, f"cannot read: {exc.strerror or exc}") from None
        text = _decoded(where, data)
    try:
        return jsontext.loads(text)
    except RecursionError:
        raise InputError(where, "the JSON is nested too deeply to read") from None
    except jsontext.JsonValueError as exc:
        raise InputError(where, exc.message, exc.line, exc.column, hint=exc.hint) from None
    except json.JSONDecodeError as exc:
        raise InputError(where, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno,
                         hint="quote the JSON for your shell, e.g. --input '{\"command\": \"ls\"}'") from None


def _check_size(where: str, size: int, limit: int) -> None:
    if size > limit:
        raise InputError(where, f"more than max-file-bytes ({limit} bytes); refused unread",
                         hint="raise max-file-bytes in the configuration if the input is really this large")


def _decoded(where: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not UTF-8 (byte {exc.start + 1})", hint="send UTF-8 JSON") from None


def evaluate_once(tool: str, tool_input: Any, blueprint: Path | None, settings: Any, config: Config,
                  cache: Path | None = None) -> EvalResult:
    """`cache`: a bundle cache file (toolkit.hook.bundles); the policies are linted only when they changed."""
    task = TaskSettings.from_mapping(settings, "--task-settings") if settings is not None else TaskSettings()
    if cache is None:
        from toolkit.policyset import load_policies

        bundle, constants = load_policies(blueprint, config)
        gate = Gate(bundle, constants, task)
    else:
        bundle, constants = _cached(cache, config, blueprint)
        gate = Gate(bundle, constants, task)
    decision = gate.evaluate(tool, tool_input)
    return EvalResult(decision, gate.snapshot())


def _cached(cache: Path, config: Config, blueprint: Path | None) -> tuple[Any, Any]:
    """From the cache when it can be used; a cache that cannot (read-only home, a broken file) is skipped."""
    import time

    from toolkit.hook.bundles import compiled
    from toolkit.hook.store import StateStore, StoreError

    try:
        store = StateStore(cache, busy_timeout_s=2.0)
    except StoreError:
        from toolkit.policyset import load_policies

        return load_policies(blueprint, config)
    try:
        with store.transaction():
            return compiled(store, config, blueprint, time.time())
    finally:
        store.close()


def render_text(result: EvalResult) -> str:
    d = result.decision
    lines = [f"{d.outcome}  {d.tool_name}  ({d.stage})", f"  reason:    {d.reason}"]
    if d.hard_rule_ids:
        lines.append(f"  hard:      {', '.join(d.hard_rule_ids)}")
    if d.soft_rule_ids:
        lines.append(f"  soft:      {', '.join(d.soft_rule_ids)}")
    if d.disabled_rule_ids:
        lines.append(f"  disabled:  {', '.join(d.disabled_rule_ids)} (matched, dropped by the blueprint)")
    if d.errored_rule_ids:
        lines.append(f"  errored:   {', '.join(d.errored_rule_ids)}")
    if d.shadow:
        listed = ", ".join(f"{m.rule_id} ({m.tier}, would {m.would_have}{'; errored' if m.errored else ''})"
                           for m in d.shadow)
        lines.append(f"  shadow:    {listed}; log-only, never enforced")
        lines.append(f"  would-be:  {_would_be(d)}")
    if d.severity:
        lines.append(f"  severity:  {d.severity}")
    if d.timeout_s is not None:
        lines.append(f"  timeout:   {d.timeout_s} s")
    if d.granted_by:
        lines.append(f"  granted:   {d.granted_by}")
    if d.fail_closed:
        lines.append("  fail-closed: yes")
    lines.append(f"  policy:    sha256:{d.policy_hash[:16] if d.policy_hash else '-'}   "
                 f"input: sha256:{d.input_sha256[:16] if d.input_sha256 else '-'}   {d.eval_us} µs")
    return "\n".join(lines)


def _would_be(d: Decision) -> str:
    if d.shadow_flip is None:
        return f"{d.outcome} as decided: enforcing the shadow rules would not change this call"
    flipped = REQUIRE_APPROVAL if d.shadow_flip == "ask" else d.shadow_flip
    return f"{flipped} if the shadow rules were enforced (decided: {d.outcome})"
