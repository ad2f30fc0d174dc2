"""The running bot on a disk that fills up: the overlay goes on, one loud alert, writing resumes, a clean stop."""

import asyncio
import json
import logging
import os

import pytest
from disks import FullDisk, tmpfs
from helpers import bot_running
from websockets.asyncio.client import connect

from bot.config import AppConfig, HistoryConfig, ServerConfig, SourceConfig
from bot.sources import SAMPLE_CHAT

pytestmark = pytest.mark.slow


@pytest.fixture(params=["tmpfs", "stand-in"])
def disk(request, tmp_path, monkeypatch):
    """A folder on a disk the test can fill and free: a real 1 MB tmpfs, or os.write refusing with ENOSPC."""
    if request.param == "stand-in":
        folder = tmp_path / "disk"
        folder.mkdir()
        stand_in = FullDisk(folder)
        monkeypatch.setattr(os, "write", stand_in.write)
        stand_in.folder_path = folder
        yield stand_in
        return
    with tmpfs(tmp_path / "disk", 1024 * 1024) as mounted:
        if mounted is None:
            pytest.skip("cannot mount a tmpfs here (needs root and mount rights); the stand-in covers it")
        mounted.folder_path = mounted.folder
        yield mounted


async def frames(ws, until, seconds=20):
    """Overlay frames until one satisfies `until`; returns them all."""
    seen = []
    async with asyncio.timeout(seconds):
        async for frame in ws:
            message = json.loads(frame)
            if message["type"] == "event":  # events carry no figures
                continue
            seen.append(message)
            if until(seen[-1]):
                return seen
    return seen


def whole_lines(path):
    """Every line of the file, each of which must be whole JSON."""
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


async def test_disk_full_mid_stream(disk, bundled_scorer, caplog):
    """Disk full mid-stream: overlay and mood go on with one alert; space back: writing resumes; full at the stop:
    the recording and the server still close, and every file holds whole lines only."""
    folder = disk.folder_path
    config = AppConfig(
        source=SourceConfig(replay=str(SAMPLE_CHAT), speed=30, record=str(folder / "rec.jsonl")),
        server=ServerConfig(port=0),
        history=HistoryConfig(dir=str(folder / "sessions"), messages=True, flush_interval=0.5),
    )
    caplog.set_level(logging.INFO)
    async with bot_running(config, bundled_scorer) as bot, connect(bot.broadcaster.ws_url) as ws:
        url = bot.broadcaster.ws_url
        await frames(ws, lambda f: f["totals"]["scored"] >= 20)
        disk.fill()
        full = await frames(ws, lambda f: len(f["alerts"]) == 2)
        assert sorted(full[-1]["alerts"]) == [
            "history not saved: No space left on device",
            "recording not saved: No space left on device",
        ]
        assert "history not saved: No space left on device" in bot.status_line()
        scored_when_full = full[-1]["totals"]["scored"]
        going_on = await frames(ws, lambda f: f["totals"]["scored"] >= scored_when_full + 20)
        assert going_on[-1]["alerts"] and going_on[-1]["source"]["state"] == "live"

        disk.free()
        await frames(ws, lambda f: f["alerts"] == [])
        recorded_after_free = len(whole_lines(folder / "rec.jsonl"))
        assert recorded_after_free > 0

        disk.fill()  # and full again as the streamer stops
        await frames(ws, lambda f: len(f["alerts"]) == 2)
    # bot_running has stopped the bot: run_bot returned without an exception
    assert bot.broadcaster.clients == 0
    with pytest.raises(OSError):
        await connect(url, open_timeout=2)
    errors = [r.getMessage() for r in caplog.records if r.name == "bot.jsonl" and r.levelno >= logging.ERROR]
    print(f"\ndisk full ({type(disk).__name__}): {len(errors)} error lines; read {bot.read}")
    assert sum("cannot write" in e for e in errors) == 4  # once per file per time the disk filled
    recorded = whole_lines(folder / "rec.jsonl")
    (session,) = (folder / "sessions").glob("*.jsonl")
    history = whole_lines(session)
    assert history[0]["type"] == "session"
    assert bot.recorder.written == len(recorded) and recorded_after_free <= len(recorded) < bot.read
