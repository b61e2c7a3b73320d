"""Lint, then compile: the one place that turns policy files into a gate's bundle.

It sits above both the linter (`toolkit.lint`) and the engine's compiler
(`toolkit.engine.policies.compile_bundle`), which know nothing of each other:
the linter never builds a gate and the compiler never lints. Every caller that
starts from files (the CLI, `check`, the hook's bundle cache, `eval`, policy
tests, `simulate`) comes through here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from toolkit.blueprint.model import Blueprint
from toolkit.config import Config
from toolkit.contract import Constants
from toolkit.engine.bundle import PolicyBundle
from toolkit.engine.policies import PolicyLoadError, compile_bundle
from toolkit.lint.runner import Linter

POLICY_TEST_CODES = ("CG090", "CG091")
"""A blueprint's own tests do not decide whether a gate can be built from it (`cedar-gates test` reports them)."""


class LintRefusal(PolicyLoadError):
    """The files parse but lint with errors: an ordinary failure of the author's (exit 1 where it is reported),
    unlike a file that cannot be read or is no blueprint at all (a plain PolicyLoadError, unusable input)."""


def load_policies(blueprint: Path | Blueprint | None = None, config: Config | None = None,
                  builtins: Path | None = None) -> tuple[PolicyBundle, Constants]:
    """Lint the built-in tiers and the blueprint (a path, or one already loaded, e.g. from stdin), refuse on any
    error, then compile.

    Warnings do not stop a gate from loading; errors do, with the findings in the
    exception, because a rule that lints with errors may error (and fail closed)
    on every call or not say what its author meant.
    """
    config = config or Config(root=Path.cwd())
    if builtins is not None:
        config = replace(config, builtins=builtins)
    config = replace(config, levels={**config.levels, **{code: "off" for code in POLICY_TEST_CODES}})
    linter = Linter.from_config(config)
    loaded = None
    reports = [linter.lint_blueprint(bp) for bp in linter.builtins.files.values()]
    if blueprint is not None:
        from toolkit.blueprint.loader import load_blueprint

        loaded = blueprint if isinstance(blueprint, Blueprint) else load_blueprint(blueprint, config.max_file_bytes)
        reports.append(linter.lint_blueprint(loaded))
    for report in reports:
        errors = [f for f in report.findings if f.level == "error"]
        if report.fatal:
            first = errors[0]
            raise PolicyLoadError(report.path, f"cannot load: {first.message}", errors, hint=first.hint)
        if errors:
            listing = "\n".join(f"  {f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in errors[:20])
            more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
            raise LintRefusal(
                report.path,
                f"refusing to build a gate: {len(errors)} lint error(s)\n{listing}{more}",
                errors,
                hint=f"run `cedar-gates lint {report.path}` and fix the errors",
            )
    constants = linter.constants
    return compile_bundle(linter.builtins, loaded, constants), constants


__all__ = ["POLICY_TEST_CODES", "LintRefusal", "PolicyLoadError", "load_policies"]
