"""`moodbot run`: wire the stages together and keep them running until asked to stop.

    sources ──► ChatQueue ──► Worker (model thread) ──► MoodAggregator ──► Broadcaster ──► overlay
                                                                     ├──► VTubeStudio ──► avatar
                                     └──► EventDetector ◄── mood snapshots
                                              └──► EventHub ──► /ws frames, history, webhooks,
                                                                status line, VTube Studio hotkeys

The readers (one per chat source), the worker, the publisher, the VTube Studio plugin and the
status line are tasks in one TaskGroup: a bug in one stops them all in order rather than leaving
a half-dead bot. Faults from outside (YouTube, Twitch, VTube Studio, a client, a full disk) are
handled inside the stages and never reach this level; a chat source that fails or ends leaves the
others reading, and a full disk shows as an alert on the status line and in the overlay's
messages. A run that fails to start (a model that will not load, a stream that is not there)
leaves no session file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .broadcaster import Broadcaster
from .chat import ChatEvent, ChatMessage, ChatSource, SourceState, SourceStatus, overall_status
from .chatqueue import ChatQueue
from .config import LOOPBACK_HOSTS, AppConfig
from .console import StatusLine, pick
from .errors import MoodbotError, SourceError
from .events import Event, EventDetector, EventHub, raid_event
from .history import HistoryWriter
from .latency import LatencyMeter
from .mood import MoodAggregator
from .outputs.status import OutputStatus
from .outputs.vtube_studio import VTubeStudio
from .outputs.webhooks import WebhookSender
from .payload import Counters, SourceSummary, build_event, build_message, encode
from .scoring import Scorer, load_scorer
from .scoring.lookup import resolve_model
from .sources import make_sources, source_label
from .sources.replay import ReplayWriter
from .worker import Worker

__all__ = ["Bot", "run_bot"]

log = logging.getLogger(__name__)

_SHUTDOWN_DRAIN_SECONDS = 5.0
# Chats told apart in the breakdown; a recording naming more has the rest counted under its own key.
_MAX_SOURCES = 16
_ALERT_SECONDS = 60.0  # how long the status line shows a tech_problem alert


class _Stopped(Exception):
    """Raised inside the task group to end it when the stop event is set."""


@dataclass
class Bot:
    """The running pipeline: its parts, for the status line, tests and the benchmark.

    `sources` are the chat sources by key; `origins` maps each chat that messages came from to
    the source that read it (a recorded simulcast is one source holding several chats).
    """

    config: AppConfig
    queue: ChatQueue
    aggregator: MoodAggregator
    broadcaster: Broadcaster
    sources: dict[str, ChatSource] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    read_from: Counter[str] = field(default_factory=Counter)
    events: dict[str, Counter[str]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    latency: LatencyMeter = field(default_factory=LatencyMeter)
    worker: Worker | None = None
    recorder: ReplayWriter | None = None
    history: HistoryWriter | None = None
    avatar: VTubeStudio | None = None
    read: int = 0
    first_read_at: float | None = None
    clock: Callable[[], float] = time.monotonic
    hub: EventHub = field(init=False)
    detector: EventDetector = field(init=False)
    alert: Event | None = None  # the last tech_problem, shown on the status line for a minute

    def __post_init__(self) -> None:
        self.hub = EventHub(self.config.events.kinds, clock=self.clock)
        self.detector = EventDetector(self.config.events, copypasta_min_chars=self.config.mood.copypasta_min_chars)
        self.hub.subscribe(self._alerted)

    def add_sources(self, sources: Mapping[str, ChatSource]) -> None:
        self.sources.update(sources)
        self.origins.update((key, key) for key in sources)

    def received(self, key: str, message: ChatMessage) -> ChatMessage:
        """Count a message read by source `key`; one without a chat of its own gets `key`."""
        chat = message.source
        if not chat or (chat not in self.origins and len(self.origins) >= _MAX_SOURCES):
            message = replace(message, source=key)
        self.origins.setdefault(message.source, key)
        self.read_from[message.source] += 1
        self.read += 1
        if self.first_read_at is None:
            self.first_read_at = self.clock()
        return message

    def event(self, event: ChatEvent) -> None:
        """Something a chat did besides messages (a raid): logged, and counted for its chat."""
        log.info("%s: %s (%s)", event.source, event.kind, event.text or f"{event.name}, {event.count}")
        self.events.setdefault(event.source, Counter())[event.kind] += 1
        if event.kind == "raid":
            self.hub.publish(raid_event(event, self.clock()))

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            self.hub.publish(event)

    def _alerted(self, event: Event) -> None:
        if event.kind != "tech_problem":
            return
        self.alert = event
        quotes = "; ".join(f"{quote['author']}: {quote['text']}" for quote in event.detail["quotes"])
        log.warning(
            "VIEWERS REPORT A STREAM PROBLEM (%s, %d viewers): %s",
            event.detail["problem"],
            event.detail["viewers"],
            quotes,
        )

    def breakdown(self) -> list[SourceSummary]:
        """One line per chat, in the order they came; a source's own key is left out when
        everything it read belongs to other chats (a recorded simulcast)."""
        carriers = {key for chat, key in self.origins.items() if chat != key}
        return [
            SourceSummary(chat, self.sources[key].status, self.read_from[chat], self.events.get(chat, {}))
            for chat, key in self.origins.items()
            if chat != key or self.read_from[chat] or key not in carriers
        ]

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

    def alerts(self) -> list[str]:
        """What the streamer must know now: files that cannot be written (a full disk)."""
        files = (("history", self.history), ("recording", self.recorder))
        return [f"{what} not saved: {out.problem}" for what, out in files if out is not None and out.problem]

    def payload(self, kind: str) -> dict:
        snapshot = self.aggregator.snapshot(self.clock())
        self.publish(self.detector.snapshot(snapshot))
        wall_time = time.time()
        status = overall_status(source.status for source in self.sources.values())
        if self.worker is None and status.state is SourceState.LIVE:
            status = SourceStatus(SourceState.CONNECTING, "loading the model", name=status.name)
        return build_message(
            kind,
            snapshot,
            self.counters(),
            status,
            wall_time=wall_time,
            ready=self.worker is not None,
            sources=self.breakdown(),
            alerts=self.alerts(),
            outputs=self.outputs(),
            events=tuple(self.hub.recent),
        )

    def outputs(self) -> dict[str, OutputStatus]:
        return {"vtube_studio": self.avatar.status} if self.avatar else {}

    def message(self, kind: str) -> str:
        return encode(self.payload(kind))

    def status_parts(self) -> list[tuple[int, str]]:
        """The status line's parts in display order, each with its priority for narrow terminals."""
        snap = self.aggregator.snapshot(self.clock())
        c = self.counters()
        parts = [
            *self._alert_parts(),
            (9, f"{snap.short.rate:5.1f} msg/s"),
            (10, f"mood {snap.needle:+.2f} {snap.mood}"),
            (3, f"queue {c.queue_depth}/{c.queue_max}"),
            (6, f"dropped {c.dropped}"),
            (2, f"batch {self.worker.batch_ms:.0f} ms") if self.worker else (11, "loading the model"),
            (7, f"overlays {self.broadcaster.clients}"),
        ]
        parts += [(12, f"WARNING {alert}") for alert in self.alerts()]
        if self.avatar is not None:
            avatar = self.avatar.status
            parts.append((5, f"vts {avatar.state}" + (f" ({avatar.detail})" if avatar.detail else "")))
        # Last, so that a long reason ("reconnecting (HTTP 503, retrying in 4 s)") is what gets cut.
        parts.append((8, self.source_states()))
        return parts

    def status_line(self) -> str:
        return " | ".join(text for _, text in self.status_parts())

    def _alert_parts(self) -> list[tuple[int, str]]:
        """The tech alert, first on the line and the last part a narrow terminal would drop."""
        if self.alert is None or self.clock() - self.alert.at > _ALERT_SECONDS:
            return []
        detail = self.alert.detail
        return [(13, f"!! {str(detail['problem']).upper()} PROBLEM: {detail['viewers']} viewers report it !!")]

    def source_states(self) -> str:
        """`live (live chat of ID)` for one source; `youtube:ID live, twitch:name reconnecting (why)` for several."""
        if len(self.sources) == 1:
            status = next(iter(self.sources.values())).status
            return f"{status.state}" + (f" ({status.detail})" if status.detail else "")
        return ", ".join(
            f"{key} {source.status.state}"
            + (f" ({source.status.detail})" if source.status.state is not SourceState.LIVE else "")
            for key, source in self.sources.items()
        )


async def run_bot(
    config: AppConfig,
    *,
    stop: asyncio.Event,
    scorer: Scorer | None = None,
    sources: Mapping[str, ChatSource] | None = None,
    on_ready: Callable[[Bot], None] | None = None,
    status_interval: float | None = 1.0,
    status: StatusLine | None = None,
    announce: bool = True,
    on_event: Callable[[str, Mapping[str, Any]], None] | None = None,
) -> Bot:
    """Run the bot until `stop` is set; returns the stopped pipeline (for its figures).

    `sources` (by key) replace the ones the config names. `announce` prints the overlay URL on
    stdout once the model has loaded (the benchmark keeps stdout for its JSON), so a model that
    cannot load stops the run before any URL is shown. `status` is the terminal's status line (the
    CLI shares it with its log handler). `on_event(kind, detail)` is called with every event (an
    output such as VTube Studio plugs in the same way: `bot.hub.add_listener`).
    """
    clock = time.monotonic
    status = status or StatusLine(sys.stderr)
    if scorer is None:
        resolve_model(config.model.path)  # a wrong model path stops here, before the port or a session file
    queue = ChatQueue(config.worker.queue_size, clock=clock)
    aggregator = MoodAggregator(config.mood, start=clock())
    bot: Bot
    broadcaster = Broadcaster(config.server, snapshot=lambda: bot.message("snapshot"))
    bot = Bot(config, queue, aggregator, broadcaster, clock=clock)
    bot.add_sources(sources if sources is not None else make_sources(config, on_event=bot.event))
    bot.hub.subscribe(lambda event: broadcaster.send(encode(build_event(event))))
    bot.hub.subscribe(lambda event: bot.history.event(build_event(event)) if bot.history else None)
    if on_event:
        bot.hub.add_listener(on_event)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(broadcaster)
        if config.vtube_studio.enabled:
            # Fed from the mood's snapshots on its own beat, not per message; unwound after the
            # queue is drained, so the avatar fades out once the last mood is in.
            bot.avatar = await stack.enter_async_context(
                VTubeStudio(config.vtube_studio, lambda: aggregator.snapshot(clock()), clock=clock)
            )
            bot.hub.add_listener(bot.avatar.on_event)
        webhooks = None
        if config.events.webhooks or config.events.streamerbot:
            webhooks = await stack.enter_async_context(WebhookSender.from_config(config.events))
            bot.hub.subscribe(lambda event: webhooks.post(build_event(event)) if webhooks else None)
        # Unwound in reverse: drain the queue through the worker, then let the model thread go,
        # then close the server.
        workers = stack.enter_context(contextlib.ExitStack())
        stack.push_async_exit(
            # A run whose model never loaded, or that never read a message, failed to start: it keeps no files.
            lambda _type, error, _tb: _shut_down(
                bot, status, failed=error is not None and (bot.worker is None or not bot.read)
            )
        )
        _open_files(bot)  # only now, so that a port already taken leaves no session file
        if config.server.host not in LOOPBACK_HOSTS:
            log.warning("listening on %s: other machines on the network can open the overlay", config.server.host)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(_wait(stop))
                for key, source in bot.sources.items():
                    tasks.create_task(_read(bot, key, source))
                changed = asyncio.Event()
                tasks.create_task(
                    broadcaster.publish(
                        lambda: bot.message("update"), changed, on_frame=lambda: bot.latency.frame_sent(clock())
                    )
                )
                if bot.recorder or bot.history:
                    tasks.create_task(_write_files(bot, config.history.flush_interval))
                if webhooks:
                    tasks.create_task(webhooks.run())
                if status_interval:
                    tasks.create_task(_show_status(bot, status, status_interval))
                if bot.avatar:
                    tasks.create_task(bot.avatar.run())
                if scorer is None:
                    log.info("loading model %s (backend %s)", config.model.path, config.model.backend)
                    cache = config.files.data_folder() / "onnx"
                    scorer = await asyncio.to_thread(functools.partial(load_scorer, config.model, cache=cache))
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


def _open_files(bot: Bot) -> None:
    config = bot.config
    if config.source.record:
        bot.recorder = ReplayWriter(config.source.record)
    sessions = config.sessions_folder()
    if sessions is not None:
        bot.history = HistoryWriter(
            sessions,
            source=source_label(list(bot.sources)),
            model=config.model.path,
            messages=config.history.messages,
        )
        log.info("mood history of this session: %s", bot.history.path)


def _announce(config: AppConfig, url: str) -> None:
    """The overlay URL, and on a first run (no source named) what is playing and what to do next."""
    arrow = pick("→", ">", sys.stdout)
    demo = not (config.source.videos or config.source.channels or config.source.replay)
    lines = []
    if demo:
        lines.append("No stream given: playing the demo chat (a recorded sample) so you can see the overlay move.")
    lines.append(f"Overlay ready: {url}  (in OBS: Sources {arrow} + {arrow} Browser, paste this URL, 800x600)")
    lines.append(f"Dashboard (for you, not for the stream): {url}dashboard")
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
    worker.subscribe(lambda batch: bot.publish(bot.detector.scored(batch.messages)))
    worker.subscribe(lambda batch: bot.latency.scored(batch.enqueued))
    if bot.history:
        worker.subscribe(lambda batch: bot.history.scored(batch.messages) if bot.history else None)
    worker.subscribe(lambda _: changed.set())
    return worker


async def _wait(stop: asyncio.Event) -> None:
    await stop.wait()
    raise _Stopped


async def _read(bot: Bot, key: str, source: ChatSource) -> None:
    try:
        async for message in source.messages():
            message = bot.received(key, message)
            if source.status.recorded:
                await bot.queue.put_waiting(message)  # a recording waits for the model: nothing dropped
            else:
                bot.queue.put(message)  # live chat cannot wait: the oldest waiting is dropped
            if bot.recorder:
                bot.recorder.add(message)
    except SourceError as exc:
        bot.failed.add(key)
        if not bot.read and bot.failed == set(bot.sources):
            raise  # nothing was ever read: the user must fix the source (one-line error)
        log.error("chat source %s stopped: %s", key, exc)
        return
    status = source.status
    alone = len(bot.sources) == 1
    log.info(
        "chat source %s finished (%s)%s",
        key,
        status.detail or status.state,
        "; the overlay keeps showing the last mood" if alone else "",
    )


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


async def _shut_down(bot: Bot, status: StatusLine, *, failed: bool) -> None:
    """The clean stop; `failed`: the run failed before reading anything, so it keeps no files."""
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
    if failed:
        for out in (bot.history, bot.recorder):
            if out is not None:
                await out.discard()
    else:
        if bot.history:
            bot.history.window(final)
            await bot.history.close()
        if bot.recorder:
            await bot.recorder.close()
            log.info("recorded %d messages to %s", bot.recorder.written, bot.recorder.path)
    log.info("stopped: %s", _run_totals(bot))


def _run_totals(bot: Bot) -> str:
    """What the run read: "2 messages read, 5 lines skipped" for recordings, with drops if any."""
    statuses = [source.status for source in bot.sources.values()]
    recorded = all(status.recorded for status in statuses)
    skipped = sum(status.skipped for status in statuses)
    parts = [f"{bot.read} messages read"]
    if recorded or skipped:
        parts.append(f"{skipped} lines skipped")
    if bot.queue.dropped or not recorded:
        parts.append(f"{bot.queue.dropped} dropped")
    return ", ".join(parts)
