"""Time as the engine sees it: injected, so the simulator can run on virtual time."""

from __future__ import annotations

import time
from typing import Protocol

from toolkit.record import record


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch (or since the start of a virtual trace)."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


@record(frozen=False)
class ManualClock:
    """A clock that only moves when told to; for tests and trace replay."""

    t: float = 0.0

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot move backwards")
        self.t += seconds
