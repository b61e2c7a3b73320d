"""The hand-written fixture shape check agrees with schemas/parity-fixture.schema.json."""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.jsonschema_check import validate
from toolkit.parity.shape import shape_problems
from toolkit.resources import parity_fixtures_dir

FIXTURES = [json.loads(p.read_text()) for p in sorted(parity_fixtures_dir().glob("*.json"))]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3), st.sampled_from(["", "x", "allow"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["type", "id", "uid", "x"]),
                                                                          inner, max_size=3)),
    max_leaves=6,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "context", "tags", "attrs", "errored_rule_ids"]))] = draw(json_values)
    return doc


def test_every_bundled_fixture_fits_both_checks():
    for doc in FIXTURES:
        assert shape_problems(doc) == [] and validate(doc, "parity-fixture.schema.json") == []


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_property_fast_check_and_schema_accept_and_reject_the_same_documents(doc):
    assert bool(shape_problems(doc)) == bool(validate(doc, "parity-fixture.schema.json")), doc


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_property_arbitrary_json_is_judged_alike(doc):
    assert bool(shape_problems(doc)) == bool(validate(doc, "parity-fixture.schema.json"))
