"""Replay pacing: space recorded messages as they were, `speed` times faster (0: no waiting)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Pacer"]


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
        if self._start is None:
            self._start = (self._clock(), at)
        started, first = self._start
        return started + (at - first) / self.speed - self._clock()

    async def wait(self, at: float | None) -> None:
        if at is None:
            return
        delay = self.delay(at)
        if delay > 0:
            await self._sleep(delay)
