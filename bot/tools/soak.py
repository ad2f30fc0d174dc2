"""`moodbot soak`: hours of streaming, compressed, watching for leaks.

The bundled sample chat is looped at `speed` times its own pace (an 8-hour stream at 100x takes
under 5 minutes) through the whole bot, with an overlay connected and the history on. Memory,
open files and asyncio tasks are sampled as it runs; a leak shows as growth after the warm-up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from typing import Any

from ..app import Bot, run_bot
from ..config import AppConfig, HistoryConfig, SourceConfig
from ..scoring import Scorer
from ..sources import SAMPLE_CHAT
from .resources import rss_mb

__all__ = ["run_soak"]

_WARMUP = 0.2  # share of the run before the baseline is taken (windows filling, caches warming)


async def run_soak(
    config: AppConfig, *, hours: float, speed: float, scorer: Scorer | None = None, sample_every: float = 2.0
) -> dict[str, Any]:
    """Play `hours` of chat at `speed`; return counts and the resource samples' start, end and peak."""
    import psutil

    process = psutil.Process()
    seconds = hours * 3600 / speed
    samples: list[tuple[float, float, int, int]] = []
    frames = 0
    with tempfile.TemporaryDirectory() as sessions:
        config = dataclasses.replace(
            config,
            source=SourceConfig(replay=str(SAMPLE_CHAT), speed=speed, loop=True),
            server=dataclasses.replace(config.server, port=0),
            history=HistoryConfig(dir=sessions, messages=True),
        )
        stop = asyncio.Event()
        ready: asyncio.Future[Bot] = asyncio.get_running_loop().create_future()
        runner = asyncio.create_task(
            run_bot(config, stop=stop, scorer=scorer, on_ready=ready.set_result, status_interval=None, announce=False)
        )
        bot = await ready
        started = time.monotonic()

        async def overlay() -> None:
            nonlocal frames
            from websockets.asyncio.client import connect

            async with connect(bot.broadcaster.ws_url) as ws:
                async for _ in ws:
                    frames += 1

        watcher = asyncio.create_task(overlay())
        while (elapsed := time.monotonic() - started) < seconds:
            await asyncio.sleep(sample_every)
            samples.append((elapsed, rss_mb(), process.num_fds(), len(asyncio.all_tasks())))
        stop.set()
        await runner
        watcher.cancel()
    baseline = next(s for s in samples if s[0] >= _WARMUP * seconds) if samples else (0, 0, 0, 0)
    end = samples[-1] if samples else baseline
    return {
        "stream_hours": hours,
        "speed": speed,
        "wall_seconds": round(seconds, 1),
        "read": bot.read,
        "scored": bot.worker.stats.scored if bot.worker else 0,
        "dropped": bot.queue.dropped,
        "frames": frames,
        "rss_mb": {
            "after_warmup": round(baseline[1], 1),
            "end": round(end[1], 1),
            "max": round(max(s[1] for s in samples), 1),
        },
        "open_files": {"after_warmup": baseline[2], "end": end[2]},
        "tasks": {"after_warmup": baseline[3], "end": end[3]},
    }
