"""The broadcaster: one websockets server that serves the overlay page at `/` (and the streamer's
`/dashboard`) and pushes the mood and events to them over the websocket at `/ws`, so OBS needs a
single URL.

Every new connection gets a full snapshot at once (OBS reloads the page on scene changes),
then updates at a capped rate. Updates go out with `broadcast()`, which never waits for a slow
reader; a client whose send buffer is backed up is skipped until it catches up or the ping
timeout closes it, so one stuck overlay never holds up the others. Clients are never listened
to: the first few messages a client sends are dropped, and a client that keeps talking is
closed (a flood of tiny messages would otherwise keep the event loop busy). At the open-file
limit, the refused connections make one warning every few seconds, not a traceback each.
"""

from __future__ import annotations

import asyncio
import logging
import math
import mimetypes
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from asyncio_throttle import Throttler
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from .config import LOOPBACK_HOSTS, ServerConfig
from .errors import ConfigError

__all__ = ["OVERLAY_DIR", "Broadcaster"]

log = logging.getLogger(__name__)

OVERLAY_DIR = Path(__file__).parent / "overlay"
_IDLE_INTERVAL = 1.0  # seconds between updates when nothing changed (keeps the page's clock fresh)
_MAX_CLIENT_MESSAGE = 1024  # bytes; clients have nothing to say to us...
_MAX_CLIENT_MESSAGES = 8  # ...so one that sends more than a few messages is closed
_ACCEPT_WARNING_INTERVAL = 10.0  # seconds between two warnings about refused connections
_MAX_SEND_BUFFER = 256 * 1024  # a client this far behind is skipped


class Broadcaster:
    """Serves the overlay and sends it the mood."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        snapshot: Callable[[], str],
        overlay_dir: Path = OVERLAY_DIR,
    ) -> None:
        self.config = config
        self.frames_sent = 0
        self._snapshot = snapshot
        self._files = _load_overlay(overlay_dir)
        self._server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """The overlay page's address, as OBS should open it."""
        return f"http://{self._shown_host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        """The websocket's address, for clients that are not the page (bench, soak, tests)."""
        return f"ws://{self._shown_host}:{self.port}/ws"

    @property
    def _shown_host(self) -> str:
        host = self.config.host
        return "127.0.0.1" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)

    @property
    def clients(self) -> int:
        return len(self._server.connections) if self._server else 0

    async def __aenter__(self) -> Broadcaster:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        _AcceptErrors.install(asyncio.get_running_loop())
        try:
            self._server = await serve(
                self._handle,
                self.config.host,
                self.config.port,
                process_request=self._process_request,
                compression=None,  # deflate doubles the server's CPU for ~1 KB messages
                max_size=_MAX_CLIENT_MESSAGE,
                max_queue=4,
                ping_interval=10,
                ping_timeout=10,
                close_timeout=2,
            )
        except OSError as exc:
            raise ConfigError(
                f"server: cannot listen on {self.config.host}:{self.config.port} ({exc.strerror}); "
                "is another moodbot running? choose another server.port"
            ) from exc

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def publish(
        self,
        build_update: Callable[[], str],
        changed: asyncio.Event,
        *,
        on_frame: Callable[[], None] | None = None,
    ) -> None:
        """Send an update whenever `changed` is set, at most `max_updates_per_s`, else every second."""
        throttler = Throttler(rate_limit=1, period=1.0 / self.config.max_updates_per_s)
        while True:
            async with throttler:
                await _wait_at_most(changed, _IDLE_INTERVAL)
                changed.clear()
                self.send(build_update())
                if on_frame:
                    on_frame()

    def send(self, message: str) -> None:
        """Push one message to every client that is keeping up."""
        assert self._server is not None
        ready = [c for c in self._server.connections if _buffered(c) < _MAX_SEND_BUFFER]
        broadcast(ready, message)
        self.frames_sent += 1

    async def _handle(self, connection: ServerConnection) -> None:
        try:
            await connection.send(self._snapshot())
            said = 0
            async for _ in connection:  # nothing a client says is acted on
                said += 1
                if said > _MAX_CLIENT_MESSAGES:
                    log.warning("closed a websocket client that kept sending messages: %s", connection.remote_address)
                    await connection.close(CloseCode.POLICY_VIOLATION, "clients have nothing to say")
                    break
        except ConnectionClosed:
            pass  # an overlay that goes away (OBS hid the source) is business as usual
        log.debug("overlay disconnected: %s", connection.remote_address)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == "/ws":
            return self._check_websocket(connection, request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return connection.respond(HTTPStatus.NOT_FOUND, "the websocket is at /ws\n")
        served = self._files.get(path)
        if served is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        content_type, body = served
        response = connection.respond(HTTPStatus.OK, body)
        # respond() says text/plain, and setting a header appends: replace it.
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = content_type
        response.headers["Cache-Control"] = "no-cache"
        return response

    def _check_websocket(self, connection: ServerConnection, request: Request) -> Response | None:
        origin = request.headers.get("Origin")
        if origin is not None and origin not in self._allowed_origins():
            log.warning("refused a websocket from origin %s", origin)
            return connection.respond(HTTPStatus.FORBIDDEN, "origin not allowed\n")
        if self.clients >= self.config.max_clients:
            log.warning("refused a websocket: already %d clients", self.clients)
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many clients\n")
        return None

    def _allowed_origins(self) -> set[str]:
        # The page's own origin (as OBS loads it), under any loopback name, plus what the
        # user allowed. Browsers always send Origin; tools that omit it are not web pages.
        port = self.port
        own = {f"http://{f'[{name}]' if ':' in name else name}:{port}" for name in LOOPBACK_HOSTS}
        own.add(f"http://{self.config.host}:{port}")
        return own | set(self.config.allowed_origins)


async def _wait_at_most(event: asyncio.Event, seconds: float) -> None:
    # asyncio.timeout, not wait_for: in Python 3.11 wait_for swallows a cancellation that
    # lands as the event is set, and the publisher then outlives the bot's shutdown.
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


class _AcceptErrors:
    """The event loop's exception handler from the first server on: asyncio reports each
    accept() refused at the open-file limit with a traceback, a hundred per loop tick (and its
    retries of a server closed meanwhile fail the same way); this makes them one warning every
    `_ACCEPT_WARNING_INTERVAL` seconds and passes everything else on."""

    def __init__(self, previous: Any) -> None:
        self._previous = previous
        self._last = -math.inf
        self._since = 0

    @classmethod
    def install(cls, loop: asyncio.AbstractEventLoop) -> None:
        # For the loop's life: the retries asyncio schedules can fail after the server closed.
        if not isinstance(loop.get_exception_handler(), cls):
            loop.set_exception_handler(cls(loop.get_exception_handler()))

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if not message.startswith("socket.accept() out of system resource") and "._start_serving" not in message:
            if self._previous is not None:
                self._previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        self._since += 1
        now = loop.time()
        if now - self._last >= _ACCEPT_WARNING_INTERVAL:
            error = context.get("exception")
            log.warning(
                "refusing new connections: %s (%d refused); raise the open-file limit (ulimit -n) "
                "or close what holds connections open",
                getattr(error, "strerror", None) or error,
                self._since,
            )
            self._last, self._since = now, 0


def _buffered(connection: ServerConnection) -> int:
    transport = connection.transport
    return transport.get_write_buffer_size() if transport is not None else 0


def _load_overlay(folder: Path) -> dict[str, tuple[str, str]]:
    """The overlay's files by URL path, read once: nothing outside this list is ever served."""
    files: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            files["/" + path.name] = (content_type, path.read_text(encoding="utf-8"))
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    if "/dashboard.html" in files:
        files["/dashboard"] = files["/dashboard.html"]  # the streamer's page, not for the stream
    return files
