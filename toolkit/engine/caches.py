"""Bounded memories of a task: recent human denials and the approval rate window."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import field
from typing import Generic, Hashable, TypeVar

from toolkit.record import record

K = TypeVar("K", bound=Hashable)


@record(frozen=False, eq=False)
class RecentDecisions(Generic[K]):
    """An LRU of at most `max_entries` keys, each forgotten `ttl_s` after it was inserted.

    A lookup refreshes recency, never age: an entry denied 59 s ago is gone a
    second later however often it was hit.
    """

    max_entries: int
    ttl_s: float
    _entries: OrderedDict[K, tuple[str, float]] = field(default_factory=OrderedDict)

    def put(self, key: K, outcome: str, now: float) -> None:
        self._entries.pop(key, None)
        self._entries[key] = (outcome, now)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def get(self, key: K, now: float) -> tuple[str, float] | None:
        """(outcome, inserted_at) while fresh; expired entries are dropped on sight."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if now - entry[1] >= self.ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def empty(self) -> bool:
        """Lets a caller skip building a costly key (an input hash) when nothing could match."""
        return not self._entries

    def items(self) -> list[tuple[K, str, float]]:
        """(key, outcome, inserted_at), least recent first: enough to rebuild the cache with `put`."""
        return [(key, outcome, at) for key, (outcome, at) in self._entries.items()]


@record(frozen=False, eq=False)
class RateWindow:
    """Sliding window of gate openings: at most `limit` inside any `window_s` seconds."""

    limit: int
    window_s: float
    _opened: deque[float] = field(default_factory=deque)

    def _prune(self, now: float) -> None:
        while self._opened and now - self._opened[0] >= self.window_s:
            self._opened.popleft()

    def full(self, now: float) -> bool:
        self._prune(now)
        return len(self._opened) >= self.limit

    def record(self, now: float) -> None:
        self._prune(now)
        self._opened.append(now)

    def __len__(self) -> int:
        return len(self._opened)

    def times(self) -> list[float]:
        return list(self._opened)
