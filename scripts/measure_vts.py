"""Measure moodbot's VTube Studio plugin in the whole bot: the pace of its parameter updates and
how fast a chat event becomes a hotkey request.

Runs the real bot (bundled model) on the bundled sample chat (looped) with the plugin talking to
the stand-in of VTS's API (tests/vts_standin.py), which logs what it receives. Every few seconds
it fires a chat event through `on_event`, where the events engine will call it, cycling through
the four kinds, and once a burst of 20 identical events within a second (VTS's cooldown must
hold). Time is not compressed: `--minutes 10` takes ten minutes.

    .venv/bin/python scripts/measure_vts.py --minutes 10
    .venv/bin/python scripts/measure_vts.py --minutes 1 --json
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from vts_standin import VTSStandIn  # noqa: E402

from bot.app import Bot, run_bot  # noqa: E402
from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig, VTubeStudioConfig  # noqa: E402
from bot.outputs.status import OutputState  # noqa: E402
from bot.scoring import load_scorer  # noqa: E402
from bot.sources import SAMPLE_CHAT  # noqa: E402

HOTKEYS = {"hype": "Sparkle", "laughter": "Laugh", "mood_drop": "Tears", "tech_problem": "Shock"}
AFTER_BURST = 6.0  # seconds: the burst's hotkey cools down before the regular events start
HOTKEY_IDS = {"hype": "hk-sparkle", "laughter": "hk-laugh", "mood_drop": "hk-tears", "tech_problem": "hk-shock"}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(minutes: float, speed: float, event_every: float) -> dict:
    load_before = os.getloadavg()[0]
    vts = VTSStandIn()
    await vts.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = AppConfig(
            source=SourceConfig(replay=str(SAMPLE_CHAT), speed=speed, loop=True),
            server=ServerConfig(port=0),
            history=HistoryConfig(dir=None),
            vtube_studio=VTubeStudioConfig(
                enabled=True, url=vts.url, token_file=str(Path(tmp) / "token.txt"), hotkeys=HOTKEYS
            ),
        )
        scorer = await asyncio.to_thread(load_scorer, config.model)
        stop = asyncio.Event()
        ready: asyncio.Future[Bot] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(
            run_bot(config, stop=stop, scorer=scorer, on_ready=ready.set_result, status_interval=None, announce=False)
        )
        bot = await ready
        assert bot.avatar is not None
        while bot.avatar.status.state is not OutputState.LIVE:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        end = started + minutes * 60
        fired: list[tuple[float, str]] = []
        burst: tuple[float, float] | None = None
        needles: list[tuple[float, float]] = []
        kinds = list(HOTKEYS)
        next_event, next_sample = started + 1.0 + AFTER_BURST, started + 1.0
        while time.monotonic() < end:
            now = time.monotonic()
            if burst is None and now >= started + 1.0:
                for _ in range(20):  # 20 "hype" within a second: one hotkey at most
                    bot.avatar.on_event("hype", {"burst": True})
                    await asyncio.sleep(0.05)
                burst = (now, time.monotonic())
            elif now >= next_event:
                kind = kinds[len(fired) % len(kinds)]
                fired.append((time.monotonic(), kind))
                bot.avatar.on_event(kind, {"measured": True})
                next_event += event_every
            if now >= next_sample:
                needles.append((now, bot.aggregator.snapshot(now).needle))
                next_sample += 1.0
            await asyncio.sleep(0.01)
        stop.set()
        await task
    await vts.stop()

    injections = [i.at for i in vts.injections if started <= i.at <= end]
    gaps = [b - a for a, b in itertools.pairwise(injections)]
    delays = []
    for at, kind in fired:
        sent = next((t.at for t in vts.triggers if t.at >= at and t.hotkey_id == HOTKEY_IDS[kind]), None)
        if sent is not None:
            delays.append((sent - at) * 1000)
    valence = vts.values_of("MoodValence")
    differences = [
        abs(max((v for v in valence if v[0] <= at), key=lambda v: v[0])[1] - needle) for at, needle in needles
    ]
    assert burst is not None
    return {
        "minutes": minutes,
        "replay_speed": speed,
        "injections": len(injections),
        "injections_per_s": round(len(injections) / (injections[-1] - injections[0]), 2),
        "largest_gap_ms": round(max(gaps) * 1000, 1),
        "p99_gap_ms": round(_percentile(gaps, 0.99) * 1000, 1),
        "control_lost": len(vts.control_lost),
        "events_fired": len(fired),
        "hotkeys_sent": len(delays),
        "event_to_hotkey_ms": {
            "p50": round(statistics.median(delays), 1),
            "p95": round(_percentile(delays, 0.95), 1),
            "max": round(max(delays), 1),
        },
        "burst_of_20_hype_events_sent": sum(burst[0] <= t.at <= burst[1] + 1 for t in vts.triggers),
        "vts_errors": [f"{kind} {error}" for _, kind, error in vts.errors],
        "valence_vs_needle_max_diff": round(max(differences), 3),
        "popups": vts.popups,
        "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cpu_cores": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to measure (default 10, real time)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed of the sample chat (default 1)")
    parser.add_argument("--event-every", type=float, default=7.0, help="seconds between events (default 7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(measure(args.minutes, args.speed, args.event_every))
    if args.json:
        print(json.dumps(result))
        return
    delay = result["event_to_hotkey_ms"]
    print(
        f"{result['minutes']:g} min of sample chat at {result['replay_speed']:g}x, measured on the VTS stand-in:\n"
        f"injections: {result['injections']} ({result['injections_per_s']}/s), largest gap {result['largest_gap_ms']} ms, "
        f"p99 gap {result['p99_gap_ms']} ms, control lost {result['control_lost']} times\n"
        f"event -> hotkey request: p50 {delay['p50']} ms, p95 {delay['p95']} ms, max {delay['max']} ms "
        f"({result['hotkeys_sent']} of {result['events_fired']} events)\n"
        f"a burst of 20 hype events sent {result['burst_of_20_hype_events_sent']} hotkey; "
        f"VTS errors: {result['vts_errors'] or 'none'}\n"
        f"MoodValence vs the overlay's needle: at most {result['valence_vs_needle_max_diff']} apart\n"
        f"machine: {result['cpu_cores']} cores, load average {result['load_average_1min'][0]} at the start, "
        f"{result['load_average_1min'][1]} at the end"
    )


if __name__ == "__main__":
    main()
