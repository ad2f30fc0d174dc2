"""Recorded chat: play a JSONL recording in real time, and write one.

The format is one JSON object per line, one line per message (fields as in `ChatMessage`;
those at their default may be left out):

    {"id": "m1", "time": 1764230400.25, "author": {"name": "KiraFan", "id": "UC…", "member": true},
     "text": "草 :_kiraLaugh:", "emotes": [":_kiraLaugh:"], "kind": "text"}
    {"id": "m2", "time": 1764230401.5, "author": {"name": "Rizky"}, "text": "GG!",
     "kind": "superchat", "amount": 20000, "currency": "IDR", "amount_text": "Rp 20.000"}
    {"id": "…", "time": 1764230402.0, "author": {"name": "Mika", "id": "1234", "vip": true},
     "text": "hi Kappa", "emotes": ["Kappa"], "source": "twitch:kira", "first": true}

`time` is Unix seconds (`offset`, when present, seconds into the video of a finished stream); replay keeps the gaps between messages (divided by `speed`; a gap of
more than a minute waits a minute). `source` is the chat a message was read from, so a recorded
simulcast replays as the same chats. Lines that are not valid messages (absurd numbers included:
400 digits, Infinity, NaN) are skipped and counted, never fatal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from ..chat import Author, ChatMessage, Kind, SourceState, SourceStatus
from ..errors import DataError
from ..jsonl import JsonlAppender
from .pacing import Pacer

__all__ = ["ReplaySource", "ReplayWriter", "message_from_json", "message_to_json"]

log = logging.getLogger(__name__)

_READ_CHUNK = 512  # lines read per trip to the worker thread...
_READ_BYTES = 4_000_000  # ...or fewer when they are long: 512 lines of 5 MB would be 2.5 GB at once
_YIELD_EVERY = 64  # when not sleeping between messages, let other tasks run this often
_MAX_SOURCE_CHARS = 100  # "twitch:name", "youtube:@handle": a longer one is cut, not trusted whole
_WARN_SKIPPED = 3  # skipped lines that get a warning each; the rest are only counted


def message_to_json(message: ChatMessage) -> dict[str, Any]:
    """The JSON object of one message, leaving out fields at their default."""
    author: dict[str, Any] = {"name": message.author.name}
    if message.author.id:
        author["id"] = message.author.id
    for flag in ("member", "moderator", "owner", "vip"):
        if getattr(message.author, flag):
            author[flag] = True
    obj: dict[str, Any] = {"id": message.id, "time": message.time, "author": author, "text": message.text}
    if message.emotes:
        obj["emotes"] = list(message.emotes)
    obj["kind"] = str(message.kind)
    for key in ("amount", "currency", "amount_text"):
        if getattr(message, key) is not None:
            obj[key] = getattr(message, key)
    if message.source:
        obj["source"] = message.source
    if message.first:
        obj["first"] = True
    if message.offset is not None:
        obj["offset"] = message.offset
    return obj


def message_from_json(obj: Any) -> ChatMessage:
    """Parse one recorded message; `ValueError` says what is wrong with it."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    time_ = _number(obj.get("time"), "time")
    text = obj.get("text", "")
    if not isinstance(text, str):
        raise ValueError("'text' must be a string")
    author = obj.get("author", {})
    if isinstance(author, str):
        author = {"name": author}
    if not isinstance(author, dict) or not isinstance(author.get("name", ""), str):
        raise ValueError("'author' must be an object with a 'name'")
    try:
        kind = Kind(obj.get("kind", "text"))
    except ValueError:
        raise ValueError(f"unknown kind {obj.get('kind')!r}") from None
    amount = obj.get("amount")
    if amount is not None:
        amount = _number(amount, "amount")
    emotes = obj.get("emotes", [])
    if not isinstance(emotes, list) or not all(isinstance(e, str) for e in emotes):
        raise ValueError("'emotes' must be a list of strings")
    source = obj.get("source", "")
    if not isinstance(source, str):
        raise ValueError("'source' must be a string")
    offset = obj.get("offset")
    if offset is not None:
        offset = _number(offset, "offset")
    return ChatMessage(
        id=str(obj.get("id") or f"{time_}:{author.get('name', '')}"),
        time=time_,
        author=Author(
            name=str(author.get("name", "")),
            id=str(author.get("id", "")),
            member=bool(author.get("member", False)),
            moderator=bool(author.get("moderator", False)),
            owner=bool(author.get("owner", False)),
            vip=bool(author.get("vip", False)),
        ),
        text=text,
        kind=kind,
        emotes=tuple(emotes),
        amount=amount,
        currency=_optional_str(obj.get("currency")),
        amount_text=_optional_str(obj.get("amount_text")),
        source=source[:_MAX_SOURCE_CHARS],
        first=bool(obj.get("first", False)),
        offset=offset,
    )


def _number(value: Any, name: str) -> float:
    """A JSON number that a float can hold; JSON lets files say 1e400, 400 digits, Infinity or NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{name}' must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"'{name}' must be a finite number")
    return number


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


class ReplaySource:
    """Plays a recording as if it were live: `speed` 2 is twice as fast, 0 as fast as possible."""

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float = 1.0,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.path = Path(path)
        self.speed = speed
        self.loop = loop
        self.skipped = 0
        self._clock = clock
        self._sleep = sleep
        self._state = SourceState.CONNECTING
        self._detail = self.path.name
        self._check_readable()

    @property
    def status(self) -> SourceStatus:
        # A recording waits for the model rather than be dropped from (see ChatQueue).
        return SourceStatus(self._state, self._detail, name="replay", recorded=True, skipped=self.skipped)

    def _check_readable(self) -> None:
        try:
            with self.path.open(encoding="utf-8") as f:
                for _, line in zip(range(1000), f):
                    try:
                        _parse_line(line)
                        return
                    except ValueError:
                        continue
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such recorded chat file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{self.path}: cannot read it as a recorded chat ({exc})") from exc
        raise DataError(f"{self.path}: holds no chat messages (expected JSON lines with time, author, text)")

    async def messages(self) -> AsyncIterator[ChatMessage]:
        round_ = 0
        while True:
            async for message in self._play_once(round_):
                yield message
            if not self.loop:
                break
            round_ += 1
        self._state, self._detail = SourceState.ENDED, "end of recording"

    async def _play_once(self, round_: int) -> AsyncIterator[ChatMessage]:
        pacer = Pacer(self.speed, self._clock, self._sleep)
        since_sleep = 0
        async for message in self._read():
            self._state = SourceState.LIVE
            delay = pacer.delay(message.time)
            if delay > 0:
                await self._sleep(delay)
                since_sleep = 0
            elif since_sleep >= _YIELD_EVERY:
                # Running behind (or at speed 0): still let the overlay and the worker run.
                await self._sleep(0)
                since_sleep = 0
            since_sleep += 1
            # A looped recording repeats ids; keep each one unique so no stage mistakes a
            # second round for duplicates.
            yield message if round_ == 0 else _renamed(message, round_)

    async def _read(self) -> AsyncIterator[ChatMessage]:
        with self.path.open(encoding="utf-8", errors="replace") as f:
            line_no = 0
            while True:
                lines = await asyncio.to_thread(_read_lines, f, _READ_CHUNK)
                if not lines:
                    return
                for line in lines:
                    line_no += 1
                    if not line.strip():
                        continue
                    try:
                        message = _parse_line(line)
                    except ValueError as exc:
                        self._skip(line_no, exc)
                        continue
                    yield message

    def _skip(self, line_no: int, reason: ValueError) -> None:
        self.skipped += 1
        if self.skipped <= _WARN_SKIPPED:
            more = " (more are counted, not shown; the total comes at the end)" if self.skipped == _WARN_SKIPPED else ""
            log.warning("%s:%d: skipped, not a chat message: %s%s", self.path.name, line_no, reason, more)


def _read_lines(f: TextIO, n: int) -> list[str]:
    lines = []
    size = 0
    for line in f:
        lines.append(line)
        size += len(line)
        if len(lines) >= n or size >= _READ_BYTES:
            break
    return lines


def _parse_line(line: str) -> ChatMessage:
    """One line of a recording as a message; `ValueError` says why it is not one."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError("not JSON") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return message_from_json(obj)


def _renamed(message: ChatMessage, round_: int) -> ChatMessage:
    from dataclasses import replace

    return replace(message, id=f"{message.id}~{round_}")


class ReplayWriter:
    """Appends messages to a recording; `flush` writes them out without blocking the loop (and
    never fails: on a full disk the lines wait, bounded, see `bot.jsonl`)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._out = JsonlAppender(self.path)
        except OSError as exc:
            raise DataError(f"{self.path}: cannot write the recording there ({exc.strerror})") from exc

    @property
    def written(self) -> int:
        return self._out.written

    @property
    def problem(self) -> str | None:
        """Why the recording cannot be written right now (a full disk), or None."""
        return self._out.problem

    def add(self, message: ChatMessage) -> None:
        self._out.add(message_to_json(message))

    async def flush(self) -> None:
        await self._out.flush()

    async def close(self) -> None:
        await self._out.close()

    async def discard(self) -> None:
        """Close; delete the file if this writer created it (a run that failed to start)."""
        await self._out.discard()
