"""The chat message every stage passes along, and the interface of a chat source.

A source (the YouTube reader, the replay of a recorded file) is an object with a `status` and
an async iterator `messages()`; the reader task of `bot.app` puts what it yields on the queue.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Author", "ChatMessage", "ChatSource", "Kind", "SourceState", "SourceStatus"]


def _valid_utf8(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # Through UTF-16 a split pair rejoins; a lone half becomes U+FFFD.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Kind(enum.StrEnum):
    """What a chat item is."""

    TEXT = "text"
    SUPERCHAT = "superchat"
    SUPERSTICKER = "supersticker"
    MEMBERSHIP = "membership"


@dataclass(frozen=True, slots=True, kw_only=True)
class Author:
    """Who wrote a message, with the badges YouTube shows."""

    name: str
    id: str = ""
    member: bool = False
    moderator: bool = False
    owner: bool = False

    def __post_init__(self) -> None:
        if not self.name.isascii():
            object.__setattr__(self, "name", _valid_utf8(self.name))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage:
    """One chat item, as read from YouTube or a recording.

    `text` keeps standard emoji as glyphs and member emoji as `:_name:`; `emotes` lists both in
    the order they appear. Paid items carry `amount` (a number), `currency` (an ISO code or
    the symbol YouTube showed) and `amount_text` (as displayed, e.g. "¥1,000").
    """

    id: str
    time: float  # when it was posted, Unix seconds
    author: Author
    text: str
    kind: Kind = Kind.TEXT
    emotes: tuple[str, ...] = ()
    amount: float | None = None
    currency: str | None = None
    amount_text: str | None = None

    def __post_init__(self) -> None:
        # Chat and recordings can carry lone surrogates (broken emoji); they cannot be encoded
        # as UTF-8 for the overlay or a file, so they become U+FFFD here, once, at the edge.
        for name in ("text", "id"):
            value = getattr(self, name)
            if not value.isascii():
                object.__setattr__(self, name, _valid_utf8(value))

    @property
    def paid(self) -> bool:
        return self.kind in (Kind.SUPERCHAT, Kind.SUPERSTICKER)


class SourceState(enum.StrEnum):
    """Where a chat source stands, as the overlay and the terminal show it."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's state, with a short human reason ("stream ended", "HTTP 503, retry in 4 s").

    `recorded` is true for recorded chat (a replay file, a finished stream's chat replay): it can
    wait for the model, so none of it is dropped, while live chat cannot wait and the oldest
    waiting messages are dropped instead. `skipped` counts lines that were not chat messages.
    """

    state: SourceState
    detail: str = ""
    name: str = field(default="", compare=False)
    recorded: bool = field(default=False, compare=False)
    skipped: int = field(default=0, compare=False)


class ChatSource(Protocol):
    """Anything the bot can read chat from."""

    @property
    def status(self) -> SourceStatus:
        """The current state; read by the status line and the overlay."""
        ...

    def messages(self) -> AsyncIterator[ChatMessage]:
        """Yield messages as they arrive; return when the source has ended for good."""
        ...
