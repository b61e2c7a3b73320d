"""What the engine says: decision records, human responses and their resolutions.

Records are plain data with sorted rule ids and `to_json()`, so a log line, a
simulator baseline and a diff all see the same stable shape.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any, Callable, Union

from toolkit.record import record

ALLOW = "allow"
DENY = "deny"
REQUIRE_APPROVAL = "require_approval"
OUTCOMES = (ALLOW, DENY, REQUIRE_APPROVAL)
WOULD_DENY = "deny"
WOULD_ASK = "ask"
"""What a shadow rule would have made of a call (the hook's words: `ask` is `require_approval`)."""


class InputDigest:
    """The SHA-256 of a tool input's canonical JSON, computed on first use.

    A large Write costs several times its Cedar work to serialise and hash, and
    most decisions (hard denies, allows without a record) never need it.
    """

    __slots__ = ("_compute", "_hex")

    def __init__(self, compute: Callable[[], str]) -> None:
        self._compute = compute
        self._hex: str | None = None

    @property
    def hex(self) -> str:
        if self._hex is None:
            self._hex = self._compute()
        return self._hex


@record
class ShadowMatch:
    """A `@enforcement("log_only")` rule that matched: reported, never enforced.

    `errored` marks a shadow rule whose evaluation failed; enforced, it would
    have made the gate fail closed, so it would have denied.
    """

    rule_id: str
    tier: str
    would_have: str
    errored: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "tier": self.tier, "would_have": self.would_have, "errored": self.errored}

    @classmethod
    def from_json(cls, data: Any) -> "ShadowMatch":
        return cls(str(data["rule"]), str(data["tier"]), str(data["would_have"]), bool(data.get("errored")))


@record
class Decision:
    """One evaluated tool call.

    `stage` names the pipeline step that decided (precheck, hard, allowlist,
    input_cache, rule_grant, rule_cache, gate_cap, rate_limit, lifetime,
    approval, no_match). `soft_rule_ids` are the soft matches left after
    disabled rules were dropped; those dropped are in `disabled_rule_ids`.
    `shadow` lists the log-only rules that matched and `shadow_flip` the
    outcome the call would have had had they been enforced (`deny` or `ask`;
    None when they would not have changed it). Neither ever decides.
    """

    request_id: str
    tool_name: str
    at: float
    outcome: str
    reason: str
    stage: str
    hard_rule_ids: tuple[str, ...] = ()
    soft_rule_ids: tuple[str, ...] = ()
    disabled_rule_ids: tuple[str, ...] = ()
    errored_rule_ids: tuple[str, ...] = ()
    severity: str | None = None
    timeout_s: int | None = None
    fail_closed: bool = False
    cache_hit: str | None = None
    granted_by: str | None = None
    policy_hash: str | None = None
    input_digest: InputDigest | None = field(default=None, repr=False, compare=False)
    eval_us: int = 0
    shadow: tuple[ShadowMatch, ...] = ()
    shadow_flip: str | None = None

    @property
    def input_sha256(self) -> str | None:
        return self.input_digest.hex if self.input_digest is not None else None

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.hard_rule_ids + self.soft_rule_ids))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Decision":
        """A decision as `to_json` wrote it (an ask deferred in one process and resumed in another)."""
        sha = data.get("input_sha256")
        ids = {k: tuple(data.get(k) or ()) for k in ("hard_rule_ids", "soft_rule_ids", "disabled_rule_ids",
                                                     "errored_rule_ids")}
        return cls(str(data["request_id"]), str(data["tool_name"]), float(data["at"]), str(data["outcome"]),
                   str(data["reason"]), str(data["stage"]), severity=data.get("severity"),
                   timeout_s=data.get("timeout_s"), fail_closed=bool(data.get("fail_closed")),
                   cache_hit=data.get("cache_hit"), granted_by=data.get("granted_by"),
                   policy_hash=data.get("policy_hash"),
                   input_digest=InputDigest(lambda: sha) if isinstance(sha, str) else None,
                   eval_us=int(data.get("eval_us") or 0),
                   shadow=tuple(ShadowMatch.from_json(m) for m in data.get("shadow") or ()),
                   shadow_flip=data.get("shadow_flip"), **ids)

    def to_json(self) -> dict[str, Any]:
        """Written out field by field: `dataclasses.asdict` deep-copies and was half of `simulate --out`."""
        return {
            "request_id": self.request_id, "tool_name": self.tool_name, "at": self.at, "outcome": self.outcome,
            "reason": self.reason, "stage": self.stage, "hard_rule_ids": list(self.hard_rule_ids),
            "soft_rule_ids": list(self.soft_rule_ids), "disabled_rule_ids": list(self.disabled_rule_ids),
            "errored_rule_ids": list(self.errored_rule_ids), "severity": self.severity, "timeout_s": self.timeout_s,
            "fail_closed": self.fail_closed, "cache_hit": self.cache_hit, "granted_by": self.granted_by,
            "policy_hash": self.policy_hash, "input_sha256": self.input_sha256, "eval_us": self.eval_us,
            "shadow": [m.to_json() for m in self.shadow], "shadow_flip": self.shadow_flip,
        }


@record
class Approve:
    scope: str = "this_call"


@record
class Deny:
    reason: str = ""


@record
class Timeout:
    pass


Response = Union[Approve, Deny, Timeout]


@record
class Resolution:
    """The final word on a gate. `late` marks an answer that came after the gate's timeout."""

    request_id: str
    response: str
    outcome: str
    reason: str
    decided_at: float
    scope: str | None = None
    envelope: str | None = None
    late: bool = False
    fail_closed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "response": self.response, "outcome": self.outcome,
                "reason": self.reason, "decided_at": self.decided_at, "scope": self.scope,
                "envelope": self.envelope, "late": self.late, "fail_closed": self.fail_closed}
