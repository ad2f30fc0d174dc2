"""The YouTube reader against hostile answers over real HTTP on loopback: bombs, giants and dribbles."""

import asyncio
import gc
import json
import threading
import time as clock
import zlib

import psutil
import pytest
from helpers import loop_stalls
from youtube_fakes import LIVE_ID, FakeTime, chat_page, load_json, load_text, read_request, texts

from bot.chat import SourceState
from bot.config import YouTubeConfig
from bot.sources.youtube import YouTubeSource

MiB = 1024 * 1024
PAGES = {"/watch": load_text("pages/handmade_watch_live.html"), "/live_chat": chat_page()}


async def gzip_bomb(writer, inflated=1024 * MiB):
    """1 GiB of zeros, gzipped (about 1 MB on the wire), compressed only as fast as the client reads it."""
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    for _ in range(inflated // MiB):
        await _chunk(writer, packer.compress(block))
    await _chunk(writer, packer.flush())
    writer.write(b"0\r\n\r\n")


async def giant_json(writer, size=300 * MiB):
    """A 300 MB chat answer (a valid JSON object), written only as fast as the client reads it."""
    head, tail = b'{"responseContext": {}, "padding": "', b'"}'
    writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode() + head)
    left = size - len(head) - len(tail)
    while left > 0:
        writer.write(b"a" * min(MiB, left))
        left -= MiB
        await writer.drain()
        await asyncio.sleep(0)
    writer.write(tail)


async def dribble(writer):
    """Headers at once, then the body a byte at a time, each byte well within a read timeout."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    for byte in b'{"responseContext": {}' + b" " * 1000:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.3)


async def _chunk(writer, data):
    if data:  # an empty chunk would end the body
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()
    await asyncio.sleep(0)  # the server shares the event loop with the reader under test


class HostileYouTube:
    """An HTTP/1.1 server on 127.0.0.1: the usual pages, then chat answers in order, some of them hostile."""

    def __init__(self, polls):
        self.polls = list(polls)
        self.requests = []

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader, writer):
        try:
            while request := await read_request(reader):
                method, path = request
                self.requests.append(f"{method} {path}")
                answer = self.polls.pop(0) if method == "POST" else PAGES[path]
                if callable(answer):
                    await answer(writer)
                else:
                    data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the reader hung up on a hostile answer, as it should
        finally:
            writer.close()


class PeakMemory:
    """Samples this process's RSS every few milliseconds in a thread; the peak over a block."""

    def __enter__(self):
        gc.collect()
        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        gc.collect()
        self.end = self._process.memory_info().rss

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self._process.memory_info().rss)
            clock.sleep(0.002)


async def read_all(youtube, config):
    """Every message and every distinct status until the source ends; sleeps are instant, HTTP is real."""
    time = FakeTime()
    source = YouTubeSource(LIVE_ID, config, clock=time.clock, sleep=time.sleep)
    statuses = [source.status]

    def note():
        if source.status != statuses[-1]:
            statuses.append(source.status)

    time.on_sleep.append(note)
    messages = [message async for message in source.messages()]
    statuses.append(source.status)
    return messages, statuses


@pytest.mark.parametrize(
    ("answer", "what"),
    [(gzip_bomb, "a 1 GiB gzip bomb (1 MB on the wire)"), (giant_json, "a 300 MB JSON answer")],
    ids=["gzip bomb", "300 MB"],
)
async def test_oversized_answer_is_a_bad_answer(answer, what):
    """An answer that inflates past a few MB is cut off and retried; memory and the event loop stay calm."""
    stall = [0.0]
    async with HostileYouTube([texts(1), answer, texts(2), load_json("live/finished_live.json")]) as youtube:
        config = YouTubeConfig(base_url=youtube.url, request_timeout=10)
        probe = asyncio.create_task(loop_stalls(stall))
        started = clock.monotonic()
        with PeakMemory() as memory:
            messages, statuses = await asyncio.wait_for(read_all(youtube, config), 60)
        took = clock.monotonic() - started
        probe.cancel()
    mb = 1 / 1e6
    print(
        f"\n{what}: RSS {memory.start * mb:.0f} MB -> peak {memory.peak * mb:.0f} MB "
        f"(+{(memory.peak - memory.start) * mb:.0f}), {memory.end * mb:.0f} MB after; "
        f"longest event-loop stall {stall[0] * 1000:.0f} ms; read in {took:.1f} s"
    )
    assert [m.id for m in messages] == ["t1", "t2"]
    retried = [s.detail for s in statuses if s.state is SourceState.RECONNECTING]
    assert retried and retried[0].startswith("an answer over 2 MB from YouTube"), statuses
    assert statuses[-1].state is SourceState.ENDED
    assert memory.peak - memory.start < 200e6
    assert memory.end - memory.start < 50e6
    assert stall[0] < 1.0


async def test_dribbled_answer_meets_the_deadline():
    """An answer dribbled a byte at a time (each within the read timeout) is given up after request_timeout in all."""
    async with HostileYouTube([texts(1), dribble, texts(2), load_json("live/finished_live.json")]) as youtube:
        config = YouTubeConfig(base_url=youtube.url, request_timeout=1.0)
        started = clock.monotonic()
        messages, statuses = await asyncio.wait_for(read_all(youtube, config), 30)
        took = clock.monotonic() - started
    print(f"\na body dribbled at 1 byte per 0.3 s, request_timeout 1 s: given up, all read in {took:.1f} s")
    assert [m.id for m in messages] == ["t1", "t2"]
    assert any(
        s.state is SourceState.RECONNECTING and s.detail.startswith("YouTube did not answer in time") for s in statuses
    ), statuses
    assert took < 5
