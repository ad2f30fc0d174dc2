"""The streamer's /dashboard and the overlay's emotion chips in real headless Chromium, served by the
real server, fed payloads built by the real payload code from hand-made mood snapshots."""

import asyncio
import time

import pytest

from bot.broadcaster import Broadcaster
from bot.chat import SourceState, SourceStatus
from bot.config import ServerConfig
from bot.events import Event
from bot.mood import MoodSnapshot, WindowStats
from bot.payload import Counters, SourceSummary, build_event, build_message, encode
from bot.scoring.sentiment import EMOTIONS

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)>"


def mood(kind="update", *, emotions=None, word="laughing", needle=0.4, events=(), wall_time=None):
    """A payload as the bot sends it, around a short window with these emotion shares."""
    short = WindowStats(
        seconds=15,
        messages=30,
        rate=2.0,
        valence=needle,
        shares={"negative": 0.1, "neutral": 0.3, "positive": 0.6},
        reactions=(("草", 12),),
        laughter=0.4,
        emotions={e: (emotions or {}).get(e, 0.0) for e in EMOTIONS} if emotions is not None else {},
    )
    snapshot = MoodSnapshot(at=100.0, needle=needle, mood=word, short=short, long=short, total=300, history=())
    return encode(
        build_message(
            kind,
            snapshot,
            Counters(300, 290, 0, 0, 1, 2000),
            SourceStatus(SourceState.LIVE, "chat of #kira", name="twitch"),
            wall_time=time.time() if wall_time is None else wall_time,
            sources=[SourceSummary("twitch:kira", SourceStatus(SourceState.LIVE, "chat of #kira"), 300)],
            events=events,
        )
    )


def tech_event(quotes=("no sound??", "音声聞こえない", XSS), at_time=None):
    detail = {
        "problem": "audio",
        "problems": ["audio"],
        "viewers": len(quotes),
        "window": 45.0,
        "quotes": [{"author": f"viewer{i}", "text": text, "source": "twitch:kira"} for i, text in enumerate(quotes)],
    }
    return Event("tech_problem", 0.0, detail, time=time.time() if at_time is None else at_time)


@pytest.fixture
async def stage():
    """The real server with the real pages; `stage.snapshot` is what a new page gets first."""

    class Stage:
        snapshot = mood("snapshot", emotions={"laughter": 0.45, "hype": 0.2, "love": 0.12, "confusion": 0.05})

    broadcaster = Broadcaster(ServerConfig(port=0), snapshot=lambda: Stage.snapshot)
    await broadcaster.start()
    Stage.broadcaster = broadcaster
    yield Stage
    await broadcaster.close()


async def open_page(chromium, url, dialogs=None):
    page = await chromium.new_page(viewport={"width": 1000, "height": 800})

    async def on_dialog(dialog):
        dialogs.append(dialog.message)
        await dialog.dismiss()

    if dialogs is not None:
        page.on("dialog", on_dialog)
    await page.goto(url)
    await page.wait_for_function("document.documentElement.dataset.connection === 'open'", timeout=10000)
    return page


async def test_dashboard_raises_the_tech_banner_within_2_s_and_quotes_as_text(chromium, stage):
    """A tech_problem event shows a loud banner naming the problem within 2 s, quoting viewers as
    text: a quote that looks like HTML makes no element and runs nothing."""
    dialogs = []
    page = await open_page(chromium, stage.broadcaster.url + "dashboard", dialogs)
    assert await page.locator(".db-alert").is_hidden()
    sent = time.monotonic()
    stage.broadcaster.send(encode(build_event(tech_event())))
    await page.locator(".db-alert").wait_for(state="visible", timeout=2000)
    shown_after = time.monotonic() - sent
    print(f"banner shown {shown_after * 1000:.0f} ms after the event frame")
    assert shown_after < 2.0
    assert "AUDIO" in await page.locator(".db-alert-title").text_content()
    quotes = await page.locator(".db-quote-text").all_text_contents()
    assert quotes == ["no sound??", "音声聞こえない", XSS]
    assert await page.locator(".db-alert img, .db-events img").count() == 0
    assert await page.locator(".db-event[data-kind='tech_problem']").count() == 1
    await page.locator(".db-alert-dismiss").click()
    assert await page.locator(".db-alert").is_hidden()
    await asyncio.sleep(0.3)
    assert dialogs == []


async def test_dashboard_shows_mood_emotions_chats_and_events(chromium, stage):
    """The dashboard lists the mood, every emotion's share, each chat's state, and events as they come."""
    page = await open_page(chromium, stage.broadcaster.url + "dashboard")
    await page.wait_for_function("document.querySelectorAll('.db-emotion').length === 8", timeout=5000)
    shares = await page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.db-emotion')].map(
            row => [row.dataset.emotion, row.querySelector('.db-emotion-share').textContent]))"""
    )
    assert shares["laughter"] == "45%" and shares["hype"] == "20%" and shares["tech"] == "0%"
    assert await page.locator(".db-mood").text_content() == "laughing"
    assert await page.locator(".db-rate").text_content() == "2.0"
    assert await page.locator(".db-source-key").all_text_contents() == ["twitch:kira"]
    assert await page.locator(".db-source-state").all_text_contents() == ["live"]
    raid = Event("raid", 0.0, {"source": "twitch:kira", "from": XSS, "viewers": 15, "text": ""}, time=time.time())
    stage.broadcaster.send(encode(build_event(raid)))
    item = page.locator(".db-event[data-kind='raid'] .db-event-detail")
    await item.wait_for(timeout=2000)
    assert await item.text_content() == f"raid from {XSS} with 15 viewers"
    assert await page.locator(".db-alert").is_hidden()


async def test_dashboard_opened_late_lists_recent_events_and_a_fresh_alert(chromium, stage):
    """A page opened after the alert still shows it (the snapshot carries recent events); an old one is only listed."""
    old = Event("laughter", 0.0, {"share": 0.5, "messages": 20, "rate": 2.0, "reactions": []}, time=time.time() - 600)
    stage.snapshot = mood("snapshot", emotions=None, events=[old, tech_event(quotes=("mic muted",))])
    page = await open_page(chromium, stage.broadcaster.url + "dashboard?lang=ja")
    await page.locator(".db-alert").wait_for(state="visible", timeout=2000)
    assert "配信トラブル" in await page.locator(".db-alert-title").text_content()
    assert await page.locator(".db-event").count() == 2
    assert await page.locator(".db-emotions-empty").is_visible()  # a model without emotions says so


async def test_overlay_shows_the_strongest_feelings_under_the_gauge(chromium, stage):
    """The overlay shows up to three emotion chips, strongest first, with their share, in the page's language."""
    page = await open_page(chromium, stage.broadcaster.url + "?lang=id")
    await page.wait_for_function("document.querySelectorAll('.mb-emotion').length === 3", timeout=5000)
    chips = await page.evaluate(
        """() => [...document.querySelectorAll('.mb-emotion')].map(
            c => [c.dataset.emotion, c.querySelector('.mb-emotion-name').textContent,
                  c.querySelector('.mb-emotion-share').textContent])"""
    )
    assert chips == [["laughter", "Ngakak", "45%"], ["hype", "Hype", "20%"], ["love", "Gemas", "12%"]]
    box = await page.locator(".mb-emotions").bounding_box()
    gauge = await page.locator(".mb-gauge").bounding_box()
    assert box["y"] >= gauge["y"] + gauge["height"] - 1  # under the gauge
    # New feelings replace the old; the word from emotions has its label.
    stage.broadcaster.send(mood(emotions={"love": 0.5, "sad": 0.15}, word="wholesome"))
    await page.wait_for_function("document.querySelector('.mb-emotion').dataset.emotion === 'love'", timeout=3000)
    assert await page.locator(".mb-emotion").count() == 2
    assert await page.locator(".mb-mood").text_content() == "Chat lagi gemas"


async def test_overlay_ignores_events_and_hides_chips_on_request(chromium, stage):
    """`show=` without `emotions` hides the chips; an event frame changes nothing on the overlay."""
    page = await open_page(chromium, stage.broadcaster.url + "?show=gauge,mood,status")
    await page.wait_for_function("document.querySelector('.mb-mood').dataset.mood === 'laughing'", timeout=5000)
    assert await page.locator(".mb-emotions").is_hidden()
    before = await page.locator(".mb-status").get_attribute("data-state")
    stage.broadcaster.send(encode(build_event(tech_event())))
    await asyncio.sleep(0.5)
    assert await page.locator(".mb-status").get_attribute("data-state") == before == "live"
    assert await page.locator(".mb-mood").text_content() == "Chat is laughing"
    assert await page.locator("text=no sound").count() == 0


async def test_overlay_without_emotions_leaves_no_empty_row(chromium, stage):
    """A model that reads no emotions: the chip row never appears."""
    stage.snapshot = mood("snapshot", emotions=None, word="happy")
    page = await open_page(chromium, stage.broadcaster.url)
    await page.wait_for_function("document.querySelector('.mb-mood').dataset.mood === 'happy'", timeout=5000)
    assert await page.locator(".mb-emotions").is_hidden()
