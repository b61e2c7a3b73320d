"""Rules about the annotations every gate policy carries (@tier, @rule_id, @approval_timeout_s, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from toolkit.blueprint.model import ENFORCEMENT, ENFORCEMENTS, LOG_ONLY
from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule

RULE_ID_FORMAT = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")
INTEGER = re.compile(r"^[0-9]+$")
KNOWN_ANNOTATIONS = ("tier", "rule_id", "approval_timeout_s", "severity", "category", "enforcement", "lint_allow",
                     "id")
TIERS = ("hard", "soft")


def _value(value: object) -> str:
    return "no value" if value is None else f'"{value}"'


def check_missing_tier(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if "tier" not in policy.annotations:
            expected = block.tier or "hard|soft"
            yield Hit(f"policy has no @tier annotation (expected @tier(\"{expected}\"))", ctx.head(block, policy),
                      policy.rule_id, policy, hint=f"add @tier(\"{expected}\") above the policy")


def check_tier_value(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if "tier" in policy.annotations and policy.annotations["tier"] not in TIERS:
            yield Hit(f"@tier is {_value(policy.annotations['tier'])}; it must be \"hard\" or \"soft\"",
                      ctx.annotation(block, policy, "tier"), policy.rule_id, policy)


def check_tier_section(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if block.tier and policy.tier in TIERS and policy.tier != block.tier:
            yield Hit(f"@tier(\"{policy.tier}\") policy sits in the `{block.tier}:` section",
                      ctx.annotation(block, policy, "tier"), policy.rule_id, policy,
                      hint=f"move it to the `{policy.tier}:` section or change the annotation to @tier(\"{block.tier}\")")


def check_missing_rule_id(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if "rule_id" not in policy.annotations:
            yield Hit("policy has no @rule_id annotation", ctx.head(block, policy), None, policy)


def check_rule_id_format(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if "rule_id" in policy.annotations:
            value = policy.annotations["rule_id"]
            if value is None or not RULE_ID_FORMAT.match(value):
                yield Hit(f"@rule_id {_value(value)} does not match ^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$",
                          ctx.annotation(block, policy, "rule_id"), value, policy)


def check_rule_id_length(ctx: LintContext) -> Iterator[Hit]:
    limit = ctx.constants.rule_id_max_length
    for block, policy in ctx.tiered_policies():
        rule_id = policy.rule_id
        if rule_id and len(rule_id) > limit:
            yield Hit(f"@rule_id is {len(rule_id)} characters; at most {limit} are allowed",
                      ctx.annotation(block, policy, "rule_id"), rule_id, policy)


def check_duplicate_rule_id(ctx: LintContext) -> Iterator[Hit]:
    first_seen: dict[str, int] = {}
    for block, policy in ctx.tiered_policies():
        rule_id = policy.rule_id
        if not rule_id:
            continue
        location = ctx.annotation(block, policy, "rule_id")
        if rule_id in first_seen:
            yield Hit(f"@rule_id \"{rule_id}\" is already used on line {first_seen[rule_id]}; rule ids must be unique "
                      "across both tiers", location, rule_id, policy)
        else:
            first_seen[rule_id] = location.line


def check_builtin_collision(ctx: LintContext) -> Iterator[Hit]:
    if ctx.is_builtin_file:
        return
    for block, policy in ctx.tiered_policies():
        builtin = ctx.builtins.rules.get(policy.rule_id or "")
        if builtin is not None:
            yield Hit(f"@rule_id \"{builtin.rule_id}\" is a built-in {builtin.tier} rule "
                      f"({builtin.path.name}:{builtin.line})", ctx.annotation(block, policy, "rule_id"),
                      builtin.rule_id, policy)


def check_unknown_annotation(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        for annotation in policy.scanned.annotations:
            if annotation.name not in KNOWN_ANNOTATIONS:
                yield Hit(f"unknown annotation @{annotation.name} (known: {', '.join('@' + k for k in KNOWN_ANNOTATIONS)})",
                          block.origin.location(annotation.span.start, annotation.span.end), policy.rule_id, policy)


def _soft_timeouts(ctx: LintContext) -> Iterator[tuple[object, object, object, int | None]]:
    for block, policy in ctx.tiered_policies():
        if ctx.effective_tier(block, policy) != "soft" or "approval_timeout_s" not in policy.annotations:
            continue
        raw = policy.annotations["approval_timeout_s"]
        seconds = int(raw) if isinstance(raw, str) and INTEGER.match(raw) else None
        yield block, policy, raw, seconds


def check_timeout_integer(ctx: LintContext) -> Iterator[Hit]:
    for block, policy, raw, seconds in _soft_timeouts(ctx):
        if seconds is None:
            yield Hit(f"@approval_timeout_s is {_value(raw)}; it must be a whole number of seconds, e.g. \"300\"",
                      ctx.annotation(block, policy, "approval_timeout_s"), policy.rule_id, policy)


def check_timeout_floor(ctx: LintContext) -> Iterator[Hit]:
    floor = ctx.constants.approval_timeout_s.min
    for block, policy, _raw, seconds in _soft_timeouts(ctx):
        if seconds is not None and seconds < floor:
            yield Hit(f"@approval_timeout_s {seconds} is below the floor of {floor} s",
                      ctx.annotation(block, policy, "approval_timeout_s"), policy.rule_id, policy,
                      hint=f"use at least {floor}; the platform would raise it anyway")


def check_timeout_short(ctx: LintContext) -> Iterator[Hit]:
    floor, warn = ctx.constants.approval_timeout_s.min, ctx.constants.approval_timeout_warn_s
    for block, policy, _raw, seconds in _soft_timeouts(ctx):
        if seconds is not None and floor <= seconds < warn:
            yield Hit(f"@approval_timeout_s {seconds} is under {warn} s; humans rarely answer that fast, so most "
                      "gates would time out (and time-outs deny)",
                      ctx.annotation(block, policy, "approval_timeout_s"), policy.rule_id, policy,
                      hint=f"use {warn} s or more unless the approver is known to be on call")


def check_timeout_ceiling(ctx: LintContext) -> Iterator[Hit]:
    ceiling = ctx.constants.approval_timeout_s.max
    for block, policy, _raw, seconds in _soft_timeouts(ctx):
        if seconds is not None and seconds > ceiling:
            yield Hit(f"@approval_timeout_s {seconds} is above the maximum of {ceiling} s",
                      ctx.annotation(block, policy, "approval_timeout_s"), policy.rule_id, policy,
                      hint=f"use at most {ceiling}")


def _hard_with(ctx: LintContext, name: str) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if ctx.effective_tier(block, policy) == "hard" and name in policy.annotations:
            yield Hit(f"@{name} on a hard rule is ignored: hard rules deny without asking",
                      ctx.annotation(block, policy, name), policy.rule_id, policy,
                      hint=f"remove @{name}, or move the rule to the soft tier if a human should decide")


def check_severity_value(ctx: LintContext) -> Iterator[Hit]:
    allowed = ctx.constants.severities
    for block, policy in ctx.tiered_policies():
        if ctx.effective_tier(block, policy) == "soft" and "severity" in policy.annotations:
            value = policy.annotations["severity"]
            if value not in allowed:
                yield Hit(f"@severity is {_value(value)}; it must be one of {', '.join(allowed)}",
                          ctx.annotation(block, policy, "severity"), policy.rule_id, policy)


def check_category(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.tiered_policies():
        if "category" in policy.annotations and policy.annotations["category"] not in ctx.categories:
            yield Hit(f"@category {_value(policy.annotations['category'])} is not a known category "
                      f"({', '.join(sorted(ctx.categories))})", ctx.annotation(block, policy, "category"),
                      policy.rule_id, policy)


_SHADOW_WORDS = ("shadow", "monitor", "audit", "dry_run", "dry-run", "dryrun", "observe", "report", "report_only",
                 "warn", "log", "logonly", "log-only", "off", "disabled", "false", "no")
_ENFORCE_WORDS = ("on", "true", "yes", "enabled", "enforced", "enforcing", "block", "deny")


def enforcement_suggestion(value: str | None) -> str | None:
    """The value the author probably meant, or None."""
    import difflib

    if value is None:
        return None
    folded = value.strip().lower().replace(" ", "_")
    if folded in ENFORCEMENTS:
        return folded
    if folded in _SHADOW_WORDS:
        return LOG_ONLY
    if folded in _ENFORCE_WORDS:
        return "enforce"
    close = difflib.get_close_matches(folded.replace("-", "_"), ENFORCEMENTS, n=1, cutoff=0.5)
    return close[0] if close else None


def check_enforcement_value(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if block.section == "legacy" or ENFORCEMENT not in policy.annotations:
            continue
        value = policy.annotations[ENFORCEMENT]
        if value in ENFORCEMENTS:
            continue
        guess = enforcement_suggestion(value)
        yield Hit(f"@enforcement is {_value(value)}; it must be \"enforce\" or \"log_only\""
                  + (f" — did you mean \"{guess}\"?" if guess else "") + " (until fixed, the rule is enforced)",
                  ctx.annotation(block, policy, ENFORCEMENT), policy.rule_id, policy,
                  hint=f"write @enforcement(\"{guess or LOG_ONLY}\")" if guess
                  else "use @enforcement(\"log_only\") to try a rule without enforcing it, or remove the annotation")


def check_enforcement_on_permit(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if block.section != "legacy" and policy.effect == "permit" and ENFORCEMENT in policy.annotations:
            what = "the base permit" if policy.is_base_permit else "a permit"
            yield Hit(f"@enforcement on {what} has no effect: only forbid rules gate calls, so only they can be "
                      "log-only", ctx.annotation(block, policy, ENFORCEMENT), policy.rule_id, policy,
                      hint="remove @enforcement, or put it on the forbid rule you want to try out")


def check_lint_allow(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if "lint_allow" not in policy.annotations:
            continue
        location = ctx.annotation(block, policy, "lint_allow")
        for code in parse_lint_allow(policy.annotations["lint_allow"]):
            if code not in ctx.known_codes:
                yield Hit(f"@lint_allow names unknown rule code {code!r}", location, policy.rule_id, policy)
            elif code in ctx.error_codes:
                yield Hit(f"@lint_allow cannot silence {code}: errors must be fixed, only warnings and notes can be "
                          "allowed", location, policy.rule_id, policy)


def parse_lint_allow(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


RULES = [
    Rule("CG010", "missing-tier", "error", "A policy (other than the base permit) has no @tier annotation.",
         "add @tier(\"hard\") or @tier(\"soft\") matching the section",
         "Every forbid in a tier must say which tier it belongs to, so a policy pasted into the wrong section is "
         "caught. The only exemption is the catch-all `@rule_id(\"base_permit\") permit (principal, action, "
         "resource);` with no @tier.", check_missing_tier),
    Rule("CG011", "invalid-tier", "error", "@tier has a value other than \"hard\" or \"soft\".",
         "use @tier(\"hard\") or @tier(\"soft\")", "Annotation values are Cedar strings; only the two tier names are "
         "meaningful.", check_tier_value),
    Rule("CG012", "tier-section-mismatch", "error", "A policy's @tier does not match the section it is in.",
         "move the policy or fix its @tier", "A `@tier(\"soft\")` policy in `hard:` (or the reverse) is almost "
         "always a paste error, and the two tiers have very different effects.", check_tier_section),
    Rule("CG020", "missing-rule-id", "error", "A policy has no @rule_id annotation.",
         "add @rule_id(\"<snake_case_id>\")", "Rule ids name the rule in decisions, in `disable:` and in `rule:` "
         "pre-approval scopes. Cedar's own ids (policy0, policy1, ...) change when policies are reordered.",
         check_missing_rule_id),
    Rule("CG021", "invalid-rule-id", "error", "@rule_id does not match ^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$.",
         "use lower-case letters, digits and underscores, starting with a letter (dashes between words)",
         "The format keeps ids safe inside `rule:<id>` scopes and log lines.", check_rule_id_format),
    Rule("CG022", "rule-id-too-long", "error", "@rule_id is longer than the contract's rule_id_max_length.",
         "shorten the id", "The limit comes from `rule_id_max_length` in contracts/constants.json.",
         check_rule_id_length),
    Rule("CG023", "duplicate-rule-id", "error", "Two policies in the blueprint share a @rule_id.",
         "give each policy its own id", "Ids must be unique within a tier and across both tiers: a decision, a "
         "`disable:` entry or a `rule:` grant must name exactly one policy.", check_duplicate_rule_id),
    Rule("CG024", "builtin-rule-id", "error", "A blueprint policy reuses the @rule_id of a built-in rule.",
         "pick an id that is not a built-in (see `cedar-gates policies list`)",
         "Built-in ids are a contract: a blueprint rule with the same id would make decisions, `disable:` and "
         "`rule:` grants ambiguous.", check_builtin_collision),
    Rule("CG025", "unknown-annotation", "warning", "A policy carries an annotation the gates do not read.",
         "check the spelling (e.g. @approval_timeout_s, not @timeout)",
         "Usually a typo that silently drops a setting, such as `@timeout(\"60\")`.", check_unknown_annotation),
    Rule("CG030", "timeout-not-integer", "error", "@approval_timeout_s is not a whole number of seconds.",
         "write the number of seconds as a string, e.g. @approval_timeout_s(\"300\")",
         "Annotation values are strings; the value must consist of digits only.", check_timeout_integer),
    Rule("CG031", "timeout-below-floor", "error", "@approval_timeout_s is below the contract minimum.",
         "raise the timeout to at least the minimum",
         "The minimum is `approval_timeout_s.min` in contracts/constants.json.", check_timeout_floor),
    Rule("CG032", "timeout-short", "warning", "@approval_timeout_s is short enough that humans rarely answer in time.",
         "give humans more time (at least the contract's `approval_timeout_s.warn_below`)",
         "Below `approval_timeout_s.warn_below` in contracts/constants.json most gates time out, and a time-out denies.",
         check_timeout_short),
    Rule("CG033", "timeout-above-max", "error", "@approval_timeout_s is above the contract maximum.",
         "lower the timeout to at most the maximum",
         "The maximum is `approval_timeout_s.max` in contracts/constants.json.", check_timeout_ceiling),
    Rule("CG034", "timeout-on-hard-rule", "warning", "@approval_timeout_s on a hard rule is ignored.",
         "remove it", "Hard rules deny without asking anyone, so they have no approval timeout.",
         lambda ctx: _hard_with(ctx, "approval_timeout_s")),
    Rule("CG035", "invalid-severity", "error", "@severity is not one of the contract's severities.",
         "use low, medium or high", "Severity drives how the approval prompt is shown; absent means medium.",
         check_severity_value),
    Rule("CG036", "severity-on-hard-rule", "warning", "@severity on a hard rule is ignored.",
         "remove it", "Hard rules deny without a prompt, so severity has no effect.",
         lambda ctx: _hard_with(ctx, "severity")),
    Rule("CG037", "unknown-category", "warning", "@category is not in the known set.",
         "use destructive, network, filesystem or auth, or add the category in the configuration",
         "The known set is the contract's `categories` plus `[tool.cedar-gates.lint] extra-categories`.",
         check_category),
    Rule("CG038", "invalid-enforcement", "error", "@enforcement has a value other than \"enforce\" or \"log_only\".",
         "use @enforcement(\"log_only\") for a shadow rule, or @enforcement(\"enforce\") (the default)",
         "A rule annotated `@enforcement(\"log_only\")` is a shadow rule: it is evaluated everywhere (eval, "
         "simulate, test, the hook) and its would-have-been outcome is reported, but it never changes a decision. "
         "Any other value is a mistake. The runtime treats it as `enforce`, so a misspelt value can never quietly "
         "switch a rule off; this error makes the author choose.", check_enforcement_value),
    Rule("CG039", "enforcement-on-permit", "warning", "@enforcement on a permit policy, which gates nothing.",
         "remove @enforcement from the permit",
         "Tiers are deny-lists: only `forbid` rules decide deny or ask, so only they can be enforced or log-only. "
         "On a permit (the base permit included) the annotation does nothing.", check_enforcement_on_permit),
    Rule("CG080", "invalid-lint-allow", "warning", "@lint_allow names an unknown code or an error-level rule.",
         "list only warning or info codes, e.g. @lint_allow(\"CG070,CG071\")",
         "Errors cannot be silenced per policy; change the level in the configuration if a team really "
         "disagrees with a rule.", check_lint_allow),
]
