"""The approval store on PostgreSQL (psycopg 3), for agents and deciders on many machines.

Same tables and the same conditional updates as SQLite; PostgreSQL's row
locks make the first UPDATE of a pending row win and every concurrent one
match nothing (READ COMMITTED re-checks the WHERE clause on the locked row).
The schema is created under an advisory lock, so many processes may open a
fresh database at once. The DSN is never printed with its password.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from toolkit.approvals.model import StoreError
from toolkit.approvals.sqlbase import SCHEMA_VERSION, SqlBackend

SCHEMA_LOCK = 0x63656461  # an arbitrary advisory-lock key ("ceda")
CONNECT_TIMEOUT_S = 10


def masked(dsn: str) -> str:
    """The DSN with any password replaced by ***."""
    dsn = re.sub(r"(://[^/:@\s]*:)[^@/\s]*@", r"\1***@", dsn)
    return re.sub(r"(?i)(password\s*=\s*)\S+", r"\1***", dsn)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _fix() -> str:
    return ("check that the server is running and reachable, the database exists and the user may create tables "
            "in it; or point `[approvals] store` (or --store, or CEDAR_GATES_APPROVALS_STORE) at another store")


class PostgresBackend(SqlBackend):
    def __init__(self, dsn: str) -> None:
        super().__init__()
        self.name = f"approval store {masked(dsn)}"
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise StoreError(f"cannot use the {self.name}: psycopg is not installed; pip install 'psycopg[binary]'") from None
        self._psycopg = psycopg
        try:
            self._db = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the {self.name}: {_one_line(exc)}; {_fix()}") from None
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            found = self._create_schema(cur)
        if found != SCHEMA_VERSION:
            raise StoreError(f"the {self.name} has schema {found}, this cedar-gates expects {SCHEMA_VERSION}; "
                             "use a database of this version")

    def _execute(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor.execute(sql.replace("?", "%s"), tuple(params))
        return cursor

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        psycopg = self._psycopg
        with self._lock:
            try:
                with self._db.transaction(), self._db.cursor() as cur:
                    yield cur
            except psycopg.Error as exc:
                raise StoreError(f"cannot use the {self.name}: {_one_line(exc)}; {_fix()}") from None

    def close(self) -> None:
        self._db.close()
