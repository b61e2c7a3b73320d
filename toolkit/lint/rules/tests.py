"""Policy tests inside a blueprint: a failing test is a finding at the test's line.

So the pre-commit hook and `check` catch a rule change that breaks what its
author said the rule must (not) catch. The tests run in cedarpy here;
`cedar-gates test` also runs them in cedar-wasm and reports coverage.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.blueprint.model import Location
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule


def _suite(ctx: LintContext):
    from toolkit.policytests.load import suite_of

    return suite_of(ctx.blueprint)


def check_invalid_tests(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.blueprint.tests:
        return
    for problem in _suite(ctx).problems:
        yield Hit(problem.message, Location(problem.line, problem.column), hint=problem.hint)


def check_failing_tests(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.blueprint.tests or ctx.is_builtin_file:
        return
    suite = _suite(ctx)
    if suite.problems or not suite.tests:
        return
    from toolkit.engine.policies import compile_bundle
    from toolkit.policytests.run import run_tests

    try:
        bundle = compile_bundle(ctx.builtins, ctx.blueprint, ctx.constants)
    except Exception:  # noqa: BLE001 - policies that do not compile are other rules' findings
        return
    for result in run_tests(suite.tests, bundle, ctx.constants):
        if result.failures:
            test = result.test
            yield Hit(f"policy test {test.name!r} fails: {'; '.join(result.failures)}",
                      Location(test.line, test.column))


RULES = [
    Rule("CG090", "policy-test-failed", "error", "A policy test in the blueprint does not get the outcome it expects.",
         "fix the rule or the test; `cedar-gates test FILE` shows the stage and the matched rules",
         "Tests in `security.tests` run through the runtime gate (built-in tiers plus this blueprint, a fresh task "
         "per test). A test fails when the outcome differs from `expect`, when the matched rule ids differ from "
         "`rules` (when given), or when the gate fails closed.", check_failing_tests),
    Rule("CG091", "invalid-policy-test", "error", "A policy test entry is malformed.",
         "each test needs name, tool and expect (allow, deny or require_approval); see docs/policy-tests.md",
         "Entries follow schemas/policy-tests.schema.json: `name` (unique), `tool`, optional `input` and `task` "
         "(the keys of --task-settings), `expect`, optional `rules` (the exact set of matched rule ids).",
         check_invalid_tests),
]
