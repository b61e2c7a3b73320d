"""Parity of the real policy files: the built-in tiers and blueprints over the tool-call corpus."""

from __future__ import annotations

import json
import shutil

import pytest

from toolkit.cedar import pyengine
from toolkit.cedar.wasm import WasmRunner
from toolkit.parity.compare import MISMATCH, PASS
from toolkit.parity.corpus import blueprint_cases, builtin_cases, coverage_gaps, load_corpus
from toolkit.parity.harness import run_cases
from toolkit.policies import load_builtins
from toolkit.resources import builtin_policies_dir, example_blueprint_path, parity_fixtures_dir

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def runner():
    with WasmRunner() as r:
        yield r


def test_corpus_hits_and_narrowly_misses_every_built_in_rule():
    assert coverage_gaps(load_builtins(None, 1 << 20), load_corpus()) == []


def test_corpus_gaps_are_named_when_a_rule_has_no_hit():
    calls = [c for c in load_corpus() if "rm_slash" not in c.hits["hard"]]
    gaps = coverage_gaps(load_builtins(None, 1 << 20), calls)
    assert gaps == ["rm_slash: no call in the corpus matches it"]


def test_built_in_tiers_decide_the_corpus_as_expected_in_both_engines(runner):
    report = run_cases(builtin_cases(load_builtins(None, 1 << 20), load_corpus()), runner)
    assert [r.name for r in report.results if not r.passed] == []
    assert len(report.results) == 2 * len(load_corpus())


def test_a_changed_built_in_rule_shows_up_as_a_corpus_mismatch(tmp_path, runner):
    shutil.copytree(builtin_policies_dir(), tmp_path / "builtins", ignore=shutil.ignore_patterns("__*"))
    hard = tmp_path / "builtins" / "hard_deny.cedar"
    hard.write_text(hard.read_text().replace('context.program == "rm" &&', 'context.program == "rmdir" &&'))
    builtins = load_builtins(tmp_path / "builtins", 1 << 20)
    # A platform's own built-ins are checked for agreement only; pin expectations by copying the bundled check.
    cases = builtin_cases(builtins, load_corpus())
    assert all(c.expected is None for c in cases)
    bundled = {c.name: c.expected for c in builtin_cases(load_builtins(None, 1 << 20), load_corpus())}
    cases = [type(c)(c.name, c.source, c.policies, c.entities, c.requests, bundled[c.name]) for c in cases]
    results = {r.name: r for r in run_cases(cases, runner).results}
    assert results["builtins/hard/rm_root"].status == MISMATCH
    assert results["builtins/hard/drop_table_upper"].status == PASS


@pytest.mark.parametrize("blueprint", [example_blueprint_path(), *sorted((FIXTURES / "good").iterdir())])
def test_blueprint_blocks_agree_between_engines_over_the_corpus(blueprint, runner):
    report = run_cases(blueprint_cases([blueprint], load_corpus(), 1 << 20), runner)
    assert report.results and all(r.passed for r in report.results)


def test_annotation_extraction_agrees_for_every_policy_set_the_toolkit_ships(runner):
    builtins = load_builtins(None, 1 << 20)
    texts = [builtins.text("hard"), builtins.text("soft")]
    texts += [json.loads(p.read_text())["policies"] for p in sorted(parity_fixtures_dir().glob("*.json"))]
    for text in texts:
        py = [p for p in pyengine.parse(text) if not p.is_template]
        js = runner.describe(text).policies
        assert [(p.policy_id, p.effect, p.annotations) for p in py] == [
            (p.policy_id, p.effect, p.annotations) for p in js
        ]
    hard = {p.annotations["rule_id"]: p.annotations for p in runner.describe(texts[1]).policies}
    assert hard["force_push_main"] == {
        "tier": "soft", "rule_id": "force_push_main", "approval_timeout_s": "600", "severity": "high",
        "category": "destructive",
    }
