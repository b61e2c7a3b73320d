"""Shards: a stable slice of the parity cases by name, and of the fuzzing seed space."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.parity.fuzz import shard_plan
from toolkit.parity.gate import in_shard, parse_shard
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


def test_a_shard_depends_on_case_names_not_on_files(tmp_path):
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


def test_in_shard_is_a_partition_for_any_name():
    for name in ("a", "builtins/hard/rm_root", "ünïcode", ""):
        assert sum(in_shard(name, (i, 5)) for i in range(1, 6)) == 1


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
