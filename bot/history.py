"""Mood history on disk: one JSONL file per session, for the post-stream report.

The first line describes the session; then one "window" line every few seconds with the same
figures the overlay gets, and (if `history.messages` is on) one "message" line per scored
message. Lines are handed to the OS every `flush_interval` seconds, so a crash or a SIGKILL
loses at most that much; a clean stop flushes everything.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .jsonl import JsonlAppender
from .scored import ScoredMessage

__all__ = ["HistoryWriter", "session_path"]


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
        self.path = session_path(Path(folder), started, source)
        self.messages = messages
        try:
            self._out = JsonlAppender(self.path)
        except OSError as exc:
            raise ConfigError(f"history.dir: cannot write session history in {folder} ({exc.strerror})") from exc
        self._out.add({"type": "session", "started": round(started, 3), "source": source, "model": model, "version": 1})

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
            self._out.add(
                {
                    "type": "message",
                    "time": item.message.time,
                    "id": item.message.id,
                    "author": item.message.author.name,
                    "text": item.message.text,
                    "kind": str(item.message.kind),
                    "valence": None if s is None else round(s.valence, 4),
                    "label": None if s is None else s.label,
                }
            )

    async def flush(self) -> None:
        await self._out.flush()

    async def close(self) -> None:
        await self._out.close()
