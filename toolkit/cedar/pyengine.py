"""The cedarpy adapter: the only module that imports cedarpy."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import cedarpy

from toolkit.cedar.answers import EngineAnswer
from toolkit.record import record


class CedarSyntaxError(ValueError):
    """cedarpy rejected the text; the message is the engine's own."""


@record
class EnginePolicy:
    policy_id: str
    effect: str
    annotations: dict[str, str | None]
    is_template: bool
    actions: frozenset[str] | None = None
    """Action ids the policy's scope names; None when it applies to every action."""
    conditions: tuple[Any, ...] = ()
    """The `when`/`unless` clauses in Cedar's JSON policy form."""


def parse(text: str) -> list[EnginePolicy]:
    """Policies in source order (policy0..N-1), templates included."""
    try:
        doc = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as exc:
        raise CedarSyntaxError(str(exc)) from None
    found: list[EnginePolicy] = []
    for is_template, group in ((False, doc.get("staticPolicies", {})), (True, doc.get("templates", {}))):
        for policy_id, body in group.items():
            found.append(EnginePolicy(policy_id, body["effect"], body.get("annotations", {}), is_template,
                                      _scoped_actions(body.get("action")), tuple(body.get("conditions", ()))))
    found.sort(key=lambda p: int(p.policy_id.removeprefix("policy")))
    return found


def _scoped_actions(scope: Any) -> frozenset[str] | None:
    if not isinstance(scope, dict) or scope.get("op") not in ("==", "in"):
        return None
    entities = scope.get("entities") or ([scope["entity"]] if "entity" in scope else [])
    ids = [e.get("id") for e in entities if isinstance(e, dict)]
    if not ids or not all(isinstance(i, str) for i in ids):
        return None
    return frozenset(ids)


def syntax_error(text: str) -> str | None:
    try:
        cedarpy.policies_to_json_str(text)
    except ValueError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=8)
def _schema(schema_text: str) -> Any:
    return cedarpy.Schema.from_str(schema_text)


def validate(text: str, schema_text: str) -> list[tuple[str, str]]:
    """(policy id, message) for every strict-mode validation error."""
    result = cedarpy.validate_policies(text, _schema(schema_text))
    if result.validation_passed:
        return []
    return [(error.policy_id, error.error) for error in result.errors]


def check_schema(schema_text: str) -> str | None:
    try:
        _schema(schema_text)
    except ValueError as exc:
        return str(exc)
    return None


_ERRORED_POLICY = re.compile(r"policy `([^`]+)`")
_DECISIONS = {"Allow": "allow", "Deny": "deny"}


def preparse(text: str) -> Any:
    """A cedarpy PolicySet handle, so a batch never re-parses policy text."""
    try:
        return cedarpy.PolicySet.from_str(text)
    except ValueError as exc:
        raise CedarSyntaxError(str(exc)) from None


def no_entities() -> Any:
    """A pre-built empty entity store: gate requests carry everything in their context."""
    return cedarpy.Entities.from_json_str("[]")


def _answer(result: Any) -> EngineAnswer:
    errors = [str(e) for e in result.diagnostics.errors]
    decision = _DECISIONS.get(result.decision.name)
    if decision is None:
        return EngineAnswer.input_error(errors)
    errored = [m.group(1) for m in map(_ERRORED_POLICY.search, errors) if m]
    return EngineAnswer.decided(decision, list(result.diagnostics.reasons), errored, errors)


_FAST_DECISIONS = {"Allow": "allow", "Deny": "deny"}


def authorize_fast(policy_set: Any, entities: Any, requests: list[dict[str, Any]]) -> list[EngineAnswer]:
    """The runtime gate's hot path: cedarpy's extension entry point, skipping the wrapper's result objects.

    Policy ids come back unsorted. It needs pre-parsed handles (`preparse`,
    `no_entities`) and the pinned cedarpy; `fast_path_agrees` checks it against
    `authorize_batch` before a gate relies on it.
    """
    flat = [{**r, "context": json.dumps(r["context"])} for r in requests]
    raw = cedarpy._internal.is_authorized_batch(flat, policy_set, entities._inner, None, False)
    answers = []
    for text in raw:
        response = json.loads(text)
        diagnostics = response.get("diagnostics", {})
        errors = diagnostics.get("errors", [])
        decision = _FAST_DECISIONS.get(response.get("decision"))
        if decision is None:
            answers.append(EngineAnswer.input_error([str(e) for e in errors]))
            continue
        errored = tuple(m.group(1) for m in map(_ERRORED_POLICY.search, errors) if m) if errors else ()
        answers.append(EngineAnswer(True, decision, tuple(diagnostics.get("reason", ())), errored, tuple(errors)))
    return answers


def fast_path_agrees(policy_set: Any, entities: Any, requests: list[dict[str, Any]]) -> bool:
    """Whether `authorize_fast` answers these requests exactly as the public API does."""
    try:
        fast = authorize_fast(policy_set, entities, requests)
    except Exception:  # noqa: BLE001 - any surprise means "do not use the fast path"
        return False
    slow = authorize_batch(policy_set, entities, requests)
    normalise = [(a.ok, a.decision, tuple(sorted(a.reasons)), tuple(sorted(set(a.errored)))) for a in fast]
    return normalise == [(a.ok, a.decision, a.reasons, a.errored) for a in slow]


def authorize_batch(policy_set: Any, entities: list[Any], requests: list[dict[str, Any]]) -> list[EngineAnswer]:
    """Answers in request order; a request cedarpy cannot even build becomes an input error."""
    try:
        results = cedarpy.is_authorized_batch(requests, policy_set, entities)
    except (KeyError, TypeError, ValueError) as exc:
        if len(requests) == 1:
            return [EngineAnswer.input_error([f"{type(exc).__name__}: {exc}"])]
        return [answer for request in requests for answer in authorize_batch(policy_set, entities, [request])]
    return [_answer(result) for result in results]
