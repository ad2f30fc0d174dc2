"""Append JSON lines to a file from async code: collect in memory, write out in a thread."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

__all__ = ["JsonlAppender"]


class JsonlAppender:
    """One JSON object per line; `flush` hands the lines to the OS without blocking the loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # errors="replace": a stray surrogate in chat text must never stop a recording.
        self._file = path.open("a", encoding="utf-8", errors="replace")
        self._pending: list[str] = []
        self.written = 0

    def add(self, record: dict[str, Any]) -> None:
        self._pending.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))

    async def flush(self) -> None:
        lines, self._pending = self._pending, []
        if lines:
            await asyncio.to_thread(self._write, lines)

    def _write(self, lines: list[str]) -> None:
        self._file.write("\n".join(lines) + "\n")
        self._file.flush()  # in the OS's hands now: a killed process loses nothing written
        self.written += len(lines)

    async def close(self) -> None:
        await self.flush()
        self._file.close()
