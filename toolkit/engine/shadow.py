"""What the log-only rules that matched a call would have done, had they been enforced.

Shadow rules are matched by their own small policy set (`ShadowSet`, asked
after the enforced set). This module only describes: the gate computes its
decision from the enforced matches and attaches this report to it, so no path
here can deny or ask.
"""

from __future__ import annotations

from typing import Container, Mapping

from toolkit.engine.bundle import GateRule, Matches
from toolkit.engine.records import ALLOW, DENY, REQUIRE_APPROVAL, WOULD_ASK, WOULD_DENY, ShadowMatch

NO_SHADOW: tuple[tuple[ShadowMatch, ...], str | None] = ((), None)
UNKNOWN_TIER = "unknown"
"""The tier reported for an id no rule of the bundle has: never dropped, it is reported errored (a would-be deny)."""


def disabled_matches(matches: Matches, rules: Mapping[str, GateRule]) -> tuple[str, ...]:
    """Matched rules the blueprint's `disable:` drops, log-only ones included (disable wins), sorted."""
    disabled = tuple(r for r in matches.soft if rules[r].disabled)
    if matches.shadow:
        disabled = tuple(sorted({*disabled, *(r for r in matches.shadow if r in rules and rules[r].disabled)}))
    return disabled


def shadow_report(matches: Matches, rules: Mapping[str, GateRule], outcome: str, stage: str,
                  rule_grants: Container[str]) -> tuple[tuple[ShadowMatch, ...], str | None]:
    """(the shadow matches, the outcome they would have forced or None).

    A disabled shadow rule is left out (`disable:` wins over `log_only`; the
    decision lists it with the other disabled matches). An errored shadow rule
    would have failed the call closed, so it would deny; so would an id that
    names no rule, which is reported the same way rather than raising here
    (this runs while the decision is built, where an exception fails closed).
    The flip follows the pipeline's order: a hard rule denies whatever the
    scopes say; a soft rule asks unless the call was already denied or asked,
    or allowed by an allowlist scope (which comes before the soft tier), or
    every soft shadow rule is pre-approved by a `rule:` grant.
    """
    if not matches.shadow and not matches.shadow_errored:
        return NO_SHADOW
    found: dict[str, ShadowMatch] = {}
    for rule_id in matches.shadow:
        rule = rules.get(rule_id)
        if rule is not None and not rule.disabled:
            found[rule_id] = ShadowMatch(rule_id, rule.tier, WOULD_DENY if rule.tier == "hard" else WOULD_ASK)
    for rule_id in (*matches.shadow_errored, *(r for r in matches.shadow if r not in rules)):
        rule = rules.get(rule_id)
        if rule is None:
            found[rule_id] = ShadowMatch(rule_id, UNKNOWN_TIER, WOULD_DENY, errored=True)
        elif not rule.disabled:
            found[rule_id] = ShadowMatch(rule_id, rule.tier, WOULD_DENY, errored=True)
    shadow = tuple(found[r] for r in sorted(found))
    if not shadow or outcome == DENY:
        return shadow, None
    if any(m.would_have == WOULD_DENY for m in shadow):
        return shadow, WOULD_DENY
    if outcome == REQUIRE_APPROVAL or (outcome == ALLOW and stage == "allowlist"):
        return shadow, None
    if all(m.rule_id in rule_grants for m in shadow):
        return shadow, None
    return shadow, WOULD_ASK
