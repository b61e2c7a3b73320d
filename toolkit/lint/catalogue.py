"""The rule catalogue: every rule family, gathered in code order.

Codes are stable: a code is never reused for a different check. Families live
in `toolkit.lint.rules.*`; the rule model is `toolkit.lint.rule`.
"""

from __future__ import annotations

from toolkit.lint.rule import Rule
from toolkit.lint.rules import annotations, inputs, limits, patterns, settings, shape, tests


def all_rules() -> tuple[Rule, ...]:
    rules = [*inputs.RULES, *shape.RULES, *limits.RULES, *annotations.RULES, *settings.RULES, *patterns.RULES,
             *tests.RULES]
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):  # pragma: no cover - guards the catalogue itself
        raise RuntimeError("duplicate lint rule code in the catalogue")
    return tuple(sorted(rules, key=lambda r: r.code))


def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}
