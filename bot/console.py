"""The terminal: output that never fails on encoding, a status line that fits, logs beside it.

On Windows, output that is piped or redirected is encoded in the ANSI code page (cp1252, cp932),
and consoles of any kind may lack a glyph: printing "→", 草 or an emoji there raises
`UnicodeEncodeError`. `safe_streams` makes stdout and stderr replace what they cannot encode,
and `pick` chooses an ASCII spelling for our own symbols where the stream cannot show them.

The status line is redrawn in place with a carriage return and spaces (no ANSI escapes, which old
Windows consoles print as garbage), cut to the terminal's width; `ConsoleHandler` lifts it out of
the way for each log line, so a log line never starts in the middle of it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

__all__ = ["ConsoleHandler", "StatusLine", "can_show", "fit_status", "pick", "safe_streams", "text_width"]


def safe_streams() -> None:
    """Make stdout and stderr write `?` for characters their encoding lacks instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def can_show(text: str, stream: TextIO | None) -> bool:
    """Whether `stream` can encode `text` (a missing or unknown encoding counts as ASCII)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def pick(fancy: str, plain: str, stream: TextIO | None) -> str:
    """`fancy` where `stream` can show it, else the ASCII `plain`."""
    return fancy if can_show(fancy, stream) else plain


def text_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (CJK) characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit_status(parts: Sequence[tuple[int, str]], width: int, *, ellipsis: str = "...") -> str:
    """Join `(priority, text)` parts with " | " in `width` columns.

    The parts of lowest priority are left out first; if the most important ones still do not
    fit, the line is cut with `ellipsis`.
    """
    kept = list(parts)
    while len(kept) > 1 and text_width(_join(kept)) > width:
        kept.remove(min(kept, key=lambda part: part[0]))
    line = _join(kept)
    if text_width(line) <= width:
        return line
    room = max(width - text_width(ellipsis), 0)
    cut = ""
    for char in line:
        if text_width(cut + char) > room:
            break
        cut += char
    return cut + ellipsis if width >= text_width(ellipsis) else cut


def _join(parts: Sequence[tuple[int, str]]) -> str:
    return " | ".join(text for _, text in parts)


class StatusLine:
    """One line at the foot of a terminal, redrawn in place and always narrower than the window.

    `tty` is False when the stream is a file or a pipe: then nothing is drawn and the caller
    logs the status now and then instead.
    """

    def __init__(self, stream: TextIO | None = None, *, columns: Callable[[], int] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self._columns = columns or self._terminal_columns
        self._shown = ""  # what is on the screen now ("" when the line is clear)
        self._lock = threading.RLock()  # log lines come from other threads too

    def _terminal_columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            return 80

    @property
    def ellipsis(self) -> str:
        return pick("…", "...", self.stream)

    def show(self, parts: Sequence[tuple[int, str]]) -> None:
        """Draw the parts that fit (see `fit_status`) over the previous status."""
        if not self.tty:
            return
        # One column short of the width: a character in the last column wraps on some terminals.
        line = fit_status(parts, max(self._columns() - 1, 10), ellipsis=self.ellipsis)
        with self._lock:
            self._write("\r" + line + " " * max(text_width(self._shown) - text_width(line), 0))
            self._shown = line

    def clear(self) -> None:
        """Erase the status line and leave the cursor at the start of the now empty line."""
        with self._lock:
            if self._shown:
                self._write("\r" + " " * text_width(self._shown) + "\r")
                self._shown = ""

    def finish(self) -> None:
        """Leave the last status on the screen and move below it; nothing is drawn after this."""
        with self._lock:
            if self._shown:
                self._write("\n")
            self._shown = ""
            self.tty = False

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        """Clear the status line while other output is written, then draw it again."""
        with self._lock:
            shown = self._shown
            self.clear()
            try:
                yield
            finally:
                if shown and self.tty:
                    self._write(shown)
                    self._shown = shown

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not take the bot down
            pass


class ConsoleHandler(logging.StreamHandler):
    """A logging handler that writes each record on a line of its own, beside the status line."""

    def __init__(self, status: StatusLine) -> None:
        super().__init__(status.stream)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        with self.status.aside():
            super().emit(record)
