"""The effective rule set: built-in tiers plus a blueprint, with disabled rules marked.

This is what `disable:` entries and `rule:` scopes refer to, so `policies list`
shows exactly these ids with their (defaulted) annotations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pathlib import Path

from toolkit.blueprint.loader import load_blueprint
from toolkit.blueprint.model import ENFORCE, LOG_ONLY, Blueprint, is_log_only
from toolkit.config import Config
from toolkit.contract import Constants, load_constants
from toolkit.errors import InputError
from toolkit.policies import BuiltinSet, load_builtins


@dataclass(frozen=True)
class EffectiveRule:
    rule_id: str
    tier: str
    origin: str
    line: int
    disabled: bool
    approval_timeout_s: int | None
    severity: str | None
    category: str | None
    annotations: dict[str, str | None]
    enforcement: str = ENFORCE
    """`log_only` for a shadow rule (reported, never enforced); anything but that exact value is `enforce`."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _soft_fields(annotations: dict[str, str | None], constants: Constants) -> tuple[int | None, str | None]:
    raw = annotations.get("approval_timeout_s")
    timeout = int(raw) if isinstance(raw, str) and raw.isdigit() else constants.approval_timeout_s.default
    severity = annotations.get("severity") or constants.default_severity
    return timeout, severity


def effective_rules(builtins: BuiltinSet, blueprint: Blueprint | None, constants: Constants) -> list[EffectiveRule]:
    disabled = {item.value for item in blueprint.disable} if blueprint else set()
    rules: list[EffectiveRule] = []

    def add(rule_id: str, tier: str, origin: str, line: int, annotations: dict[str, str | None]) -> None:
        timeout, severity = _soft_fields(annotations, constants) if tier == "soft" else (None, None)
        rules.append(
            EffectiveRule(rule_id, tier, origin, line, tier == "soft" and rule_id in disabled, timeout, severity,
                          annotations.get("category"), dict(annotations),
                          LOG_ONLY if is_log_only(annotations) else ENFORCE)
        )

    for rule in builtins.rules.values():
        add(rule.rule_id, rule.tier, f"built-in:{rule.path.name}", rule.line, rule.annotations)
    if blueprint is not None:
        for block in blueprint.blocks:
            for policy in block.document.policies:
                if policy.is_base_permit or policy.effect != "forbid":
                    continue
                line = block.origin.location(policy.scanned.span.start).line
                if block.section == "legacy":
                    add(f"legacy_extra_{block.legacy_index}", "soft", blueprint.source.display, line, {})
                elif policy.rule_id and policy.tier in ("hard", "soft"):
                    add(policy.rule_id, policy.tier, blueprint.source.display, line, policy.annotations)
    return sorted(rules, key=lambda r: (r.tier != "hard", r.rule_id))


@dataclass(frozen=True)
class LoadedRuleset:
    rules: list[EffectiveRule]
    incomplete: bool
    """True when the blueprint has lint errors, so some of its rules may be missing."""


def load_ruleset(config: Config, blueprint_path: Path | None) -> LoadedRuleset:
    """The effective rules for `config` (and a blueprint); an unreadable blueprint is an InputError."""
    constants = load_constants(config.constants)
    builtins = load_builtins(config.builtins, config.max_file_bytes)
    blueprint = None
    if blueprint_path is not None:
        blueprint = load_blueprint(blueprint_path, config.max_file_bytes)
        fatal = [p for p in blueprint.problems if p.code == "CG001"]
        if fatal:
            loc = fatal[0].location
            raise InputError(blueprint.source.display, fatal[0].message, loc.line, loc.column, fatal[0].hint)
    incomplete = blueprint is not None and (
        bool(blueprint.problems) or any(not block.document.parsed for block in blueprint.blocks)
    )
    return LoadedRuleset(effective_rules(builtins, blueprint, constants), incomplete)
