"""Mood history on disk: one JSONL file per session, for the post-stream report.

The first line describes the session; then one "window" line every few seconds with the same
figures the overlay gets, and (if `history.messages` is on) one "message" line per scored
message. Lines are handed to the OS every `flush_interval` seconds, so a crash or a SIGKILL
loses at most that much; a clean stop flushes everything. On a full disk the lines wait in
memory (bounded) until there is space again (see `bot.jsonl`).

Each session gets a file of its own, created exclusively: two runs started in the same second
from the same source get `..._replay.jsonl` and `..._replay_2.jsonl`.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .jsonl import JsonlAppender
from .scored import ScoredMessage

__all__ = ["HistoryWriter", "session_path"]

_MAX_SAME_NAME = 100  # sessions started in one second from one source: more is a runaway script


def session_path(folder: Path, started: float, source: str) -> Path:
    """sessions/2026-11-27_2103_replay.jsonl: sortable, and says where the chat came from."""
    stamp = datetime.fromtimestamp(started).strftime("%Y-%m-%d_%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in source)[:40]
    return folder / f"{stamp}_{safe}.jsonl"


class HistoryWriter:
    """A session's history file; `flush` and `close` write it out off the event loop."""

    def __init__(
        self, folder: str | Path, *, source: str, model: str, messages: bool, started: float | None = None
    ) -> None:
        started = time.time() if started is None else started
        self.messages = messages
        try:
            self._out = _create(session_path(Path(folder), started, source))
        except OSError as exc:
            raise ConfigError(f"history.dir: cannot write session history in {folder} ({exc.strerror})") from exc
        self.path = self._out.path
        self._out.add({"type": "session", "started": round(started, 3), "source": source, "model": model, "version": 1})

    @property
    def problem(self) -> str | None:
        """Why the history cannot be written right now (a full disk), or None."""
        return self._out.problem

    def window(self, message: dict[str, Any]) -> None:
        """Record the overlay's figures of this moment (a payload from `build_message`)."""
        self._out.add({**message, "type": "window"})

    def event(self, message: dict[str, Any]) -> None:
        """Record an event (a payload from `build_event`: its type is "event")."""
        self._out.add(message)

    def scored(self, scored: Iterable[ScoredMessage]) -> None:
        """Record each scored message, when the config asks for it."""
        if not self.messages:
            return
        for item in scored:
            s = item.sentiment
            line: dict[str, Any] = {
                "type": "message",
                "time": item.message.time,
                "id": item.message.id,
                "author": item.message.author.name,
                "text": item.message.text,
                "kind": str(item.message.kind),
                "valence": None if s is None else round(s.valence, 4),
                "label": None if s is None else s.label,
            }
            if s is not None and s.emotions:  # what `moodbot report` finds moments with
                line["emotions"] = {name: round(score, 3) for name, score in s.emotions.items()}
            if item.message.offset is not None:  # seconds into the video: the VOD link's second
                line["offset"] = item.message.offset
            self._out.add(line)

    async def flush(self) -> None:
        await self._out.flush()

    async def close(self) -> None:
        await self._out.close()

    async def discard(self) -> None:
        """Drop the session: close and delete its file (a run that failed to start keeps none)."""
        await self._out.discard()


def _create(path: Path) -> JsonlAppender:
    """A new file at `path`, or at `path` with _2, _3 ... when another run got there first."""
    for number in range(1, _MAX_SAME_NAME + 1):
        candidate = path if number == 1 else path.with_name(f"{path.stem}_{number}{path.suffix}")
        try:
            return JsonlAppender(candidate, exclusive=True)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"{_MAX_SAME_NAME} sessions named {path.name} already", str(path))
