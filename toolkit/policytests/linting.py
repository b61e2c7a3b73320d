"""The policy-test lint rules' work (CG090, CG091), and the linter that includes it.

The rules themselves (codes, levels, documentation) are in the linter's
catalogue (`toolkit.lint.rules.tests`); reading a blueprint's tests and running
them through a compiled gate happens here, above both the linter and the
engine, and reaches the rules through `LintContext.policy_tests`. `lint` and
`check` build their linter with `linter(config)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.blueprint.model import Location
from toolkit.config import Config
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit
from toolkit.lint.runner import Linter


class BlueprintTests:
    """`toolkit.lint.rule.PolicyTestChecks`: the tests in a blueprint's `security.tests`, in cedarpy.

    The test reader, compiler and gate are imported on first use: linting a blueprint without tests
    does not pay for them."""

    def invalid(self, ctx: LintContext) -> Iterator[Hit]:
        from toolkit.policytests.load import suite_of

        for problem in suite_of(ctx.blueprint).problems:
            yield Hit(problem.message, Location(problem.line, problem.column), hint=problem.hint)

    def failing(self, ctx: LintContext) -> Iterator[Hit]:
        from toolkit.engine.policies import compile_bundle
        from toolkit.policytests.load import suite_of
        from toolkit.policytests.run import run_tests

        suite = suite_of(ctx.blueprint)
        if suite.problems or not suite.tests:
            return
        try:
            bundle = compile_bundle(ctx.builtins, ctx.blueprint, ctx.constants)
        except Exception:  # noqa: BLE001 - policies that do not compile are other rules' findings
            return
        for result in run_tests(suite.tests, bundle, ctx.constants):
            if result.failures:
                test = result.test
                yield Hit(f"policy test {test.name!r} fails: {'; '.join(result.failures)}",
                          Location(test.line, test.column))


def linter(config: Config) -> Linter:
    """The full linter: every rule in the catalogue, blueprints' own tests included."""
    return Linter.from_config(config, policy_tests=BlueprintTests())
