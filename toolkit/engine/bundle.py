"""A compiled gate policy set: the rule table and the pre-parsed Cedar handles, and how requests are matched.

Kept apart from compilation (toolkit.engine.policies; linting first is
toolkit.policyset, which needs the YAML loader and the linter) so a process
that only evaluates — the Claude Code hook — imports nothing it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from toolkit.cedar import pyengine
from toolkit.cedar.answers import EngineAnswer
from toolkit.engine.prefilter import Prefilter

Authorizer = Callable[[Any, Any, list[dict[str, Any]]], list[EngineAnswer]]
"""(policy set handle, entities handle, requests) -> one answer per request, in order."""


class CedarEvaluationError(RuntimeError):
    """A policy errored while evaluating a request: the gate cannot know whether it would have matched."""

    def __init__(self, rule_ids: Sequence[str]):
        super().__init__(f"policies errored during evaluation: {', '.join(rule_ids)}")
        self.rule_ids = tuple(rule_ids)


class CedarInputError(RuntimeError):
    """Cedar refused the request itself (no decision)."""


@dataclass(frozen=True)
class GateRule:
    rule_id: str
    tier: str
    origin: str
    disabled: bool
    timeout_s: int | None
    severity: str
    category: str | None
    shadow: bool = False
    """`@enforcement("log_only")`: matched and reported, never part of a decision."""


@dataclass(frozen=True)
class Matches:
    hard: tuple[str, ...]
    soft: tuple[str, ...]
    shadow: tuple[str, ...] = ()
    """Log-only rules that matched (either tier)."""
    shadow_errored: tuple[str, ...] = ()
    """Log-only rules whose evaluation errored: enforced, they would have failed the call closed."""

    @staticmethod
    def merge(parts: Iterable[Matches]) -> Matches:
        """All matches of one tool call, each id once, sorted."""
        hard: set[str] = set()
        soft: set[str] = set()
        shadow: set[str] = set()
        errored: set[str] = set()
        for part in parts:
            hard.update(part.hard)
            soft.update(part.soft)
            if part.shadow:
                shadow.update(part.shadow)
            if part.shadow_errored:
                errored.update(part.shadow_errored)
        return Matches(tuple(sorted(hard)), tuple(sorted(soft)), tuple(sorted(shadow)), tuple(sorted(errored)))


NO_MATCH = Matches((), ())


@dataclass
class PolicyBundle:
    """Immutable after build; one bundle can serve many tasks' gates."""

    text: str
    policy_hash: str
    rules: Mapping[str, GateRule]
    by_policy_id: Mapping[str, GateRule]
    gate_cap: int | None
    max_scope: str | None
    policy_set: Any
    entities: Any
    authorizer: Authorizer = pyengine.authorize_batch
    prefilter: Prefilter | None = None
    """Skips requests no forbid could match (see toolkit.engine.prefilter); None sends everything."""

    def match(self, requests: list[dict[str, Any]], always: int = 0) -> list[Matches]:
        """Forbid matches per request, in order; any error or missing answer raises (the caller fails closed).

        The first `always` requests reach Cedar even when the prefilter would skip them.
        """
        if self.prefilter is not None:
            wanted = [i for i, r in enumerate(requests) if i < always or self.prefilter.needed(r)]
            if len(wanted) < len(requests):
                found = self._match([requests[i] for i in wanted])
                out = [NO_MATCH] * len(requests)
                for i, m in zip(wanted, found):
                    out[i] = m
                return out
        return self._match(requests)

    def _match(self, requests: list[dict[str, Any]]) -> list[Matches]:
        if not requests:
            return []
        answers = self.authorizer(self.policy_set, self.entities, requests)
        if len(answers) != len(requests):
            raise CedarInputError(f"expected {len(requests)} answers from Cedar, got {len(answers)}")
        out = []
        errored: list[str] = []
        for answer in answers:
            if not answer.ok:
                raise CedarInputError("; ".join(answer.messages) or "Cedar returned no decision")
            shadow_errored: list[str] = []
            for pid in answer.errored:
                rule = self.by_policy_id.get(pid)
                # A log-only rule's error cannot hide an enforced match: Cedar skips the erroring policy only.
                (shadow_errored if rule is not None and rule.shadow else errored).append(self._rule_id(pid))
            hard: list[str] = []
            soft: list[str] = []
            shadow: list[str] = []
            if answer.decision == "deny":
                for pid in answer.reasons:
                    rule = self.by_policy_id.get(pid)
                    if rule is None:
                        raise CedarInputError(f"policy {pid} denied but belongs to no known rule")
                    (shadow if rule.shadow else hard if rule.tier == "hard" else soft).append(rule.rule_id)
            out.append(Matches(tuple(hard), tuple(soft), tuple(shadow), tuple(shadow_errored)))
        if errored:
            raise CedarEvaluationError(sorted(set(errored)))
        return out

    def _rule_id(self, policy_id: str) -> str:
        rule = self.by_policy_id.get(policy_id)
        return rule.rule_id if rule else policy_id

    def soft_ids(self) -> set[str]:
        return {r.rule_id for r in self.rules.values() if r.tier == "soft"}

    def with_authorizer(self, authorizer: Authorizer) -> PolicyBundle:
        return replace(self, authorizer=authorizer)
