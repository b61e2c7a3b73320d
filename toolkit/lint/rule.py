"""What a lint rule is: data (code, level, message, hint, docs) plus one check function, and what it finds."""

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
