"""Rules about blueprint settings and tier shape: disable, size cap, gate cap, scopes, permits, legacy form."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.lint.context import LintContext
from toolkit.lint.rule import Hit, Rule
from toolkit.scopes import SCOPE_KINDS


def _blueprint_rule_tiers(ctx: LintContext) -> dict[str, str]:
    tiers: dict[str, str] = {}
    for block, policy in ctx.policies():
        tier = ctx.effective_tier(block, policy)
        rule_id = f"legacy_extra_{block.legacy_index}" if block.section == "legacy" else policy.rule_id
        if rule_id and tier and not policy.is_base_permit:
            tiers.setdefault(rule_id, tier)
    return tiers


def check_disable_builtin_hard(ctx: LintContext) -> Iterator[Hit]:
    hard = ctx.builtins.hard_ids()
    for item in ctx.blueprint.disable:
        if item.value in hard:
            yield Hit(f"`{item.value}` is a built-in hard rule; hard rules cannot be disabled", item.location, item.value)


def check_disable_unknown(ctx: LintContext) -> Iterator[Hit]:
    known = set(ctx.builtins.rules) | set(_blueprint_rule_tiers(ctx))
    for item in ctx.blueprint.disable:
        if item.value not in known:
            yield Hit(f"`{item.value}` names no rule (built-in or in this blueprint)", item.location, item.value)


def check_disable_duplicate(ctx: LintContext) -> Iterator[Hit]:
    seen: set[str] = set()
    for item in ctx.blueprint.disable:
        if item.value in seen:
            yield Hit(f"`{item.value}` is listed more than once", item.location, item.value)
        seen.add(item.value)


def check_disable_blueprint_hard(ctx: LintContext) -> Iterator[Hit]:
    tiers = _blueprint_rule_tiers(ctx)
    for item in ctx.blueprint.disable:
        if tiers.get(item.value) == "hard" and item.value not in ctx.builtins.rules:
            yield Hit(f"`{item.value}` is a hard rule of this blueprint; `disable:` applies to soft rules only",
                      item.location, item.value)


def check_size(ctx: LintContext) -> Iterator[Hit]:
    if ctx.blueprint.kind != "yaml" or not ctx.blueprint.blocks:
        return
    limit = ctx.constants.policies_max_bytes
    size = sum(len(block.text.encode("utf-8")) for block in ctx.blueprint.blocks)
    if size > limit:
        where = ctx.blueprint.blocks[0].location
        yield Hit(f"the blueprint's Cedar text is {size:,} bytes (UTF-8), over the {limit:,}-byte limit", where)


def check_gate_cap(ctx: LintContext) -> Iterator[Hit]:
    setting = ctx.blueprint.gate_cap
    if setting is None:
        return
    cap = ctx.constants.approval_gate_cap
    value = setting.value
    if isinstance(value, bool) or not isinstance(value, int):
        yield Hit(f"approvalGateCap is {value!r}; it must be an integer in [{cap.min}, {cap.max}]", setting.location,
                  hint=f"use an integer in [{cap.min}, {cap.max}]")
    elif not cap.min <= value <= cap.max:
        yield Hit(f"approvalGateCap {value} is outside [{cap.min}, {cap.max}]", setting.location,
                  hint=f"use an integer in [{cap.min}, {cap.max}]")


def check_gate_cap_absent(ctx: LintContext) -> Iterator[Hit]:
    bp = ctx.blueprint
    if bp.kind == "yaml" and bp.has_security and bp.gate_cap is None and not bp.problems:
        default = ctx.constants.approval_gate_cap.default
        yield Hit(f"approvalGateCap is not set; the platform default of {default} gates per task applies",
                  ctx.blueprint.security_location)


def _scope_kind(value: str) -> str:
    return value.split(":", 1)[0].strip()


def check_scope_kind(ctx: LintContext) -> Iterator[Hit]:
    setting = ctx.blueprint.max_scope
    if setting is None or not isinstance(setting.value, str):
        return
    if _scope_kind(setting.value) not in SCOPE_KINDS:
        yield Hit(f"maxPreApprovalScope {setting.value!r} is not a scope kind ({', '.join(SCOPE_KINDS[1:])})",
                  setting.location)


def check_scope_this_call(ctx: LintContext) -> Iterator[Hit]:
    setting = ctx.blueprint.max_scope
    if setting is not None and isinstance(setting.value, str) and _scope_kind(setting.value) == "this_call":
        yield Hit("maxPreApprovalScope cannot be `this_call`: a pre-approval is granted before any call exists",
                  setting.location)


def check_extra_permit(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if policy.effect == "permit" and not policy.is_base_permit:
            span = policy.scanned.effect_span or policy.scanned.head
            yield Hit("a `permit` in a deny-list tier has no effect: the base permit already allows everything "
                      "no forbid matches", block.origin.location(span.start, span.end), policy.rule_id, policy)


def check_legacy_form(ctx: LintContext) -> Iterator[Hit]:
    if ctx.blueprint.legacy and ctx.blueprint.legacy_location is not None:
        yield Hit("legacy list form: entries become soft rules legacy_extra_<index>, so reordering the list changes "
                  "their ids and breaks `rule:` pre-approvals and `disable:` entries", ctx.blueprint.legacy_location)


def check_legacy_annotated(ctx: LintContext) -> Iterator[Hit]:
    for block, policy in ctx.policies():
        if block.section == "legacy":
            for annotation in policy.scanned.annotations:
                if annotation.name != "lint_allow":
                    yield Hit(f"legacy entry {block.legacy_index} is annotated (@{annotation.name}); legacy entries "
                              f"must be unannotated (they become legacy_extra_{block.legacy_index})",
                              block.origin.location(annotation.span.start, annotation.span.end), None, policy)


def check_legacy_single(ctx: LintContext) -> Iterator[Hit]:
    for block in ctx.blueprint.blocks:
        if block.section == "legacy" and block.document.parsed and len(block.document.policies) != 1:
            yield Hit(f"legacy entry {block.legacy_index} holds {len(block.document.policies)} policies; each entry "
                      "must hold exactly one", block.location)


RULES = [
    Rule("CG040", "disable-builtin-hard", "error", "`disable:` names a built-in hard rule.",
         "remove it from `disable:`; hard rules are absolute",
         "Built-in hard rules (e.g. rm_slash, drop_table) can never be switched off by a blueprint.",
         check_disable_builtin_hard),
    Rule("CG041", "disable-unknown", "error", "`disable:` names a rule that does not exist.",
         "check the id with `cedar-gates policies list --blueprint <file>`",
         "A typo in `disable:` would otherwise leave the rule on while the author believes it is off.",
         check_disable_unknown),
    Rule("CG042", "disable-duplicate", "warning", "`disable:` lists the same rule twice.",
         "remove the repeated entry", "Harmless, but usually a merge leftover.", check_disable_duplicate),
    Rule("CG043", "disable-hard-rule", "error", "`disable:` names a hard rule defined in this blueprint.",
         "delete or move the rule instead of disabling it", "`disable:` applies to soft rules only.",
         check_disable_blueprint_hard),
    Rule("CG050", "policies-too-large", "error", "The blueprint's Cedar text exceeds the contract's size cap.",
         "move rules into fewer, broader policies or split the agent",
         "UTF-8 bytes of hard + soft + legacy text are compared with `policies_max_bytes` in contracts/constants.json.", check_size),
    Rule("CG051", "invalid-gate-cap", "error", "approvalGateCap is not an integer inside the contract's range.",
         "use an integer inside the contract's `approval_gate_cap` range", "The range is `approval_gate_cap` in contracts/constants.json.",
         check_gate_cap),
    Rule("CG052", "gate-cap-default", "info", "approvalGateCap is not set, so the platform default applies.",
         "set approvalGateCap explicitly to document the intended budget",
         "The default is `approval_gate_cap.default` in contracts/constants.json.", check_gate_cap_absent),
    Rule("CG053", "invalid-max-scope", "error", "maxPreApprovalScope is not a scope kind.",
         "use one of: rule, bash_pattern, write_path, tool_type, tool_group, tool_type_session, "
         "tool_group_session, all_session", "Scope kinds are listed in docs/lint-rules.md and DESIGN §8.",
         check_scope_kind),
    Rule("CG054", "max-scope-this-call", "error", "maxPreApprovalScope is `this_call`.",
         "choose a scope kind a pre-approval can use, such as `rule`",
         "`this_call` only exists while a gate is open, so it cannot bound pre-approvals.", check_scope_this_call),
    Rule("CG060", "permit-in-tier", "warning", "A `permit` other than the base permit appears in a tier.",
         "delete it, or turn it into a forbid if it was meant to gate something",
         "Tiers are deny-lists: Cedar's forbid overrides permit, and the base permit already allows everything "
         "else, so an extra permit never changes a decision.", check_extra_permit),
    Rule("CG061", "legacy-form", "warning", "`cedarPolicies` uses the legacy flat list form.",
         "move to the tiered form with explicit @rule_id annotations",
         "Legacy entry i becomes soft rule `legacy_extra_<i>`: inserting or reordering entries silently renames "
         "rules, breaking `rule:` pre-approvals and `disable:` entries.", check_legacy_form),
    Rule("CG062", "legacy-annotated", "error", "A legacy list entry carries annotations.",
         "remove the annotations or move the policy to the tiered form",
         "Legacy entries are unannotated by definition; their id and tier are assigned.", check_legacy_annotated),
    Rule("CG063", "legacy-multiple-policies", "error", "A legacy list entry holds more or fewer than one policy.",
         "put one policy in each entry", "Each entry becomes exactly one rule id.", check_legacy_single),
]
