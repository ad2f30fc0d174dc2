"""`moodbot run`: wire the stages together and keep them running until asked to stop.

    source ──► ChatQueue ──► Worker (model thread) ──► MoodAggregator ──► Broadcaster ──► overlay

The reader, the worker, the publisher and the status line are tasks in one TaskGroup: a bug in
one stops them all in order rather than leaving a half-dead bot. Faults from outside (YouTube,
a client) are handled inside the stages and never reach this level.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .broadcaster import Broadcaster
from .chat import ChatSource, SourceState, SourceStatus
from .chatqueue import ChatQueue, Queued
from .config import AppConfig, ModelConfig
from .errors import MoodbotError, SourceError
from .history import HistoryWriter
from .metrics import LatencyMeter
from .mood import MoodAggregator, ScoredMessage
from .payload import Counters, build_message, encode
from .replay import ReplaySource, ReplayWriter
from .worker import Scorer, Worker

__all__ = ["SAMPLE_CHAT", "Bot", "load_scorer", "make_source", "run_bot"]

log = logging.getLogger(__name__)

SAMPLE_CHAT = Path(__file__).parent / "assets" / "sample_chat.jsonl"
_SHUTDOWN_DRAIN_SECONDS = 5.0


def make_source(config: AppConfig) -> ChatSource:
    """The chat source the config asks for; the bundled sample chat when it names none."""
    source = config.source
    if source.video:
        from .youtube import YouTubeSource

        return YouTubeSource(source.video, config.youtube, replay_speed=source.speed)
    return ReplaySource(source.replay or SAMPLE_CHAT, speed=source.speed, loop=source.loop)


def load_scorer(config: ModelConfig) -> Scorer:
    """Load the model the config names (blocking: call it from a thread)."""
    if config.backend.startswith("onnx"):
        from .onnx import OnnxClassifier

        return OnnxClassifier(config.path, int8=config.backend == "onnx-int8", label_map=config.label_map,
                              max_length=config.max_length, threads=config.threads)
    from .classifier import Classifier

    return Classifier(config.path, label_map=config.label_map, max_length=config.max_length, device=config.device,
                      threads=config.threads)


class _Stopped(Exception):
    """Raised inside the task group to end it when the stop event is set."""


@dataclass
class Bot:
    """The running pipeline: its parts, for the status line, tests and the benchmark."""

    config: AppConfig
    source: ChatSource
    queue: ChatQueue
    aggregator: MoodAggregator
    broadcaster: Broadcaster
    latency: LatencyMeter = field(default_factory=LatencyMeter)
    worker: Worker | None = None
    recorder: ReplayWriter | None = None
    history: HistoryWriter | None = None
    read: int = 0
    first_read_at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def counters(self) -> Counters:
        stats = self.worker.stats if self.worker else None
        return Counters(
            messages=self.read,
            scored=stats.scored if stats else 0,
            dropped=self.queue.dropped,
            failed=stats.failed if stats else 0,
            queue_depth=self.queue.depth,
            queue_max=self.queue.maxsize,
        )

    def payload(self, kind: str) -> dict:
        snapshot = self.aggregator.snapshot(self.clock())
        wall_time = time.time()
        status = self.source.status
        if self.worker is None and status.state is SourceState.LIVE:
            status = SourceStatus(SourceState.CONNECTING, "loading the model", name=status.name)
        return build_message(kind, snapshot, self.counters(), status, wall_time=wall_time, ready=self.worker is not None)

    def message(self, kind: str) -> str:
        return encode(self.payload(kind))

    def status_line(self) -> str:
        snap = self.aggregator.snapshot(self.clock())
        c = self.counters()
        batch = f"{self.worker.batch_ms:.0f} ms" if self.worker else "loading model"
        status = self.source.status
        return (
            f"{snap.short.rate:5.1f} msg/s | queue {c.queue_depth}/{c.queue_max} | dropped {c.dropped} | "
            f"batch {batch} | mood {snap.needle:+.2f} {snap.mood} | {status.state}"
            + (f" ({status.detail})" if status.detail else "")
            + f" | overlays {self.broadcaster.clients}"
        )


async def run_bot(
    config: AppConfig,
    *,
    stop: asyncio.Event,
    scorer: Scorer | None = None,
    source: ChatSource | None = None,
    on_ready: Callable[[Bot], None] | None = None,
    status_interval: float | None = 1.0,
    announce: bool = True,
) -> Bot:
    """Run the bot until `stop` is set; returns the stopped pipeline (for its figures).

    `announce` prints the overlay URL on stdout (the benchmark keeps stdout for its JSON).
    """
    clock = time.monotonic
    source = source or make_source(config)
    queue = ChatQueue(config.worker.queue_size, clock=clock)
    aggregator = MoodAggregator(config.mood, start=clock())
    bot: Bot
    broadcaster = Broadcaster(config.server, snapshot=lambda: bot.message("snapshot"))
    bot = Bot(config, source, queue, aggregator, broadcaster, clock=clock)
    if config.source.record:
        bot.recorder = ReplayWriter(config.source.record)
    if config.history.dir:
        bot.history = HistoryWriter(config.history.dir, source=_source_label(config), model=config.model.path,
                                    messages=config.history.messages)
        log.info("mood history of this session: %s", bot.history.path)
    await broadcaster.start()
    if announce:
        print(f"Overlay ready: {broadcaster.url}  (in OBS: Sources → + → Browser, paste this URL, 800x600)", flush=True)
    if config.server.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: other machines on the network can open the overlay", config.server.host)

    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_wait(stop))
            tasks.create_task(_read(bot))
            changed = asyncio.Event()
            tasks.create_task(broadcaster.publish(
                lambda: bot.message("update"), changed, on_frame=lambda: bot.latency.frame_sent(clock())
            ))
            if bot.recorder or bot.history:
                tasks.create_task(_write_files(bot, config.history.flush_interval))
            if status_interval:
                tasks.create_task(_show_status(bot, status_interval))
            if scorer is None:
                log.info("loading model %s (%s)", config.model.path, config.model.backend)
                scorer = await asyncio.to_thread(load_scorer, config.model)
            bot.worker = _make_worker(bot, scorer, changed)
            tasks.create_task(bot.worker.run())
            if on_ready:
                on_ready(bot)
    except BaseExceptionGroup as group:
        _reraise(group)
    finally:
        await _shut_down(bot, status_interval)
    return bot


def _reraise(group: BaseExceptionGroup) -> None:
    """After the task group: a stop request is the normal end; a user's error comes out alone
    (so the CLI prints its one line); anything else goes on as it is."""
    _, failures = group.split(_Stopped)
    if failures is None:
        return
    _, unexpected = failures.split(MoodbotError)
    if unexpected is not None:
        raise unexpected
    error: BaseException = failures
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    raise error


def _make_worker(bot: Bot, scorer: Scorer, changed: asyncio.Event) -> Worker:
    def scored(messages: list[ScoredMessage], batch: list[Queued]) -> None:
        bot.latency.scored(item.enqueued for item in batch)
        if bot.history:
            bot.history.scored(messages)

    return Worker(
        bot.queue,
        scorer,
        bot.aggregator,
        batch_size=bot.config.worker.batch_size,
        max_wait=bot.config.worker.max_wait_ms / 1000,
        on_scored=scored,
        updated=changed,
        clock=bot.clock,
    )


async def _wait(stop: asyncio.Event) -> None:
    await stop.wait()
    raise _Stopped


async def _read(bot: Bot) -> None:
    try:
        async for message in bot.source.messages():
            if bot.first_read_at is None:
                bot.first_read_at = bot.clock()
            bot.queue.put(message)
            bot.read += 1
            if bot.recorder:
                bot.recorder.add(message)
    except SourceError as exc:
        if not bot.read:
            raise  # nothing was ever read: the user must fix the source (one-line error)
        log.error("chat source stopped: %s", exc)
        return
    status = bot.source.status
    log.info("chat source finished (%s); the overlay keeps showing the last mood", status.detail or status.state)


def _source_label(config: AppConfig) -> str:
    if config.source.video:
        return "youtube-" + config.source.video.rstrip("/").split("/")[-1].split("=")[-1]
    return Path(config.source.replay).stem if config.source.replay else "sample"


async def _write_files(bot: Bot, interval: float) -> None:
    """Every `interval` s: the mood of the moment into the history, and both files to disk."""
    while True:
        await asyncio.sleep(interval)
        if bot.history:
            bot.history.window(bot.payload("update"))
            await bot.history.flush()
        if bot.recorder:
            await bot.recorder.flush()


async def _show_status(bot: Bot, interval: float) -> None:
    tty = sys.stderr.isatty()
    ticks = 0
    while True:
        await asyncio.sleep(interval)
        ticks += 1
        if tty:
            sys.stderr.write("\r" + bot.status_line() + "\x1b[K")
            sys.stderr.flush()
        elif ticks % 10 == 0:  # a log file gets a line every ten seconds, not a flood
            log.info("%s", bot.status_line())


async def _shut_down(bot: Bot, status_interval: float | None) -> None:
    if status_interval and sys.stderr.isatty():
        sys.stderr.write("\n")
    if bot.worker is not None:
        waiting = bot.queue.drain()
        try:
            if waiting:
                async with asyncio.timeout(_SHUTDOWN_DRAIN_SECONDS):
                    await bot.worker.process(waiting)
        except TimeoutError:
            bot.queue.dropped += len(waiting)
            log.warning("shutdown: %d queued messages dropped (model too slow to finish)", len(waiting))
        bot.worker.close()
    final = bot.payload("update")
    bot.broadcaster.send(encode(final))
    if bot.history:
        bot.history.window(final)
        await bot.history.close()
    if bot.recorder:
        await bot.recorder.close()
        log.info("recorded %d messages to %s", bot.recorder.written, bot.recorder.path)
    await bot.broadcaster.close()
    log.info("stopped: %d messages read, %d dropped", bot.read, bot.queue.dropped)
