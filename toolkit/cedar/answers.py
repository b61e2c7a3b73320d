"""One engine-neutral shape for an authorization answer, so the engines can be compared."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from toolkit.record import record


@record
class EngineAnswer:
    """What one engine said about one request.

    `ok` is False when the engine refused the input itself (cedarpy `NoDecision`,
    cedar-wasm `{type: "failure"}`); then only `messages` is meaningful. Policy ids
    are sorted: both engines report them in an arbitrary order.
    """

    ok: bool
    decision: str | None = None
    reasons: tuple[str, ...] = ()
    errored: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def decided(cls, decision: str, reasons: list[str], errored: list[str], messages: list[str]) -> EngineAnswer:
        return cls(True, decision, tuple(sorted(reasons)), tuple(sorted(set(errored))), tuple(messages))

    @classmethod
    def input_error(cls, messages: list[str]) -> EngineAnswer:
        return cls(False, messages=tuple(messages))

    def to_json(self) -> dict[str, Any]:
        if not self.ok:
            return {"input_error": list(self.messages)}
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "errored": list(self.errored),
            "messages": list(self.messages),
        }
