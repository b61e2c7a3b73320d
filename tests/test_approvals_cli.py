"""`cedar-gates approvals …` through typer's CliRunner (and one real subprocess), text and JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.test_approvals_store import _pg_schema_dsn, decision, park, pg_dsn  # noqa: F401 - pg_dsn is a fixture
from toolkit.approvals import ApprovalService
from toolkit.approvals.location import ENV_STORE
from toolkit.cli import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path, monkeypatch):
    location = str(tmp_path / "approvals.sqlite3")
    monkeypatch.setenv(ENV_STORE, location)
    return location


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, ["approvals", *args], input=input)


def test_list_show_approve_history_in_text_and_json(store):
    svc = ApprovalService.open(store)
    r = park(svc, {"command": "git push origin main \x1b[2J"}, agent_type="Explore")
    out = cli("list")
    assert out.exit_code == 0 and r.id in out.output and "Bash" in out.output and "soft.git_push" in out.output
    assert "\x1b" not in out.output and "Explore" in out.output
    listed = json.loads(cli("list", "--format", "json").output)
    assert [x["id"] for x in listed["requests"]] == [r.id] and store in listed["store"]
    shown = cli("show", r.id)
    assert shown.exit_code == 0 and r.input_sha256 in shown.output and "this_call" in shown.output
    assert json.loads(cli("show", r.id, "-f", "json").output)["input_sha256"] == r.input_sha256
    done = cli("approve", r.id, "--scope", "bash_pattern:git push *", "--input-sha256", r.input_sha256, "--by", "ann")
    assert done.exit_code == 0 and "approved" in done.output and "session grant gr-" in done.output
    again = cli("approve", r.id)
    assert again.exit_code == 1 and "already approved by ann" in again.output
    assert cli("list").output.strip() == "no pending approval requests"
    history = json.loads(cli("history", "-f", "json").output)["requests"]
    assert history[0]["status"] == "approved" and history[0]["scope"] == "bash_pattern:git push *"
    assert r.id in cli("history").output


def test_approve_refusals_exit_1_and_change_nothing(store):
    r = park(ApprovalService.open(store))
    for args, words in ((["--input-sha256", "ab" * 32], "sha256"), (["--scope", "bash_pattern:**"], "degenerate"),
                        (["--scope", "all_session"], "--yes")):
        out = cli("approve", r.id, *args)
        assert out.exit_code == 1 and words in out.output, out.output
    assert json.loads(cli("show", r.id, "-f", "json").output)["status"] == "pending"
    assert cli("approve", "ap-missing").exit_code == 1


def test_a_session_wide_scope_with_yes_or_a_prompt(store, monkeypatch):
    svc = ApprovalService.open(store)
    r1, r2 = park(svc), park(svc)
    out = cli("approve", r1.id, "--scope", "tool_type_session", "--yes", "-f", "json")
    assert out.exit_code == 0 and json.loads(out.output)["grant"]["scope"] == "tool_type:Bash"
    import toolkit.cli.approvals as module

    monkeypatch.setattr(module, "_interactive", lambda: True)

    monkeypatch.setattr(module.typer, "confirm", lambda *a, **k: False)
    refused = cli("approve", r2.id, "--scope", "all_session")
    assert refused.exit_code == 1
    monkeypatch.setattr(module.typer, "confirm", lambda *a, **k: True)
    assert cli("approve", r2.id, "--scope", "all_session").exit_code == 0


def test_deny_redacts_and_shows_the_envelope(store):
    r = park(ApprovalService.open(store))
    assert cli("deny", r.id).exit_code == 2  # --reason is required: a usage error
    out = cli("deny", r.id, "--reason", "use the read-only token ghp_" + "b" * 36 + " instead", "-f", "json")
    assert out.exit_code == 0
    data = json.loads(out.output)
    assert data["status"] == "denied" and "b" * 36 not in out.output and "[REDACTED]" in data["deny_reason"]
    assert data["envelope"].startswith(f'<user_denial request_id="{r.id}"')
    assert cli("deny", r.id, "--reason", "x").exit_code == 1


def test_grants_and_revoke(store):
    svc = ApprovalService.open(store)
    a, b = park(svc, session="s1"), park(svc, session="s2")
    svc.approve(a.id, "tool_type:Bash", by="x")
    svc.approve(b.id, "rule:soft.git_push", by="x")
    grants = json.loads(cli("grants", "--session", "s1", "-f", "json").output)["grants"]
    assert [g["scope"] for g in grants] == ["tool_type:Bash"]
    assert "rule:soft.git_push" in cli("grants").output
    out = cli("revoke", grants[0]["id"])
    assert out.exit_code == 0 and "revoked" in out.output
    assert cli("revoke", grants[0]["id"]).exit_code == 1
    assert cli("revoke", "gr-nope").exit_code == 1
    assert cli("grants", "--session", "s1").output.strip() == "no session grants"
    assert "revoked" in cli("grants", "--session", "s1", "--all").output


def test_cancel_and_watch(store):
    svc = ApprovalService.open(store)
    r = park(svc)
    out = cli("watch", "--exit-after", "0", "-f", "json")
    events = [json.loads(line) for line in out.output.splitlines()]
    assert out.exit_code == 0 and events[0]["event"] == "pending" and events[0]["id"] == r.id
    assert "[pending]" in cli("watch", "--exit-after", "0").output
    assert cli("cancel", r.id).exit_code == 0
    assert json.loads(cli("show", r.id, "-f", "json").output)["status"] == "cancelled"
    assert cli("cancel", r.id, "-f", "json").exit_code == 1


def test_watch_reports_an_outcome(store):
    import threading

    svc = ApprovalService.open(store)
    r = park(svc)
    timer = threading.Timer(0.3, lambda: ApprovalService.open(store).deny(r.id, "no", by="z"))
    timer.start()
    out = cli("watch", "--interval", "0.1", "--exit-after", "1")
    timer.join()
    assert "[pending]" in out.output and "[settled]" in out.output and "denied" in out.output


def test_store_errors_exit_2_and_name_the_store_and_the_fix(tmp_path, monkeypatch):
    bad = tmp_path / "bad.sqlite3"
    bad.mkdir()
    out = cli("list", "--store", str(bad))
    assert out.exit_code == 2 and "bad.sqlite3" in out.output and "[approvals] store" in out.output
    out = cli("list", "--store", "postgresql://u:pw@127.0.0.1:1/x?connect_timeout=2")
    assert out.exit_code == 2 and "pw@" not in out.output and "server is running" in out.output


def test_the_configured_store_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_STORE, raising=False)
    (tmp_path / "cedar-gates.toml").write_text('[approvals]\nstore = "inbox/a.sqlite3"\n')
    r = park(ApprovalService.open(str(tmp_path / "inbox" / "a.sqlite3")))
    out = cli("list", "--config", str(tmp_path / "cedar-gates.toml"))
    assert out.exit_code == 0 and r.id in out.output
    (tmp_path / "bad.toml").write_text('[approvals]\nstore = 3\n')
    assert cli("list", "--config", str(tmp_path / "bad.toml")).exit_code == 2


def test_the_cli_on_postgresql(pg_dsn, monkeypatch):  # noqa: F811 - the fixture
    dsn = _pg_schema_dsn(pg_dsn)
    monkeypatch.setenv(ENV_STORE, dsn)
    r = park(ApprovalService.open(dsn))
    assert cli("approve", r.id, "--scope", "tool_type:Bash").exit_code == 0
    assert json.loads(cli("grants", "-f", "json").output)["grants"][0]["request_id"] == r.id


def test_the_installed_command(store):
    r = park(ApprovalService.open(store))
    proc = subprocess.run([sys.executable, "-c", "from toolkit.entry import main; main()", "approvals", "deny", r.id, "--reason", "later"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "denied" in proc.stdout
