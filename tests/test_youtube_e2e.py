"""End to end on loopback: a fake YouTube HTTP server feeds the running bot, the overlay counts it."""

import asyncio
import contextlib
import copy
import json

import pytest
from helpers import bot_running, mood_messages
from websockets.asyncio.client import connect
from youtube_fakes import LIVE_ID, chat_page, load_json, load_text, read_request

from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig, YouTubeConfig

pytestmark = pytest.mark.slow

POLLS = [
    "live/paramgen_firstread.json",
    "live/textmessage.json",
    "live/superchat.json",
    "live/supersticker.json",
    "live/newSponsor_rev.json",
    "live/handmade_emoji_runs.json",
]


def quick(answer):
    """A recorded poll answer, told to come back in 50 ms instead of 5 s."""
    answer = copy.deepcopy(answer)
    for continuation in answer["continuationContents"]["liveChatContinuation"].get("continuations", []):
        for data in continuation.values():
            if "timeoutMs" in data:
                data["timeoutMs"] = 50
    return answer


class LoopbackYouTube:
    """A real HTTP/1.1 server on 127.0.0.1 answering as YouTube did in the recordings."""

    def __init__(self):
        self.pages = {"/watch": load_text("pages/handmade_watch_live.html"), "/live_chat": chat_page()}
        self.polls = [json.dumps(quick(load_json(name))) for name in POLLS] + [
            json.dumps(load_json("live/finished_live.json"))
        ]
        self.requests = []

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader, writer):
        try:
            while request := await read_request(reader):
                method, path = request
                self.requests.append(f"{method} {path}")
                if method == "POST" and self.polls:
                    status, body, kind = 200, self.polls.pop(0), "application/json"
                elif path in self.pages:
                    status, body, kind = 200, self.pages[path], "text/html; charset=utf-8"
                else:
                    status, body, kind = 404, "not found", "text/plain"
                data = body.encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def close(self):
        self.server.close()
        await self.server.wait_closed()


async def test_fake_youtube_to_overlay(bundled_scorer, tmp_path):
    """Recorded YouTube chat read over HTTP reaches the overlay's websocket, counted, scored and recorded."""
    youtube = LoopbackYouTube()
    base_url = await youtube.start()
    config = AppConfig(
        source=SourceConfig(video=f"https://www.youtube.com/watch?v={LIVE_ID}", record=str(tmp_path / "rec.jsonl")),
        youtube=YouTubeConfig(base_url=base_url),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=None),
    )
    last = {}
    try:
        async with bot_running(config, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
            with contextlib.suppress(TimeoutError):  # the asserts below say what was missing
                async with asyncio.timeout(30):
                    async for last in mood_messages(ws):
                        # Reading ends before scoring does on a busy machine: wait for both.
                        totals = last["totals"]
                        if last["source"]["state"] == "ended" and totals["messages"] == 12 and totals["scored"] >= 11:
                            break
    finally:
        await youtube.close()
    assert last["totals"]["messages"] == 12
    assert last["totals"]["scored"] >= 11  # the membership without text counts but is not scored
    assert last["source"] == {"name": "youtube", "state": "ended", "detail": "stream ended"}
    assert youtube.requests[:2] == ["GET /watch", "GET /live_chat"]
    recorded = [json.loads(line) for line in (tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(recorded) == 12 and recorded[3]["kind"] == "superchat" and recorded[3]["amount_text"]
