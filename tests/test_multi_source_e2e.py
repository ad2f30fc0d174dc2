"""End to end on loopback: a stand-in YouTube and a stand-in Twitch feed one running bot; the overlay in
real Chromium shows a badge per chat; YouTube's stream ends while Twitch goes on; the recording replays
as the same two chats."""

import asyncio
import contextlib
import json

import pytest
from helpers import bot_running, mood_messages, write_recording
from test_youtube_e2e import LoopbackYouTube
from twitch_standin import TwitchStandIn
from websockets.asyncio.client import connect
from youtube_fakes import LIVE_ID

from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig, TwitchConfig, YouTubeConfig

pytestmark = pytest.mark.slow

TWITCH_LINES = ["LUL that was great", "PogChamp", "so good Kappa", "KEKW", "love this stream", "GG"]
YOUTUBE = f"youtube:{LIVE_ID}"

BADGES = """() => Array.from(document.querySelectorAll('.mb-sources:not([hidden]) .mb-source')).map(b => ({
    platform: b.dataset.platform,
    state: b.dataset.state,
    name: b.querySelector('.mb-source-name').textContent,
    rate: parseFloat(b.querySelector('.mb-source-rate').textContent),
    shown: b.getBoundingClientRect().width > 0,
}))"""


def quiet_poll(timeout_ms=200):
    """A get_live_chat answer with no chat and a next continuation: the stream is on, chat is calm."""
    continuation = {"timedContinuationData": {"timeoutMs": timeout_ms, "continuation": "calm"}}
    return json.dumps(
        {"responseContext": {}, "continuationContents": {"liveChatContinuation": {"continuations": [continuation]}}}
    )


async def keep_chatting(twitch, stop):
    """Twitch chat that never stops: a line every 80 ms, as long as the test runs."""
    n = 0
    while not stop.is_set():
        text = TWITCH_LINES[n % len(TWITCH_LINES)]
        await twitch.say("kira", twitch.privmsg("kira", text, login=f"viewer{n % 7}", msg_id=f"tw{n}"))
        n += 1
        await asyncio.sleep(0.08)


async def badges_when(page, condition, timeout=20.0):
    """The badges once `condition(badges)` holds; the last ones seen in the failure message otherwise."""
    badges = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while not condition(badges := await page.evaluate(BADGES)):
                await asyncio.sleep(0.1)
    assert condition(badges), badges
    return badges


async def test_youtube_and_twitch_in_one_mood_one_ends_the_other_goes_on(tmp_path, chromium, bundled_scorer):
    """Both chats feed one mood; the overlay badges both; YouTube ends, Twitch keeps the mood moving."""
    youtube = LoopbackYouTube()
    # YouTube's recorded chat, then ~3 s of calm before the stream ends (polls wait at least 1 s).
    youtube.polls[-1:-1] = [quiet_poll()] * 3
    base_url = await youtube.start()
    recording = tmp_path / "simulcast.jsonl"
    stop_chat = asyncio.Event()
    async with TwitchStandIn({"kira"}) as twitch:
        config = AppConfig(
            source=SourceConfig(
                video=f"https://www.youtube.com/watch?v={LIVE_ID}",
                twitch="https://www.twitch.tv/Kira",
                record=str(recording),
            ),
            youtube=YouTubeConfig(base_url=base_url),
            twitch=TwitchConfig(url=twitch.url),
            server=ServerConfig(port=0),
            history=HistoryConfig(dir=None),
        )
        chatter = None
        try:
            async with bot_running(config, bundled_scorer) as bot:
                await twitch.wait_joined("kira")
                chatter = asyncio.create_task(keep_chatting(twitch, stop_chat))
                page = await chromium.new_page(viewport={"width": 800, "height": 600})
                await page.goto(bot.broadcaster.url)

                both_live = await badges_when(
                    page, lambda b: len(b) == 2 and all(x["state"] == "live" and x["rate"] > 0 for x in b)
                )
                assert [(b["platform"], b["name"]) for b in both_live] == [("youtube", LIVE_ID), ("twitch", "kira")]
                assert all(b["shown"] for b in both_live)

                one_left = await badges_when(page, lambda b: len(b) == 2 and b[0]["state"] == "ended")
                assert one_left[1]["state"] == "live"
                read_when_youtube_ended = bot.read_from["twitch:kira"]
                await badges_when(page, lambda b: len(b) == 2 and b[1]["rate"] > 0 and b[1]["state"] == "live")
                async with connect(bot.broadcaster.ws_url) as ws:
                    async with asyncio.timeout(10):
                        async for update in mood_messages(ws):
                            if update["sources"][1]["messages"] >= read_when_youtube_ended + 10:
                                break
                assert update["source"]["state"] == "live" and update["source"]["name"] == "youtube+twitch"
                yt, tw = update["sources"]
                assert (yt["key"], yt["state"], yt["detail"]) == (YOUTUBE, "ended", "stream ended")
                assert yt["messages"] == 12 and tw["key"] == "twitch:kira" and tw["state"] == "live"
                assert tw["short"]["valence"] is not None and tw["short"]["rate"] > 0
                assert update["totals"]["messages"] == 12 + tw["messages"]
                await page.close()
        finally:
            stop_chat.set()
            if chatter:
                await chatter
            await youtube.close()

    recorded = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    assert {row["source"] for row in recorded} == {YOUTUBE, "twitch:kira"}

    # The recording played back is the same two chats, in one mood.
    replay = AppConfig(
        source=SourceConfig(replay=str(recording), speed=0),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=None),
    )
    async with bot_running(replay, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
        async with asyncio.timeout(20):
            async for update in mood_messages(ws):
                if update["totals"]["messages"] == len(recorded):
                    break
    assert {s["key"]: s["messages"] for s in update["sources"]} == {YOUTUBE: 12, "twitch:kira": len(recorded) - 12}


async def test_one_chat_shows_no_badges(tmp_path, chromium, bundled_scorer):
    """With a single chat the overlay stays as it was: no per-source badges."""
    recording = write_recording(tmp_path / "one.jsonl", [(i * 0.1, "GG so good") for i in range(40)])
    config = AppConfig(
        source=SourceConfig(replay=str(recording), loop=True),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=None),
    )
    async with bot_running(config, bundled_scorer) as bot:
        page = await chromium.new_page()
        await page.goto(bot.broadcaster.url)
        await page.wait_for_function("parseFloat(document.querySelector('.mb-rate-value').textContent) > 0")
        assert await page.evaluate(BADGES) == []
        assert await page.locator(".mb-sources").is_hidden()
