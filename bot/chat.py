"""The chat message every stage passes along, and the interface of a chat source.

A source (the YouTube or Twitch reader, the replay of a recorded file) is an object with a
`status` and an async iterator `messages()`; a reader task of `bot.app` per source puts what it
yields on the one queue. Each message keeps the key of the chat it was read from (`source`,
e.g. "twitch:name"), so several chats make one mood and still show apart.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "MAX_TEXT",
    "Author",
    "ChatEvent",
    "ChatMessage",
    "ChatSource",
    "EventHandler",
    "Kind",
    "SourceState",
    "SourceStatus",
    "overall_status",
]

# Characters of a message's text that are kept (YouTube allows 200, Twitch 500): a 5 MB line
# would otherwise hold the event loop for seconds in reaction detection alone.
MAX_TEXT = 2000
_MAX_FIELD = 256  # ids, names, currencies: real ones are far shorter


def _edge(value: str, limit: int) -> str:
    """`value` cut to `limit` characters and made valid UTF-8: what every stage may rely on."""
    if len(value) > limit:
        value = value[:limit]
    return value if value.isascii() else _valid_utf8(value)


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
    """Who wrote a message, with the badges the platform shows (`member`: a YouTube member or a
    Twitch subscriber; `owner`: the streamer; `vip`: a Twitch VIP)."""

    name: str
    id: str = ""
    member: bool = False
    moderator: bool = False
    owner: bool = False
    vip: bool = False

    def __post_init__(self) -> None:
        for name in ("name", "id"):
            value = getattr(self, name)
            if len(value) > _MAX_FIELD or not value.isascii():
                object.__setattr__(self, name, _edge(value, _MAX_FIELD))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessage:
    """One chat item, as read from YouTube, Twitch or a recording.

    `text` keeps standard emoji as glyphs, member emoji as `:_name:` and Twitch emotes as their
    names; `emotes` lists them in the order they appear. Paid items carry `amount` (a number),
    `currency` (an ISO code, the symbol YouTube showed, or "bits" for a Twitch cheer) and
    `amount_text` (as displayed, e.g. "¥1,000"). `source` is the chat it came from
    ("youtube:VIDEOID", "twitch:name"; empty in recordings made before moodbot kept it),
    `first` marks a viewer's first message in the channel (Twitch's first-msg), and `offset` is
    where the message sits in the video when it comes from a finished stream's chat replay.
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
    source: str = ""
    first: bool = False
    offset: float | None = None  # seconds into the video, for the chat replay of a finished stream

    def __post_init__(self) -> None:
        # Here, once, at the edge: chat and recordings can carry megabytes, and lone surrogates
        # (broken emoji) that cannot be encoded as UTF-8 for the overlay or a file (U+FFFD).
        for name, limit in (
            ("text", MAX_TEXT),
            ("id", _MAX_FIELD),
            ("source", _MAX_FIELD),
            ("currency", _MAX_FIELD),
            ("amount_text", _MAX_FIELD),
        ):
            value = getattr(self, name)
            if value is not None and (len(value) > limit or not value.isascii()):
                object.__setattr__(self, name, _edge(value, limit))
        if len(self.emotes) > MAX_TEXT:  # each emote stands for at least one character of the text
            object.__setattr__(self, "emotes", self.emotes[:MAX_TEXT])

    @property
    def paid(self) -> bool:
        return self.kind in (Kind.SUPERCHAT, Kind.SUPERSTICKER)

    @property
    def viewer(self) -> str:
        """Who wrote it, as one key: a viewer of one chat (two Sams on two platforms are two)."""
        return f"{self.source}\x00{self.author.id or self.author.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatEvent:
    """Something that happens in a chat besides messages: for now a Twitch raid.

    `name` is who did it (the raiding channel), `count` how many (viewers brought), `text` the
    platform's own words ("15 raiders from Kira have joined!").
    """

    kind: str
    time: float
    source: str
    name: str = ""
    count: int = 0
    text: str = ""


EventHandler = Callable[[ChatEvent], None]


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


# Several chats read as one: the best state among them is the state of the whole.
_BEST_FIRST = (SourceState.LIVE, SourceState.RECONNECTING, SourceState.CONNECTING, SourceState.ENDED)


def overall_status(statuses: Iterable[SourceStatus]) -> SourceStatus:
    """One status for several chats: live while any is live; the status itself when there is one."""
    every = list(statuses)
    if len(every) == 1:
        return every[0]
    state = min((status.state for status in every), key=_BEST_FIRST.index)
    live = sum(status.state is SourceState.LIVE for status in every)
    names = "+".join(dict.fromkeys(status.name for status in every))
    return SourceStatus(state, f"{live} of {len(every)} chats live", name=names)
