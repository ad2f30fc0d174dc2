"""Read a YouTube stream's chat as it happens (or replay a finished stream's) as ChatMessages.

The I/O shell around `pages` and `items`. It opens the chat with YouTube's own continuation from
the `live_chat?v=ID` page, polls `youtubei/v1/live_chat/get_live_chat` as each response's
`timeoutMs` asks, and keeps going through what a long stream meets:

- HTTP 429 and 5xx, timeouts, connection errors, malformed JSON: wait (1, 2, 4 ... s with
  jitter, at most `youtube.max_backoff`, back to 1 s after a good poll) and retry. An answer
  is malformed too when it takes longer than `request_timeout` in all, inflates beyond a few MB,
  or holds anything the parsers cannot use (absurd numbers, absurd nesting): no exception from
  an answer leaves the reader.
- Another HTTP error on a poll, a response without a next continuation, or a chat silent for
  longer than max(`min_silence`, `silence_factor` x the recent gap between messages): open the
  chat again from the watch and live_chat pages, which also tell if the stream is still there.
  A refusal of those pages then (a 403, a redirect loop) is retried: only what a page says ends.
- The stream ends, goes private or has its chat turned off: status ENDED with the reason, and
  `messages()` returns.
- Nothing to read at all (a channel not live now; a private, missing or ordinary video):
  `messages()` raises SourceEnded before yielding anything, and the status says the same.

A finished (archived) stream is replayed through get_live_chat_replay, paced by each item's
place in the video. Status: CONNECTING → LIVE → RECONNECTING (while retrying) → LIVE → ENDED.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from ...chat import ChatMessage, SourceState, SourceStatus
from ...config import YouTubeConfig
from ...errors import SourceEnded, SourceError, SourceRetryable
from ..pacing import Pacer
from ..reconnect import RecentIds, backoff
from .items import ChatResponse, parse_chat_response
from .pages import Innertube, VideoPage, VideoState, parse_chat_page, parse_innertube, parse_video_page
from .urls import Target, parse_target

__all__ = ["YouTubeSource"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_DEFAULT_POLL_WAIT = 5.0  # when a response names no (usable) timeoutMs
_MIN_POLL_WAIT = 1.0  # whatever timeoutMs says: 1 ms or less would poll YouTube in a loop
# One poll reaches back only ~10 s of chat; YouTube asks busy streams to wait longer than that,
# which would drop messages, so no wait is longer than this.
_MAX_POLL_WAIT = 8.0
# Most bytes one answer may inflate to (decoded): real watch pages are 1-2 MB, chat answers
# under 200 KB. Larger is a bad answer, read no further (a gzip bomb would take GBs).
_MAX_PAGE_BYTES = 8 * 1024 * 1024
_MAX_CHAT_BYTES = 2 * 1024 * 1024
_RECENT_IDS = 10_000  # a re-opened chat resends its last few hundred messages
_GAP_SAMPLE = 50  # messages whose spacing sets the silence watchdog's limit
# Used only when no page told us the current web client version.
_FALLBACK_CLIENT_VERSION = "2.20260101.00.00"
_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    # English titles ("Live chat") and amounts ("$5.00") whatever the machine's locale.
    "Accept-Language": "en-US,en;q=0.9",
    # Declines cookies up front: without it, visitors from the EU get a consent page instead.
    "Cookie": "SOCS=CAI",
}
_ENDINGS = {
    VideoState.PRIVATE: "stream went private",
    VideoState.ENDED: "stream ended",
    VideoState.NOT_LIVE: "stream ended",
}


class YouTubeSource:
    """The chat of one YouTube stream (or a channel's current one), as a ChatSource."""

    def __init__(
        self,
        target: str | Target,
        config: YouTubeConfig,
        *,
        client: httpx.AsyncClient | None = None,
        replay_speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._target = target if isinstance(target, Target) else parse_target(target)
        self._config = config
        self._client = client
        self._speed = replay_speed
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._base = config.base_url.rstrip("/")
        self._innertube = Innertube()
        self._seen = RecentIds(_RECENT_IDS)
        self._was_live = False
        self._recorded = False
        self._status = SourceStatus(SourceState.CONNECTING, f"opening {self._target}", name="youtube")

    @property
    def status(self) -> SourceStatus:
        return self._status

    async def messages(self) -> AsyncIterator[ChatMessage]:
        """Yield chat until the stream is over; raise SourceEnded if there is no stream to read."""
        async with contextlib.AsyncExitStack() as stack:
            client = self._client if self._client is not None else await stack.enter_async_context(httpx.AsyncClient())
            try:
                video_id, video = await self._resolve(client)
            except SourceEnded as exc:
                self._set(SourceState.ENDED, str(exc))
                raise
            if video.state is VideoState.ENDED:
                self._recorded = True  # a finished stream's chat replay can wait for the model
                chat = self._replay(client, video_id, video)
            else:
                chat = self._live(client, video_id)
            try:
                async with contextlib.aclosing(chat):
                    async for message in chat:
                        yield message
            except SourceEnded as exc:
                self._set(SourceState.ENDED, str(exc))

    async def _resolve(self, client: httpx.AsyncClient) -> tuple[str, VideoPage]:
        target, mode = self._target, self._config.chat_mode
        try:
            video = await self._retrying(
                lambda: self._get(client, target.path, None, lambda h: parse_video_page(h, mode))
            )
        except SourceError as exc:  # only the fatal ones get here: HTTP 404 and the like
            raise SourceEnded(f"{target}: YouTube answered {exc}") from exc
        if target.kind != "video":
            if video.video_id is None or video.state not in (VideoState.LIVE, VideoState.UPCOMING):
                raise SourceEnded(f"{target} is not live now")
            return video.video_id, video
        if video.state is VideoState.PRIVATE:
            raise SourceEnded(f"{target} is private")
        if video.state is VideoState.UNAVAILABLE:
            raise SourceEnded(f"{target} is unavailable" + (f": {video.reason}" if video.reason else ""))
        if video.state is VideoState.NOT_LIVE:
            raise SourceEnded(f"{target} is not a live stream")
        return target.id, video

    async def _live(self, client: httpx.AsyncClient, video_id: str) -> AsyncGenerator[ChatMessage, None]:
        delays = self._backoff()
        silence = _Silence(self._config, self._clock)
        continuation: str | None = None
        reopening = False  # the first opening follows the fresh look _resolve just took
        while True:
            try:
                if continuation is None:
                    if reopening:
                        await self._check_video(client, video_id)
                    continuation = await self._open_chat(client, video_id)
                    reopening = True
                    silence.restart()
                response = await self._poll(client, "get_live_chat", continuation)
            except SourceEnded:
                raise
            except SourceRetryable as exc:
                await self._pause(delays, str(exc))
                continue
            except SourceError as exc:
                # YouTube refused the continuation or page (HTTP 400/403/404): start again from
                # the pages, which also say whether the stream is still there.
                continuation = None
                await self._pause(delays, f"{exc}, re-opening the chat")
                continue
            if response.ended:
                raise SourceEnded("stream ended")
            fresh = self._unseen(item.message for item in response.items)
            silence.heard(fresh)
            continuation = response.continuation
            if continuation is not None:
                delays = self._backoff()
                self._set(SourceState.LIVE, f"{self._config.chat_mode} chat of {video_id}")
            for message in fresh:
                yield message
            if continuation is None:
                await self._pause(delays, "YouTube sent no next continuation, re-opening the chat")
            elif silence.quiet_for() > silence.limit():
                logger.info(
                    "no new chat for %.0f s (limit %.0f s); re-opening the chat in case it went stale",
                    silence.quiet_for(),
                    silence.limit(),
                )
                continuation = None
            else:
                await self._sleep(_poll_wait(response.timeout))

    async def _replay(
        self, client: httpx.AsyncClient, video_id: str, video: VideoPage
    ) -> AsyncGenerator[ChatMessage, None]:
        continuation = video.chat.continuation
        if continuation is None:
            raise SourceEnded(video.chat.message or "this stream has no chat replay")
        delays = self._backoff()
        pacer = Pacer(self._speed, self._clock, self._sleep)
        offset_ms = 0
        seeked = read_any = False
        while True:
            try:
                response = await self._poll(client, "get_live_chat_replay", continuation, offset_ms)
            except SourceRetryable as exc:
                await self._pause(delays, str(exc))
                continue
            except SourceError as exc:
                raise SourceEnded(f"chat replay stopped: YouTube answered {exc}") from exc
            delays = self._backoff()
            self._set(SourceState.LIVE, f"replaying the chat of {video_id}")
            for item in response.items:
                read_any = True
                offset_ms = int((item.offset or 0) * 1000)
                if self._seen.add(item.message.id):
                    await pacer.wait(item.offset)
                    yield replace(item.message, offset=item.offset)  # kept: the VOD's second
            if response.continuation:
                continuation = response.continuation
            elif response.seek and not (seeked or read_any):
                # The first answer of some replays holds no chat, only a seek to its start.
                continuation, seeked = response.seek, True
            else:
                raise SourceEnded("replay finished")

    async def _check_video(self, client: httpx.AsyncClient, video_id: str) -> None:
        try:
            video = await self._get(client, "/watch", {"v": video_id}, parse_video_page)
        except SourceRetryable:
            raise
        except SourceError as exc:
            # A refusal (403, a redirect loop) says nothing about the video, and YouTube often
            # refuses for a moment: only what the page itself says ends the stream.
            raise SourceRetryable(f"{exc} on the watch page") from exc
        if video.state is VideoState.UNAVAILABLE:
            raise SourceEnded("video became unavailable" + (f": {video.reason}" if video.reason else ""))
        if video.state in _ENDINGS:
            raise SourceEnded(_ENDINGS[video.state])

    async def _open_chat(self, client: httpx.AsyncClient, video_id: str) -> str:
        mode = self._config.chat_mode
        page = await self._get(client, "/live_chat", {"v": video_id}, lambda html: parse_chat_page(html, mode))
        if page.continuation:
            logger.info("opened the %s chat of %s", self._config.chat_mode, video_id)
            return page.continuation
        if page.message:  # "Chat is disabled for this live stream." and the like
            raise SourceEnded(page.message)
        raise SourceRetryable("the live_chat page held no chat")

    async def _poll(
        self, client: httpx.AsyncClient, endpoint: str, continuation: str, offset_ms: int | None = None
    ) -> ChatResponse:
        context: dict[str, Any] = {
            "clientName": "WEB",
            "clientVersion": self._innertube.client_version or _FALLBACK_CLIENT_VERSION,
            "hl": "en",
            "gl": "US",
        }
        if self._innertube.visitor_data:
            context["visitorData"] = self._innertube.visitor_data
        body: dict[str, Any] = {"context": {"client": context}, "continuation": continuation}
        if offset_ms is not None:
            body["currentPlayerState"] = {"playerOffsetMs": str(offset_ms)}
        params = {"prettyPrint": "false"}
        if self._innertube.api_key:
            params["key"] = self._innertube.api_key
        path = f"/youtubei/v1/live_chat/{endpoint}"
        return await self._fetch(client, "POST", path, _read_chat, _MAX_CHAT_BYTES, params=params, json=body)

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, str] | None, parse: Callable[[str], _T]
    ) -> _T:
        """A page, read by `parse`; what its ytcfg says about the API is kept for the next polls."""

        def read(body: bytes, encoding: str) -> tuple[Innertube, _T]:
            html = body.decode(encoding, errors="replace")
            return parse_innertube(html), parse(html)

        found, page = await self._fetch(client, "GET", path, read, _MAX_PAGE_BYTES, params=params)
        self._learn(found)
        return page

    async def _fetch(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        read: Callable[[bytes, str], _T],
        limit: int,
        **kwargs: Any,
    ) -> _T:
        body, encoding = await self._download(client, method, path, limit, **kwargs)
        try:
            return read(body, encoding)
        except Exception as exc:  # parsing is pure: whatever it raises, the answer is unusable, never fatal
            raise _unusable(exc) from exc

    async def _download(
        self, client: httpx.AsyncClient, method: str, path: str, limit: int, **kwargs: Any
    ) -> tuple[bytes, str]:
        """One answer's decoded body and text encoding, within `limit` bytes and `request_timeout` s in all."""
        timeout = self._config.request_timeout
        try:
            # httpx's own timeout bounds each read; this bounds the whole answer (a body
            # dribbled a byte at a time would otherwise hold the reader for ever).
            async with asyncio.timeout(timeout):
                async with client.stream(
                    method, self._base + path, headers=_HEADERS, timeout=timeout, follow_redirects=True, **kwargs
                ) as response:
                    response.raise_for_status()
                    body = bytearray()
                    async for chunk in response.aiter_bytes():  # decoded: the cap holds for gzip too
                        body += chunk
                        if len(body) > limit:
                            raise SourceRetryable(f"an answer over {limit >> 20} MB from YouTube")
                    return bytes(body), response.encoding or "utf-8"
        except TimeoutError:
            raise SourceRetryable("YouTube did not answer in time") from None
        except httpx.HTTPError as exc:
            raise _classify(exc) from exc

    async def _retrying(self, step: Callable[[], Awaitable[_T]]) -> _T:
        delays = self._backoff()
        while True:
            try:
                return await step()
            except SourceRetryable as exc:
                await self._pause(delays, str(exc))

    async def _pause(self, delays: Iterator[float], reason: str) -> None:
        delay = next(delays)
        state = SourceState.RECONNECTING if self._was_live else SourceState.CONNECTING
        self._set(state, f"{reason}, retrying in {math.ceil(delay)} s")
        logger.warning("%s; retrying in %.1f s", reason, delay)
        await self._sleep(delay)

    def _backoff(self) -> Iterator[float]:
        return backoff(self._config.max_backoff, self._rng)

    def _unseen(self, messages: Iterable[ChatMessage]) -> list[ChatMessage]:
        return [message for message in messages if self._seen.add(message.id)]

    def _learn(self, found: Innertube) -> None:
        known = self._innertube
        self._innertube = Innertube(
            found.api_key or known.api_key,
            found.client_version or known.client_version,
            found.visitor_data or known.visitor_data,
        )

    def _set(self, state: SourceState, detail: str) -> None:
        if state is not self._status.state:
            logger.info("YouTube chat %s: %s", state, detail)
        self._was_live = self._was_live or state is SourceState.LIVE
        self._status = SourceStatus(state, detail, name="youtube", recorded=self._recorded)


def _read_chat(body: bytes, _encoding: str) -> ChatResponse:
    return parse_chat_response(json.loads(body))  # JSON is UTF-8 whatever the headers say


def _poll_wait(timeout: float | None) -> float:
    """How long to wait before the next poll: what YouTube asked, within sane bounds."""
    if timeout is None:
        return _DEFAULT_POLL_WAIT
    return min(max(timeout, _MIN_POLL_WAIT), _MAX_POLL_WAIT)


def _classify(exc: httpx.HTTPError) -> SourceError:
    """The one place that decides: worth retrying after a pause (SourceRetryable), or not."""
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        return (SourceRetryable if code == 429 or code >= 500 else SourceError)(f"HTTP {code}")
    if isinstance(exc, httpx.TimeoutException):
        return SourceRetryable("YouTube did not answer in time")
    if isinstance(exc, httpx.ConnectError):  # no route, no DNS, refused: the machine is offline, as a rule
        return SourceRetryable("cannot reach YouTube: check the internet connection")
    if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError, httpx.DecodingError)):
        return SourceRetryable(f"connection failed ({type(exc).__name__})")
    if isinstance(exc, httpx.TooManyRedirects):
        return SourceError("redirect loop")
    return SourceError(f"request failed ({type(exc).__name__}: {exc})")


def _unusable(exc: Exception) -> SourceRetryable:
    """An answer that arrived whole but cannot be read: retried like any passing fault."""
    if isinstance(exc, (ValueError, RecursionError)):  # json's errors, and the parsers' "not a chat answer"
        return SourceRetryable("malformed JSON from YouTube")
    logger.debug("unusable answer from YouTube", exc_info=exc)
    return SourceRetryable(f"unusable answer from YouTube ({type(exc).__name__})")


class _Silence:
    """How long chat has been quiet, against how quiet this stream's chat usually is."""

    def __init__(self, config: YouTubeConfig, clock: Callable[[], float]) -> None:
        self._min = config.min_silence
        self._factor = config.silence_factor
        self._clock = clock
        self._times: deque[float] = deque(maxlen=_GAP_SAMPLE)
        self._last = clock()

    def heard(self, messages: list[ChatMessage]) -> None:
        if messages:
            self._last = self._clock()
            self._times.extend(message.time for message in messages)

    def restart(self) -> None:
        self._last = self._clock()

    def quiet_for(self) -> float:
        return self._clock() - self._last

    def limit(self) -> float:
        if len(self._times) < 2:
            return self._min
        gap = (max(self._times) - min(self._times)) / (len(self._times) - 1)
        return max(self._min, self._factor * gap)
