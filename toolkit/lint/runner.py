"""Run the catalogue over files and turn hits into findings.

Level overrides from the configuration and per-policy `@lint_allow` are
applied here, once, so no rule needs to know about either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.blueprint.loader import load_blueprint
from toolkit.blueprint.model import Blueprint
from toolkit.config import Config
from toolkit.contract import Constants, load_constants
from toolkit.lint.catalogue import all_rules
from toolkit.lint.context import LintContext
from toolkit.lint.diagnostics import FileReport, Finding, LintReport
from toolkit.lint.rule import PolicyTestChecks, Rule
from toolkit.lint.rules.annotations import parse_lint_allow
from toolkit.policies import BuiltinSet, load_builtins

LINTABLE_SUFFIXES = (".yaml", ".yml", ".cedar")


@dataclass
class Linter:
    constants: Constants
    builtins: BuiltinSet
    categories: frozenset[str]
    levels: dict[str, str]
    max_file_bytes: int
    policy_tests: PolicyTestChecks | None = None
    """Runs blueprints' own tests (CG090, CG091); see `toolkit.policytests.linting.linter`."""

    def __post_init__(self) -> None:
        self.rules = all_rules()
        self.known_codes = frozenset(r.code for r in self.rules)
        self.error_codes = frozenset(r.code for r in self.rules if self._level(r) == "error")

    @classmethod
    def from_config(cls, config: Config, policy_tests: PolicyTestChecks | None = None) -> Linter:
        _check_levels(config)
        constants = load_constants(config.constants)
        return cls(
            constants=constants,
            builtins=load_builtins(config.builtins, config.max_file_bytes),
            categories=frozenset(constants.categories) | frozenset(config.extra_categories),
            levels=dict(config.levels),
            max_file_bytes=config.max_file_bytes,
            policy_tests=policy_tests,
        )

    def _level(self, rule: Rule) -> str:
        return rule.level if rule.fatal else self.levels.get(rule.code, rule.level)

    def lint_file(self, path: Path) -> FileReport:
        return self.lint_blueprint(load_blueprint(path, self.max_file_bytes))

    def lint_blueprint(self, blueprint: Blueprint) -> FileReport:
        ctx = LintContext(
            blueprint=blueprint,
            builtins=self.builtins,
            constants=self.constants,
            categories=self.categories,
            known_codes=self.known_codes,
            error_codes=self.error_codes,
            policy_tests=self.policy_tests,
        )
        findings: list[Finding] = []
        for rule in self.rules:
            level = self._level(rule)
            if level == "off" or (blueprint.fatal and not rule.fatal):
                continue
            for hit in rule.check(ctx):
                if hit.policy is not None and level != "error":
                    if rule.code in parse_lint_allow(hit.policy.annotations.get("lint_allow")):
                        continue
                loc = hit.location
                findings.append(
                    Finding(
                        code=rule.code,
                        name=rule.name,
                        level=level,
                        message=hit.message,
                        path=blueprint.source.display,
                        line=loc.line,
                        column=loc.column,
                        end_line=loc.end_line or loc.line,
                        end_column=loc.end_column or loc.column,
                        hint=hit.hint or rule.hint,
                        rule_id=hit.rule_id,
                    )
                )
        findings.sort(key=Finding.sort_key)
        lines = blueprint.source.text.split("\n") if blueprint.source.text else []
        return FileReport(blueprint.source.display, findings, blueprint.fatal, lines)

    def lint_paths(self, paths: Iterable[Path]) -> LintReport:
        return LintReport([self.lint_file(path) for path in expand_paths(paths)])


def _check_levels(config: Config) -> None:
    """A level for a code that does not exist would silently do nothing: refuse it, with the closest code."""
    import difflib

    from toolkit.errors import ConfigError

    codes = [rule.code for rule in all_rules()]
    for code in config.levels:
        if code not in codes:
            close = difflib.get_close_matches(code, codes, n=1, cutoff=0.6)
            raise ConfigError(str(config.source or "configuration"), f"lint.levels: unknown rule code {code!r}",
                              hint=f"did you mean {close[0]}?" if close else "run `cedar-gates rule` for every code")


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories searched recursively for blueprints and .cedar files.

    In a directory, policy test files (`*.tests.yaml`, run by `cedar-gates test`) and the trees discovery
    skips (dot-directories, node_modules, virtual environments) are left out; a file named directly is linted.
    """
    from toolkit.discovery import is_test_file, walk

    out: list[Path] = []
    for path in paths:
        try:
            folder = path.is_dir()
        except OSError:  # a name over 255 bytes, say: reading it reports the problem as a finding
            folder = False
        if folder:
            out.extend(p for p in walk(path) if p.suffix in LINTABLE_SUFFIXES and not is_test_file(p))
        else:
            out.append(path)
    return out
