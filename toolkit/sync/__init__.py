"""Drift checkers: constants contract vs its Python and TypeScript consumers, canonical vs mirror TS types."""

from __future__ import annotations

from toolkit.sync.constants import check_constants
from toolkit.sync.findings import SyncFinding, SyncReport
from toolkit.sync.settings import Consumer, SyncSettings
from toolkit.sync.types import check_types

__all__ = ["Consumer", "SyncFinding", "SyncReport", "SyncSettings", "check_constants", "check_types"]
