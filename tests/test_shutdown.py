"""A real `moodbot run` process: clean stop on SIGTERM/SIGINT, and little lost to SIGKILL."""

import asyncio
import json
import os
import signal
import sys
import time

import pytest
from helpers import mood_messages
from websockets.asyncio.client import connect

pytestmark = pytest.mark.slow

FLUSH = 1.0


async def start_bot(tmp_path, speed=4):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"history:\n  dir: {tmp_path / 'sessions'}\n  messages: true\n  flush_interval: {FLUSH}\n", encoding="utf-8"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        "--speed",
        str(speed),
        "--port",
        "0",
        "--record",
        str(tmp_path / "rec.jsonl"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    async for line in process.stdout:
        if line.startswith(b"Overlay ready:"):
            return process, line.decode().split()[2].replace("http://", "ws://") + "ws"
    raise AssertionError((await process.stderr.read()).decode()[-2000:])


async def frames_until(url, scored, seen):
    async with connect(url) as ws:
        async for message in mood_messages(ws):
            totals = message["totals"]
            seen.append((time.monotonic(), totals["scored"]))
            if totals["scored"] >= scored:
                return


def history_lines(tmp_path):
    (session,) = (tmp_path / "sessions").glob("*.jsonl")
    return [json.loads(line) for line in session.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_cleanly(tmp_path, sig):
    """SIGTERM or Ctrl-C: the queue drains, history and recording are flushed, exit code 0."""
    process, url = await start_bot(tmp_path)
    seen = []
    await asyncio.wait_for(frames_until(url, 60, seen), 120)
    process.send_signal(sig)
    code = await asyncio.wait_for(process.wait(), 20)
    err = (await process.stderr.read()).decode()
    assert code == 0, err[-2000:]
    assert "stopped:" in err
    lines = history_lines(tmp_path)
    assert lines[0]["type"] == "session" and lines[-1]["type"] == "window"
    recorded = len((tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines())
    assert recorded == lines[-1]["totals"]["messages"]  # every message read was recorded


async def test_sigkill_loses_at_most_the_last_seconds(tmp_path):
    """After kill -9 the history holds every message scored up to one flush interval before."""
    process, url = await start_bot(tmp_path)
    seen = []
    await asyncio.wait_for(frames_until(url, 150, seen), 120)
    killed_at = time.monotonic()
    process.kill()
    await process.wait()
    kept = sum(1 for line in history_lines(tmp_path) if line["type"] == "message")
    scored_then = max(s for t, s in seen if t <= killed_at - 2 * FLUSH)
    lost = seen[-1][1] - kept
    print(f"SIGKILL: scored {seen[-1][1]} by the last frame, {kept} in the history, lost {max(lost, 0)}")
    assert kept >= scored_then
