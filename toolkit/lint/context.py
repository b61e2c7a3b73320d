"""What every lint check can see about the file under test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from toolkit.blueprint.model import Blueprint, CedarBlock, Location
from toolkit.cedar.document import Policy
from toolkit.contract import Constants
from toolkit.policies import BuiltinSet


@dataclass
class LintContext:
    blueprint: Blueprint
    builtins: BuiltinSet
    constants: Constants
    categories: frozenset[str]
    known_codes: frozenset[str]
    error_codes: frozenset[str]
    policy_tests: Any = None
    """A `toolkit.lint.rule.PolicyTestChecks`, or None: the policy-test rules then find nothing."""

    @property
    def is_builtin_file(self) -> bool:
        return self.builtins.owns(self.blueprint.source.path)

    def policies(self) -> Iterator[tuple[CedarBlock, Policy]]:
        for block in self.blueprint.blocks:
            for policy in block.document.policies:
                yield block, policy

    def tiered_policies(self) -> Iterator[tuple[CedarBlock, Policy]]:
        """Policies that must carry their own @tier/@rule_id (not the base permit, not legacy entries)."""
        for block, policy in self.policies():
            if block.section != "legacy" and not policy.is_base_permit:
                yield block, policy

    @staticmethod
    def head(block: CedarBlock, policy: Policy) -> Location:
        return block.origin.location(policy.scanned.head.start, policy.scanned.head.end)

    @staticmethod
    def annotation(block: CedarBlock, policy: Policy, name: str) -> Location:
        found = policy.scanned.annotation(name)
        if found is None:
            return LintContext.head(block, policy)
        return block.origin.location(found.span.start, found.span.end)

    @staticmethod
    def effective_tier(block: CedarBlock, policy: Policy) -> str | None:
        if block.section == "legacy":
            return "soft"
        tier = policy.tier
        return tier if tier in ("hard", "soft") else block.tier
