"""Replay pacing: space recorded messages as they were, `speed` times faster (0: no waiting).

No wait is longer than `MAX_GAP`: a recording's clock can jump (a break of hours, a bogus
`time: 1e12`), and a replay must not sit silent for ever while its status says live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["MAX_GAP", "Pacer"]

MAX_GAP = 60.0  # seconds: the longest wait between two messages, whatever the recording says


class Pacer:
    """Waits until a message's moment, measured from the first message played."""

    def __init__(self, speed: float, clock: Callable[[], float], sleep: Callable[[float], Awaitable[Any]]) -> None:
        self.speed = speed
        self._clock = clock
        self._sleep = sleep
        self._start: tuple[float, float] | None = None  # (clock, recorded time) of the first message

    def delay(self, at: float) -> float:
        """Seconds to wait before playing a message recorded at `at` (0 or less: play now)."""
        if not self.speed:
            return 0.0
        now = self._clock()
        if self._start is None:
            self._start = (now, at)
        started, first = self._start
        delay = started + (at - first) / self.speed - now
        if not -MAX_GAP <= delay <= MAX_GAP:
            # A jump in the recording's clock, or a replay far behind: count again from this
            # message, played after at most MAX_GAP, instead of sleeping or rushing to catch up.
            delay = min(max(delay, 0.0), MAX_GAP)
            self._start = (now + delay, at)
        return delay

    async def wait(self, at: float | None) -> None:
        if at is None:
            return
        delay = self.delay(at)
        if delay > 0:
            await self._sleep(delay)
