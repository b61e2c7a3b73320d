"""Three-way comparison of one case: expected vs cedarpy vs cedar-wasm.

Engines are compared on what they decided, never on how they worded an error:
the decision, the set of determining rule ids and the set of errored rule ids. A
case only passes when both engines processed the same input and agreed; anything
else gets a named divergence class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from toolkit.cedar.answers import EngineAnswer
from toolkit.parity.fixtures import Expected

PASS = "pass"
MISMATCH = "mismatch"
DIVERGENCE = "divergence"
KNOWN = "known_divergence"

DECISION = "decision"
REASONS = "reasons"
ERRORS = "errors"
INPUT_ERROR_ONE_SIDE = "input_error_one_side"
RUNNER_CRASH = "runner_crash"
TIMEOUT = "timeout"
ANNOTATIONS = "annotations"
JS_INTEGER_PRECISION = "js_integer_precision"

CLASS_HELP = {
    DECISION: "the engines reached different decisions",
    REASONS: "same decision, different determining rules",
    ERRORS: "different policies errored during evaluation",
    INPUT_ERROR_ONE_SIDE: "one engine rejected the input, the other answered",
    RUNNER_CRASH: "the Node runner died or answered garbage; cedar-wasm gave no answer",
    TIMEOUT: "the Node runner gave no answer in time",
    ANNOTATIONS: "the engines extracted different policies or annotations from the same text",
    JS_INTEGER_PRECISION: "known: an integer beyond ±2^53 cannot reach cedar-wasm exactly through JavaScript",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One engine's answer to a whole case, in rule-id terms (a case may hold several requests)."""

    ok: bool
    decision: str | None = None
    rule_ids: tuple[str, ...] = ()
    errored_rule_ids: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    failure: str | None = None
    answers: tuple[EngineAnswer, ...] = ()

    def to_json(self) -> dict[str, Any]:
        if self.failure is not None:
            return {"failure": self.failure}
        if not self.ok:
            return {"input_error": list(self.messages)}
        return {
            "decision": self.decision,
            "matching_rule_ids": list(self.rule_ids),
            "errored_rule_ids": list(self.errored_rule_ids),
        }

    def summary(self) -> str:
        if self.failure is not None:
            return f"no answer ({self.failure.splitlines()[0]})"
        if not self.ok:
            return "input error: " + ("; ".join(m.splitlines()[0] for m in self.messages) or "(no message)")
        text = f"{self.decision} [{', '.join(self.rule_ids)}]"
        if self.errored_rule_ids:
            text += f" errored [{', '.join(self.errored_rule_ids)}]"
        return text


def rule_id_of(policy_id: str, rule_ids: Mapping[str, str]) -> str:
    return rule_ids.get(policy_id, f"{policy_id} (no @rule_id)")


def verdict(answers: Sequence[EngineAnswer], rule_ids: Mapping[str, str]) -> Verdict:
    """Merge the answers to every request of a case the way a gate does: any deny denies."""
    if any(not a.ok for a in answers):
        return Verdict(False, messages=tuple(m for a in answers if not a.ok for m in a.messages), answers=tuple(answers))
    denied = [a for a in answers if a.decision == "deny"]
    deciding = denied or list(answers)
    return Verdict(
        True,
        "deny" if denied else "allow",
        tuple(sorted({rule_id_of(p, rule_ids) for a in deciding for p in a.reasons})),
        tuple(sorted({rule_id_of(p, rule_ids) for a in answers for p in a.errored})),
        tuple(m for a in answers for m in a.messages),
        answers=tuple(answers),
    )


def failed(kind: str, message: str) -> Verdict:
    return Verdict(False, failure=f"{kind}: {message}")


@dataclass(frozen=True, slots=True)
class CaseResult:
    name: str
    source: str
    status: str
    classes: tuple[str, ...]
    expected: Expected | None
    cedarpy: Verdict
    wasm: Verdict
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "status": self.status,
            "classes": list(self.classes),
            "expected": self.expected.to_json() if self.expected else None,
            "cedarpy": self.cedarpy.to_json(),
            "cedar_wasm": self.wasm.to_json(),
            "notes": list(self.notes),
        }


def _engine_divergence(py: Verdict, js: Verdict) -> list[str]:
    if js.failure is not None:
        return [TIMEOUT if js.failure.startswith("timeout") else RUNNER_CRASH]
    if py.ok != js.ok:
        return [INPUT_ERROR_ONE_SIDE]
    if not py.ok:
        return []
    classes = []
    per_request = list(zip(py.answers, js.answers))
    if py.decision != js.decision or any(a.decision != b.decision for a, b in per_request):
        classes.append(DECISION)
    if py.rule_ids != js.rule_ids or any(a.reasons != b.reasons for a, b in per_request):
        classes.append(REASONS)
    if py.errored_rule_ids != js.errored_rule_ids or any(a.errored != b.errored for a, b in per_request):
        classes.append(ERRORS)
    return classes


def _expectation_notes(expected: Expected, got: Verdict) -> list[str]:
    if not got.ok:
        return ["both engines rejected the input: " + "; ".join(m.splitlines()[0] for m in got.messages)]
    notes = []
    if got.decision != expected.decision:
        notes.append(f"decision: expected {expected.decision}, both engines said {got.decision}")
    if got.rule_ids != expected.matching_rule_ids:
        notes.append(
            f"matching_rule_ids: expected [{', '.join(expected.matching_rule_ids)}], "
            f"both engines gave [{', '.join(got.rule_ids)}]"
        )
    if expected.errored_rule_ids is not None and got.errored_rule_ids != expected.errored_rule_ids:
        notes.append(
            f"errored_rule_ids: expected [{', '.join(expected.errored_rule_ids)}], "
            f"both engines gave [{', '.join(got.errored_rule_ids)}]"
        )
    return notes


def judge(
    name: str,
    source: str,
    expected: Expected | None,
    py: Verdict,
    js: Verdict,
    *,
    lossy_in_javascript: bool = False,
    annotation_problems: Sequence[str] = (),
) -> CaseResult:
    classes = _engine_divergence(py, js)
    notes = list(annotation_problems)
    if annotation_problems:
        classes.append(ANNOTATIONS)
    if lossy_in_javascript and js.failure is None:
        # cedar-wasm answered a rounded input; agreement here would prove nothing.
        notes.append(
            "outcomes differ" if classes else "outcomes happen to agree, but cedar-wasm saw rounded integers"
        )
        return CaseResult(name, source, KNOWN, (JS_INTEGER_PRECISION, *classes), expected, py, js, tuple(notes))
    if classes:
        return CaseResult(name, source, DIVERGENCE, tuple(classes), expected, py, js, tuple(notes))
    if expected is not None:
        notes.extend(_expectation_notes(expected, py))
        if notes:
            return CaseResult(name, source, MISMATCH, (), expected, py, js, tuple(notes))
    return CaseResult(name, source, PASS, (), expected, py, js, tuple(notes))


def annotation_problems(py_policies: Sequence[Any], js_policies: Sequence[Any]) -> list[str]:
    """Differences in what the two engines extracted from the same policy text."""
    problems = []
    if len(py_policies) != len(js_policies):
        problems.append(f"cedarpy found {len(py_policies)} policies, cedar-wasm {len(js_policies)}")
    for a, b in zip(py_policies, js_policies):
        if (a.policy_id, a.effect) != (b.policy_id, b.effect):
            problems.append(f"{a.policy_id}: cedarpy {a.effect}, cedar-wasm {b.policy_id} {b.effect}")
        elif a.annotations != b.annotations:
            problems.append(f"{a.policy_id}: annotations differ: cedarpy {a.annotations}, cedar-wasm {b.annotations}")
    return problems
