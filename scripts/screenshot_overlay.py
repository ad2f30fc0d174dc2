"""Take the README's overlay screenshots from the real page in headless Chromium.

Runs the real bot on the bundled sample chat (sped up, from the struggle into the victory), opens the overlay
over a stream-like backdrop at OBS's default 800x600, and writes docs/overlay*.png:

    .venv/bin/python scripts/screenshot_overlay.py
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from bot.app import run_bot
from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig
from bot.sources import SAMPLE_CHAT

DOCS = Path(__file__).parent.parent / "docs"
SHOTS = {"overlay.png": "", "overlay-light-ja.png": "?theme=light&lang=ja&position=br&accent=ff5c8a"}
FROM_MINUTE = 10.0  # through the struggle to the victory, when chat is at its loudest
BACKDROP = """<body style="margin:0;background:linear-gradient(135deg,#1d2b53 0%,#7e2553 55%,#ff8a4c 100%)">
<iframe src="{url}" width="800" height="600" style="border:0;background:transparent" allowtransparency></iframe></body>"""


def _victory_part(folder: Path) -> Path:
    rows = [json.loads(line) for line in SAMPLE_CHAT.read_text(encoding="utf-8").splitlines()]
    start = rows[0]["time"] + FROM_MINUTE * 60
    part = folder / "victory.jsonl"
    part.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["time"] >= start), encoding="utf-8"
    )
    return part


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = AppConfig(
            source=SourceConfig(replay=str(_victory_part(Path(tmp))), speed=5.0),
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
            page = await browser.new_page(viewport={"width": 800, "height": 600})
            await asyncio.sleep(65)  # let the sparkline grow through the struggle into the victory
            DOCS.mkdir(exist_ok=True)
            for name, query in SHOTS.items():
                await page.set_content(BACKDROP.format(url=bot.broadcaster.url + query))
                await asyncio.sleep(4)
                await page.screenshot(path=str(DOCS / name))
                print(f"wrote {DOCS / name}")
            await browser.close()
        stop.set()
        await bot_task


if __name__ == "__main__":
    asyncio.run(main())
