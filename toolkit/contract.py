"""The constants contract (`contracts/constants.json`), the single source of limits.

The toolkit never repeats one of these numbers in code: lint rules, the runtime
engine and the drift checkers all read them from a `Constants` record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from toolkit.errors import ContractError
from toolkit.record import record
from toolkit.resources import constants_path


@record
class Range:
    min: int
    max: int
    default: int


@record
class Constants:
    approval_gate_cap: Range
    approval_timeout_s: Range
    approval_timeout_warn_s: int
    policies_max_bytes: int
    rule_id_max_length: int
    deny_reason_max_length: int
    initial_approvals_max_entries: int
    initial_approvals_max_entry_length: int
    scope_max_length: int
    recent_decision_cache_entries: int
    recent_decision_cache_ttl_s: int
    approval_rate_limit: int
    approval_rate_window_s: int
    agent_reason_max_chars: int
    lifetime_cleanup_margin_s: int
    default_max_lifetime_s: int
    severities: tuple[str, ...]
    default_severity: str
    categories: tuple[str, ...]
    source: str


def invariant_problems(data: dict[str, Any]) -> list[str]:
    """Cross-value rules JSON Schema cannot express; each problem names its key."""
    problems = []
    for key in ("approval_gate_cap", "approval_timeout_s"):
        r = data[key]
        if not 0 < r["min"]:
            problems.append(f"{key}.min must be > 0 (is {r['min']})")
        if not r["min"] <= r["default"] <= r["max"]:
            problems.append(
                f"{key}: expected min <= default <= max, got {r['min']} <= {r['default']} <= {r['max']}"
            )
    timeout = data["approval_timeout_s"]
    if not timeout["min"] <= timeout["warn_below"] <= timeout["max"]:
        problems.append(
            f"approval_timeout_s.warn_below ({timeout['warn_below']}) must lie in "
            f"[min, max] = [{timeout['min']}, {timeout['max']}]"
        )
    if data["default_severity"] not in data["severities"]:
        problems.append(
            f"default_severity {data['default_severity']!r} is not one of severities {data['severities']}"
        )
    return problems


def read_contract(path: Path) -> dict[str, Any]:
    """Parse and check a contract file, raising one ContractError listing every problem."""
    from toolkit import jsontext
    from toolkit.safeio import read_input

    try:
        text = read_input(path, 64 << 20).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(str(path), "cannot read the constants contract: "
                            f"{exc.strerror if isinstance(exc, OSError) else exc}") from None
    try:
        data = jsontext.loads(text)
    except jsontext.JsonValueError as exc:
        raise ContractError(str(path), exc.message, exc.line, exc.column, hint=exc.hint) from None
    except json.JSONDecodeError as exc:
        raise ContractError(str(path), f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ContractError(str(path), "the contract is nested too deeply to read") from None
    from toolkit.jsonschema_check import validate

    problems = [f"{p.pointer}: {p.message}" for p in validate(data, "constants.schema.json")]
    if not problems:
        problems = invariant_problems(data)
    if problems:
        raise ContractError(
            str(path),
            "the constants contract is invalid:\n  - " + "\n  - ".join(problems),
            hint="fix the values so that 0 < min <= default <= max holds for every range",
        )
    return data


def load_constants(path: Path | None = None) -> Constants:
    path = path or constants_path()
    d = read_contract(path)
    return Constants(
        approval_gate_cap=Range(**d["approval_gate_cap"]),
        approval_timeout_s=Range(
            d["approval_timeout_s"]["min"], d["approval_timeout_s"]["max"], d["approval_timeout_s"]["default"]
        ),
        approval_timeout_warn_s=d["approval_timeout_s"]["warn_below"],
        policies_max_bytes=d["policies_max_bytes"],
        rule_id_max_length=d["rule_id_max_length"],
        deny_reason_max_length=d["deny_reason_max_length"],
        initial_approvals_max_entries=d["initial_approvals"]["max_entries"],
        initial_approvals_max_entry_length=d["initial_approvals"]["max_entry_length"],
        scope_max_length=d["scope_max_length"],
        recent_decision_cache_entries=d["recent_decision_cache"]["max_entries"],
        recent_decision_cache_ttl_s=d["recent_decision_cache"]["ttl_s"],
        approval_rate_limit=d["approval_rate_limit"]["max_approvals"],
        approval_rate_window_s=d["approval_rate_limit"]["window_s"],
        agent_reason_max_chars=d["agent_reason_max_chars"],
        lifetime_cleanup_margin_s=d["lifetime_cleanup_margin_s"],
        default_max_lifetime_s=d["default_max_lifetime_s"],
        severities=tuple(d["severities"]),
        default_severity=d["default_severity"],
        categories=tuple(d["categories"]),
        source=str(path),
    )
