"""Latency of the flow: from a message entering the queue to the first frame that counts it."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

__all__ = ["LatencyMeter", "percentile"]


def percentile(values: Iterable[float], p: float) -> float | None:
    """The `p`-th percentile (0..100) by nearest rank; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class LatencyMeter:
    """Collects enqueue times of scored messages; each frame sent turns them into latencies."""

    def __init__(self, keep: int = 20_000) -> None:
        self.samples: deque[float] = deque(maxlen=keep)
        self._waiting: list[float] = []

    def scored(self, enqueued: Iterable[float]) -> None:
        self._waiting.extend(enqueued)

    def frame_sent(self, now: float) -> None:
        self.samples.extend(now - t for t in self._waiting)
        self._waiting.clear()

    def reset(self) -> None:
        self.samples.clear()
        self._waiting.clear()

    def p(self, p: float) -> float | None:
        return percentile(self.samples, p)
