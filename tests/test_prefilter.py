"""The request prefilter only ever skips requests Cedar would not have matched."""

from __future__ import annotations

import dataclasses
import itertools
import json

import cedarpy
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.engine import Gate, TaskSettings
from toolkit.engine import soundness as S
from toolkit.engine.prefilter import Prefilter
from toolkit.cedar import pyengine
from toolkit.toolcall import TaskFacts, requests_for

from .conftest import REPO


def test_decisions_with_and_without_the_prefilter_are_identical_on_the_bypass_corpus(builtin_bundle, review_bundle):
    for bundle, constants in (builtin_bundle, review_bundle):
        unfiltered = dataclasses.replace(bundle, prefilter=None)
        for entry in S.read_corpus(REPO / "fixtures" / "bypass" / "corpus.jsonl"):
            task = TaskSettings.from_mapping(entry.task)
            a = Gate(bundle, constants, task).evaluate(entry.tool, entry.tool_input)
            b = Gate(unfiltered, constants, task).evaluate(entry.tool, entry.tool_input)
            assert (a.outcome, a.hard_rule_ids, a.soft_rule_ids) == (b.outcome, b.hard_rule_ids, b.soft_rule_ids), entry


def test_a_plain_command_sends_no_run_command_request_to_cedar(builtin_bundle):
    bundle, _ = builtin_bundle
    requests = requests_for("Bash", {"command": "git status && npm test"}, TaskFacts(),
                            keep=bundle.prefilter.could_match)
    assert [r["action"]["id"] for r in requests] == ["invoke_tool", "execute_bash"]
    assert not bundle.prefilter.needed(requests[1])


def test_unknown_expressions_keep_the_request():
    text = 'forbid (principal, action, resource) when { context.flags.contains("-x") && context.program == "rm" };'
    policy = pyengine.parse(text)[0]
    pre = Prefilter([(policy.actions, policy.conditions)])
    assert pre.could_match("run_command", {"program": "rm"})
    assert not pre.could_match("run_command", {"program": "ls"})
    assert pre.could_match("invoke_tool", {})


PROGRAMS = ["rm", "git", "ls", ""]
SUBS = ["push", "status", ""]
leaf = st.one_of(
    st.sampled_from(PROGRAMS).map(lambda p: f'context.program == "{p}"'),
    st.lists(st.sampled_from(PROGRAMS), min_size=1, max_size=3).map(
        lambda ps: "[" + ", ".join(f'"{p}"' for p in ps) + "].contains(context.program)"),
    st.sampled_from(SUBS).map(lambda s: f'context.subcommand != "{s}"'),
    st.sampled_from(["context.read_only", "context.dynamic", 'context.flags.contains("-f")',
                     'context.file_path like "*.git*"', 'context.file_path like ".env"', "true", "false",
                     'context.task_type == "new_task"']),
)
expr = st.recursive(leaf, lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda t: f"({t[0]} && {t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]} || {t[1]})"),
    inner.map(lambda e: f"!({e})"),
), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(expr, st.sampled_from(PROGRAMS), st.sampled_from(SUBS), st.booleans(), st.booleans(),
       st.sampled_from(["", "src/.git/x", ".env", "a.py"]))
def test_property_prefilter_never_skips_a_request_cedar_would_forbid(condition, program, sub, read_only, dynamic,
                                                                      path):
    text = f"permit (principal, action, resource);\nforbid (principal, action, resource) when {{ {condition} }};"
    policies = [p for p in pyengine.parse(text) if p.effect == "forbid"]
    pre = Prefilter((p.actions, p.conditions) for p in policies)
    context = {"task_type": "new_task", "repo": "", "read_only": read_only, "program": program, "subcommand": sub,
               "dynamic": dynamic, "flags": ["-f"], "file_path": path}
    request = {"principal": {"type": "Agent::TaskAgent", "id": "new_task"},
               "action": {"type": "Agent::Action", "id": "run_command"},
               "resource": {"type": "Agent::BashCommand", "id": "command"}, "context": context}
    result = cedarpy.is_authorized(request, text, [])
    if not pre.needed(request):
        assert result.allowed, (condition, context, json.dumps(result.diagnostics.reasons))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "a", "a", "*", "*", "b", "\\*"]), max_size=10), st.data())
def test_property_like_in_the_prefilter_answers_exactly_as_cedar(pattern, data):
    """Strings near the pattern (wildcards filled, a character dropped or added) find the edge cases."""
    filled = "".join(data.draw(st.text(alphabet="aab*", max_size=2)) if t == "*" else t[-1] for t in pattern)
    path = data.draw(st.one_of(st.just(filled), st.text(alphabet="aab*", max_size=8),
                               st.integers(0, max(len(filled) - 1, 0)).map(lambda i: filled[:i] + filled[i + 1:]),
                               st.sampled_from("ab*").map(lambda c: filled + c)))
    text = f'permit (principal, action, resource);\nforbid (principal, action, resource) when {{ context.file_path like "{"".join(pattern)}" }};'
    policies = [p for p in pyengine.parse(text) if p.effect == "forbid"]
    pre = Prefilter((p.actions, p.conditions) for p in policies)
    request = {"principal": {"type": "Agent::TaskAgent", "id": "new_task"},
               "action": {"type": "Agent::Action", "id": "write_file"},
               "resource": {"type": "Agent::File", "id": "f"}, "context": {"file_path": path}}
    forbidden = not cedarpy.is_authorized(request, text, []).allowed
    assert pre.needed(request) == forbidden, (text, path)


def test_like_in_the_prefilter_answers_as_cedar_for_every_short_pattern():
    """Every pattern of up to 7 `a`s and wildcards against every string of up to 4 `a`s and `b`s: overlapping
    segments (`*aa*a*` against `aa`) are where a string-search matcher goes wrong, and random draws rarely reach
    them."""
    patterns = ["".join(p) for n in range(8) for p in itertools.product("a*", repeat=n)]
    paths = ["".join(p) for n in range(5) for p in itertools.product("ab", repeat=n)]
    wrong = []
    for pattern in patterns:
        text = f'permit (principal, action, resource);\nforbid (principal, action, resource) when {{ context.file_path like "{pattern}" }};'
        pre = Prefilter((p.actions, p.conditions) for p in pyengine.parse(text) if p.effect == "forbid")
        for path in paths:
            request = {"principal": {"type": "Agent::TaskAgent", "id": "new_task"},
                       "action": {"type": "Agent::Action", "id": "write_file"},
                       "resource": {"type": "Agent::File", "id": "f"}, "context": {"file_path": path}}
            if pre.needed(request) == cedarpy.is_authorized(request, text, []).allowed:
                wrong.append((pattern, path))
    assert wrong == []

