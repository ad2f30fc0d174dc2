"""Take the overlay's screenshot set from the real page in headless Chromium.

Runs the real bot on the bundled sample chat (sped up, from the sad scene into the victory), opens
the overlay over a stream-like scene (bright sky, dark hills: the hard case for a card-less
overlay) at OBS's default 800x600, and writes to docs/screenshots/:

    THEME-LANG-card.png, THEME-LANG-bare.png   every theme (dark, light, contrast) in English and
                                               Japanese, with the card and with card=0
    legend.png                                 ?legend=1: the share bar's three colours named
    obs-source.png                             the whole 800x600 source as OBS shows it

    .venv/bin/python scripts/screenshot_overlay.py [--out FOLDER] [--warmup SECONDS]   (about 3 minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from playwright.async_api import Page, async_playwright

from bot.app import Bot, run_bot
from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig
from bot.sources import SAMPLE_CHAT

OUT = Path(__file__).parent.parent / "docs" / "screenshots"
THEMES = ("dark", "light", "contrast")
LANGS = ("en", "ja")
# From the fun into the sad scene and the boss fight, then the victory, when chat is at its loudest
# (the goodbyes after it are left out): the sparkline shows the dip, the shots the victory.
FROM_MINUTE, TO_MINUTE = 7.0, 17.5
SPEED = 3.0  # the victory lasts 50 s: every shot is taken inside it
MARGIN = 16  # pixels of scene kept around the card in the close-ups

# A stream-like scene: a bright sky with a cloud behind the top of the card, dark hills behind its
# bottom, so both halves of a card-less overlay are tested against the worst background.
SCENE = """<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600" style="display:block">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
<stop offset="0" stop-color="#8fd3ff"/><stop offset="0.45" stop-color="#f4fbff"/></linearGradient></defs>
<rect width="800" height="600" fill="url(#sky)"/>
<ellipse cx="170" cy="95" rx="150" ry="42" fill="#ffffff"/><ellipse cx="250" cy="70" rx="90" ry="40" fill="#ffffff"/>
<path d="M0 190 L120 150 L260 215 L380 160 L520 230 L660 170 L800 220 L800 600 L0 600 Z" fill="#2e4d3a"/>
<path d="M0 260 L160 230 L330 290 L500 250 L800 300 L800 600 L0 600 Z" fill="#1c2f25"/>
</svg>"""
BACKDROP = """<body style="margin:0">{scene}
<iframe src="{url}" width="800" height="600" style="position:absolute;left:0;top:0;border:0;background:transparent"
allowtransparency></iframe></body>"""


def shots() -> dict[str, str]:
    """File name → the URL query it shows."""
    wanted = {"obs-source.png": "", "legend.png": "?legend=1"}
    for theme in THEMES:
        for lang in LANGS:
            wanted[f"{theme}-{lang}-card.png"] = f"?theme={theme}&lang={lang}"
            wanted[f"{theme}-{lang}-bare.png"] = f"?theme={theme}&lang={lang}&card=0"
    return wanted


def _victory_part(folder: Path) -> Path:
    rows = [json.loads(line) for line in SAMPLE_CHAT.read_text(encoding="utf-8").splitlines()]
    start, end = (rows[0]["time"] + minute * 60 for minute in (FROM_MINUTE, TO_MINUTE))
    part = folder / "victory.jsonl"
    part.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if start <= r["time"] < end), encoding="utf-8"
    )
    return part


async def _open(browser, url: str) -> Page:
    page = await browser.new_page(viewport={"width": 800, "height": 600})
    await page.set_content(BACKDROP.format(scene=SCENE, url=url))
    return page


async def _card_box(page: Page) -> dict[str, float]:
    """The card's box in the scene, with a margin of scene around it."""
    box = await page.frame_locator("iframe").locator(".mb-card").bounding_box()
    assert box is not None
    x, y = max(0.0, box["x"] - MARGIN), max(0.0, box["y"] - MARGIN)
    return {
        "x": x,
        "y": y,
        "width": box["width"] + box["x"] - x + MARGIN,
        "height": box["height"] + box["y"] - y + MARGIN,
    }


async def _victory(bot: Bot, timeout: float = 120.0) -> None:
    """Wait until chat is hyped (the victory), so every shot shows the same loud moment."""
    async with asyncio.timeout(timeout):
        while bot.aggregator.snapshot(bot.clock()).mood != "hyped":
            await asyncio.sleep(0.25)


async def take(out: Path, warmup: float) -> list[Path]:
    """Run the bot until the victory, then open every shot's page and photograph them all at one moment."""
    with tempfile.TemporaryDirectory() as tmp:
        config = AppConfig(
            source=SourceConfig(replay=str(_victory_part(Path(tmp))), speed=SPEED),
            server=ServerConfig(port=0),
            history=HistoryConfig(dir=None),
        )
        stop = asyncio.Event()
        ready = asyncio.get_running_loop().create_future()
        bot_task = asyncio.create_task(run_bot(config, stop=stop, on_ready=ready.set_result, status_interval=None))
        bot = await ready
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            await asyncio.sleep(warmup)  # the sad scene and the boss fight
            await _victory(bot)
            # Each page gets the needle's history in its first message, so it can open just now.
            pages = {name: await _open(browser, bot.broadcaster.url + query) for name, query in shots().items()}
            await asyncio.sleep(3)  # the needle swings into place
            out.mkdir(parents=True, exist_ok=True)

            async def shoot(name: str, page: Page) -> Path:
                clip = None if name == "obs-source.png" else await _card_box(page)
                # Finished animations (a mood word fading in) are drawn at their end.
                await page.screenshot(path=str(out / name), clip=clip, animations="disabled")
                return out / name

            started = time.monotonic()
            written = await asyncio.gather(*(shoot(name, page) for name, page in pages.items()))
            print(f"{len(written)} shots in {time.monotonic() - started:.1f} s")
            await browser.close()
        stop.set()
        await bot_task
    return list(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder to write (default {OUT})")
    parser.add_argument(
        "--warmup", type=float, default=140.0, help="seconds of chat before waiting for the victory (default 140)"
    )
    args = parser.parse_args()
    for path in asyncio.run(take(args.out, args.warmup)):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
