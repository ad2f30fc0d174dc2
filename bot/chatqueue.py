"""The bounded queue between the chat reader and the worker.

When the worker falls behind, the queue never grows past its bound. Live chat cannot wait, so
the oldest waiting messages are dropped (they are the least current) and counted, and the count
is shown. Recorded chat can wait: its reader is held until there is room, and nothing is dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from .chat import ChatMessage

__all__ = ["ChatQueue", "Queued"]


@dataclass(frozen=True, slots=True)
class Queued:
    """A message and when it entered the queue (for latency figures)."""

    message: ChatMessage
    enqueued: float


class ChatQueue:
    """A drop-oldest `asyncio.Queue` of chat messages that hands out micro-batches."""

    def __init__(self, maxsize: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.maxsize = maxsize
        self.dropped = 0
        self.max_depth = 0
        self._queue: asyncio.Queue[Queued] = asyncio.Queue(maxsize)
        self._clock = clock

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def put(self, message: ChatMessage) -> None:
        """Add a message without ever waiting; drop the oldest one if the queue is full."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(Queued(message, self._clock()))
        self.max_depth = max(self.max_depth, self._queue.qsize())

    async def put_waiting(self, message: ChatMessage) -> None:
        """Add a message, waiting while the queue is full (back-pressure: nothing is dropped)."""
        await self._queue.put(Queued(message, self._clock()))
        self.max_depth = max(self.max_depth, self._queue.qsize())

    async def get_batch(self, max_size: int, max_wait: float) -> list[Queued]:
        """Wait for a message, then gather up to `max_size` or whatever came within `max_wait` s."""
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while len(batch) < max_size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                # Not wait_for: in Python 3.11 it swallows a cancellation that lands as a
                # message arrives, and the worker then outlives the bot's shutdown.
                async with asyncio.timeout(remaining):
                    batch.append(await self._queue.get())
            except TimeoutError:
                break
        return batch

    def drain(self) -> list[Queued]:
        """Take everything still waiting (at shutdown)."""
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items
