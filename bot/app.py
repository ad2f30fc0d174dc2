"""`moodbot run`: wire the stages together and keep them running until asked to stop.

    source ──► ChatQueue ──► Worker (model thread) ──► MoodAggregator ──► Broadcaster ──► overlay

The reader, the worker, the publisher and the status line are tasks in one TaskGroup: a bug in
one stops them all in order rather than leaving a half-dead bot. Faults from outside (YouTube,
a client) are handled inside the stages and never reach this level.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .broadcaster import Broadcaster
from .chat import ChatSource, SourceState, SourceStatus
from .chatqueue import ChatQueue
from .config import LOOPBACK_HOSTS, AppConfig
from .console import StatusLine, pick
from .errors import MoodbotError, SourceError
from .history import HistoryWriter
from .latency import LatencyMeter
from .mood import MoodAggregator
from .payload import Counters, build_message, encode
from .scoring import Scorer, load_scorer
from .scoring.lookup import resolve_model
from .sources import make_source, source_label
from .sources.replay import ReplayWriter
from .worker import Worker

__all__ = ["Bot", "run_bot"]

log = logging.getLogger(__name__)

_SHUTDOWN_DRAIN_SECONDS = 5.0


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
        return build_message(
            kind, snapshot, self.counters(), status, wall_time=wall_time, ready=self.worker is not None
        )

    def message(self, kind: str) -> str:
        return encode(self.payload(kind))

    def status_parts(self) -> list[tuple[int, str]]:
        """The status line's parts in display order, each with its priority for narrow terminals."""
        snap = self.aggregator.snapshot(self.clock())
        c = self.counters()
        status = self.source.status
        return [
            (9, f"{snap.short.rate:5.1f} msg/s"),
            (10, f"mood {snap.needle:+.2f} {snap.mood}"),
            (3, f"queue {c.queue_depth}/{c.queue_max}"),
            (6, f"dropped {c.dropped}"),
            (2, f"batch {self.worker.batch_ms:.0f} ms") if self.worker else (11, "loading the model"),
            (7, f"overlays {self.broadcaster.clients}"),
            # Last, so that a long reason ("reconnecting (HTTP 503, retrying in 4 s)") is what gets cut.
            (8, f"{status.state}" + (f" ({status.detail})" if status.detail else "")),
        ]

    def status_line(self) -> str:
        return " | ".join(text for _, text in self.status_parts())


async def run_bot(
    config: AppConfig,
    *,
    stop: asyncio.Event,
    scorer: Scorer | None = None,
    source: ChatSource | None = None,
    on_ready: Callable[[Bot], None] | None = None,
    status_interval: float | None = 1.0,
    status: StatusLine | None = None,
    announce: bool = True,
) -> Bot:
    """Run the bot until `stop` is set; returns the stopped pipeline (for its figures).

    `announce` prints the overlay URL on stdout once the model has loaded (the benchmark keeps
    stdout for its JSON), so a model that cannot load stops the run before any URL is shown.
    `status` is the terminal's status line (the CLI shares it with its log handler).
    """
    clock = time.monotonic
    status = status or StatusLine(sys.stderr)
    if scorer is None:
        resolve_model(config.model.path)  # a wrong model path stops here, before the port or a session file
    source = source or make_source(config)
    queue = ChatQueue(config.worker.queue_size, clock=clock)
    aggregator = MoodAggregator(config.mood, start=clock())
    bot: Bot
    broadcaster = Broadcaster(config.server, snapshot=lambda: bot.message("snapshot"))
    bot = Bot(config, source, queue, aggregator, broadcaster, clock=clock)
    if config.source.record:
        bot.recorder = ReplayWriter(config.source.record)
    sessions = config.sessions_folder()
    if sessions is not None:
        bot.history = HistoryWriter(
            sessions, source=source_label(config), model=config.model.path, messages=config.history.messages
        )
        log.info("mood history of this session: %s", bot.history.path)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(broadcaster)
        if config.server.host not in LOOPBACK_HOSTS:
            log.warning("listening on %s: other machines on the network can open the overlay", config.server.host)
        # Unwound in reverse: drain the queue through the worker, then let the model thread go,
        # then close the server.
        workers = stack.enter_context(contextlib.ExitStack())
        stack.push_async_callback(_shut_down, bot, status)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(_wait(stop))
                tasks.create_task(_read(bot))
                changed = asyncio.Event()
                tasks.create_task(
                    broadcaster.publish(
                        lambda: bot.message("update"), changed, on_frame=lambda: bot.latency.frame_sent(clock())
                    )
                )
                if bot.recorder or bot.history:
                    tasks.create_task(_write_files(bot, config.history.flush_interval))
                if status_interval:
                    tasks.create_task(_show_status(bot, status, status_interval))
                if scorer is None:
                    log.info("loading model %s (%s)", config.model.path, config.model.backend)
                    scorer = await asyncio.to_thread(load_scorer, config.model)
                bot.worker = workers.enter_context(_make_worker(bot, scorer, changed))
                tasks.create_task(bot.worker.run())
                if announce:
                    with status.aside():
                        _announce(config, broadcaster.url)
                if on_ready:
                    on_ready(bot)
        except BaseExceptionGroup as group:
            _reraise(group)
    return bot


def _announce(config: AppConfig, url: str) -> None:
    """The overlay URL, and on a first run (no source named) what is playing and what to do next."""
    arrow = pick("→", ">", sys.stdout)
    demo = not (config.source.video or config.source.replay)
    lines = []
    if demo:
        lines.append("No stream given: playing the demo chat (a recorded sample) so you can see the overlay move.")
    lines.append(f"Overlay ready: {url}  (in OBS: Sources {arrow} + {arrow} Browser, paste this URL, 800x600)")
    if demo:
        lines += [
            "To read your stream's chat instead:  moodbot run --video @yourhandle   (or the stream's URL)",
            "Ctrl-C stops; `moodbot doctor` checks this machine; options: moodbot run --help",
        ]
    print("\n".join(lines), flush=True)


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
    worker = Worker(
        bot.queue,
        scorer,
        batch_size=bot.config.worker.batch_size,
        max_wait=bot.config.worker.max_wait_ms / 1000,
        clock=bot.clock,
    )
    worker.subscribe(lambda batch: bot.aggregator.add(batch.messages))
    worker.subscribe(lambda batch: bot.latency.scored(batch.enqueued))
    if bot.history:
        worker.subscribe(lambda batch: bot.history.scored(batch.messages) if bot.history else None)
    worker.subscribe(lambda _: changed.set())
    return worker


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


async def _write_files(bot: Bot, interval: float) -> None:
    """Every `interval` s: the mood of the moment into the history, and both files to disk."""
    while True:
        await asyncio.sleep(interval)
        if bot.history:
            bot.history.window(bot.payload("update"))
            await bot.history.flush()
        if bot.recorder:
            await bot.recorder.flush()


async def _show_status(bot: Bot, status: StatusLine, interval: float) -> None:
    ticks = 0
    while True:
        await asyncio.sleep(interval)
        ticks += 1
        if status.tty:
            status.show(bot.status_parts())
        elif ticks % 10 == 0:  # a log file gets a line every ten seconds, not a flood
            log.info("%s", bot.status_line())


async def _shut_down(bot: Bot, status: StatusLine) -> None:
    status.finish()
    if bot.worker is not None:
        waiting = bot.queue.drain()
        try:
            if waiting:
                async with asyncio.timeout(_SHUTDOWN_DRAIN_SECONDS):
                    await bot.worker.process(waiting)
        except TimeoutError:
            bot.queue.dropped += len(waiting)
            log.warning("shutdown: %d queued messages dropped (model too slow to finish)", len(waiting))
    final = bot.payload("update")
    bot.broadcaster.send(encode(final))
    if bot.history:
        bot.history.window(final)
        await bot.history.close()
    if bot.recorder:
        await bot.recorder.close()
        log.info("recorded %d messages to %s", bot.recorder.written, bot.recorder.path)
    log.info("stopped: %d messages read, %d dropped", bot.read, bot.queue.dropped)
