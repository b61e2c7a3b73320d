"""Where the approval store is, and opening it.

Order: an explicit location (`--store`), then `CEDAR_GATES_APPROVALS_STORE`,
then `[approvals] store` in the configuration, then `approvals.sqlite3` in
the user's state directory (platformdirs), so one inbox sees every project's
asks. A `postgresql://` (or `postgres://`) location is a PostgreSQL DSN;
anything else is a path to an SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.approvals.sqlbase import SqlBackend

ENV_STORE = "CEDAR_GATES_APPROVALS_STORE"
STORE_FILE = "approvals.sqlite3"
PG_SCHEMES = ("postgresql://", "postgres://")


def default_store() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("cedar-gates")) / STORE_FILE


def store_location(explicit: str | os.PathLike[str] | None = None, configured: str | None = None) -> str:
    for candidate in (explicit, os.environ.get(ENV_STORE) or None, configured):
        if candidate is not None and str(candidate).strip():
            return str(candidate).strip()
    return str(default_store())


def is_postgres(location: str) -> bool:
    return location.lower().startswith(PG_SCHEMES)


def open_backend(location: str) -> SqlBackend:
    """The backend for `location`; raises StoreError naming the store and the fix."""
    if is_postgres(location):
        from toolkit.approvals.postgres import PostgresBackend

        return PostgresBackend(location)
    from toolkit.approvals.sqlite import SqliteBackend

    return SqliteBackend(Path(location).expanduser())
