"""Read a Twitch channel's chat as it happens, anonymously and read-only, as ChatMessages.

The I/O shell around `irc`. It opens a websocket to `twitch.url` (Twitch's IRC over WebSocket),
asks for tags and commands (`CAP REQ`), logs in as `justinfan<digits>` (Twitch's anonymous
login: no account, no password, and it cannot post), joins `#channel`, and reads:

- PRIVMSG and USERNOTICE (sub, resub, subgift, announcement): ChatMessages. A raid: a ChatEvent
  for `on_event`. CLEARMSG / CLEARCHAT (a moderator deleting lines) change nothing, as a deleted
  YouTube line changes nothing: the line was counted when it was read.
- PING: PONG on the same connection.
- RECONNECT (this server is going away): a second connection is opened and joined at once
  while the first one is still read; what both deliver counts once (by message id). The first
  is let go when Twitch closes it, or after `_HANDOVER_SECONDS`.
- A connection lost, or closed without a word: RECONNECTING, and a fresh connection after a
  back-off (1, 2, 4 ... s with jitter, at most `twitch.max_backoff`, back to 1 s once joined).
- NOTICE msg_channel_suspended (no such channel, or suspended) or a refused login: ENDED with
  the reason; `messages()` raises SourceEnded when nothing was read yet.

Nothing is ever sent but CAP, NICK, JOIN and PONG. Status: CONNECTING → LIVE → RECONNECTING
(while retrying) → LIVE → ENDED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, WebSocketException

from ...chat import ChatMessage, EventHandler, SourceState, SourceStatus
from ...config import TwitchConfig
from ...errors import SourceEnded, SourceError, SourceRetryable
from ..reconnect import RecentIds, backoff
from .irc import IrcLine, parse_channel, parse_line, to_event, to_message

__all__ = ["TwitchSource"]

logger = logging.getLogger(__name__)

_CAPABILITIES = "twitch.tv/tags twitch.tv/commands"
_RECENT_IDS = 10_000
# After a RECONNECT, the old connection is read beside the new one until Twitch closes it, or
# this long: enough for anything it had in flight, without reading every line twice for good.
_HANDOVER_SECONDS = 30.0
_MAX_FRAME = 1 << 20  # Twitch lines are under 10 KB; a frame this big is not Twitch
_LOGIN_REFUSED = ("Login unsuccessful", "Login authentication failed", "Improperly formatted auth")


@dataclass(frozen=True, slots=True)
class _Line:
    """A line that came on `link`."""

    link: ClientConnection
    raw: str


@dataclass(frozen=True, slots=True)
class _Joined:
    """A replacement connection has joined; these lines came with its confirmation."""

    link: ClientConnection
    leftover: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Closed:
    """A connection has ended."""

    link: ClientConnection
    reason: str


@dataclass(frozen=True, slots=True)
class _Failed:
    """A replacement connection could not be opened."""

    error: SourceError


_Arrival = _Line | _Joined | _Closed | _Failed


class TwitchSource:
    """The chat of one Twitch channel, as a ChatSource."""

    def __init__(
        self,
        channel: str,
        config: TwitchConfig,
        *,
        on_event: EventHandler | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.channel = parse_channel(channel)
        self.key = f"twitch:{self.channel}"
        self._config = config
        self._on_event = on_event
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._seen = RecentIds(_RECENT_IDS)
        self._was_live = False
        self._status = SourceStatus(SourceState.CONNECTING, f"joining #{self.channel}", name="twitch")

    @property
    def status(self) -> SourceStatus:
        return self._status

    async def messages(self) -> AsyncIterator[ChatMessage]:
        """Yield chat until the channel is gone; raise SourceEnded if there was never any to read."""
        read_any = False
        try:
            async with contextlib.aclosing(self._read()) as chat:
                async for message in chat:
                    read_any = True
                    yield message
        except SourceEnded as exc:
            self._set(SourceState.ENDED, str(exc))
            if not read_any:
                raise

    async def _read(self) -> AsyncGenerator[ChatMessage, None]:
        links = _Links()
        try:
            current = await self._connect(links, reason=None)
            current_open, replacing = True, False
            while True:
                arrival = await links.inbox.get()
                if isinstance(arrival, _Line):
                    line = _parse(arrival.raw)
                    if line is None:
                        continue
                    if line.command == "RECONNECT":
                        if arrival.link is current and not replacing:
                            logger.info("Twitch asked to reconnect; joining #%s on a new connection", self.channel)
                            links.spawn(self._replace(links))
                            replacing = True
                        continue
                    message = await self._handle(arrival.link, line)
                    if message is not None:
                        yield message
                elif isinstance(arrival, _Joined):
                    if current_open:
                        links.spawn(_let_go(current))
                    links.read(arrival.link, arrival.leftover)
                    current, current_open, replacing = arrival.link, True, False
                elif isinstance(arrival, _Closed):
                    links.forget(arrival.link)
                    if arrival.link is not current:
                        continue  # the old connection after a handover
                    current_open = False
                    if not replacing:
                        current = await self._connect(links, reason=arrival.reason)
                        current_open = True
                else:
                    replacing = False
                    if isinstance(arrival.error, SourceEnded):
                        raise arrival.error
                    logger.warning("could not open a new Twitch connection (%s)", arrival.error)
                    if not current_open:
                        current = await self._connect(links, reason=str(arrival.error))
                        current_open = True
        finally:
            await links.close()

    async def _connect(self, links: _Links, *, reason: str | None) -> ClientConnection:
        """A joined connection, retried with back-off; `reason` says why one is needed again."""
        delays = backoff(self._config.max_backoff, self._rng)
        while True:
            if reason is not None:
                await self._pause(delays, reason)
            try:
                link, leftover = await self._open()
            except SourceRetryable as exc:
                reason = str(exc)
                continue
            links.read(link, leftover)
            self._set(SourceState.LIVE, f"chat of #{self.channel}")
            return link

    async def _replace(self, links: _Links) -> None:
        try:
            link, leftover = await self._open()
        except SourceError as exc:
            links.inbox.put_nowait(_Failed(exc))
        else:
            links.inbox.put_nowait(_Joined(link, leftover))

    async def _open(self) -> tuple[ClientConnection, tuple[str, ...]]:
        """Connect, ask for tags, log in anonymously and join; the lines after the join come too."""
        link: ClientConnection | None = None
        try:
            async with asyncio.timeout(self._config.connect_timeout):
                link = await connect(self._config.url, open_timeout=None, max_size=_MAX_FRAME, close_timeout=1)
                return link, await self._join(link)
        except BaseException as exc:
            if link is not None:
                link.transport.abort()
            if isinstance(exc, TimeoutError):
                raise SourceRetryable(
                    f"Twitch did not let moodbot join #{self.channel} within {self._config.connect_timeout:g} s"
                ) from exc
            if isinstance(exc, (OSError, WebSocketException)):
                raise SourceRetryable(f"connection failed ({_describe(exc)})") from exc
            raise

    async def _join(self, link: ClientConnection) -> tuple[str, ...]:
        nick = f"justinfan{self._rng.randint(10_000, 99_999)}"
        for command in (f"CAP REQ :{_CAPABILITIES}", f"NICK {nick}", f"JOIN #{self.channel}"):
            await link.send(command)
        acknowledged = joined = False
        while True:
            lines = _split(await link.recv(decode=True))
            for index, raw in enumerate(lines):
                line = _parse(raw)
                if line is None:
                    continue
                if line.command == "PING":
                    await link.send(_pong(line))
                elif line.command == "CAP" and "ACK" in line.params:
                    acknowledged = True
                elif line.command == "CAP" and "NAK" in line.params:
                    raise SourceEnded(f"Twitch refused the chat features moodbot reads ({line.text})")
                elif line.command == "NOTICE":
                    self._notice(line)
                elif (
                    line.command == "JOIN" and line.channel == f"#{self.channel}" and line.prefix.startswith(nick + "!")
                ):
                    joined = True
                if acknowledged and joined:
                    logger.info("joined the Twitch chat of #%s as %s", self.channel, nick)
                    return tuple(lines[index + 1 :])

    async def _handle(self, link: ClientConnection, line: IrcLine) -> ChatMessage | None:
        """One line from a joined connection: the message it carries, if any."""
        if line.channel and line.channel != f"#{self.channel}":
            return None
        command = line.command
        if command == "PING":
            with contextlib.suppress(ConnectionClosed):
                await link.send(_pong(line))
        elif command == "NOTICE":
            self._notice(line)
        elif command in ("CLEARMSG", "CLEARCHAT"):
            # Already counted when read; like a deleted YouTube line, it ages out of the windows.
            logger.debug("a moderator cleared chat in #%s (%s %s)", self.channel, command, line.text)
        elif command in ("PRIVMSG", "USERNOTICE"):
            message_id = line.tags.get("id")
            if message_id and not self._seen.add(message_id):
                return None  # delivered by both connections during a reconnect
            event = to_event(line, self.key, time.time())
            if event is not None and self._on_event is not None:
                self._on_event(event)
            return to_message(line, self.key, time.time())
        return None

    def _notice(self, line: IrcLine) -> None:
        msg_id = line.tags.get("msg-id", "")
        if msg_id == "msg_channel_suspended":
            raise SourceEnded(
                f"Twitch #{self.channel}: {line.text or 'this channel does not exist or has been suspended'}"
            )
        if line.params and line.params[0] == "*" and line.text.startswith(_LOGIN_REFUSED):
            raise SourceEnded(f"Twitch refused the anonymous login ({line.text})")
        logger.info("Twitch #%s: %s", self.channel, line.text or msg_id)

    async def _pause(self, delays: Iterator[float], reason: str) -> None:
        delay = next(delays)
        state = SourceState.RECONNECTING if self._was_live else SourceState.CONNECTING
        self._set(state, f"{reason}, retrying in {math.ceil(delay)} s")
        logger.warning("Twitch #%s: %s; retrying in %.1f s", self.channel, reason, delay)
        await self._sleep(delay)

    def _set(self, state: SourceState, detail: str) -> None:
        if state is not self._status.state:
            logger.info("Twitch chat %s: %s", state, detail)
        self._was_live = self._was_live or state is SourceState.LIVE
        self._status = SourceStatus(state, detail, name="twitch")


class _Links:
    """The connections of one read: each one's lines go to a single inbox, tagged with it."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[_Arrival] = asyncio.Queue()
        self._open: set[ClientConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def read(self, link: ClientConnection, leftover: tuple[str, ...]) -> None:
        self._open.add(link)
        self.spawn(self._pump(link, leftover))

    def forget(self, link: ClientConnection) -> None:
        self._open.discard(link)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pump(self, link: ClientConnection, leftover: tuple[str, ...]) -> None:
        for raw in leftover:
            self.inbox.put_nowait(_Line(link, raw))
        reason = "Twitch closed the connection"
        try:
            async for frame in link:
                for raw in _split(frame if isinstance(frame, str) else frame.decode("utf-8", "replace")):
                    self.inbox.put_nowait(_Line(link, raw))
        except ConnectionClosedError as exc:
            reason = f"connection lost ({_describe(exc)})"
        self.inbox.put_nowait(_Closed(link, reason))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for link in self._open:
            with contextlib.suppress(Exception):
                await link.close()


async def _let_go(link: ClientConnection) -> None:
    await asyncio.sleep(_HANDOVER_SECONDS)
    await link.close()


def _split(frame: str) -> list[str]:
    """The lines of a frame (Twitch may send several, each ending in CRLF)."""
    return [line.removesuffix("\r") for line in frame.split("\n") if line.strip("\r")]


def _parse(raw: str) -> IrcLine | None:
    try:
        return parse_line(raw)
    except ValueError:
        logger.debug("skipped a line that is not IRC: %r", raw[:120])
        return None


def _pong(ping: IrcLine) -> str:
    return f"PONG :{ping.params[-1] if ping.params else 'tmi.twitch.tv'}"


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
