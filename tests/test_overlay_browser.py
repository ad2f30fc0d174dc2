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
        chips = await page.locator(".mb-reaction").evaluate_all(
            "els => els.map(e => ({whole: e.dataset.text, shown: e.firstChild.textContent}))"
        )
        chip = next(c for c in chips if c["whole"] == payload.upper())
        assert payload.upper().startswith(chip["shown"].removesuffix("…"))  # as text, maybe shortened
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


# ---------- what viewers see: colour emoji, shortened reactions, no source states, legibility ----------


def repeated(texts, times, per_second=12.0):
    """Each text said `times` times by different viewers, interleaved: they all become reactions."""
    return lines([text for _ in range(times) for text in texts], per_second)


async def text_box(page, selector):
    """Where the text of the element matching `selector` is drawn (its text node, not its padding)."""
    return await page.evaluate(
        """(selector) => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(selector).firstChild);
            const box = range.getBoundingClientRect();
            return {x: box.x, y: box.y, width: box.width, height: box.height};
        }""",
        selector,
    )


async def pixels(page, box):
    """The RGB pixels of a box of the page, as drawn."""
    import io

    from PIL import Image

    raw = Image.open(io.BytesIO(await page.screenshot(clip=box))).convert("RGB").tobytes()
    return [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]


def colourful(rgb):
    """Far from any grey: what a colour emoji has and a monochrome glyph, in any theme, has not."""
    return max(rgb) - min(rgb) > 80


def luma(rgb):
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def standing_out(drawn):
    """Share of pixels at least 60 levels of brightness away from the box's background (its commonest shade)."""
    shades = [round(luma(p)) for p in drawn]
    background = max(set(shades), key=shades.count)
    return sum(abs(s - background) >= 60 for s in shades) / len(shades)


@pytest.mark.parametrize("theme", ["dark", "light", "contrast"])
async def test_emoji_chips_render_in_colour_and_stand_out(tmp_path, chromium, bundled_scorer, theme):
    """😭 in a reaction chip is drawn in colour (not a grey outline); the white 🕊 stays visible on a light chip."""
    recording = write_recording(tmp_path / "e.jsonl", repeated(["😭", "🕊", "🔥"], 6))
    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page(viewport={"width": 800, "height": 600})
        await page.goto(bot.broadcaster.url + f"?theme={theme}")
        for emoji in ("😭", "🕊"):
            await page.wait_for_selector(f'.mb-reaction[data-text="{emoji}"]', timeout=15000)
        await page.evaluate("document.fonts.ready")
        crying = await pixels(page, await text_box(page, '.mb-reaction[data-text="😭"]'))
        share = sum(map(colourful, crying)) / len(crying)
        assert share > 0.15, f"😭 in the {theme} theme: only {share:.0%} of its pixels in colour"
        dove = standing_out(await pixels(page, await text_box(page, '.mb-reaction[data-text="🕊"]')))
        assert dove > 0.05, f"🕊 in the {theme} theme: only {dove:.0%} of its pixels stand out from the chip"


async def test_long_reactions_are_shortened_between_words(tmp_path, chromium, bundled_scorer):
    """A long reaction is cut after a whole word (Japanese too), or between whole characters, never mid-word."""
    long = [
        "THAT GREAT PLAY WAS INSANE",
        "今日の配信めちゃくちゃ楽しかった",
        "PNEUMONOULTRAMICROSCOPIC",
        "नमस्तेनमस्तेनमस्तेनमस्ते",
    ]
    recording = write_recording(tmp_path / "l.jsonl", repeated(long, 6))
    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page(viewport={"width": 800, "height": 600})
        await page.goto(bot.broadcaster.url + "?lang=ja")
        await page.wait_for_function("document.querySelectorAll('.mb-reaction').length >= 3", timeout=15000)
        await page.evaluate("document.fonts.ready")
        await asyncio.sleep(0.5)
        chips = await page.evaluate(
            """() => Array.from(document.querySelectorAll('.mb-reaction')).map((chip) => {
                const full = chip.dataset.text;
                const ends = (granularity) => Array.from(new Intl.Segmenter(undefined, {granularity}).segment(full))
                    .filter((s) => granularity === 'grapheme' || s.isWordLike)
                    .map((s) => s.index + s.segment.length);
                return {
                    full, shown: chip.firstChild.nodeValue, words: ends('word'), graphemes: ends('grapheme'),
                    overflows: chip.scrollWidth > chip.clientWidth,
                };
            })"""
        )
    shortened = [c for c in chips if c["shown"] != c["full"]]
    assert {c["full"] for c in shortened} >= {"THAT GREAT PLAY WAS INSANE", "今日の配信めちゃくちゃ楽しかった"}, chips
    for chip in chips:
        assert not chip["overflows"], chip  # shortened to fit: the browser never has to cut it
        if chip in shortened:
            kept = chip["shown"].removesuffix("…")
            assert chip["shown"].endswith("…") and chip["full"].startswith(kept), chip
            cut = len(kept)
            if chip["full"] in long[:2]:
                assert cut in chip["words"], chip  # after a whole word
            assert cut in chip["graphemes"], chip  # never inside a character
    english = next(c for c in chips if c["full"] == long[0])
    assert english["shown"] in ("THAT GREAT PLAY…", "THAT GREAT…", "THAT…"), english


class ConnectingSource:
    """A chat source still connecting (as YouTube is while its pages load): it reads nothing yet."""

    @property
    def status(self):
        from bot.chat import SourceState, SourceStatus

        return SourceStatus(SourceState.CONNECTING, "opening @someone", name="youtube")

    async def messages(self):
        await asyncio.Event().wait()
        yield  # pragma: no cover - never reached


async def test_viewers_see_no_source_state_unless_asked(chromium, bundled_scorer):
    """While chat connects the stream shows only the mood; ?show=…,status brings the status line back."""
    config = AppConfig(server=ServerConfig(port=0), history=HistoryConfig(dir=None))
    async with bot_running(config, bundled_scorer, source=ConnectingSource()) as bot:
        page = await chromium.new_page(viewport={"width": 800, "height": 600})
        await page.goto(bot.broadcaster.url)
        await page.wait_for_function("document.querySelector('.mb-status').dataset.state === 'connecting'")
        assert not await page.locator(".mb-status").is_visible()
        shown = await page.evaluate("document.body.innerText")
        assert "connect" not in shown.lower(), shown
        await page.goto(bot.broadcaster.url + "?show=gauge,mood,status")
        await page.wait_for_function("document.querySelector('.mb-status').dataset.state === 'connecting'")
        assert await page.locator(".mb-status").is_visible()
        assert await page.locator(".mb-status-text").text_content() == "connecting…"


@pytest.mark.parametrize(("theme", "scene", "outline"), [("dark", "#ffffff", "dark"), ("light", "#000000", "light")])
async def test_text_without_a_card_stays_legible(tmp_path, chromium, bundled_scorer, theme, scene, outline):
    """card=0: every text has an outline, so light text on a white scene (or dark on black) still reads."""
    recording = write_recording(tmp_path / "c.jsonl", repeated(["草", "GG"], 6))
    async with running_bot(recording, bundled_scorer) as bot:
        page = await chromium.new_page(viewport={"width": 800, "height": 600})
        await page.goto(
            bot.broadcaster.url + f"?card=0&theme={theme}&show=gauge,mood,rate,spark,reactions,shares,status"
        )
        await page.evaluate(f"document.body.style.background = '{scene}'")
        await page.wait_for_selector(".mb-reaction", timeout=15000)
        await asyncio.sleep(0.8)  # let the mood word's fade-in finish
        parts = [".mb-mood", ".mb-rate-value", ".mb-rate-unit", ".mb-spark-label", ".mb-share-label", ".mb-reaction"]
        parts += [".mb-status-text"]
        shadows = await page.evaluate(
            "(parts) => parts.map((p) => getComputedStyle(document.querySelector(p)).textShadow)", parts
        )
        assert all(s != "none" and s.count("px") >= 8 for s in shadows), dict(zip(parts, shadows))
        for part in (".mb-mood", ".mb-spark-label", ".mb-rate-unit"):
            shades = [luma(p) for p in await pixels(page, await text_box(page, part))]
            halo = sum(1 for y in shades if (y < 90 if outline == "dark" else y > 165)) / len(shades)
            assert halo > 0.08, f"{part}: only {halo:.0%} of its box stands out from a {scene} scene"
