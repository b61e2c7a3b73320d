"""Drift checkers: constants contract vs its Python and TypeScript consumers, canonical vs mirror TS types.

The checkers are imported on first use, so reading `[sync]` settings with the
configuration stays cheap.
"""

from __future__ import annotations

from toolkit.sync.settings import Consumer, SyncSettings

_LAZY = {"check_constants": "toolkit.sync.constants", "check_types": "toolkit.sync.types",
         "SyncFinding": "toolkit.sync.findings", "SyncReport": "toolkit.sync.findings"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'toolkit.sync' has no attribute {name!r}")


__all__ = ["Consumer", "SyncFinding", "SyncReport", "SyncSettings", "check_constants", "check_types"]
