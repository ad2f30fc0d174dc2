"""Append JSON lines to a file from async code: collect in memory, write out in a thread.

A full disk (or any other write error) never stops the bot. The lines the OS refused wait in
memory, up to `MAX_BACKLOG` bytes (lines beyond that are dropped and counted in `lost`), and go
out first at the next flush that succeeds. Meanwhile `problem` says what is wrong; one loud line
is logged when writing stops and one when it resumes. A line cut short by the full disk is
finished when space returns, or cut off the file on close: the file only ever holds whole lines.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MAX_BACKLOG", "JsonlAppender"]

log = logging.getLogger(__name__)

MAX_BACKLOG = 8 * 1024 * 1024  # bytes waiting per file: hours of mood history, minutes of a busy chat


class JsonlAppender:
    """One JSON object per line; `flush` hands the lines to the OS without blocking the loop.

    `exclusive` refuses a file that already exists (FileExistsError) instead of appending to it.
    `write` is `os.write` unless given (tests pass a stand-in for a disk that fills up).
    """

    def __init__(
        self, path: Path, *, exclusive: bool = False, write: Callable[[int, memoryview], int] | None = None
    ) -> None:
        self.path = path
        self.written = 0  # lines handed to the OS
        self.lost = 0  # lines dropped because the backlog was full
        self.problem: str | None = None  # why writing fails right now
        self._write = write or os.write
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None
        self._fd, self._created = _open(path, exclusive)
        self._lock = threading.Lock()  # the backlog, shared by the loop (add) and the writer thread
        self._writing = threading.Lock()  # one writer at a time, so lines go out in order
        self._pending: list[bytes] = []
        self._unwritten = b""  # what the OS refused last time: written first next time
        self._backlog = 0  # bytes in both
        self._torn = 0  # bytes of an unfinished line already in the file

    def add(self, record: dict[str, Any]) -> None:
        # errors="replace": a stray surrogate in chat text must never stop a recording.
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "replace")
        with self._lock:
            if self._backlog + len(line) > MAX_BACKLOG:
                self.lost += 1
                return
            self._pending.append(line)
            self._backlog += len(line)

    async def flush(self) -> None:
        if self._backlog and self._fd is not None:
            self._note(await asyncio.to_thread(self._write_out))

    async def close(self) -> None:
        await self.flush()
        await asyncio.to_thread(self._close)
        left = len(self._pending) + self._unwritten.count(b"\n")
        if left or self.lost:
            log.error("%s: %d lines could not be written (%s)", self.path, left + self.lost, self.problem or "dropped")

    async def discard(self) -> None:
        """Close without writing what waits, and delete the file if this appender created it."""
        with self._lock:
            self._pending, self._unwritten, self._backlog = [], b"", 0
        await asyncio.to_thread(self._close)
        if self._created:
            self.path.unlink(missing_ok=True)

    def _write_out(self) -> OSError | None:
        """In a worker thread: everything waiting, in order; the error that stopped it, if any."""
        with self._writing:
            with self._lock:
                data = self._unwritten + b"".join(self._pending)
                self._pending = []
            done, error = self._write_all(data)
            written = data[:done]
            end = written.rfind(b"\n")
            self._torn = len(written) - end - 1 if end >= 0 else self._torn + len(written)
            self.written += written.count(b"\n")
            with self._lock:
                self._unwritten = data[done:]
                self._backlog -= done
            return error

    def _write_all(self, data: bytes) -> tuple[int, OSError | None]:
        assert self._fd is not None
        view = memoryview(data)
        done = 0
        while done < len(data):
            try:
                wrote = self._write(self._fd, view[done:])
            except OSError as exc:  # ENOSPC, EDQUOT, EIO...: what was written stays written
                return done, exc
            if wrote <= 0:
                return done, OSError(errno.EIO, "the disk took nothing")
            done += wrote
        return done, None

    def _note(self, error: OSError | None) -> None:
        if error is not None:
            if self.problem is None:
                log.error(
                    "cannot write %s: %s; keeping up to %d MB of it in memory and trying again; the overlay goes on",
                    self.path,
                    error.strerror or error,
                    MAX_BACKLOG >> 20,
                )
            self.problem = error.strerror or str(error)
        elif self.problem is not None:
            log.warning("writing %s again (%d lines lost while it could not be written)", self.path, self.lost)
            self.problem = None

    def _close(self) -> None:
        with self._writing:
            if self._fd is None:
                return
            try:
                if self._torn:  # a line cut by the full disk: the file keeps whole lines only
                    os.ftruncate(self._fd, os.fstat(self._fd).st_size - self._torn)
                    self._torn = 0
            except OSError as exc:
                log.warning("%s: could not cut off its unfinished last line (%s)", self.path, exc.strerror)
            finally:
                try:
                    os.close(self._fd)
                except OSError as exc:
                    log.warning("%s: closing it failed (%s)", self.path, exc.strerror)
                self._fd = None


def _open(path: Path, exclusive: bool) -> tuple[int, bool]:
    """The file's descriptor for appending, and whether it was created here."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)  # O_BINARY: "\n" stays "\n" on Windows
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644), True
    except FileExistsError:
        if exclusive:
            raise
    return os.open(path, flags), False
