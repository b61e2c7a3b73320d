"""The rule catalogue: each rule is data plus one small check function.

Codes are stable: a code is never reused for a different check.  Families live
in `toolkit.lint.rules.*`; this module only gathers them in code order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.blueprint.model import Location
    from toolkit.cedar.document import Policy
    from toolkit.lint.context import LintContext


@dataclass(frozen=True)
class Hit:
    message: str
    location: Location
    rule_id: str | None = None
    policy: Policy | None = None
    hint: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    level: str
    summary: str
    hint: str
    docs: str
    check: Callable[[LintContext], Iterable[Hit]]
    fatal: bool = False


def all_rules() -> tuple[Rule, ...]:
    from toolkit.lint.rules import annotations, inputs, patterns, settings, tests

    rules = [*inputs.RULES, *annotations.RULES, *settings.RULES, *patterns.RULES, *tests.RULES]
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):  # pragma: no cover - guards the catalogue itself
        raise RuntimeError("duplicate lint rule code in the catalogue")
    return tuple(sorted(rules, key=lambda r: r.code))


def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}
