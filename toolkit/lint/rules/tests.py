"""Policy tests inside a blueprint: a failing test is a finding at the test's line.

So the pre-commit hook and `check` catch a rule change that breaks what its
author said the rule must (not) catch. The tests run in cedarpy here;
`cedar-gates test` also runs them in cedar-wasm and reports coverage.

Reading and running the tests needs the engine's gate, which sits above the
linter: the linter's context carries the checks (`LintContext.policy_tests`,
a `toolkit.lint.rule.PolicyTestChecks` provided by
`toolkit.policytests.linting`), and without them these rules find
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule


def check_invalid_tests(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.blueprint.tests or ctx.policy_tests is None:
        return
    yield from ctx.policy_tests.invalid(ctx)


def check_failing_tests(ctx: LintContext) -> Iterator[Hit]:
    if not ctx.blueprint.tests or ctx.is_builtin_file or ctx.policy_tests is None:
        return
    yield from ctx.policy_tests.failing(ctx)


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
