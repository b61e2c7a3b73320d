"""The approval store through its public API (ApprovalService), on SQLite and on a real PostgreSQL server.

PostgreSQL: $CEDAR_GATES_TEST_PG (what .ci/run exports), else a throwaway
cluster started here from the Debian packages (initdb on 127.0.0.1); skipped,
with the reason, only where neither is possible.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.approvals import (
    APPROVED,
    CANCELLED,
    DENIED,
    PENDING,
    TIMED_OUT,
    ApprovalService,
    NotFound,
    NotPending,
    Refused,
    StoreError,
)
from toolkit.approvals.location import ENV_STORE, open_backend, store_location
from toolkit.approvals.model import PREVIEW_MAX_CHARS, ApprovalRequest
from toolkit.approvals.redact import MARK, safe_text
from toolkit.approvals.scoping import SESSION_WIDE, admit
from toolkit.contract import load_constants
from toolkit.engine.gate import input_digest
from toolkit.engine.records import Decision
from toolkit.engine.scopes import is_degenerate
from toolkit.scopes import BREADTH

CONSTANTS = load_constants()
PG_ENV = "CEDAR_GATES_TEST_PG"


# -- PostgreSQL ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_cluster() -> tuple[str | None, str, object]:
    """(dsn or None, why not, stop callable)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    if not found:
        return None, f"no DSN in ${PG_ENV} and no initdb (apt-get install postgresql)", None
    bindir = Path(found[-1]).parent
    data = Path(tempfile.mkdtemp(prefix="cg-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return None, "running as root without runuser; initdb refuses root", None
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no postgres user for initdb", None
        os.chown(data, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data / "db"), "-U", "postgres", "-A", "trust",
                        "--no-sync"], check=True, capture_output=True, timeout=120)
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-s",
                        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off", "start"],
                       check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        return None, f"no DSN in ${PG_ENV} and a cluster could not be started: {exc}", None

    def stop() -> None:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "-w", "-s", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", "", stop


@pytest.fixture(scope="session")
def pg_dsn():
    dsn, stop = os.environ.get(PG_ENV), None
    if not dsn:
        dsn, why, stop = _start_cluster()
        if dsn is None:
            pytest.skip(f"PostgreSQL tests skipped: {why}")
    yield dsn
    if stop is not None:
        stop()


def _pg_schema_dsn(dsn: str) -> str:
    """A fresh schema per test, so listings see only this test's rows."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in dsn else "?"
    return f"{dsn}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def location(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "state" / "approvals.sqlite3")
    return _pg_schema_dsn(request.getfixturevalue("pg_dsn"))


# -- helpers --------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def decision(tool: str = "Bash", rules=("soft.git_push",), timeout_s: int = 60, severity: str = "high") -> Decision:
    return Decision("call-1", tool, 0.0, "require_approval", f"Soft-deny: {', '.join(rules)}", "approval",
                    soft_rule_ids=tuple(rules), severity=severity, timeout_s=timeout_s)


BASH_INPUT = {"command": "git push origin main"}


def park(svc: ApprovalService, tool_input=None, session: str = "s1", **kw) -> ApprovalRequest:
    tool_input = BASH_INPUT if tool_input is None else tool_input
    d = kw.pop("decision", None) or decision()
    return svc.create(d, session_id=session, tool_input=tool_input, **kw)


# -- the request ------------------------------------------------------------------------------


def test_a_request_keeps_every_fact_and_a_sanitised_bounded_preview(location):
    svc = ApprovalService.open(location, clock=Clock())
    big = {"command": "echo \x1b[31mred\x1b[0m\x07 ghp_" + "a" * 36, "z": "x" * 5000}
    r = park(svc, big, agent_id="sub-1", agent_type="Explore", tool_use_id="toolu_1", project="/repo",
             max_scope="tool_type")
    got = svc.get(r.id)
    assert got == r and got.status == PENDING and got.pending
    assert (got.session, got.agent_id, got.agent_type, got.tool_use_id, got.project) == (
        "s1", "sub-1", "Explore", "toolu_1", "/repo")
    assert got.rule_ids == ("soft.git_push",) and got.severity == "high" and got.max_scope == "tool_type"
    assert got.deadline - got.created == 60
    assert got.input_sha256 == input_digest(big).hex
    assert len(got.input_preview) <= PREVIEW_MAX_CHARS
    assert "\x1b" not in got.input_preview and "\x07" not in got.input_preview and "red" in got.input_preview
    assert "a" * 36 not in got.input_preview and MARK in got.input_preview
    assert [p.id for p in svc.pending()] == [r.id]
    assert svc.pending(session="other") == []
    with pytest.raises(NotFound):
        svc.get("ap-nope")


def test_only_require_approval_is_parked(location):
    svc = ApprovalService.open(location)
    allow = Decision("call-1", "Bash", 0.0, "allow", "", "no_match")
    with pytest.raises(ValueError):
        svc.create(allow, session_id="s", tool_input={})


def test_approve_this_call_is_one_outcome_and_no_grant(location):
    svc = ApprovalService.open(location, clock=Clock())
    r = park(svc)
    done = svc.approve(r.id, by="alice")
    assert (done.status, done.scope, done.decided_by) == (APPROVED, "this_call", "alice")
    assert svc.grants() == []
    assert svc.answer(done).outcome == "allow"
    for attempt in (lambda: svc.approve(r.id, by="bob"), lambda: svc.deny(r.id, "no", by="bob"),
                    lambda: svc.cancel(r.id)):
        with pytest.raises(NotPending) as err:
            attempt()
        assert err.value.request.status == APPROVED
    assert svc.get(r.id).decided_by == "alice"
    assert [h.id for h in svc.history()] == [r.id] and svc.pending() == []


def test_a_decision_binds_to_the_input_hash(location):
    svc = ApprovalService.open(location, clock=Clock())
    r = park(svc)
    with pytest.raises(Refused, match="sha256"):
        svc.approve(r.id, by="a", input_sha256="0" * 64)
    assert svc.get(r.id).pending
    done = svc.approve(r.id, "tool_type:Bash", by="a", input_sha256=r.input_sha256.upper())
    assert done.status == APPROVED
    (grant,) = svc.grants("s1")
    assert grant.input_sha256 == r.input_sha256 and grant.request_id == r.id


@pytest.mark.parametrize("scope, reason", [
    ("bash_pattern:*", "degenerate"), ("write_path:**", "degenerate"), ("nonsense", "unknown scope kind"),
    ("rule:soft.other", "not a rule this request"), ("tool_type:Write", "does not cover"),
    ("tool_group:file_write", "does not cover"), ("bash_pattern:git pull *", "does not cover"),
    ("write_path:src/**", "does not cover"), ("all_session", "confirm"), ("tool_type_session", "confirm"),
])
def test_scopes_outside_the_rules_are_refused(tmp_path, scope, reason):
    svc = ApprovalService.open(str(tmp_path / "a.sqlite3"), clock=Clock())
    r = park(svc)
    with pytest.raises(Refused, match=reason):
        svc.approve(r.id, scope, by="a")
    assert svc.get(r.id).pending


def test_session_wide_scopes_need_confirmation_and_become_concrete_grants(location):
    svc = ApprovalService.open(location, clock=Clock())
    r1, r2 = park(svc), park(svc, {"file_path": "src/a.py", "content": "x"}, decision=decision("Write"))
    svc.approve(r1.id, "tool_type_session", by="a", confirmed=True)
    svc.approve(r2.id, "tool_group_session", by="a", confirmed=True)
    assert sorted(g.scope for g in svc.grants("s1")) == ["tool_group:file_write", "tool_type:Bash"]
    assert svc.get(r1.id).scope == "tool_type_session"


def test_the_blueprint_ceiling_holds(location):
    svc = ApprovalService.open(location, clock=Clock())
    r = park(svc, max_scope="bash_pattern")
    with pytest.raises(Refused, match="ceiling"):
        svc.approve(r.id, "tool_type:Bash", by="a")
    assert svc.approve(r.id, "bash_pattern:git push *", by="a").status == APPROVED


def test_deny_reasons_are_redacted_capped_and_reach_the_model_in_the_envelope(location):
    svc = ApprovalService.open(location, clock=Clock())
    r = park(svc)
    with pytest.raises(Refused, match="reason"):
        svc.deny(r.id, " \x1b[0m ", by="a")
    secret = "AKIA" + "Z" * 16
    words = f"use the staging key instead of {secret}\x1b]0;evil\x07 password=hunter22 " + "y" * 5000
    done = svc.deny(r.id, words, by="bob")
    assert done.status == DENIED and len(done.deny_reason) <= CONSTANTS.deny_reason_max_length
    assert secret not in done.deny_reason and "hunter22" not in done.deny_reason and "\x1b" not in done.deny_reason
    answer = svc.answer(done)
    assert answer.outcome == "deny" and answer.reason.startswith("The user denied this tool call")
    assert "staging key" in answer.reason and len(answer.reason) <= CONSTANTS.agent_reason_max_chars
    assert answer.envelope.startswith(f'<user_denial request_id="{r.id}"') and secret not in answer.envelope


def test_deadlines_deny_and_are_never_approved_late(location):
    clock = Clock()
    svc = ApprovalService.open(location, clock=clock)
    r = park(svc, decision=decision(timeout_s=30))
    clock.now += 30
    with pytest.raises(NotPending, match="timed out"):
        svc.approve(r.id, by="late")
    got = svc.get(r.id)
    assert got.status == TIMED_OUT and got.decided_by is None
    assert svc.answer(got).outcome == "deny" and "Nobody answered" in svc.answer(got).reason
    assert svc.wait(r.id).status == TIMED_OUT


def test_wait_sees_a_decision_from_another_connection(location):
    svc = ApprovalService.open(location)
    other = ApprovalService.open(location)
    r = park(svc)
    timer = threading.Timer(0.3, lambda: other.deny(r.id, "not now", by="bob"))
    timer.start()
    start = time.monotonic()
    got = svc.wait(r.id, interval_s=0.05)
    timer.join()
    assert got.status == DENIED and time.monotonic() - start < 2


def test_wait_until_returns_pending_and_expires_at_the_deadline(location):
    clock = Clock()
    svc = ApprovalService.open(location, clock=clock)
    r = park(svc, decision=decision(timeout_s=30))

    def sleep(seconds: float) -> None:
        clock.now += seconds

    assert svc.wait(r.id, until=clock.now + 5, sleep=sleep).status == PENDING
    assert svc.wait(r.id, sleep=sleep, interval_s=7).status == TIMED_OUT
    with pytest.raises(NotFound):
        svc.wait("ap-none")


def test_cancel_denies(location):
    svc = ApprovalService.open(location)
    r = park(svc)
    done = svc.cancel(r.id, by="hook")
    assert done.status == CANCELLED and svc.answer(done).outcome == "deny"


def test_grants_per_session_and_revocation(location):
    svc = ApprovalService.open(location, clock=Clock())
    a, b = park(svc, session="s1"), park(svc, session="s2")
    svc.approve(a.id, "rule:soft.git_push", by="x")
    svc.approve(b.id, "bash_pattern:git push *", by="x")
    (ga,) = svc.grants("s1")
    assert ga.scope == "rule:soft.git_push" and ga.active
    assert len(svc.grants()) == 2
    revoked = svc.revoke(ga.id, by="y")
    assert not revoked.active and revoked.revoked_by == "y"
    assert svc.grants("s1") == [] and len(svc.grants("s1", include_revoked=True)) == 1
    with pytest.raises(NotPending):
        svc.revoke(ga.id, by="y")
    with pytest.raises(NotFound):
        svc.revoke("gr-none", by="y")


def test_restarting_loses_nothing(location):
    svc = ApprovalService.open(location, clock=Clock())
    r1, r2 = park(svc), park(svc)
    svc.approve(r1.id, "tool_type:Bash", by="a")
    svc.close()
    again = ApprovalService.open(location, clock=Clock())
    assert again.get(r1.id).status == APPROVED and again.get(r2.id).pending and len(again.grants()) == 1


def test_every_request_and_decision_reaches_the_sink(location):
    events: list[dict] = []
    clock = Clock()
    svc = ApprovalService.open(location, clock=clock, sink=events.append)
    r1, r2 = park(svc), park(svc, decision=decision(timeout_s=30))
    clock.now += 10
    svc.approve(r1.id, "tool_type:Bash", by="alice")
    clock.now += 30
    svc.expire()
    kinds = [(e["event"], e["id"]) for e in events]
    assert kinds == [("approval_requested", r1.id), ("approval_requested", r2.id), ("approval_decided", r1.id),
                     ("approval_decided", r2.id)]
    assert events[2]["decided_by"] == "alice" and events[2]["time_to_decide_s"] == 10
    assert events[2]["grant"]["scope"] == "tool_type:Bash" and events[3]["status"] == TIMED_OUT

    def broken(_event):
        raise OSError("disk full")

    failing = ApprovalService.open(location, sink=broken)
    assert park(failing).pending and failing.sink_errors and "disk full" in failing.sink_errors[0]


def test_an_unusable_store_raises_a_clear_error(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match="dir.sqlite3.*store"):
        ApprovalService.open(str(tmp_path / "dir.sqlite3"))
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="junk.sqlite3"):
        ApprovalService.open(str(tmp_path / "junk.sqlite3"))
    with pytest.raises(StoreError, match=r"postgresql://u:\*\*\*@127.0.0.1:1/x.*server is running"):
        ApprovalService.open(f"postgresql://u:secretpw@127.0.0.1:{1}/x?connect_timeout=2")


def test_a_store_that_breaks_later_raises(tmp_path):
    svc = ApprovalService.open(str(tmp_path / "a.sqlite3"))
    svc.close()
    with pytest.raises(StoreError):
        svc.pending()


def test_store_location_order(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_STORE, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert store_location().endswith("cedar-gates/approvals.sqlite3")
    assert store_location(None, "/c.sqlite3") == "/c.sqlite3"
    monkeypatch.setenv(ENV_STORE, "/env.sqlite3")
    assert store_location(None, "/c.sqlite3") == "/env.sqlite3"
    assert store_location("/x.sqlite3", "/c.sqlite3") == "/x.sqlite3"
    open_backend(str(tmp_path / "deep" / "s.sqlite3")).close()
    assert oct((tmp_path / "deep" / "s.sqlite3").stat().st_mode & 0o777) == "0o600"


# -- races -------------------------------------------------------------------------------------


ACTIONS = ("approve", "deny", "cancel", "expire")


def _act(svc: ApprovalService, action: str, rid: str) -> list[str]:
    """The ids this action settled (0 or 1 for a decision; any number for expire)."""
    try:
        if action == "approve":
            svc.approve(rid, "tool_type:Bash", by="p")
        elif action == "deny":
            svc.deny(rid, "no", by="p")
        elif action == "cancel":
            svc.cancel(rid, by="p")
        else:
            return svc.expire()
    except NotPending:
        return []
    return [rid]


def _race_worker(location: str, ids: list[str], seed: int, start_at: float, out) -> None:
    svc = ApprovalService.open(location)
    rng = random.Random(seed)
    while time.time() < start_at:
        time.sleep(0.001)
    won: list[str] = []
    for rid in ids:
        won += _act(svc, rng.choice(ACTIONS), rid)
    won += svc.expire() if rng.random() < 0.5 else []
    out.put(won)


def _park_many(location: str, n: int) -> list[ApprovalRequest]:
    svc = ApprovalService.open(location)
    # deadlines fall inside the race window, so timeouts race with the deciders
    return [park(svc, decision=decision(timeout_s=1)) for _ in range(n)]


def _check_one_outcome(location: str, parked: list[ApprovalRequest], wins: list[str]) -> None:
    svc = ApprovalService.open(location)
    deadline = max(r.deadline for r in parked) + 0.05
    while time.time() < deadline:
        time.sleep(0.05)
    wins += svc.expire()
    for r in parked:
        assert wins.count(r.id) == 1, (r.id, wins.count(r.id))
        final = svc.get(r.id)
        assert final.status != PENDING
        grants = [g for g in svc.grants(r.session) if g.request_id == r.id]
        assert len(grants) == (1 if final.status == APPROVED else 0)


def test_exactly_one_outcome_with_concurrent_threads(location):
    parked = _park_many(location, 12)
    ids = [r.id for r in parked]
    wins: list[str] = []
    lock = threading.Lock()
    start_at = time.time() + 0.2

    def run(seed: int) -> None:
        import queue

        q: queue.Queue = queue.Queue()
        _race_worker(location, random.Random(seed).sample(ids, len(ids)), seed, start_at, q)
        with lock:
            wins.extend(q.get())

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _check_one_outcome(location, parked, wins)


def test_exactly_one_outcome_with_concurrent_processes(location):
    parked = _park_many(location, 12)
    ids = [r.id for r in parked]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.4
    procs = [ctx.Process(target=_race_worker, args=(location, random.Random(s).sample(ids, len(ids)), s, start_at, out))
             for s in range(4)]
    for p in procs:
        p.start()
    wins = [rid for _ in procs for rid in out.get(timeout=30)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    _check_one_outcome(location, parked, wins)


# -- properties ----------------------------------------------------------------------------------

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _body(alphabet: str, n: int):
    return st.text(alphabet=alphabet, min_size=n, max_size=n + 8)


SECRETS = st.one_of(
    _body(_UPPER, 16).map(lambda b: ("AKIA" + b, b)),
    _body(_ALNUM, 36).map(lambda b: ("ghp_" + b, b)),
    _body(_ALNUM, 30).map(lambda b: ("github_pat_" + b, b)),
    _body(_ALNUM, 35).map(lambda b: ("AIza" + b, b)),
    _body(_ALNUM, 24).map(lambda b: ("xoxb-" + b, b)),
    _body(_ALNUM, 32).map(lambda b: ("sk-proj-" + b, b)),
    _body(_ALNUM, 20).map(lambda b: ("Authorization: Bearer " + b, b)),
    _body(_ALNUM, 12).map(lambda b: ("password=" + b, b)),
    _body(_ALNUM, 12).map(lambda b: ("DB_PASSWORD: '" + b + "'", b)),
    _body(_ALNUM, 40).map(lambda b: ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + b + "\n-----END OPENSSH PRIVATE KEY-----", b)),
    _body(_ALNUM, 12).map(lambda b: ("https://deploy:" + b + "@example.com/x", b)),
)


@settings(max_examples=300, deadline=None)
@given(before=st.text(st.characters(blacklist_characters=_ALNUM), max_size=40), secret=SECRETS,
       after=st.text(st.characters(blacklist_characters=_ALNUM), max_size=40))
def test_redaction_never_leaks_a_generated_secret(before, secret, after):
    """Surrounded by anything but letters and digits (which would only make the token longer)."""
    text, body = secret
    out = safe_text(before + " " + text + " " + after, 2000)
    assert body[-12:] not in out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.sampled_from(["this_call", "rule:soft.git_push", "tool_type:Bash", "tool_group:shell",
                                      "tool_type_session", "tool_group_session", "all_session",
                                      "bash_pattern:git push *", "write_path:src/*"]),
                     st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(["bash_pattern", "write_path", "rule"]),
                               st.text(max_size=12)),
                     st.text(max_size=20)),
       ceiling=st.sampled_from([None, *BREADTH]), confirmed=st.booleans())
def test_an_admitted_scope_obeys_every_rule(raw, ceiling, confirmed):
    request = ApprovalRequest("ap-1", "s", "Bash", "", "0" * 64, 0.0, 60.0, rule_ids=("soft.git_push",),
                              max_scope=ceiling)
    from toolkit.approvals.service import _summary

    request = ApprovalRequest(**{**request.__dict__, "call": _summary("Bash", BASH_INPUT, None)})
    try:
        admitted = admit(request, raw, CONSTANTS.scope_max_length, confirmed)
    except Refused:
        return
    kind = admitted.scope.kind
    assert ceiling is None or BREADTH[kind] <= BREADTH[ceiling]
    assert confirmed or kind not in SESSION_WIDE
    if kind in ("bash_pattern", "write_path"):
        assert not is_degenerate(admitted.scope.value)
    assert (admitted.grant is None) == (kind == "this_call")
