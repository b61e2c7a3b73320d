"""Rules about whether the input can be read at all: file, YAML, Cedar syntax, vocabulary."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.cedar import pyengine
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule


def _load_problems(code: str):
    def check(ctx: LintContext) -> Iterator[Hit]:
        for problem in ctx.blueprint.problems:
            if problem.code == code:
                yield Hit(problem.message, problem.location, hint=problem.hint)

    return check


def check_cedar_syntax(ctx: LintContext) -> Iterator[Hit]:
    for block in ctx.blueprint.blocks:
        if block.document.too_complex is not None:
            continue  # CG006 reports it; no engine parsed the text
        for error in block.document.syntax_errors:
            yield Hit(f"Cedar syntax error: {error.message}", block.origin.location(error.span.start, error.span.end))


def check_vocabulary(ctx: LintContext) -> Iterator[Hit]:
    for block in ctx.blueprint.blocks:
        if not block.document.parsed or not block.document.policies:
            continue
        by_policy: dict[str, list[str]] = {}
        for policy_id, message in pyengine.validate(block.text, ctx.builtins.schema_text):
            text = message.split("`, ", 1)[1] if message.startswith("for policy `") and "`, " in message else message
            by_policy.setdefault(policy_id, [])
            if text not in by_policy[policy_id]:
                by_policy[policy_id].append(text)
        for policy_id, messages in by_policy.items():
            index = int(policy_id.removeprefix("policy"))
            policy = block.document.policies[index]
            yield Hit(
                "fails validation against the Agent vocabulary, so it would error at evaluation (the runtime "
                "fails closed on every call it errors on): " + "; ".join(sorted(messages)),
                LintContext.head(block, policy),
                policy.rule_id,
                policy,
            )


def check_templates(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if policy.is_template or policy.scanned.slots:
            span = policy.scanned.slots[0] if policy.scanned.slots else policy.scanned.head
            yield Hit(
                "policy templates (`?principal`, `?resource`) are not allowed in a gate tier: cedarpy ignores an "
                "unlinked template while cedar-wasm rejects the whole policy set",
                block.origin.location(span.start, span.end),
                policy.rule_id,
                policy,
            )


RULES = [
    Rule(
        "CG001", "unreadable-input", "error",
        "The file cannot be read as a blueprint (missing, too large, binary, not UTF-8, YAML syntax, alias bomb).",
        "fix the file so it is readable UTF-8 YAML or Cedar",
        "Nothing else in the file is checked. `lint` exits with 2 when any input is unreadable, so CI "
        "cannot mistake an unreadable blueprint for a clean one.",
        _load_problems("CG001"), fatal=True,
    ),
    Rule(
        "CG002", "blueprint-structure", "error",
        "The blueprint does not have the shape of schemas/blueprint.schema.json (wrong types, unknown keys, duplicate keys).",
        "cedarPolicies is either {hard, soft, disable} or a list of Cedar strings",
        "Checked with JSON Schema against `schemas/blueprint.schema.json`. Duplicate mapping keys are reported "
        "too: plain YAML loaders keep only the last one, silently dropping policies.",
        _load_problems("CG002"),
    ),
    Rule(
        "CG003", "cedar-syntax", "error",
        "The Cedar text does not parse.",
        "fix the Cedar syntax at the marked token",
        "The engine's message is shown at the token it names. A tier that does not parse is not checked further.",
        check_cedar_syntax,
    ),
    Rule(
        "CG004", "vocabulary-validation", "error",
        "The policy fails strict validation against the Agent vocabulary (toolkit/policies/agent.cedarschema).",
        "scope the action (e.g. `action == Agent::Action::\"execute_bash\"`) or guard the read with `context has <attr>`",
        "A rule that reads `context.command` without an action scope or a `context has command` guard errors "
        "for every `invoke_tool` and `write_file` request. Cedar skips an erroring forbid, and the runtime "
        "fails closed on every call whose requests make a rule error; since every call sends an `invoke_tool` "
        "request, one such rule denies every tool call (docs/engine.md, deliberate difference 5).",
        check_vocabulary,
    ),
    Rule(
        "CG005", "template", "error",
        "A policy template (`?principal`/`?resource` slot) is used in a tier.",
        "write a static policy with concrete entities",
        "The two engines disagree on unlinked templates: cedarpy ignores them, cedar-wasm fails the whole set.",
        check_templates,
    ),
]
