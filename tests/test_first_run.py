"""A first run: the demo says what it plays and what to do next, no network is said plainly, and a
bad model stops the run before an overlay URL is shown."""

import asyncio
import logging
import os
from pathlib import Path

from bot.chat import SourceState
from bot.cli import main
from bot.config import AppConfig, HistoryConfig, ServerConfig, YouTubeConfig
from bot.sources.youtube import YouTubeSource
from tests.helpers import bot_running, free_port


async def test_demo_says_what_it_plays_and_how_to_read_a_stream(capsys, tiny_classifier_scorer):
    """With no source, one short screen: the demo chat is playing, the overlay URL, how to point it at a stream."""
    config = AppConfig(server=ServerConfig(port=0), history=HistoryConfig(dir=None))
    async with bot_running(config, tiny_classifier_scorer) as bot:
        url = bot.broadcaster.url
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("No stream given: playing the demo chat")
    assert lines[1].startswith(f"Overlay ready: {url}  (in OBS: Sources → + → Browser")
    assert lines[2] == f"Dashboard (for you, not for the stream): {url}dashboard"
    assert "moodbot run --video @yourhandle" in lines[3]
    assert "Ctrl-C stops" in lines[4] and "moodbot doctor" in lines[4]
    assert len(lines) == 5


async def test_a_named_source_gets_just_the_url(capsys, tiny_classifier_scorer, tmp_path):
    """Reading a stream or a recording, only the overlay and dashboard lines are printed."""
    from bot.config import SourceConfig
    from tests.helpers import write_recording

    chat = write_recording(tmp_path / "chat.jsonl", [(0.0, "hi")])
    config = AppConfig(
        source=SourceConfig(replay=str(chat)), server=ServerConfig(port=0), history=HistoryConfig(dir=None)
    )
    async with bot_running(config, tiny_classifier_scorer):
        pass
    line, dashboard = capsys.readouterr().out.splitlines()
    assert line.startswith("Overlay ready: http://127.0.0.1:") and dashboard.startswith("Dashboard (for you")


def test_missing_model_fails_before_the_overlay_url(tmp_path, capsys):
    """A model path that does not exist is one error line; no URL was printed and no session file was started."""
    assert main(["run", "--model", str(tmp_path / "my model"), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert "Overlay ready" not in out
    assert err.startswith("moodbot: error: ") and "my model" in err and err.count("\n") == 1
    assert not (Path(os.environ["XDG_DATA_HOME"]) / "moodbot").exists()


def test_broken_model_fails_before_the_overlay_url(tmp_path, capsys):
    """A model folder that exists but cannot load also stops the run before the URL is shown."""
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    assert main(["run", "--model", str(tmp_path), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert "Overlay ready" not in out
    assert err.strip().splitlines()[-1].startswith(f"moodbot: error: could not load model '{tmp_path}'")


async def test_no_network_is_said_plainly_and_retried(caplog):
    """With YouTube out of reach, the status and the log say to check the internet connection, and it keeps trying."""
    closed = f"http://127.0.0.1:{free_port()}"
    pauses: list[float] = []
    tried_enough = asyncio.Event()

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) >= 3:
            tried_enough.set()
            await asyncio.Event().wait()  # park here: the test has seen enough retries

    source = YouTubeSource("@somebody", YouTubeConfig(base_url=closed, max_backoff=4), sleep=sleep)

    async def read():
        async for _ in source.messages():
            pass

    caplog.set_level(logging.WARNING, logger="bot.sources.youtube")
    reading = asyncio.create_task(read())
    await asyncio.wait_for(tried_enough.wait(), 30)
    reading.cancel()
    status = source.status
    assert status.state is SourceState.CONNECTING
    assert status.detail.startswith("cannot reach YouTube: check the internet connection, retrying in ")
    assert len(pauses) == 3 and pauses[0] <= 1 < pauses[2]
    assert "cannot reach YouTube: check the internet connection" in caplog.text
