"""Webhooks: each event's JSON POSTed to the URLs in `events.webhooks` (SAMMI, an AI VTuber's
brain, anything that takes an HTTP request), and to Streamer.bot's HTTP Server as a DoAction
request (`events.streamerbot`: runs the action named "moodbot <kind>" with the event as arguments).

Never in the way of the flow: `post` only puts the message on a bounded queue per URL (a full
queue drops it, counted and logged) and one task per URL delivers them in order, with a short
timeout and retries with back-off, so a dead URL never delays a live one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from ..config import EventsConfig
from ..payload import encode

__all__ = ["WebhookSender", "WebhookStats", "streamerbot_request"]

log = logging.getLogger(__name__)

_MAX_BACKOFF = 10.0
_HEADERS = {"Content-Type": "application/json", "User-Agent": "moodbot"}  # JSON is UTF-8 by definition


@dataclass
class WebhookStats:
    """Running figures: messages delivered, given up after the retries, dropped on a full queue."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0


Shape = Callable[[Mapping[str, Any]], Mapping[str, Any]]


def _as_is(message: Mapping[str, Any]) -> Mapping[str, Any]:
    return message


def streamerbot_request(message: Mapping[str, Any]) -> dict[str, Any]:
    """An event as the body of Streamer.bot's `POST /DoAction`: the action named "moodbot <kind>",
    with the event's details as flat arguments (%problem%, %viewers%, %quote1%...) and the whole
    event as JSON text in %json%."""
    args: dict[str, Any] = {"kind": message["kind"], "time": message["time"]}
    for key, value in message["detail"].items():
        if key == "quotes":
            args.update({f"quote{i}": f"{q['author']}: {q['text']}" for i, q in enumerate(value, 1)})
        elif key == "reactions":
            args[key] = ", ".join(f"{r['text']} ×{r['count']}" for r in value)
        elif isinstance(value, list):
            args[key] = ", ".join(map(str, value))
        else:
            args[key] = value
    args["json"] = encode(dict(message))
    return {"action": {"name": f"moodbot {message['kind']}"}, "args": args}


@dataclass
class _Target:
    url: str
    queue: asyncio.Queue[Mapping[str, Any]]
    shape: Shape
    stats: WebhookStats = field(default_factory=WebhookStats)


class WebhookSender:
    """Delivers event messages to every URL; `run` is the task that does it, `post` never waits.

    Use it as an async context manager: leaving it closes the HTTP client (unless one was given).
    """

    def __init__(
        self,
        urls: Sequence[str],
        *,
        streamerbot: str | None = None,
        timeout: float,
        retries: int,
        queue_size: int,
        client: httpx.AsyncClient | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff  # seconds before the first retry; doubled each time, at most 10 s
        self._targets = [_Target(url, asyncio.Queue(queue_size), _as_is) for url in urls]
        if streamerbot:
            self._targets.append(_Target(streamerbot, asyncio.Queue(queue_size), streamerbot_request))
        self._client = client
        self._own_client = client is None

    @classmethod
    def from_config(cls, config: EventsConfig) -> WebhookSender:
        return cls(
            config.webhooks,
            streamerbot=config.streamerbot,
            timeout=config.webhook_timeout,
            retries=config.webhook_retries,
            queue_size=config.webhook_queue_size,
        )

    @property
    def stats(self) -> WebhookStats:
        """All URLs together."""
        every = [target.stats for target in self._targets]
        return WebhookStats(sum(s.sent for s in every), sum(s.failed for s in every), sum(s.dropped for s in every))

    async def __aenter__(self) -> WebhookSender:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def post(self, message: Mapping[str, Any]) -> None:
        """Queue one event message for every URL; a URL whose queue is full loses it (counted)."""
        for target in self._targets:
            try:
                target.queue.put_nowait(message)
            except asyncio.QueueFull:
                target.stats.dropped += 1
                log.warning("webhook %s: %d events waiting; this one dropped", target.url, target.queue.qsize())

    async def run(self) -> None:
        """Deliver until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            for target in self._targets:
                tasks.create_task(self._deliver_forever(target))

    async def _deliver_forever(self, target: _Target) -> None:
        while True:
            message = await target.queue.get()
            if await self._deliver(target.url, encode(dict(target.shape(message)))):
                target.stats.sent += 1
            else:
                target.stats.failed += 1

    async def _deliver(self, url: str, body: str) -> bool:
        assert self._client is not None, "use the sender as an async context manager"
        for attempt in range(self.retries + 1):
            try:
                response = await self._client.post(
                    url, content=body.encode("utf-8"), headers=_HEADERS, timeout=self.timeout
                )
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if response.is_success:
                    return True
                reason = f"HTTP {response.status_code}"
                if not _worth_retrying(response.status_code):
                    log.warning("webhook %s refused an event (%s); not retried", url, reason)
                    return False
            if attempt < self.retries:
                delay = min(_MAX_BACKOFF, self.backoff * 2**attempt)
                log.info("webhook %s: %s; retrying in %.1f s", url, reason, delay)
                await asyncio.sleep(delay)
            else:
                log.warning("webhook %s: %s; event given up after %d tries", url, reason, attempt + 1)
        return False


def _worth_retrying(status: int) -> bool:
    """Server trouble and rate limits pass; other refusals (404, 400, 401) will not."""
    return status >= 500 or status in (408, 425, 429)
