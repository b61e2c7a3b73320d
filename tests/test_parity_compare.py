"""The three-way comparison: every way two engines can differ gets its own class, and never a pass."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from toolkit.cedar.answers import EngineAnswer
from toolkit.cedar.pyengine import EnginePolicy
from toolkit.errors import InputError
from toolkit.parity.compare import (
    DIVERGENCE,
    KNOWN,
    MISMATCH,
    PASS,
    annotation_problems,
    failed,
    judge,
    verdict,
)
from toolkit.parity.fixtures import Expected, has_unsafe_integer, parse_fixture

IDS = {"policy0": "base_permit", "policy1": "a", "policy2": "b"}


def answer(decision="deny", reasons=("policy1",), errored=()):
    return EngineAnswer.decided(decision, list(reasons), list(errored), [])


def case(py, js, expected=None, **kw):
    return judge("c", "src", expected, verdict([py], IDS), verdict([js], IDS), **kw)


def test_agreeing_engines_matching_expected_pass():
    result = case(answer(), answer(), Expected("deny", ("a",), ()))
    assert (result.status, result.classes) == (PASS, ())


def test_reason_order_does_not_matter():
    assert case(answer(reasons=("policy2", "policy1")), answer(reasons=("policy1", "policy2"))).passed


def test_each_difference_gets_its_class():
    assert case(answer(), answer("allow", ("policy0",))).classes == ("decision", "reasons")
    assert case(answer(), answer(reasons=("policy2",))).classes == ("reasons",)
    assert case(answer(errored=("policy2",)), answer()).classes == ("errors",)
    assert case(answer(), EngineAnswer.input_error(["bad"])).classes == ("input_error_one_side",)


def test_runner_failures_are_divergences_not_passes():
    py = verdict([answer()], IDS)
    assert judge("c", "s", None, py, failed("crash", "exit 7")).classes == ("runner_crash",)
    assert judge("c", "s", None, py, failed("timeout", "10 s")).classes == ("timeout",)
    assert judge("c", "s", None, py, failed("protocol", "garbage")).status == DIVERGENCE


def test_both_engines_rejecting_the_input_fails_a_fixture_that_expects_a_decision():
    bad = EngineAnswer.input_error(["no"])
    assert case(bad, bad, Expected("allow", ("base_permit",))).status == MISMATCH
    assert case(bad, bad).status == PASS  # fuzzing: both engines refusing the same input agree


def test_unsafe_integers_are_a_known_class_even_when_outcomes_agree():
    result = case(answer(), answer(), lossy_in_javascript=True)
    assert result.status == KNOWN and result.classes == ("js_integer_precision",)


def test_annotation_differences_are_reported():
    a = [EnginePolicy("policy0", "forbid", {"rule_id": "x"}, False)]
    b = [EnginePolicy("policy0", "forbid", {"rule_id": "y"}, False)]
    problems = annotation_problems(a, b)
    result = case(answer(), answer(), annotation_problems=problems)
    assert result.status == DIVERGENCE and result.classes == ("annotations",)
    assert annotation_problems(a, a + b) == ["cedarpy found 1 policies, cedar-wasm 2"]


def test_errored_rule_ids_are_only_compared_when_the_fixture_pins_them():
    assert case(answer(errored=("policy2",)), answer(errored=("policy2",)), Expected("deny", ("a",))).passed
    assert case(answer(errored=("policy2",)), answer(errored=("policy2",)), Expected("deny", ("a",), ())).status == MISMATCH


def test_a_gate_merges_requests_any_deny_denies():
    merged = verdict([answer("allow", ("policy0",)), answer("deny", ("policy2",))], IDS)
    assert (merged.decision, merged.rule_ids) == ("deny", ("b",))


@given(st.recursive(st.integers() | st.booleans() | st.text(max_size=3),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3)))
def test_unsafe_integer_detection_matches_a_direct_scan(value):
    def scan(v):
        if isinstance(v, bool):
            return False
        if isinstance(v, int):
            return abs(v) > 2**53
        items = v.values() if isinstance(v, dict) else v if isinstance(v, list) else []
        return any(scan(i) for i in items)

    assert has_unsafe_integer(value) == scan(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(
        ["name", "policies", "input", "expected", "entities", "principal", "decision", "x"]), c, max_size=4),
)


@given(json_values)
def test_any_json_document_is_a_fixture_or_a_clear_error(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("f") / "x.json"
    try:
        parse_fixture(path, json.dumps(value))
    except InputError as exc:
        assert "x.json" in str(exc)


@given(st.text(max_size=40))
def test_any_text_is_a_fixture_or_a_clear_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("f") / "y.json"
    try:
        parse_fixture(path, text)
    except InputError as exc:
        assert "y.json" in str(exc)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(names=st.lists(st.tuples(_TEXT, _TEXT, st.booleans()), max_size=6))
def test_streamed_reports_equal_the_whole_document(names):
    from xml.etree import ElementTree as ET

    from toolkit.parity.harness import ParityReport
    from toolkit.parity.render import iter_json, iter_junit, to_json

    results = []
    for name, source, agree in names:
        js = answer() if agree else answer("allow", ())
        results.append(judge(name, source, Expected("deny", ("a",)), verdict([answer()], IDS), verdict([js], IDS)))
    report = ParityReport(results=results, runner=None, cedarpy_version="4.12.2", duration_s=0.5)
    streamed = "".join(iter_json(report))
    assert json.loads(streamed) == to_json(report)
    case_lines = [line for line in streamed.split("\n") if line.startswith("    {")]
    assert [json.loads(line.rstrip(",")) for line in case_lines] == to_json(report)["cases"]
    suite = ET.fromstring("".join(iter_junit(report)).encode("utf-8"))
    assert [c.get("classname") for c in suite.iter("testcase")] == [
        "".join(ch if ch in "\t\n\r" or " " <= ch < "\ufffe" or ch > "\uffff" else "\ufffd" for ch in source)
        for _, source, _ in names]
    assert int(suite.get("failures")) == sum(1 for r in results if not r.passed) == len(suite.findall(".//failure"))
