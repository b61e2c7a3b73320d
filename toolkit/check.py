"""`cedar-gates check`: every configured gate in one run, with one summary.

For now the only gate is lint (built-in tiers plus the configured blueprints,
or the bundled example blueprint when nothing is configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.config import Config
from toolkit.lint.diagnostics import LintReport
from toolkit.lint.runner import Linter
from toolkit.resources import example_blueprint_path


@dataclass
class GateResult:
    name: str
    exit_code: int
    detail: str
    report: LintReport


def lint_targets(config: Config, linter: Linter) -> list[Path]:
    builtin_files = [bp.source.path for bp in linter.builtins.files.values()]
    blueprints = list(config.blueprints) or [example_blueprint_path()]
    return builtin_files + blueprints


def run_check(config: Config, strict: bool = False) -> list[GateResult]:
    linter = Linter.from_config(config)
    report = linter.lint_paths(lint_targets(config, linter))
    errors, warnings = report.count("error"), report.count("warning")
    detail = f"{len(report.files)} files, {errors} error(s), {warnings} warning(s), {report.count('info')} note(s)"
    return [GateResult("lint", report.exit_code(strict), detail, report)]
