"""The embedded approval store: one SQLite file in WAL mode, shared by every project of the user.

Writers take the lock at the start of their transaction (`BEGIN IMMEDIATE`),
so a conditional update sees every earlier commit from any process; readers
never block writers (WAL). Files are created owner-only and never through a
symlink (toolkit.hook.ownfiles), as the hook's own state file is.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from toolkit.approvals.model import StoreError
from toolkit.approvals.sqlbase import SCHEMA_VERSION, SqlBackend
from toolkit.hook.ownfiles import create_private, private_dir, regular_or_absent

BUSY_TIMEOUT_S = 10.0


def _fix(path: Path) -> str:
    return (f"check that {path.parent} is writable and {path.name} is an SQLite file, or point "
            "`[approvals] store` (or --store, or CEDAR_GATES_APPROVALS_STORE) at another file")


class SqliteBackend(SqlBackend):
    def __init__(self, path: Path, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        super().__init__()
        self.path = path
        self.name = f"approval store {path}"
        try:
            private_dir(path.parent)
            for companion in ("-wal", "-shm", "-journal"):
                regular_or_absent(path.with_name(path.name + companion))
            create_private(path)
            self._db = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the {self.name}: {exc}; {_fix(path)}") from None
        with self._transaction() as cur:
            found = self._create_schema(cur)
        if found != SCHEMA_VERSION:
            raise StoreError(f"the {self.name} has schema {found}, this cedar-gates expects {SCHEMA_VERSION}; "
                             "use a store file of this version (or move the old one away)")

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            try:
                cur = self._db.cursor()
                cur.execute("BEGIN IMMEDIATE")
                try:
                    yield cur
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot use the {self.name}: {exc}; {_fix(self.path)}") from None

    def close(self) -> None:
        self._db.close()
