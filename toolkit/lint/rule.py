"""What a lint rule is: data (code, level, message, hint, docs) plus one check function, and what it finds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

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


class PolicyTestChecks(Protocol):
    """What the policy-test rules (CG090, CG091) need and the linter cannot do itself.

    Running a blueprint's tests means compiling it and deciding calls through the
    engine's gate, both above the linter; `toolkit.policytests.linting` provides
    this and builds the linter that `lint` and `check` use. Without it those two
    rules find nothing (as when a gate is loaded: its tests do not decide that).
    """

    def invalid(self, ctx: LintContext) -> Iterator[Hit]: ...

    def failing(self, ctx: LintContext) -> Iterator[Hit]: ...
