"""The effective policy set of a gate: built-in tiers plus one blueprint, parsed once.

Compiling only: this module never lints (linting, then compiling, is
`toolkit.policyset`, above both the linter and the engine).

Everything is concatenated into one Cedar text so a tool call costs one batch
call into Cedar, and every policy id maps back to the rule it came from. The
text ends with a comment listing the disabled rules, so the policy hash changes
when the `disable:` list does even though disabled rules stay in the set (the
decision record still reports them as matched-but-disabled).

Log-only rules (`@enforcement("log_only")`) are the exception: they are cut
out into a small policy set of their own, asked after the enforced set, so
they never widen which requests reach the enforced set and nothing they
answer can become part of a decision.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from toolkit.blueprint.model import Blueprint, CedarBlock, is_log_only
from toolkit.cedar import pyengine
from toolkit.cedar.limits import CedarTooComplex, ensure_within_limits
from toolkit.contract import Constants
from toolkit.engine.bundle import (
    NO_MATCH,
    Authorizer,
    CedarEvaluationError,
    CedarInputError,
    GateRule,
    Matches,
    PolicyBundle,
    ShadowSet,
    policy_hash,
)
from toolkit.engine.prefilter import Prefilter
from toolkit.errors import InputError
from toolkit.policies import TIER_FILES, BuiltinSet
from toolkit.toolcall import TaskFacts, requests_for


class PolicyLoadError(InputError):
    """The policies cannot make a gate: they do not compile, or (raised by `toolkit.policyset.load_policies`)
    they do not lint clean; `findings` then holds every error-level lint finding."""

    def __init__(self, path: str, message: str, findings: Sequence[Any] = (), hint: str | None = None):
        first = findings[0] if findings else None
        super().__init__(path, message, first.line if first else None, first.column if first else None, hint)
        self.findings = list(findings)


def _blocks(builtins: BuiltinSet, blueprint: Blueprint | None) -> Iterable[tuple[str, CedarBlock]]:
    for tier in TIER_FILES:
        for block in builtins.files[tier].blocks:
            yield f"built-in:{TIER_FILES[tier]}", block
    if blueprint is not None:
        for block in blueprint.blocks:
            yield blueprint.source.display, block


def _rule(origin: str, block: CedarBlock, policy: Any, disabled: set[str], constants: Constants) -> GateRule:
    if block.section == "legacy":
        rule_id, tier, annotations = f"legacy_extra_{block.legacy_index}", "soft", {}
    else:
        rule_id, tier, annotations = policy.rule_id, policy.tier, policy.annotations
    if not rule_id or tier not in ("hard", "soft"):
        raise PolicyLoadError(origin, f"policy {policy.index} in {block.section} has no usable @rule_id/@tier")
    timeout = annotations.get("approval_timeout_s")
    return GateRule(
        rule_id=rule_id,
        tier=tier,
        origin=origin,
        disabled=tier == "soft" and rule_id in disabled,
        timeout_s=int(timeout) if tier == "soft" and isinstance(timeout, str) and timeout.isdigit() else None,
        severity=(annotations.get("severity") or constants.default_severity) if tier == "soft" else "high",
        category=annotations.get("category"),
        shadow=is_log_only(annotations),
    )


def compile_bundle(builtins: BuiltinSet, blueprint: Blueprint | None, constants: Constants) -> PolicyBundle:
    """Join, map and pre-parse; callers are expected to have linted the inputs (`toolkit.policyset.load_policies`).

    Log-only rules are cut out of their blocks into a policy set of their own (`PolicyBundle.shadow`).
    """
    disabled = {str(item.value) for item in blueprint.disable} if blueprint else set()
    texts: list[str] = []
    shadow_texts: list[str] = []
    rules: dict[str, GateRule] = {}
    by_policy: dict[str, GateRule] = {}
    by_shadow: dict[str, GateRule] = {}
    index = 0
    for origin, block in _blocks(builtins, blueprint):
        if not block.document.parsed:
            raise PolicyLoadError(origin, f"the {block.section} Cedar text does not parse")
        cut: list[tuple[int, int]] = []
        for policy in block.document.policies:
            if policy.is_template:
                raise PolicyLoadError(origin, "templates cannot run in a gate")
            if policy.effect == "forbid":
                rule = _rule(origin, block, policy, disabled, constants)
                if rule.rule_id in rules:
                    raise PolicyLoadError(origin, f"rule id {rule.rule_id!r} is defined twice")
                rules[rule.rule_id] = rule
                if rule.shadow:
                    span = policy.scanned.span
                    by_shadow[f"policy{len(shadow_texts)}"] = rule
                    shadow_texts.append(block.text[span.start:span.end])
                    cut.append((span.start, span.end))
                    continue
                by_policy[f"policy{index}"] = rule
            index += 1
        texts.append(_without(block.text, cut))
    text = "\n".join(texts) + f"\n// cedar-gates: disabled rules: {', '.join(sorted(disabled)) or '(none)'}\n"
    policy_set, entities, fast, prefilter = _preparsed(text, index, by_policy)
    shadow = None
    if shadow_texts:
        shadow_text = "\n".join(shadow_texts) + "\n"
        shadow_set, _, shadow_fast, shadow_filter = _preparsed(shadow_text, len(shadow_texts), by_shadow)
        shadow = ShadowSet(shadow_text, by_shadow, shadow_set, entities,
                           pyengine.authorize_fast if shadow_fast else pyengine.authorize_batch, shadow_filter)
    gate_cap = blueprint.gate_cap.value if blueprint and blueprint.gate_cap else None
    max_scope = blueprint.max_scope.value if blueprint and blueprint.max_scope else None
    return PolicyBundle(
        text=text,
        policy_hash=policy_hash(text, shadow.text if shadow else None),
        rules=rules,
        by_policy_id=by_policy,
        gate_cap=gate_cap if isinstance(gate_cap, int) and not isinstance(gate_cap, bool) else None,
        max_scope=max_scope if isinstance(max_scope, str) else None,
        policy_set=policy_set,
        entities=entities,
        authorizer=pyengine.authorize_fast if fast else pyengine.authorize_batch,
        prefilter=prefilter,
        shadow=shadow,
    )


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The block's text with the log-only policies cut out (what lies between them stays)."""
    if not spans:
        return text
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        at = end
    return "".join(parts) + text[at:]


def _preparsed(text: str, count: int, by_policy: dict[str, GateRule]) -> tuple[Any, Any, bool, Prefilter]:
    """(policy set, entities, whether the fast path agrees, prefilter) for a joined text of `count` policies."""
    try:
        ensure_within_limits(text)  # each block passed on its own; the joined text must too, before cedarpy sees it
    except CedarTooComplex as exc:
        raise PolicyLoadError("policies", f"the joined policy text is refused unparsed: {exc}",
                              hint="run `cedar-gates lint` on the blueprint (CG006)") from None
    engine_view = pyengine.parse(text)
    prefilter = Prefilter((p.actions, p.conditions) for p in engine_view if p.effect == "forbid")
    if len(engine_view) != count or any(
        (p.effect == "forbid") != (p.policy_id in by_policy) for p in engine_view
    ):
        raise PolicyLoadError("policies", "the joined policy text does not number policies "
                              "the way its parts do; check for an unterminated comment at the end of a block")
    policy_set, entities = pyengine.preparse(text), pyengine.no_entities()
    return policy_set, entities, pyengine.fast_path_agrees(policy_set, entities, _probe_requests()), prefilter


def _probe_requests() -> list[dict[str, Any]]:
    """Every action, a hard match, an evaluation error and a request Cedar refuses."""
    facts = TaskFacts(repo="probe/probe")
    requests = requests_for("Bash", {"command": "rm -rf / && git push --force origin main"}, facts)
    requests += requests_for("Write", {"file_path": ".git/.env"}, TaskFacts(read_only=True))
    bare = dict(requests[1], context=facts.context())
    broken = dict(requests[0], context={"x": 1.5})
    return requests + [bare, broken]


__all__ = [
    "NO_MATCH",
    "Authorizer",
    "CedarEvaluationError",
    "CedarInputError",
    "GateRule",
    "Matches",
    "PolicyBundle",
    "PolicyLoadError",
    "compile_bundle",
]
