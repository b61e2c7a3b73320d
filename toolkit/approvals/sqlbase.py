"""The approval store's SQL, shared by the SQLite and PostgreSQL backends.

Every state change is one conditional UPDATE (`… WHERE id = ? AND status =
'pending' AND deadline > ?`), so whichever of approve, deny, cancel or expire
reaches the database first wins and every other one changes no row: exactly
one outcome per request, across threads, processes and machines. An approval
and the grant it creates commit together. Statements use `?` placeholders; a
backend translates them if its driver wants another style.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from toolkit.approvals.model import (
    PENDING,
    TIMED_OUT,
    ApprovalRequest,
    CallSummary,
    Grant,
)

SCHEMA_VERSION = "1"

TABLES = (
    "CREATE TABLE IF NOT EXISTS approval_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS approval_requests ("
    " id TEXT PRIMARY KEY, session TEXT NOT NULL, agent_id TEXT, agent_type TEXT, tool_use_id TEXT, project TEXT,"
    " tool_name TEXT NOT NULL, input_preview TEXT NOT NULL, input_sha256 TEXT NOT NULL, rule_ids TEXT NOT NULL,"
    " severity TEXT, reason TEXT NOT NULL, max_scope TEXT, call TEXT NOT NULL,"
    " created DOUBLE PRECISION NOT NULL, deadline DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,"
    " decided_by TEXT, scope TEXT, deny_reason TEXT, decided_at DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS approval_requests_status ON approval_requests (status, deadline)",
    "CREATE INDEX IF NOT EXISTS approval_requests_session ON approval_requests (session, created)",
    "CREATE TABLE IF NOT EXISTS approval_grants ("
    " id TEXT PRIMARY KEY, session TEXT NOT NULL, scope TEXT NOT NULL, request_id TEXT NOT NULL,"
    " input_sha256 TEXT NOT NULL, tool_name TEXT NOT NULL, granted_by TEXT NOT NULL,"
    " granted_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION, revoked_by TEXT)",
    "CREATE INDEX IF NOT EXISTS approval_grants_session ON approval_grants (session, granted_at)",
)

_REQUEST_COLUMNS = ("id, session, agent_id, agent_type, tool_use_id, project, tool_name, input_preview, input_sha256, "
                    "rule_ids, severity, reason, max_scope, call, created, deadline, status, decided_by, scope, "
                    "deny_reason, decided_at")
_GRANT_COLUMNS = "id, session, scope, request_id, input_sha256, tool_name, granted_by, granted_at, revoked_at, revoked_by"


def _request(row: Sequence[Any]) -> ApprovalRequest:
    (rid, session, agent_id, agent_type, tool_use_id, project, tool_name, preview, sha, rule_ids, severity, reason,
     max_scope, call, created, deadline, status, decided_by, scope, deny_reason, decided_at) = row
    return ApprovalRequest(
        id=rid, session=session, agent_id=agent_id, agent_type=agent_type, tool_use_id=tool_use_id, project=project,
        tool_name=tool_name, input_preview=preview, input_sha256=sha, rule_ids=tuple(json.loads(rule_ids)),
        severity=severity, reason=reason, max_scope=max_scope, call=CallSummary.from_json(json.loads(call)),
        created=float(created), deadline=float(deadline), status=status, decided_by=decided_by, scope=scope,
        deny_reason=deny_reason, decided_at=None if decided_at is None else float(decided_at))


def _grant(row: Sequence[Any]) -> Grant:
    gid, session, scope, request_id, sha, tool_name, by, at, revoked_at, revoked_by = row
    return Grant(gid, session, scope, request_id, sha, tool_name, by, float(at),
                 None if revoked_at is None else float(revoked_at), revoked_by)


class SqlBackend:
    """The store's operations over a DB-API connection; subclasses open it, wrap errors and run transactions."""

    name = "store"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- provided by a backend ---------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def _execute(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor.execute(sql, tuple(params))
        return cursor

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- schema --------------------------------------------------------------------

    def _create_schema(self, cursor: Any) -> str | None:
        for statement in TABLES:
            self._execute(cursor, statement)
        row = self._execute(cursor, "SELECT value FROM approval_meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._execute(cursor, "INSERT INTO approval_meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            return SCHEMA_VERSION
        return row[0]

    # -- requests --------------------------------------------------------------------

    def insert(self, r: ApprovalRequest) -> None:
        with self._transaction() as cur:
            self._execute(cur, f"INSERT INTO approval_requests ({_REQUEST_COLUMNS}) VALUES "
                               f"({', '.join('?' * 21)})",
                          (r.id, r.session, r.agent_id, r.agent_type, r.tool_use_id, r.project, r.tool_name,
                           r.input_preview, r.input_sha256, json.dumps(list(r.rule_ids)), r.severity, r.reason,
                           r.max_scope, json.dumps(r.call.to_json()), r.created, r.deadline, r.status, r.decided_by,
                           r.scope, r.deny_reason, r.decided_at))

    def get(self, request_id: str) -> ApprovalRequest | None:
        with self._transaction() as cur:
            row = self._execute(cur, f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE id = ?",
                                (request_id,)).fetchone()
        return _request(row) if row else None

    def find(self, statuses: Sequence[str], session: str | None, limit: int, newest_first: bool) -> list[ApprovalRequest]:
        where = [f"status IN ({', '.join('?' * len(statuses))})"]
        params: list[Any] = list(statuses)
        if session is not None:
            where.append("session = ?")
            params.append(session)
        order = "created DESC" if newest_first else "deadline ASC, created ASC"
        with self._transaction() as cur:
            rows = self._execute(cur, f"SELECT {_REQUEST_COLUMNS} FROM approval_requests WHERE {' AND '.join(where)} "
                                      f"ORDER BY {order}, id LIMIT ?", (*params, limit)).fetchall()
        return [_request(row) for row in rows]

    def settle(self, request_id: str, status: str, now: float, by: str | None, scope: str | None,
               deny_reason: str | None, expect_sha256: str | None, grant: Grant | None) -> bool:
        """The one conditional transition out of `pending`; True when this call made it (and stored `grant`)."""
        sql = ("UPDATE approval_requests SET status = ?, decided_by = ?, scope = ?, deny_reason = ?, decided_at = ? "
               "WHERE id = ? AND status = ? AND deadline > ?")
        params: list[Any] = [status, by, scope, deny_reason, now, request_id, PENDING, now]
        if expect_sha256 is not None:
            sql += " AND input_sha256 = ?"
            params.append(expect_sha256)
        with self._transaction() as cur:
            if self._execute(cur, sql, params).rowcount != 1:
                return False
            if grant is not None:
                self._execute(cur, f"INSERT INTO approval_grants ({_GRANT_COLUMNS}) VALUES ({', '.join('?' * 10)})",
                              (grant.id, grant.session, grant.scope, grant.request_id, grant.input_sha256,
                               grant.tool_name, grant.granted_by, grant.granted_at, None, None))
        return True

    def expire(self, now: float, request_id: str | None = None) -> list[str]:
        """Pending requests whose deadline has passed become timed_out; returns the ids this call expired."""
        where = "status = ? AND deadline <= ?"
        params: list[Any] = [PENDING, now]
        if request_id is not None:
            where += " AND id = ?"
            params.append(request_id)
        with self._transaction() as cur:
            ids = [row[0] for row in self._execute(
                cur, f"SELECT id FROM approval_requests WHERE {where}", params).fetchall()]
            won = []
            for rid in ids:
                if self._execute(cur, "UPDATE approval_requests SET status = ?, decided_at = deadline "
                                      "WHERE id = ? AND status = ? AND deadline <= ?",
                                 (TIMED_OUT, rid, PENDING, now)).rowcount == 1:
                    won.append(rid)
        return won

    # -- grants ----------------------------------------------------------------------

    def grants(self, session: str | None, include_revoked: bool) -> list[Grant]:
        where, params = [], []
        if session is not None:
            where.append("session = ?")
            params.append(session)
        if not include_revoked:
            where.append("revoked_at IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._transaction() as cur:
            rows = self._execute(cur, f"SELECT {_GRANT_COLUMNS} FROM approval_grants{clause} "
                                      "ORDER BY granted_at, id", params).fetchall()
        return [_grant(row) for row in rows]

    def grant(self, grant_id: str) -> Grant | None:
        with self._transaction() as cur:
            row = self._execute(cur, f"SELECT {_GRANT_COLUMNS} FROM approval_grants WHERE id = ?",
                                (grant_id,)).fetchone()
        return _grant(row) if row else None

    def revoke(self, grant_id: str, now: float, by: str) -> bool:
        with self._transaction() as cur:
            return self._execute(cur, "UPDATE approval_grants SET revoked_at = ?, revoked_by = ? "
                                      "WHERE id = ? AND revoked_at IS NULL", (now, by, grant_id)).rowcount == 1
