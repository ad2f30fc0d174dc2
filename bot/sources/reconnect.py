"""What every live reader needs to keep going: back-off between retries, and the recent message
ids that keep a re-connect from counting a message twice. Pure: no I/O, no clock."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator

__all__ = ["RecentIds", "backoff"]

_FIRST_BACKOFF = 1.0


def backoff(cap: float, rng: random.Random) -> Iterator[float]:
    """1, 2, 4 ... s up to `cap`, each cut by up to half at random so clients don't retry in step."""
    delay = min(_FIRST_BACKOFF, cap)
    while True:
        yield rng.uniform(delay / 2, delay)
        delay = min(delay * 2, cap)


class RecentIds:
    """The last `size` message ids: enough to drop what a re-opened chat sends again."""

    def __init__(self, size: int) -> None:
        self._order: deque[str] = deque(maxlen=size)
        self._known: set[str] = set()

    def add(self, message_id: str) -> bool:
        """Remember `message_id`; False if it was already known."""
        if message_id in self._known:
            return False
        if len(self._order) == self._order.maxlen:
            self._known.discard(self._order[0])
        self._order.append(message_id)
        self._known.add(message_id)
        return True
