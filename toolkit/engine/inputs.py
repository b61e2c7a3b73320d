"""What a tool input must be before the gate reads it, and its digest.

Kept apart from the gate so the approval store can hash an input the way a
decision record does without building a gate.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from toolkit.digest import sha256_hex
from toolkit.engine.failures import InputNotSerialisable
from toolkit.engine.records import InputDigest


def canonical_json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputNotSerialisable(str(exc)) from None


_MAX_INPUT_DEPTH = 500
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


def check_json_value(value: Any, depth: int = 0) -> None:
    """Refuse what canonical JSON cannot hold, without serialising it (the hash is computed lazily).

    It accepts no more than `canonical_json` does, so a hash computed later for a record cannot fail.
    """
    if depth > _MAX_INPUT_DEPTH:
        raise InputNotSerialisable("the tool input is nested too deeply (or refers to itself)")
    if value is None or isinstance(value, (str, bool)):
        return
    if isinstance(value, int):
        if not _I64_MIN <= value <= _I64_MAX:  # Cedar's Long; a longer int may not even print as JSON text
            raise InputNotSerialisable("an integer in the tool input is outside the 64-bit range Cedar carries")
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputNotSerialisable(f"out of range float value {value!r}")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputNotSerialisable(f"keys must be strings, not {type(key).__name__}")
            check_json_value(item, depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            check_json_value(item, depth + 1)
        return
    raise InputNotSerialisable(f"Object of type {type(value).__name__} is not JSON serializable")


def input_digest(tool_input: Mapping[str, Any]) -> InputDigest:
    return InputDigest(lambda: sha256_hex(canonical_json(tool_input).encode("ascii")))
