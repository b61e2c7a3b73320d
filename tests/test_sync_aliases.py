"""`sync types` over `as const` objects: `typeof X[keyof typeof X]` is the union of X's values; and CG204 for
contract keys left out of [sync.names]."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import REPO

SYNC = REPO / "fixtures" / "sync"
ALIASES = SYNC / "aliases"
runner = CliRunner()


def findings(*args: str):
    result = runner.invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    data = json.loads(result.stdout)
    return result.exit_code, data["findings"]


def pair(canonical: str, mirror: str):
    return findings("sync", "types", "--canonical", str(ALIASES / canonical), "--mirror", str(ALIASES / mirror))


@pytest.mark.parametrize("canonical", ["canonical.ts", "canonical_reexport.ts"])
def test_a_literal_union_of_the_same_values_is_in_sync(canonical):
    assert pair(canonical, "mirror.ts") == (0, [])


@pytest.mark.parametrize("canonical", ["canonical.ts", "canonical_reexport.ts"])
def test_a_drifted_value_is_found_and_the_fix_names_only_literals(canonical):
    code, found = pair(canonical, "mirror_drift.ts")
    assert code == 1
    assert sorted((f["code"], f["name"]) for f in found) == [("CG308", "Task.status"), ("CG308", "TaskStatus")]
    for f in found:
        assert 'lacks "cancelled"' in f["message"] and 'adds "canceled"' in f["message"]
        assert "typeof" not in f["fix"] and "keyof" not in f["fix"]
        assert '"cancelled"' in f["fix"] and '"timed_out"' in f["fix"]


def test_the_parenthesised_form_and_keyof_resolve_too(tmp_path):
    (tmp_path / "a.ts").write_text(
        "export const Mode = { On: 'on', Off: 'off', Count: 3, Flag: true } as const;\n"
        "export type Mode = (typeof Mode)[keyof typeof Mode];\n"
        "export type ModeKey = keyof typeof Mode;\n"
        "export const Loose = { A: 'a', B: 2 };\n"
        "export type Loose = typeof Loose[keyof typeof Loose];\n")
    (tmp_path / "b.ts").write_text(
        "export type Mode = 'off' | 3 | true | 'on';\n"
        "export type ModeKey = 'On' | 'Off' | 'Count' | 'Flag';\n"
        "export const Loose = { A: 'a', B: 2 };\n"
        "export type Loose = string | number;\n")  # without `as const` the values widen, as in TypeScript
    code, found = findings("sync", "types", "--canonical", str(tmp_path / "a.ts"), "--mirror", str(tmp_path / "b.ts"))
    assert (code, found) == (0, [])


def test_a_fix_never_names_a_symbol_the_mirror_lacks(tmp_path):
    (tmp_path / "a.ts").write_text(
        "interface Inner { x: string }\n"
        "export interface Outer { inner: Inner; other: number }\n")
    (tmp_path / "b.ts").write_text("export interface Outer { inner: { x: string } }\n")
    code, found = findings("sync", "types", "--canonical", str(tmp_path / "a.ts"), "--mirror", str(tmp_path / "b.ts"))
    assert code == 1
    by_name = {f["name"]: f for f in found}
    assert "Inner" not in by_name["Outer.inner"]["fix"]
    assert "other: number" in by_name["Outer.other"]["fix"]


def test_contract_keys_outside_sync_names_still_get_cg204():
    code, found = findings("sync", "constants", "--config", str(SYNC / "cedar-gates.toml"))
    assert code == 0
    unused = {f["name"]: f for f in found if f["code"] == "CG204"}
    # mapped in [sync.names] and bound: no warning; left out of [sync.names] and bound by no consumer: a warning
    assert "APPROVAL_GATE_CAP_MAX" not in unused
    assert {"POLICIES_MAX_BYTES", "DEFAULT_SEVERITY", "CATEGORIES"} <= set(unused)
    assert "not in sync.names" in unused["CATEGORIES"]["message"]
    assert all(f["level"] == "warning" for f in unused.values())


def test_a_key_outside_sync_names_bound_by_its_default_name_is_checked(tmp_path):
    (tmp_path / "contract.json").write_text(json.dumps({"a": 1, "b": 2}))
    (tmp_path / "limits.py").write_text("A_NAME = 1\nB = 3\n")
    (tmp_path / "cedar-gates.toml").write_text(
        '[sync]\ncontract = "contract.json"\n[sync.names]\nA_NAME = "a"\n'
        '[[sync.consumers]]\npath = "limits.py"\nmode = "mirror"\n')
    code, found = findings("sync", "constants", "--config", str(tmp_path / "cedar-gates.toml"))
    assert code == 1 and [(f["code"], f["name"]) for f in found] == [("CG203", "B")]
