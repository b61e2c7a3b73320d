"""Shards: whole policy-set groups of the parity cases, balanced by requests; and slices of the fuzzing seed space."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.parity.fuzz import shard_plan
from toolkit.parity.gate import parse_shard
from toolkit.parity.shards import file_key, group_key, pack, plan
from toolkit.resources import parity_fixtures_dir

runner = CliRunner()


def names(*args: str) -> list[str]:
    result = runner.invoke(app, ["parity", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return [case["name"] for case in json.loads(result.stdout)["cases"]]


def test_shards_cover_every_case_exactly_once():
    everything = names()
    parts = [names("--shard", f"{i}/3") for i in (1, 2, 3)]
    assert sorted(sum(parts, [])) == sorted(everything)
    assert all(parts) and len(set(sum(parts, []))) == len(everything)


def test_a_shard_depends_on_file_contents_not_on_names_or_order(tmp_path):
    renamed = tmp_path / "fixtures"
    renamed.mkdir()
    for i, path in enumerate(sorted(parity_fixtures_dir().glob("*.json"), reverse=True)):
        shutil.copy(path, renamed / f"{i:03d}-{path.stem[::-1]}.json")
    original = names(str(parity_fixtures_dir()), "--shard", "2/4")
    moved = names(str(renamed), "--shard", "2/4")
    assert sorted(original) == sorted(moved)


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3", "1/0"])
def test_bad_shards_are_usage_errors(text):
    with pytest.raises(ValueError):
        parse_shard(text)
    assert runner.invoke(app, ["parity", "--shard", text]).exit_code == 2


def test_fuzz_shards_split_the_cases_and_the_seed_space():
    plans = [shard_plan(100, 7, (i, 3)) for i in (1, 2, 3)]
    assert sum(cases for cases, _ in plans) == 100
    assert len({seed for _, seed in plans}) == 3


def test_packing_is_a_partition_for_any_weights():
    weights = {f"k{i}": (i * 37) % 11 + 1 for i in range(60)}
    for n in (1, 2, 5, 70):
        where = pack(weights, n)
        assert set(where) == set(weights) and all(0 <= s < n for s in where.values())


def test_parallel_workers_give_the_same_report_as_one_process(monkeypatch):
    from toolkit.cedar.wasm import WasmRunner
    from toolkit.config import Config
    from toolkit.parity import gate
    from toolkit.parity.gate import run_parity

    monkeypatch.setattr(gate, "MIN_CASES_PER_JOB", 10)
    config = Config(root=parity_fixtures_dir())
    assert len(gate._split(list(range(47)), 3)) == 3 and len(gate._split(list(range(47)), 1)) == 1
    with WasmRunner() as runner:
        serial = run_parity(config, include_policies=True, runner=runner, jobs=1)
        parallel = run_parity(config, include_policies=True, runner=runner, jobs=3)
    assert [(r.name, r.status, r.classes) for r in parallel.results] == \
        [(r.name, r.status, r.classes) for r in serial.results]
    assert parallel.exit_code == serial.exit_code == 0


def test_small_batches_in_flight_give_the_same_report_as_one_batch(monkeypatch):
    from toolkit.cedar.wasm import WasmRunner
    from toolkit.config import Config
    from toolkit.parity import gate
    from toolkit.parity.gate import run_parity

    config = Config(root=parity_fixtures_dir())
    with WasmRunner() as runner:
        whole = run_parity(config, include_policies=False, runner=runner)
        monkeypatch.setattr(gate, "BATCH_FILES", 7)
        batched = run_parity(config, include_policies=False, runner=runner)
    assert len(whole.results) > 7 * 3
    assert [(r.name, r.status, r.classes, r.cedarpy, r.wasm) for r in batched.results] == \
        [(r.name, r.status, r.classes, r.cedarpy, r.wasm) for r in whole.results]


def test_help_states_the_real_worker_threshold():
    from toolkit.parity.harness import MIN_CASES_PER_JOB

    text = " ".join(runner.invoke(app, ["parity", "run", "--help"], terminal_width=200).stdout.split())
    assert f"fewer than {MIN_CASES_PER_JOB:,} cases per worker" in text


def _write(folder, name, policies, entities, principal="u0"):
    doc = {"name": name, "policies": policies, "entities": entities,
           "input": {"principal": {"type": "User", "id": principal}, "action": {"type": "Action", "id": "a"},
                     "resource": {"type": "R", "id": "r"}, "context": {}},
           "expected": {"decision": "allow", "matching_rule_ids": ["p"]}}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def test_fixtures_sharing_a_policy_set_and_store_land_in_one_shard_and_shards_partition(tmp_path):
    import random

    rng = random.Random(3)
    groups = {}
    for g in range(23):
        policies = f'@rule_id("p")\npermit (principal, action, resource) when {{ context has x{g} || true }};'
        entities = [{"uid": {"type": "User", "id": f"u{e}"}, "attrs": {"n": g}, "parents": []} for e in range(g % 4)]
        for k in range(rng.randrange(1, 30)):
            path = _write(tmp_path, f"g{g:02d}_{k:02d}", policies, entities, principal=f"u{k % 3}")
            groups[str(path)] = g
    files = sorted(groups)
    keys = [file_key(f) for f in files]
    by_key = {}
    for f, k in zip(files, keys):
        by_key.setdefault(k, set()).add(groups[f])
    assert all(len(v) == 1 for v in by_key.values()) and len(by_key) == 23  # one key per group, exactly
    for n in (2, 3, 4, 7):
        owners = {}
        loads = None
        for i in range(1, n + 1):
            mine, _, info = plan(keys, [], (i, n))
            loads = info.loads
            for f, keep in zip(files, mine):
                if keep:
                    assert f not in owners, "a case in two shards"
                    owners[f] = i
        assert set(owners) == set(files), "a case in no shard"
        for g in range(23):
            assert len({owners[f] for f in files if groups[f] == g}) == 1, "a group split over shards"
        # balance: greedy packing keeps every shard within one largest group of the even share
        largest = max(sum(1 for f in files if groups[f] == g) for g in range(23))
        assert max(loads) <= len(files) / n + largest
        assert max(loads) - min(loads) <= largest


def test_the_plan_ignores_paths_and_order(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for g in range(9):
        for k in range(g + 1):
            _write(a, f"x{g}_{k}", f'@rule_id("p")\npermit (principal, action, resource) when {{ {g} == {g} }};', [])
    for i, path in enumerate(sorted(a.glob("*.json"), reverse=True)):
        shutil.copy(path, b / f"{i:03d}.json")

    def shard_names(folder, i):
        files = sorted(str(p) for p in folder.glob("*.json"))
        mine, _, _ = plan([file_key(f) for f in files], [], (i, 3))
        return sorted(json.loads(open(f).read())["name"] for f, keep in zip(files, mine) if keep)

    for i in (1, 2, 3):
        assert shard_names(a, i) == shard_names(b, i)


@pytest.mark.parametrize("doc", [
    {"name": "n", "policies": "p", "entities": [{"uid": {"type": "T", "id": "i"}, "attrs": {"input": [1], "name": 2}}],
     "input": {}},
    {"entities": [], "name": "n", "input": {"context": {"entities": "x"}}, "policies": "p \"q\""},
    {"name": "n", "policies": "p", "input": {}},
    {"name": "n", "policies": "p", "input": {}, "entities": [{"uid": {"type": "T", "id": "]"}}]},
])
@pytest.mark.parametrize("indent", [None, 2])
def test_the_fast_group_key_agrees_with_the_exact_walk(doc, indent):
    from toolkit.parity.shards import _exact_key, _fast_key

    text = json.dumps(doc, indent=indent).encode()
    fast = _fast_key(text)
    assert group_key(text) == _exact_key(text.decode())
    assert fast is None or fast == _exact_key(text.decode())


def test_reports_name_the_shard():
    text = runner.invoke(app, ["parity", "--shard", "2/3"]).stdout
    assert "shard 2/3:" in text and "in shard 2/3:" in text.splitlines()[-1]
    report = json.loads(runner.invoke(app, ["parity", "--shard", "2/3", "--format", "json"]).stdout)
    assert report["shard"]["label"] == "2/3" and report["shard"]["requests"] <= report["shard"]["total_requests"]
    assert json.loads(runner.invoke(app, ["parity", "--format", "json"]).stdout)["shard"] is None
    junit = runner.invoke(app, ["parity", "--shard", "1/3", "--format", "junit"]).stdout
    assert 'name="cedar-gates parity (shard 1/3)"' in junit


def test_an_empty_shard_passes(tmp_path):
    _write(tmp_path, "only", '@rule_id("p")\npermit (principal, action, resource);', [])
    results = [runner.invoke(app, ["parity", str(tmp_path), "--shard", f"{i}/2", "--format", "json"]) for i in (1, 2)]
    assert [r.exit_code for r in results] == [0, 0]
    assert sorted(len(json.loads(r.stdout)["cases"]) for r in results) == [0, 1]


def test_with_workers_the_parent_starts_no_runner(monkeypatch):
    from toolkit.cedar.wasm import WasmRunner
    from toolkit.config import Config
    from toolkit.parity import gate
    from toolkit.parity.gate import run_parity

    monkeypatch.setattr(gate, "MIN_CASES_PER_JOB", 10)
    parent = WasmRunner()
    try:
        report = run_parity(Config(root=parity_fixtures_dir()), include_policies=True, runner=parent, jobs=2)
        assert parent.starts == 0 and not parent.running  # the workers ran everything, the policy files included
        assert report.exit_code == 0 and report.runner_starts == 2 and report.runner is not None
        assert any(r.name.startswith("builtins/") or "/" in r.name for r in report.results)
        serial = run_parity(Config(root=parity_fixtures_dir()), include_policies=True, runner=parent, jobs=1)
        assert parent.starts == 1  # one process: it runs the cases itself
        assert [r.name for r in serial.results] == [r.name for r in report.results]
    finally:
        parent.close()
