"""The worker: micro-batches from the queue, scored off the event loop, published to subscribers.

The model runs in one thread owned by the worker, so the event loop keeps reading chat and
serving the overlay while a batch is scored. A message the model chokes on is skipped and
counted; the rest of its batch is still scored. Each scored batch goes to every subscriber
(the mood, the history, the latency meter): the worker knows none of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from .chatqueue import ChatQueue, Queued
from .scored import ScoredBatch, ScoredMessage, Subscriber
from .scoring.base import Scorer
from .scoring.sentiment import Sentiment

__all__ = ["Worker", "WorkerStats"]

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    """Running figures for the status line and the benchmark."""

    batches: int = 0
    scored: int = 0
    failed: int = 0
    last_batch_size: int = 0
    last_batch_ms: float = 0.0


class Worker:
    """Takes batches of up to `batch_size` messages (or what came in `max_wait` s) and scores them.

    Use it as a context manager: leaving it lets the model thread go.
    """

    def __init__(
        self,
        queue: ChatQueue,
        scorer: Scorer,
        *,
        batch_size: int,
        max_wait: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.queue = queue
        self.scorer = scorer
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.stats = WorkerStats()
        self._subscribers: list[Subscriber] = []
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moodbot-model")
        self._recent_batch_ms: deque[float] = deque(maxlen=50)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` with every scored batch, in the order of subscription."""
        self._subscribers.append(subscriber)

    async def run(self) -> None:
        """Score batches until cancelled."""
        while True:
            batch = await self.queue.get_batch(self.batch_size, self.max_wait)
            await self.process(batch)

    async def process(self, batch: list[Queued]) -> None:
        """Score one batch and publish it."""
        started = self._clock()
        texts = [item.message.text for item in batch]
        loop = asyncio.get_running_loop()
        sentiments = await loop.run_in_executor(self._executor, self._score, texts)
        now = self._clock()
        scored = ScoredBatch(
            tuple(ScoredMessage(item.message, s, now) for item, s in zip(batch, sentiments)),
            tuple(item.enqueued for item in batch),
        )
        self.stats.batches += 1
        self.stats.scored += sum(s is not None for s in sentiments)
        self.stats.last_batch_size = len(batch)
        self.stats.last_batch_ms = (now - started) * 1000
        self._recent_batch_ms.append(self.stats.last_batch_ms)
        for subscriber in self._subscribers:
            subscriber(scored)

    @property
    def batch_ms(self) -> float:
        """Mean time of the recent batches, in milliseconds."""
        return sum(self._recent_batch_ms) / len(self._recent_batch_ms) if self._recent_batch_ms else 0.0

    def _score(self, texts: list[str]) -> list[Sentiment | None]:
        # Runs in the model thread. Lines with nothing to read (a membership with no message)
        # get no sentiment: they count towards the rate, not the mood.
        wanted = [i for i, text in enumerate(texts) if text.strip()]
        result: list[Sentiment | None] = [None] * len(texts)
        try:
            scores: list[Sentiment | None] = list(self.scorer.score([texts[i] for i in wanted]))
        except Exception:
            log.warning("the model failed on a batch of %d; scoring its lines one by one", len(wanted), exc_info=True)
            scores = [self._score_one(texts[i]) for i in wanted]
        for i, score in zip(wanted, scores):
            result[i] = score
        return result

    def _score_one(self, text: str) -> Sentiment | None:
        try:
            return self.scorer.score([text])[0]
        except Exception:
            self.stats.failed += 1
            log.warning("skipped a message the model could not score (%d chars)", len(text))
            return None
