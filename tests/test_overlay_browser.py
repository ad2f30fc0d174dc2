"""The real overlay page in real headless Chromium, against the real bot and the bundled model."""

import asyncio

import pytest
from helpers import bot_running, free_port, write_recording

from bot.config import AppConfig, HistoryConfig, MoodConfig, ServerConfig, SourceConfig

pytestmark = pytest.mark.slow

HAPPY = ["草", "LMAOOO", "かわいい！！", "wkwkwk lucu banget", "GG!! so good", "8888888", "love this stream ❤️", "天才"]
SAD = ["F", "noooo she died 😭", "泣いた", "sedih banget", "this is so sad", "つらい…", "rip 😢", "nyesek bgt"]


def running_bot(recording, scorer, *, port=0, **mood):
    """The bot on a recording (looped), serving the overlay on loopback."""
    config = AppConfig(
        source=SourceConfig(replay=str(recording), loop=True),
        mood=MoodConfig(**{"short_window": 4.0, "needle_smoothing": 0.5, **mood}),
        server=ServerConfig(port=port, max_updates_per_s=10),
        history=HistoryConfig(dir=None),
    )
    return bot_running(config, scorer)


def lines(texts, per_second=8.0, offset=0.0):
    return [(offset + i / per_second, text) for i, text in enumerate(texts)]


async def read_gauge(page):
    return await page.evaluate(
        """() => ({
            needle: parseFloat(document.querySelector('.mb-needle').dataset.value),
            rate: document.querySelector('.mb-rate-value').textContent,
            connection: document.documentElement.dataset.connection,
        })"""
    )


async def test_gauge_and_rate_follow_the_chat(tmp_path, chromium, bundled_scorer):
    """As a happy stretch of chat turns sad, the needle swings from positive to negative and the rate shows."""
    recording = write_recording(tmp_path / "arc.jsonl", lines(HAPPY * 4) + lines(SAD * 5, offset=4.5))
    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page(viewport={"width": 800, "height": 600})
        await page.goto(bot.broadcaster.url)
        seen = []
        for _ in range(40):
            await asyncio.sleep(0.25)
            seen.append(await read_gauge(page))
        needles = [s["needle"] for s in seen]
        rates = {s["rate"] for s in seen}
        assert all(s["connection"] == "open" for s in seen[4:])
        assert max(needles) > 0.3, needles
        assert min(needles[needles.index(max(needles)) :]) < -0.2, needles
        assert len(rates) > 2 and any(float(r) > 2 for r in rates if r.replace(".", "").isdigit())


async def test_page_reconnects_and_shows_the_fresh_snapshot(tmp_path, chromium, bundled_scorer):
    """When the bot restarts, the page says it is reconnecting, then shows the new bot's mood."""
    port = free_port()
    happy = write_recording(tmp_path / "happy.jsonl", lines(HAPPY * 4))
    sad = write_recording(tmp_path / "sad.jsonl", lines(SAD * 4))
    page = await chromium.new_page()
    async with running_bot(happy, bundled_scorer, port=port) as bot:
        await page.goto(bot.broadcaster.url)
        await page.wait_for_function(
            "parseFloat(document.querySelector('.mb-needle').dataset.value) > 0.2", timeout=15000
        )
    await page.wait_for_function("document.documentElement.dataset.connection === 'reconnecting'", timeout=5000)
    assert await page.get_attribute(".mb-status", "data-state") == "offline"
    async with running_bot(sad, bundled_scorer, port=port):
        await page.wait_for_function("document.documentElement.dataset.connection === 'open'", timeout=15000)
        await page.wait_for_function(
            "parseFloat(document.querySelector('.mb-needle').dataset.value) < -0.2", timeout=15000
        )


async def test_chat_text_is_shown_as_text_never_run(tmp_path, chromium, bundled_scorer):
    """A reaction like <img src=x onerror=alert(1)> appears literally; no element is made, no script runs."""
    payload = "<img src=x onerror=alert(1)>"
    recording = write_recording(tmp_path / "xss.jsonl", lines([payload] * 12 + ["<script>alert(2)</script>"] * 6))
    dialogs = []

    async def on_dialog(dialog):
        dialogs.append(dialog.message)
        await dialog.dismiss()  # an open alert would freeze the page and hang the test

    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page()
        page.on("dialog", on_dialog)
        await page.goto(bot.broadcaster.url)
        chip = page.locator(".mb-reaction").first
        await chip.wait_for(timeout=15000)
        texts = await page.locator(".mb-reaction").evaluate_all("els => els.map(e => e.firstChild.textContent)")
        assert payload.upper() in texts
        assert await page.locator(".mb-card img, .mb-card script").count() == 0
        await asyncio.sleep(0.5)
    assert dialogs == []


async def test_url_options_take_effect(tmp_path, chromium, bundled_scorer):
    """theme, lang, show, accent and scale from the query string change the page."""
    recording = write_recording(tmp_path / "c.jsonl", lines(HAPPY * 3))
    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page()
        await page.goto(bot.broadcaster.url + "?theme=light&lang=ja&show=gauge,mood,rate&accent=ff0000&scale=1.5")
        await page.wait_for_function("document.querySelector('.mb-mood').dataset.mood !== 'waiting'", timeout=15000)
        state = await page.evaluate(
            """() => {
                const card = document.querySelector('.mb-card');
                const shown = sel => getComputedStyle(document.querySelector(sel)).display !== 'none';
                return {
                    theme: document.documentElement.dataset.theme,
                    lang: document.documentElement.lang,
                    accent: getComputedStyle(card).getPropertyValue('--mb-accent').trim().toLowerCase(),
                    scale: getComputedStyle(card).getPropertyValue('--mb-scale').trim(),
                    gauge: shown('.mb-gauge'), spark: shown('.mb-spark'), reactions: shown('.mb-reactions'),
                    mood: document.querySelector('.mb-mood').textContent,
                };
            }"""
        )
    assert state["theme"] == "light" and state["lang"] == "ja"
    assert state["accent"] in ("#ff0000", "#f00", "rgb(255, 0, 0)")
    assert state["scale"] == "1.5"
    assert state["gauge"] and not state["spark"] and not state["reactions"]
    assert "チャット" in state["mood"]
