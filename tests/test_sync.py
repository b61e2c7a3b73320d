"""`cedar-gates sync constants` and `sync types` over fixtures/sync: the exact findings per kind of drift."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import REPO

SYNC = REPO / "fixtures" / "sync"
CONFIG = SYNC / "cedar-gates.toml"
TYPES = SYNC / "types"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def findings(*args: str) -> tuple[int, list[tuple[str, str, int, str]]]:
    result = run(*args, "--format", "json")
    data = json.loads(result.stdout)
    return result.exit_code, [(f["code"], f["path"].rsplit("/", 1)[-1], f["line"], f["name"]) for f in data["findings"]]


def types(mirror: str) -> tuple[int, list[tuple[str, str, int, str]]]:
    return findings("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror", str(TYPES / mirror))


def test_the_clean_set_is_in_sync():
    code, found = findings("sync", "constants", "--config", str(CONFIG))
    # only the contract keys [sync.names] leaves out, which no consumer binds, are reported (CG204 warnings)
    assert code == 0 and {f[0] for f in found} <= {"CG204"}
    assert not {f[3] for f in found} & {"APPROVAL_GATE_CAP_MIN", "APPROVAL_GATE_CAP_MAX", "SEVERITIES"}
    assert findings("sync", "types", "--config", str(CONFIG)) == (0, [])


@pytest.mark.parametrize("mirror, expected", [
    ("mirror_clean.ts", []),
    ("mirror_reordered_union.ts", []),
    ("mirror_missing_export.ts", [("CG301", "mirror_missing_export.ts", 1, "ApprovalResponse")]),
    ("mirror_kind_mismatch.ts", [("CG303", "mirror_kind_mismatch.ts", 19, "ApprovalResponse")]),
    ("mirror_optional.ts", [("CG306", "mirror_optional.ts", 15, "ApprovalRequest.timeoutS")]),
    ("mirror_readonly.ts", [("CG307", "mirror_readonly.ts", 20, "ApprovalResponse.requestId")]),
    ("mirror_nested_union.ts", [("CG308", "mirror_nested_union.ts", 13, "ApprovalRequest.decision")]),
    ("mirror_inherited_member.ts", [("CG308", "mirror_inherited_member.ts", 6, "ApprovalRequest.createdAt"),
                                    ("CG308", "mirror_inherited_member.ts", 6, "Base.createdAt")]),
    ("mirror_unresolvable_reexport.ts", [("CG311", "mirror_unresolvable_reexport.ts", 34, "Page")]),
])
def test_each_kind_of_type_drift_is_found_exactly(mirror, expected):
    code, found = types(mirror)
    assert found == expected
    assert code == (1 if expected else 0)


def test_type_messages_say_which_side_is_canonical_and_what_to_change():
    out = run("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror",
              str(TYPES / "mirror_nested_union.ts")).stdout
    assert "in the canonical canonical.ts (the mirror lacks \"require_approval\")" in out
    assert 'fix: change it to `{ outcome: "allow" | "deny" | "require_approval"; ruleIds: string[] }`' in out
    out = run("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror",
              str(TYPES / "mirror_kind_mismatch.ts")).stdout
    assert "ApprovalResponse is a type in the mirror but an interface in the canonical canonical.ts" in out


def test_allowlists_silence_one_sided_exports(tmp_path):
    mirror = tmp_path / "m.ts"
    mirror.write_text((TYPES / "mirror_missing_export.ts").read_text() + "export type CliOnly = string;\n")
    shutil.copy(TYPES / "shared.ts", tmp_path / "shared.ts")
    code, found = findings("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror", str(mirror))
    assert {f[0] for f in found} == {"CG301", "CG302"}
    code, found = findings("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror", str(mirror),
                           "--canonical-only", "ApprovalResponse", "--mirror-only", "CliOnly")
    assert (code, found) == (0, [])


def test_const_values_and_enums_are_compared_by_value(tmp_path):
    shutil.copy(TYPES / "shared.ts", tmp_path / "shared.ts")
    text = (TYPES / "mirror_clean.ts").read_text()
    mirror = tmp_path / "m.ts"
    mirror.write_text(text.replace("GATE_CAP_DEFAULT = 50", "GATE_CAP_DEFAULT = 40")
                      .replace('Deny = "deny"', 'Deny = "denied"'))
    code, found = findings("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror", str(mirror))
    assert [(f[0], f[3]) for f in found] == [("CG310", "Outcome"), ("CG309", "GATE_CAP_DEFAULT")]


@pytest.mark.parametrize("files, mode, expected", [
    (["--python", "python/literal_redeclared.py"], "derive",
     [("CG202", "literal_redeclared.py", 11, "APPROVAL_GATE_CAP_MAX")]),
    (["--python", "python/mirror_mismatch.py"], "mirror",
     [("CG203", "mirror_mismatch.py", 4, "APPROVAL_TIMEOUT_MAX_S")]),
    (["--typescript", "ts/literal_redeclared.ts"], "derive",
     [("CG202", "literal_redeclared.ts", 7, "AGENT_REASON_MAX_CHARS")]),
    (["--typescript", "ts/mirror_mismatch.ts"], "mirror",
     [("CG203", "mirror_mismatch.ts", 3, "APPROVAL_GATE_CAP_DEFAULT")]),
    (["--python", "python/limits_mirrored.py", "--typescript", "ts/limits.ts"], "mirror", []),
])
def test_each_kind_of_constant_drift_is_found_exactly(files, mode, expected):
    args = [part if part.startswith("--") else str(SYNC / part) for part in files]
    code, found = findings("sync", "constants", "--config", str(CONFIG), *args, "--mode", mode)
    drift = [f for f in found if f[0] != "CG204"]
    assert drift == expected
    assert code == (1 if expected else 0)


def test_constant_findings_name_the_literal_the_contract_value_and_the_fix():
    out = run("sync", "constants", "--config", str(CONFIG), "--typescript", str(SYNC / "ts/mirror_mismatch.ts")).stdout
    assert "mirror_mismatch.ts:3:14: CG203 error: APPROVAL_GATE_CAP_DEFAULT mirrors 40 but contract key " \
           "approval_gate_cap.default is 50" in out
    assert "fix: change it to 50" in out


def test_unused_contract_keys_are_reported_as_warnings():
    code, found = findings("sync", "constants", "--config", str(CONFIG), "--python",
                           str(SYNC / "python/limits_mirrored.py"))
    assert code == 0
    mapped = {"APPROVAL_GATE_CAP_MIN", "APPROVAL_GATE_CAP_MAX", "APPROVAL_GATE_CAP_DEFAULT", "APPROVAL_TIMEOUT_MIN_S",
              "APPROVAL_TIMEOUT_MAX_S", "AGENT_REASON_MAX_CHARS", "SEVERITIES"}
    assert sorted(f[3] for f in found if f[0] == "CG204" and f[3] in mapped) == [
        "APPROVAL_GATE_CAP_DEFAULT", "APPROVAL_GATE_CAP_MAX", "APPROVAL_GATE_CAP_MIN"]


def test_one_off_runs_default_owned_names_to_upper_snake_case(tmp_path):
    consumer = tmp_path / "limits.py"
    consumer.write_text("APPROVAL_GATE_CAP_MIN = 2\nRECENT_DECISION_CACHE_TTL_S = 60\n")
    code, found = findings("sync", "constants", "--contract", str(SYNC / "contract.json"), "--python", str(consumer))
    assert code == 1
    assert [f for f in found if f[0] != "CG204"] == [("CG203", "limits.py", 1, "APPROVAL_GATE_CAP_MIN")]
    assert "RECENT_DECISION_CACHE_TTL_S" not in {f[3] for f in found}


def test_github_format_writes_workflow_commands():
    out = run("sync", "types", "--canonical", str(TYPES / "canonical.ts"), "--mirror",
              str(TYPES / "mirror_optional.ts"), "--format", "github").stdout
    assert out.startswith("::error file=")
    assert ",line=15,col=3,title=CG306 optional-differs::" in out


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"budget": {"min": 5, "max": 1}}', "budget: min 5 is greater than max 1"),
    ("[1, 2]", "a contract is a JSON object"),
])
def test_a_broken_contract_is_exit_2(tmp_path, content, message):
    contract = tmp_path / "c.json"
    contract.write_text(content)
    result = run("sync", "constants", "--contract", str(contract), "--python", str(SYNC / "python/limits_mirrored.py"))
    assert result.exit_code == 2 and message in result.stderr


def test_syntax_errors_are_exit_2_with_file_and_line(tmp_path):
    py = tmp_path / "bad.py"
    py.write_text("X = (\n")
    result = run("sync", "constants", "--python", str(py))
    assert result.exit_code == 2 and f"{py}:1" in result.stderr and "Python syntax error" in result.stderr
    ts = tmp_path / "bad.ts"
    ts.write_text("export const X = ;\n")
    result = run("sync", "types", "--canonical", str(ts), "--mirror", str(TYPES / "mirror_clean.ts"))
    assert result.exit_code == 2 and f"{ts}:1:18: TypeScript syntax error: Expression expected." in result.stderr


def test_missing_files_and_config_pointing_at_nothing_are_exit_2(tmp_path):
    result = run("sync", "types", "--canonical", str(tmp_path / "a.ts"), "--mirror", str(tmp_path / "b.ts"))
    assert result.exit_code == 2 and "file not found" in result.stderr
    (tmp_path / "cedar-gates.toml").write_text('[sync]\ncontract = "nope.json"\n')
    result = run("sync", "constants", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 2 and "sync.contract" in result.stderr
    (tmp_path / "cedar-gates.toml").write_text('[sync.names]\nX = "no.such.key"\n[[sync.consumers]]\npath = "x.py"\n')
    (tmp_path / "x.py").write_text("X = 1\n")
    result = run("sync", "constants", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 2 and "X -> no.such.key" in result.stderr
    result = run("sync", "types", "--config", str(tmp_path / "cedar-gates.toml"))
    assert result.exit_code == 2 and "nothing to compare" in result.stderr


def test_check_runs_the_configured_checkers():
    result = run("check", "--config", str(CONFIG))
    assert result.exit_code == 0
    assert "sync-constants PASS" in result.stdout and "sync-types     PASS" in result.stdout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.text(max_size=300))
def test_property_any_python_source_gives_findings_or_a_clear_error(tmp_path, source):
    consumer = tmp_path / "c.py"
    consumer.write_text(source, encoding="utf-8")
    result = runner.invoke(app, ["sync", "constants", "--python", str(consumer), "--format", "json"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unions_nested_in_generic_arguments_compare_as_sets(tmp_path):
    canonical, mirror = tmp_path / "a.ts", tmp_path / "b.ts"
    canonical.write_text('export type R = Promise<Map<string, { s: "a" | "b" | "c" }>>;\n')
    mirror.write_text('export type R = Promise<Map<string, { s: ("c" | "a") | "b" }>>;\n')
    assert findings("sync", "types", "--canonical", str(canonical), "--mirror", str(mirror)) == (0, [])
    mirror.write_text('export type R = Promise<Map<string, { s: "a" | "b" | "d" }>>;\n')
    result = run("sync", "types", "--canonical", str(canonical), "--mirror", str(mirror))
    assert result.exit_code == 1
    assert '(the mirror lacks "c"; the mirror adds "d")' in result.stdout


GENERIC = SYNC / "generic"
REEXPORT = SYNC / "reexport"


def test_any_json_contract_with_floats_strings_and_nested_settings_is_accepted():
    result = run("sync", "constants", "--contract", str(GENERIC / "contract.json"), "--schema",
                 str(GENERIC / "contract.schema.json"), "--python", str(GENERIC / "limits.py"),
                 "--typescript", str(GENERIC / "limits.ts"))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "in sync" in result.stdout


def test_drift_against_a_generic_contract_names_the_leaf_path():
    data = json.loads(run("sync", "constants", "--contract", str(GENERIC / "contract.json"), "--python",
                          str(GENERIC / "limits_drifted.py"), "--format", "json").stdout)
    found = [(f["code"], f["line"], f["name"]) for f in data["findings"]]
    assert found == [("CG203", 4, "MAX_BUDGET_USD_MAX"), ("CG203", 6, "WEBHOOK_HOST_SUFFIX")]


def test_range_invariants_are_checked_for_the_members_present():
    result = run("sync", "constants", "--contract", str(GENERIC / "contract_inverted.json"), "--python",
                 str(GENERIC / "limits.py"))
    assert result.exit_code == 2
    assert "max_budget_usd: min 100 is greater than default 5" in result.stderr
    assert "max_budget_usd: default 5 is greater than max 0.01" in result.stderr


def test_a_projects_own_schema_is_applied(tmp_path):
    contract = tmp_path / "c.json"
    contract.write_text('{"max_budget_usd": {"min": 0.01, "max": 100}, "webhook": {"min_secret_length": 8, '
                        '"host_suffix": "x"}, "retries": 3}')
    result = run("sync", "constants", "--contract", str(contract), "--schema", str(GENERIC / "contract.schema.json"),
                 "--python", str(GENERIC / "limits.py"))
    assert result.exit_code == 2
    assert "webhook/min_secret_length" in result.stderr and "webhook/host_suffix" in result.stderr


def test_configured_names_apply_to_one_off_runs(tmp_path):
    (tmp_path / "cedar-gates.toml").write_text('[sync.names]\nBUDGET_CAP = "max_budget_usd.max"\n')
    consumer = tmp_path / "c.py"
    consumer.write_text("BUDGET_CAP = 99\n")
    data = json.loads(run("sync", "constants", "--config", str(tmp_path / "cedar-gates.toml"), "--contract",
                          str(GENERIC / "contract.json"), "--python", str(consumer), "--format", "json").stdout)
    assert [(f["code"], f["name"]) for f in data["findings"] if f["code"] != "CG204"] == [("CG203", "BUDGET_CAP")]


def test_reexports_are_followed_into_sibling_modules_and_packages_are_one_warning():
    data = json.loads(run("sync", "types", "--canonical", str(REEXPORT / "api" / "types.ts"), "--mirror",
                          str(REEXPORT / "cli" / "types.ts"), "--format", "json").stdout)
    assert [(f["code"], f["level"], f["name"]) for f in data["findings"]] == [("CG311", "warning", "Stream")]
    assert data["exit_code"] == 0


def test_a_drifted_reexported_union_names_the_member_that_differs():
    data = json.loads(run("sync", "types", "--canonical", str(REEXPORT / "api" / "types.ts"), "--mirror",
                          str(REEXPORT / "cli" / "types_drifted.ts"), "--format", "json").stdout)
    errors = [(f["code"], f["line"], f["name"], f["message"]) for f in data["findings"] if f["level"] == "error"]
    assert [(c, line, n) for c, line, n, _ in errors] == [("CG308", 4, "Plan.tier"), ("CG308", 7, "RunStatus")]
    assert 'the mirror lacks "pro"; the mirror adds "team"' in errors[0][3]
    assert 'the mirror lacks "failed"' in errors[1][3]


def test_functions_and_classes_are_outside_the_contract_unless_asked_for():
    plain = json.loads(run("sync", "types", "--canonical", str(REEXPORT / "api" / "types.ts"), "--mirror",
                           str(REEXPORT / "cli" / "types.ts"), "--format", "json").stdout)
    assert not [f for f in plain["findings"] if f["name"] in ("toPlan", "ApiClient")]
    wide = json.loads(run("sync", "types", "--canonical", str(REEXPORT / "api" / "types.ts"), "--mirror",
                          str(REEXPORT / "cli" / "types.ts"), "--functions", "--format", "json").stdout)
    assert sorted(f["name"] for f in wide["findings"] if f["code"] == "CG301") == ["ApiClient", "toPlan"]
