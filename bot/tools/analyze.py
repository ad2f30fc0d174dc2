"""`moodbot analyze`: a finished stream's chat through the model as fast as it goes, into a session.

It is `moodbot run` without pacing or an audience: the recording (or YouTube's chat replay) is read
at speed 0, waits for the model rather than being dropped from (recorded chat always does), every
scored message goes into the history with its emotions, and the overlay server listens on a port
of its own choosing without announcing it. The run stops by itself once the chat has ended and
every message read is scored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

from ..app import Bot, run_bot
from ..chat import SourceState
from ..config import AppConfig
from ..errors import DataError
from ..scoring import Scorer

__all__ = ["analyze", "count_lines"]

log = logging.getLogger(__name__)

_POLL = 0.25  # seconds between looks at whether the chat is done


def count_lines(path: Path) -> int:
    """Non-empty lines of a recording: the progress bar's total (skipped lines are counted too)."""
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


async def analyze(config: AppConfig, *, scorer: Scorer | None = None, progress: bool | None = None) -> Path:
    """Score all of the chat `config` names; return the session file. `progress`: show the bar
    (None: only on a terminal)."""
    from tqdm import tqdm

    config = dataclasses.replace(
        config,
        source=dataclasses.replace(config.source, speed=0.0, loop=False, record=None),
        server=dataclasses.replace(config.server, port=0),
        history=dataclasses.replace(config.history, dir=config.history.dir or "sessions", messages=True),
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Bot] = asyncio.get_running_loop().create_future()
    done = [0]  # messages through the model, scored or with nothing to score

    def on_ready(bot: Bot) -> None:
        assert bot.worker is not None  # on_ready comes once the worker is there
        bot.worker.subscribe(lambda batch: done.__setitem__(0, done[0] + len(batch.messages)))
        ready.set_result(bot)

    runner = asyncio.create_task(
        run_bot(config, stop=stop, scorer=scorer, on_ready=on_ready, status_interval=None, announce=False)
    )
    # The bot may fail before it is ready (no such video): its error is the one to show.
    await asyncio.wait([runner, ready], return_when=asyncio.FIRST_COMPLETED)
    if runner.done():
        runner.result()  # raises the error that stopped the bot
        raise DataError("the chat ended before the model was ready")
    bot = ready.result()
    # Counted once the source has checked the file (a missing one is its one-line error).
    total = count_lines(Path(config.source.replay)) if config.source.replay else None
    bar = tqdm(total=total, unit="msg", desc="scoring chat", disable=not progress if progress is not None else None)
    try:
        while not _finished(bot, done[0]):
            await asyncio.sleep(_POLL)
            bar.update(done[0] - bar.n)
        bar.update(done[0] - bar.n)
    finally:
        bar.close()
        stop.set()
        bot = await runner
    if bot.history is None:
        raise DataError("history.dir is off: analyze needs it to keep the session")
    if not bot.read:
        raise DataError(f"no chat was read from {bot.source_states()}")
    log.info("analysed %d messages into %s", bot.read, bot.history.path)
    return bot.history.path


def _finished(bot: Bot, done: int) -> bool:
    """Every chat has ended (or failed) and every message read has been through the model."""
    ended = all(key in bot.failed or s.status.state is SourceState.ENDED for key, s in bot.sources.items())
    return ended and bot.queue.depth == 0 and done + bot.queue.dropped >= bot.read
