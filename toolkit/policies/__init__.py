"""The built-in tiers (hard_deny.cedar, soft_deny.cedar) and the request vocabulary schema.

A platform can point the toolkit at its own directory with the same file names
(config `builtins`), so authors lint against the files that really run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.blueprint.loader import load_blueprint
from toolkit.blueprint.model import Blueprint
from toolkit.cedar import pyengine
from toolkit.errors import ConfigError
from toolkit.resources import builtin_policies_dir

TIER_FILES = {"hard": "hard_deny.cedar", "soft": "soft_deny.cedar"}
SCHEMA_FILE = "agent.cedarschema"


@dataclass
class BuiltinRule:
    rule_id: str
    tier: str
    annotations: dict[str, str | None]
    path: Path
    line: int


@dataclass
class BuiltinSet:
    directory: Path
    schema_text: str
    schema_path: Path
    files: dict[str, Blueprint] = field(default_factory=dict)
    rules: dict[str, BuiltinRule] = field(default_factory=dict)

    def owns(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(bp.source.path.resolve() == resolved for bp in self.files.values())

    def hard_ids(self) -> set[str]:
        return {r.rule_id for r in self.rules.values() if r.tier == "hard"}

    def soft_ids(self) -> set[str]:
        return {r.rule_id for r in self.rules.values() if r.tier == "soft"}

    def text(self, tier: str) -> str:
        return self.files[tier].source.text


def load_builtins(directory: Path | None, max_file_bytes: int) -> BuiltinSet:
    """Load and sanity-check a built-in directory; unusable files are a ConfigError (exit 2)."""
    directory = directory or builtin_policies_dir()
    schema_path = directory / SCHEMA_FILE
    if not schema_path.is_file():
        schema_path = builtin_policies_dir() / SCHEMA_FILE
    try:
        schema_text = schema_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(schema_path), f"cannot read the vocabulary schema: {exc}") from None
    problem = pyengine.check_schema(schema_text)
    if problem:
        raise ConfigError(str(schema_path), f"invalid Cedar schema: {problem}", hint="fix the schema file")
    builtins = BuiltinSet(directory, schema_text, schema_path)
    for tier, name in TIER_FILES.items():
        path = directory / name
        if not path.is_file():
            raise ConfigError(str(path), f"built-in {tier} tier file is missing", hint=f"add {name} to {directory}")
        blueprint = load_blueprint(path, max_file_bytes)
        for problem_ in blueprint.problems:
            raise ConfigError(str(path), problem_.message, problem_.location.line, problem_.location.column, problem_.hint)
        document = blueprint.blocks[0].document
        if not document.parsed:
            err = document.syntax_errors[0]
            loc = blueprint.blocks[0].origin.location(err.span.start)
            raise ConfigError(str(path), f"built-in {tier} tier does not parse: {err.message}", loc.line, loc.column)
        builtins.files[tier] = blueprint
        for policy in document.policies:
            if policy.rule_id and not policy.is_base_permit:
                line = blueprint.blocks[0].origin.location(policy.scanned.span.start).line
                builtins.rules[policy.rule_id] = BuiltinRule(policy.rule_id, tier, policy.annotations, path, line)
    return builtins
