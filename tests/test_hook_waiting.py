"""`[hook] approvals = "wait"`: an ask is parked in the approval store and answered when a human decides."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from toolkit.approvals import ApprovalService
from toolkit.hook.service import HookOptions, handle

from .test_hook import event, permission

PUSH = {"command": "git push origin main"}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "cedar-gates.toml").write_text('[hook]\napprovals = "wait"\n[approvals]\nstore = "approvals.sqlite3"\n')
    return root


def _hook(project, tool_input, tool_use_id="t1", session="s1", environ=None, **extra):
    raw = event(tool_input=tool_input, tool_use_id=tool_use_id, session=session, cwd=str(project), **extra)
    return handle(raw, HookOptions(), environ={"CLAUDE_PROJECT_DIR": str(project), **(environ or {})})


def _service(project) -> ApprovalService:
    return ApprovalService.open(str(project / "approvals.sqlite3"))


def _pending(project, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (project / "approvals.sqlite3").exists():
            found = _service(project).pending()
            if found:
                return found[0]
        time.sleep(0.05)
    raise AssertionError("no request was parked")


def _in_background(fn, *args, **kwargs):
    pool = ThreadPoolExecutor(1)
    return pool, pool.submit(fn, *args, **kwargs)


def test_an_approval_with_a_scope_allows_the_call_and_becomes_a_session_grant(project):
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    assert request.tool_name == "Bash" and request.rule_ids == ("push_to_protected_branch",)
    _service(project).approve(request.id, "bash_pattern:git push origin *", by="alice")
    result = waiting.result(timeout=30)
    pool.shutdown()
    assert result.exit_code == 0 and permission(json.loads(result.stdout)) == "allow"
    assert "alice" in json.loads(result.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    again = _hook(project, {"command": "git push origin release/1"}, tool_use_id="t2")
    assert permission(json.loads(again.stdout)) == "allow"  # no new request: the grant holds
    assert _service(project).pending() == []
    log = [json.loads(line) for line in (project / ".cedar-gates" / "hook-decisions.jsonl").read_text().splitlines()]
    assert [r["event"] for r in log][:2] == ["approval_requested", "PreToolUse"]
    decided = log[1]
    assert decided["resolution"]["scope"] == "bash_pattern:git push origin *" and decided["final"] == "allow"
    assert decided["approval"]["decided_by"] == "alice" and decided["approval"]["time_to_decide_s"] >= 0


def test_a_denial_reaches_the_model_inside_the_envelope_and_is_cached(project):
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    _service(project).deny(request.id, "push to a branch and open a PR instead", by="bob")
    result = waiting.result(timeout=30)
    pool.shutdown()
    answer = json.loads(result.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert answer["permissionDecisionReason"].startswith("<user_denial") and "open a PR instead" in answer[
        "permissionDecisionReason"]
    retry = _hook(project, PUSH, tool_use_id="t2")
    assert permission(json.loads(retry.stdout)) == "deny" and _service(project).pending() == []


def test_a_timeout_denies(project):
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    with sqlite3.connect(project / "approvals.sqlite3") as db:  # bring the deadline close instead of waiting 300 s
        db.execute("UPDATE approval_requests SET deadline = ? WHERE id = ?", (time.time() + 0.5, request.id))
    result = waiting.result(timeout=30)
    pool.shutdown()
    assert permission(json.loads(result.stdout)) == "deny"
    assert _service(project).get(request.id).status == "timed_out"


def test_the_session_lock_is_not_held_while_waiting(project):
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    started = time.monotonic()
    other = _hook(project, {"command": "rm -rf /"}, tool_use_id="t2")
    assert permission(json.loads(other.stdout)) == "deny" and time.monotonic() - started < 5
    _service(project).approve(request.id, "this_call", by="alice")
    assert permission(json.loads(waiting.result(timeout=30).stdout)) == "allow"
    pool.shutdown()


def test_auto_prompts_in_attended_sessions_and_waits_in_headless_ones(project):
    (project / "cedar-gates.toml").write_text('[hook]\napprovals = "auto"\n[approvals]\nstore = "approvals.sqlite3"\n')
    attended = _hook(project, PUSH, environ={"CLAUDE_CODE_SESSION_ATTENDED": "1"})
    assert permission(json.loads(attended.stdout)) == "ask"
    pool, waiting = _in_background(_hook, project, PUSH, "t2", "s2", {"CLAUDE_CODE_SESSION_ATTENDED": "0"})
    request = _pending(project)
    _service(project).approve(request.id, "this_call", by="alice")
    assert permission(json.loads(waiting.result(timeout=30).stdout)) == "allow"
    pool.shutdown()


def test_a_store_that_cannot_be_written_blocks(project):
    (project / "cedar-gates.toml").write_text('[hook]\napprovals = "wait"\n[approvals]\nstore = "nowhere/x/a.sqlite3"\n')
    (project / "nowhere").write_text("a file where a directory should be")
    result = _hook(project, PUSH)
    assert result.exit_code == 2 and json.loads(result.stdout)["decision"] == "block"


HEADLESS = {"CLAUDE_CODE_SESSION_ATTENDED": "0"}


def _defer_mode(project):
    (project / "cedar-gates.toml").write_text('[hook]\napprovals = "defer"\n[approvals]\nstore = "approvals.sqlite3"\n')


def test_defer_parks_the_ask_and_the_resumed_call_gets_the_decision(project):
    _defer_mode(project)
    first = json.loads(_hook(project, PUSH, environ=HEADLESS).stdout)["hookSpecificOutput"]
    assert first["permissionDecision"] == "defer"
    request = _service(project).pending()[0]
    assert request.id in first["permissionDecisionReason"]
    still = json.loads(_hook(project, PUSH, environ=HEADLESS).stdout)  # resumed before anyone decided
    assert permission(still) == "defer" and len(_service(project).pending()) == 1
    _service(project).approve(request.id, "rule:push_to_protected_branch", by="carol")
    resumed = json.loads(_hook(project, PUSH, environ=HEADLESS).stdout)
    assert permission(resumed) == "allow"
    later = json.loads(_hook(project, {"command": "git push origin prod"}, tool_use_id="t2", environ=HEADLESS).stdout)
    assert permission(later) == "allow"  # the approved rule scope is a session grant now


def test_a_deferred_call_denied_meanwhile_is_denied_on_resume(project):
    _defer_mode(project)
    _hook(project, PUSH, environ=HEADLESS)
    request = _service(project).pending()[0]
    _service(project).deny(request.id, "use the release pipeline", by="dave")
    resumed = json.loads(_hook(project, PUSH, environ=HEADLESS).stdout)["hookSpecificOutput"]
    assert resumed["permissionDecision"] == "deny" and "release pipeline" in resumed["permissionDecisionReason"]


def test_a_resumed_call_with_another_input_is_not_approved_by_the_old_answer(project):
    _defer_mode(project)
    _hook(project, PUSH, environ=HEADLESS)
    request = _service(project).pending()[0]
    _service(project).approve(request.id, "this_call", by="carol")
    swapped = _hook(project, {"command": "git push origin main --force"}, environ=HEADLESS)
    assert swapped.exit_code == 2 or permission(json.loads(swapped.stdout)) != "allow"


def test_defer_in_an_attended_session_prompts(project):
    _defer_mode(project)
    assert permission(json.loads(_hook(project, PUSH, environ={"CLAUDE_CODE_SESSION_ATTENDED": "1"}).stdout)) == "ask"


def test_a_parked_ask_is_announced_to_the_configured_webhook_without_the_input(project):
    import http.server

    received = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (project / "cedar-gates.toml").write_text(
        '[hook]\napprovals = "wait"\n[approvals]\nstore = "approvals.sqlite3"\n'
        f'[approvals.notify]\nwebhooks = [{{url = "http://127.0.0.1:{server.server_port}/hook", secret = "a-webhook-secret-of-some-length"}}]\n')
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    for _ in range(100):
        if received:
            break
        time.sleep(0.05)
    _service(project).approve(request.id, "this_call", by="alice")
    assert permission(json.loads(waiting.result(timeout=30).stdout)) == "allow"
    pool.shutdown()
    server.shutdown()
    assert len(received) == 1 and request.id in json.dumps(received[0])
    assert "git push" not in json.dumps(received)  # never the input
    log = (project / ".cedar-gates" / "hook-decisions.jsonl").read_text()
    assert '"approval_notified"' in log


def test_a_revoked_grant_stops_allowing_at_the_next_call(project):
    pool, waiting = _in_background(_hook, project, PUSH)
    request = _pending(project)
    service = _service(project)
    service.approve(request.id, "bash_pattern:git push origin *", by="alice")
    assert permission(json.loads(waiting.result(timeout=30).stdout)) == "allow"
    pool.shutdown()
    grant = service.grants("s1")[0]
    service.revoke(grant.id, by="alice")
    pool, again = _in_background(_hook, project, {"command": "git push origin release/2"}, "t2")
    second = _pending(project)  # asked again: the grant no longer holds
    service.deny(second.id, "revoked", by="alice")
    assert permission(json.loads(again.result(timeout=30).stdout)) == "deny"
    pool.shutdown()


def test_a_sub_agents_ask_carries_its_id_and_type_to_the_human(project):
    pool, waiting = _in_background(_hook, project, PUSH, agent_id="agent-7", agent_type="code-reviewer")
    request = _pending(project)
    assert (request.agent_id, request.agent_type) == ("agent-7", "code-reviewer")
    _service(project).approve(request.id, "this_call", by="alice")
    assert permission(json.loads(waiting.result(timeout=30).stdout)) == "allow"
    pool.shutdown()

