"""What the worker publishes: scored messages, one batch at a time. Pure data.

The mood aggregator, the history and the latency meter subscribe to the worker's batches;
new outputs (VTube Studio, events) subscribe the same way, so the worker knows none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .chat import ChatMessage
from .scoring.sentiment import Sentiment

__all__ = ["ScoredBatch", "ScoredMessage", "Subscriber"]


@dataclass(frozen=True, slots=True)
class ScoredMessage:
    """A message with its sentiment (None when there was nothing to score) and when it was scored."""

    message: ChatMessage
    sentiment: Sentiment | None
    at: float


@dataclass(frozen=True, slots=True)
class ScoredBatch:
    """One micro-batch as scored, with when each message entered the queue (for latency)."""

    messages: tuple[ScoredMessage, ...]
    enqueued: tuple[float, ...]


Subscriber = Callable[[ScoredBatch], None]
