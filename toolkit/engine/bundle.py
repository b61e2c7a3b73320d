"""A compiled gate policy set: the rule table and the pre-parsed Cedar handles, and how requests are matched.

Kept apart from compilation (toolkit.engine.policies; linting first is
toolkit.policyset, which needs the YAML loader and the linter) so a process
that only evaluates — the Claude Code hook — imports nothing it does not use.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from toolkit.cedar import pyengine
from toolkit.cedar.answers import EngineAnswer
from toolkit.digest import sha256_hex
from toolkit.engine.prefilter import Prefilter
from toolkit.record import record

Authorizer = Callable[[Any, Any, list[dict[str, Any]]], list[EngineAnswer]]
"""(policy set handle, entities handle, requests) -> one answer per request, in order."""


class CedarEvaluationError(RuntimeError):
    """A policy errored while evaluating a request: the gate cannot know whether it would have matched."""

    def __init__(self, rule_ids: Sequence[str]):
        super().__init__(f"policies errored during evaluation: {', '.join(rule_ids)}")
        self.rule_ids = tuple(rule_ids)


class CedarInputError(RuntimeError):
    """Cedar refused the request itself (no decision)."""


@record
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


@record
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
SHADOW_HEADER = "\n// cedar-gates: log-only rules (a policy set of their own, never enforced)\n"


def policy_hash(text: str, shadow_text: str | None = None) -> str:
    """sha256 of the effective policy text; log-only rules, compiled apart, are hashed after it."""
    return sha256_hex((text + SHADOW_HEADER + shadow_text if shadow_text else text).encode("utf-8"))


@record(frozen=False)
class ShadowSet:
    """The log-only rules, pre-parsed as a policy set of their own and evaluated after the enforced one.

    Apart, they never add an enforced-set evaluation (a request only they could
    match costs one small batch, not the whole policy set) and nothing they
    answer can reach a decision. `match` never raises: a failure (the prefilter's
    included, or an answer naming a policy that is no shadow rule) marks every
    rule errored, which is what enforcing them would have meant (the call fails closed).
    """

    text: str
    by_policy_id: Mapping[str, GateRule]
    policy_set: Any
    entities: Any
    authorizer: Authorizer = pyengine.authorize_batch
    prefilter: Prefilter | None = None

    def match(self, requests: list[dict[str, Any]]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """(matched, errored) log-only rule ids per request, in order."""
        out: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())] * len(requests)
        every = tuple(sorted(r.rule_id for r in self.by_policy_id.values()))
        wanted = list(range(len(requests)))
        try:
            if self.prefilter is not None:
                wanted = [i for i in wanted if self.prefilter.needed(requests[i])]
            if not wanted:
                return out
            answers = self.authorizer(self.policy_set, self.entities, [requests[i] for i in wanted])
        except Exception:  # noqa: BLE001 - reported as errored; never a decision
            answers = []
        if len(answers) != len(wanted):
            asked = set(wanted)
            return [((), every) if i in asked else o for i, o in enumerate(out)]
        rules = self.by_policy_id
        for i, answer in zip(wanted, answers):
            named = (*answer.reasons, *answer.errored) if answer.decision == "deny" else answer.errored
            if not answer.ok or any(pid not in rules for pid in named):
                out[i] = ((), every)
                continue
            matched = tuple(rules[pid].rule_id for pid in answer.reasons) if answer.decision == "deny" else ()
            out[i] = (matched, tuple(rules[pid].rule_id for pid in answer.errored))
        return out


@record(frozen=False)
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
    shadow: ShadowSet | None = None
    """The log-only rules, or None when there are none (`text` and `policy_set` hold only enforced rules)."""

    @property
    def keep(self) -> Callable[[str, Mapping[str, Any]], bool] | None:
        """Whether to build a request at all (`requests_for`'s `keep`): when any forbid, log-only ones included,
        could match it. None builds every request."""
        if self.prefilter is None or (self.shadow is not None and self.shadow.prefilter is None):
            return None
        return self.prefilter.could_match if self.shadow is None else self._either_could_match

    def _either_could_match(self, action: str, context: Mapping[str, Any]) -> bool:
        """The enforced prefilter's errors propagate (the call fails closed); the log-only one's mean "could match",
        so the request is built and `ShadowSet.match` reports what became of it."""
        shadow = self.shadow.prefilter if self.shadow is not None else None
        if self.prefilter is None or self.prefilter.could_match(action, context) or shadow is None:
            return True
        try:
            return shadow.could_match(action, context)
        except Exception:  # noqa: BLE001 - never a decision
            return True

    def match(self, requests: list[dict[str, Any]], always: int = 0) -> list[Matches]:
        """Forbid matches per request, in order; any error or missing answer raises (the caller fails closed).

        The first `always` requests reach Cedar even when the prefilter would skip them.
        The log-only rules are asked afterwards, only once the enforced answers are clean.
        """
        found = self._enforced(requests, always)
        if self.shadow is not None:
            for i, (ids, errored) in enumerate(self.shadow.match(requests)):
                if ids or errored:
                    found[i] = Matches(found[i].hard, found[i].soft, ids, errored)
        return found

    def _enforced(self, requests: list[dict[str, Any]], always: int) -> list[Matches]:
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
            errored.extend(self._rule_id(pid) for pid in answer.errored)
            hard: list[str] = []
            soft: list[str] = []
            if answer.decision == "deny":
                for pid in answer.reasons:
                    rule = self.by_policy_id.get(pid)
                    if rule is None:
                        raise CedarInputError(f"policy {pid} denied but belongs to no known rule")
                    (hard if rule.tier == "hard" else soft).append(rule.rule_id)
            out.append(Matches(tuple(hard), tuple(soft)))
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
