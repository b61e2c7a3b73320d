"""Hook state that outlives one process: per-session task state, asks awaiting PostToolUse, compiled bundles.

One SQLite file (standard library), WAL mode. Every decision runs in one
`BEGIN IMMEDIATE` transaction: the session's state is read, the call decided
and the state written back while the write lock is held, so concurrent hooks of
one session (Claude Code runs tool calls in parallel) are serialised and the
gate cap and rate window hold exactly. A lock held longer than the busy timeout,
a corrupt file or any other database error raises, and the hook fails closed.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from toolkit.hook.ownfiles import create_private, private_dir, regular_or_absent

SCHEMA_VERSION = 1
SESSION_MAX_AGE_S = 7 * 24 * 3600
BUNDLES_KEPT = 20

_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pending (session TEXT NOT NULL, tool_use_id TEXT NOT NULL, record TEXT NOT NULL, "
    "at REAL NOT NULL, PRIMARY KEY (session, tool_use_id))",
    "CREATE TABLE IF NOT EXISTS bundles (key TEXT PRIMARY KEY, data TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checked (key TEXT PRIMARY KEY, at REAL NOT NULL)",
)


class StoreError(RuntimeError):
    """The state file cannot be used (locked, corrupt, from another schema)."""


class StoreBusy(StoreError):
    """Another hook held the state's lock for the whole busy timeout: retrying later can succeed."""


class StateStore:
    def __init__(self, path: Path, busy_timeout_s: float = 10.0) -> None:
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        try:
            private_dir(path.parent)
            for companion in ("-wal", "-shm", "-journal"):
                regular_or_absent(path.with_name(path.name + companion))
            create_private(path)
            self._db = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None)
            self._db.execute("PRAGMA synchronous=NORMAL")
            if self._schema() is None:
                self._db.execute("PRAGMA journal_mode=WAL")
                with self.transaction():
                    for statement in _TABLES:
                        self._db.execute(statement)
                    if self._schema() is None:
                        self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            found = self._schema()
            if found != str(SCHEMA_VERSION):
                raise StoreError(f"{path} holds hook state of schema {found}, expected {SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot use the hook state file {path.name}: {exc}") from None

    def _schema(self) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        return row[0] if row else None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; the lock is taken at the start, so read-decide-write is atomic."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"the hook state file {self.path.name} stayed locked by another cedar-gates hook "
                                f"for {self._busy_timeout_s:g} s") from None
            raise
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def session(self, session_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_session(self, session_id: str, state: dict[str, Any], now: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", (session_id, json.dumps(state), now))

    def add_pending(self, session_id: str, tool_use_id: str, record: dict[str, Any], now: float) -> None:
        """`record` is the decision plus `deadline`; it waits for a post-tool event or its deadline."""
        self._db.execute("INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?)",
                         (session_id, tool_use_id, json.dumps(record), now))

    def peek_pending(self, session_id: str, tool_use_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM pending WHERE session = ? AND tool_use_id = ?",
                               (session_id, tool_use_id)).fetchone()
        return json.loads(row[0]) if row else None

    def has_pending(self, session_id: str, tool_use_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM pending WHERE session = ? AND tool_use_id = ?",
                                (session_id, tool_use_id)).fetchone() is not None

    def expire_pending(self, session_id: str, now: float) -> list[dict[str, Any]]:
        """Asks of this session past their deadline and not yet expired: marked expired (kept for a late answer)."""
        expired = []
        for tool_use_id, text in self._db.execute(
                "SELECT tool_use_id, record FROM pending WHERE session = ?", (session_id,)).fetchall():
            record = json.loads(text)
            if record.get("expired") or float(record.get("deadline", now)) > now:
                continue
            record["expired"] = True
            self._db.execute("UPDATE pending SET record = ? WHERE session = ? AND tool_use_id = ?",
                             (json.dumps(record), session_id, tool_use_id))
            expired.append({**record, "tool_use_id": tool_use_id})
        return expired

    def pop_pending(self, session_id: str, tool_use_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM pending WHERE session = ? AND tool_use_id = ?",
                               (session_id, tool_use_id)).fetchone()
        if row is None:
            return None
        self._db.execute("DELETE FROM pending WHERE session = ? AND tool_use_id = ?", (session_id, tool_use_id))
        return json.loads(row[0])

    def bundle(self, key: str) -> str | None:
        row = self._db.execute("SELECT data FROM bundles WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def save_bundle(self, key: str, data: str, now: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO bundles VALUES (?, ?, ?)", (key, data, now))
        self._db.execute("DELETE FROM bundles WHERE key NOT IN (SELECT key FROM bundles ORDER BY at DESC LIMIT ?)",
                         (BUNDLES_KEPT,))

    def was_checked(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM checked WHERE key = ?", (key,)).fetchone() is not None

    def mark_checked(self, key: str, now: float) -> None:
        self._db.execute("INSERT OR REPLACE INTO checked VALUES (?, ?)", (key, now))

    def prune(self, now: float, current: str, max_age_s: float = SESSION_MAX_AGE_S) -> None:
        """Sessions (and their pending asks) not seen for `max_age_s` are forgotten.

        Age is measured against the earlier of this process's clock and the
        newest other session's last update, so one session whose clock jumped
        forward cannot make every other session look stale and reset its caps.
        """
        row = self._db.execute("SELECT MAX(updated) FROM sessions WHERE id != ?", (current,)).fetchone()
        if row is None or row[0] is None:
            return
        cutoff = min(now, float(row[0])) - max_age_s
        self._db.execute("DELETE FROM sessions WHERE updated < ?", (cutoff,))
        self._db.execute("DELETE FROM pending WHERE at < ?", (cutoff,))
        self._db.execute("DELETE FROM checked WHERE at < ?", (cutoff,))
