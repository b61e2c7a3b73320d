"""The constants contract is the single source of limits, and a broken one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.contract import load_constants
from toolkit.errors import ContractError
from toolkit.resources import constants_path

REPO = Path(__file__).resolve().parent.parent


def test_bundled_contract_values():
    c = load_constants()
    assert (c.approval_gate_cap.min, c.approval_gate_cap.max, c.approval_gate_cap.default) == (1, 500, 50)
    assert (c.approval_timeout_s.min, c.approval_timeout_s.max, c.approval_timeout_s.default) == (30, 3600, 300)
    assert c.approval_timeout_warn_s == 120 and c.policies_max_bytes == 65536
    assert c.recent_decision_cache_entries == 50 and c.recent_decision_cache_ttl_s == 60
    assert (c.approval_rate_limit, c.approval_rate_window_s) == (20, 60)
    assert c.agent_reason_max_chars == 500 and c.deny_reason_max_length == 2000
    assert c.default_max_lifetime_s == 28800 and c.lifetime_cleanup_margin_s == 120


def _write(tmp_path: Path, **changes) -> Path:
    data = json.loads(constants_path().read_text())
    for dotted, value in changes.items():
        target = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            del target[leaf]
        else:
            target[leaf] = value
    path = tmp_path / "constants.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"approval_gate_cap__default": 900}, "approval_gate_cap: expected min <= default <= max"),
        ({"approval_timeout_s__min": 0}, "approval_timeout_s.min must be > 0"),
        ({"approval_timeout_s__warn_below": 5000}, "warn_below"),
        ({"policies_max_bytes": "big"}, "policies_max_bytes"),
        ({"rule_id_max_length": None}, "rule_id_max_length"),
        ({"default_severity": "urgent"}, "default_severity"),
    ],
)
def test_broken_contract_is_a_clear_error(tmp_path, changes, fragment):
    with pytest.raises(ContractError) as info:
        load_constants(_write(tmp_path, **changes))
    assert fragment in str(info.value) and "constants.json" in str(info.value)


def test_contract_that_is_not_json(tmp_path):
    path = tmp_path / "constants.json"
    path.write_text("{ nope")
    with pytest.raises(ContractError) as info:
        load_constants(path)
    assert ":1:" in str(info.value)


def test_lint_limits_follow_the_contract(tmp_path):
    """Changing the contract changes what the linter enforces: no literal copies in code."""
    from toolkit.config import Config
    from toolkit.lint.runner import Linter

    path = _write(tmp_path, approval_gate_cap__max=1000)
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text("security:\n  approvalGateCap: 900\n")
    assert Linter.from_config(Config(root=tmp_path)).lint_file(blueprint).findings[0].code == "CG051"
    assert Linter.from_config(Config(root=tmp_path, constants=path)).lint_file(blueprint).findings == []


def test_no_limit_literals_in_lint_rules():
    rules_dir = REPO / "toolkit" / "lint" / "rules"
    for source in rules_dir.glob("*.py"):
        text = source.read_text()
        for literal in ("65536", "65_536", "3600", "500", " 30 ", "120"):
            assert literal not in text, f"{source.name} repeats the contract value {literal}"
