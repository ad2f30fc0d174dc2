"""Twitch chat's IRC lines, read: what a streamer pastes as a channel, IRCv3 tags, and the lines
that are chat (PRIVMSG, USERNOTICE) turned into ChatMessages, or a raid into a ChatEvent.

Pure: no I/O. What Twitch sends (https://dev.twitch.tv/docs/chat/irc/):

    @badge-info=;badges=subscriber/12,vip/1;display-name=Kira;emotes=25:6-10;id=…;tmi-sent-ts=…;user-id=…
        :kira!kira@kira.tmi.twitch.tv PRIVMSG #channel :hello Kappa

Tag values escape `;` as `\\:`, a space as `\\s`, `\\` as `\\\\`, CR and LF as `\\r` and `\\n`.
`emotes` gives each emote's id and its places in the text as `start-end` (inclusive) counted in
Unicode code points, which is what indexing a Python `str` counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from ...chat import Author, ChatEvent, ChatMessage, Kind
from ...errors import ConfigError

__all__ = ["IrcLine", "apply_emotes", "parse_channel", "parse_line", "to_event", "to_message", "unescape_tag"]

_ACCEPTED = "a Twitch channel name (name or #name) or its URL (https://www.twitch.tv/name)"
_LOGIN = re.compile(r"[a-z0-9_]{2,25}")
_COMMAND = re.compile(r"[A-Za-z]+|\d{3}")
_TWITCH_HOSTS = {"twitch.tv", "www.twitch.tv", "m.twitch.tv"}
# Pages on twitch.tv whose first path segment is not a channel; on these the channel comes second.
_CHANNEL_SECOND = {"popout", "moderator", "embed"}
_NOT_CHANNELS = {"videos", "directory", "settings", "search", "downloads", "p", "subscriptions", "wallet", "drops"}
_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_ACTION = ("\x01ACTION ", "\x01")  # what `/me waves` looks like on the wire
# USERNOTICE kinds that are a membership in YouTube's sense. A gift of 5 subs arrives as one
# submysterygift and five subgift notices: only the subgifts count, or it would count twice.
_MEMBERSHIPS = {"sub", "resub", "subgift"}


@dataclass(frozen=True, slots=True)
class IrcLine:
    """One IRC line: its tags (unescaped), prefix, command, and parameters (the trailing one last)."""

    command: str
    params: tuple[str, ...] = ()
    prefix: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The trailing parameter (a message's text), or ''."""
        return self.params[-1] if len(self.params) > 1 else ""

    @property
    def channel(self) -> str:
        """The channel a line is about ("#name"), or ''."""
        return self.params[0] if self.params and self.params[0].startswith("#") else ""


def parse_channel(text: str) -> str:
    """`name`, `#name` or `https://www.twitch.tv/name` → "name" (lower case); ConfigError otherwise."""
    raw = text.strip()
    candidate = raw[1:] if raw.startswith("#") else _channel_in_url(raw) if "/" in raw or "." in raw else raw
    candidate = (candidate or "").lower()
    if not _LOGIN.fullmatch(candidate):
        raise ConfigError(f"not a Twitch channel: {text!r}; use {_ACCEPTED}")
    return candidate


def _channel_in_url(raw: str) -> str | None:
    try:
        parts = urlsplit(raw if "://" in raw else "https://" + raw)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host not in _TWITCH_HOSTS or not segments:
        return None
    if segments[0] in _CHANNEL_SECOND:
        return segments[1] if len(segments) > 1 else None
    return None if segments[0] in _NOT_CHANNELS else segments[0]


def unescape_tag(value: str) -> str:
    """An IRCv3 tag value as written: `\\s` → space, `\\:` → `;`, `\\\\` → `\\`, `\\r`, `\\n`; an unknown
    escape is the character itself and a lone trailing backslash is dropped (IRCv3 message-tags)."""
    if "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(_ESCAPES.get(following, following))
        else:
            out.append(char)
    return "".join(out)


def parse_line(raw: str) -> IrcLine:
    """Read one line (without its CRLF); ValueError if it has no command."""
    rest = raw
    tags: dict[str, str] = {}
    if rest.startswith("@"):
        tag_text, _, rest = rest[1:].partition(" ")
        for item in tag_text.split(";"):
            key, _, value = item.partition("=")
            tags[key] = unescape_tag(value)
    prefix = ""
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
    middle, found, trailing = rest.partition(" :")
    params = middle.split()
    if not params or not _COMMAND.fullmatch(params[0]):
        raise ValueError(f"an IRC line without a command: {raw[:80]!r}")
    if found:
        params.append(trailing)
    return IrcLine(command=params[0].upper(), params=tuple(params[1:]), prefix=prefix, tags=tags)


def apply_emotes(text: str, emotes_tag: str) -> tuple[str, tuple[str, ...]]:
    """The text with each emote standing as its own word, and the emotes' names in order.

    `emotes_tag` is `ID:start-end,start-end/ID:start-end`; ranges outside the text or overlapping
    an earlier one are ignored (a malformed tag must not cost the message).
    """
    spans: list[tuple[int, int]] = []
    for group in emotes_tag.split("/"):
        for place in group.partition(":")[2].split(","):
            first, _, last = (_number(n) for n in place.partition("-"))
            if first is not None and last is not None and first <= last < len(text):
                spans.append((first, last + 1))
    pieces: list[str] = []
    names: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if start < done:
            continue
        pieces.append(text[done:start])
        if start and not text[start - 1].isspace():
            pieces.append(" ")
        names.append(text[start:end])
        pieces.append(text[start:end])
        if end < len(text) and not text[end].isspace():
            pieces.append(" ")
        done = end
    pieces.append(text[done:])
    return "".join(pieces), tuple(names)


def to_message(line: IrcLine, source: str, now: float) -> ChatMessage | None:
    """The chat message in a PRIVMSG or USERNOTICE (sub, resub, subgift, announcement), else None.

    `now` (Unix seconds) stands in for a line without `tmi-sent-ts`.
    """
    tags = line.tags
    if line.command == "PRIVMSG":
        kind = Kind.TEXT
        text = line.text
        if text.startswith(_ACTION[0]) and text.endswith(_ACTION[1]):
            text = text[len(_ACTION[0]) : -len(_ACTION[1])]
    elif line.command == "USERNOTICE" and tags.get("msg-id") in (*_MEMBERSHIPS, "announcement"):
        kind = Kind.TEXT if tags.get("msg-id") == "announcement" else Kind.MEMBERSHIP
        text = line.text
    else:
        return None
    text, emotes = apply_emotes(text, tags.get("emotes", ""))
    login = tags.get("login") or line.prefix.partition("!")[0]
    time = _sent_at(tags, now)
    bits = _number(tags.get("bits", "")) or 0
    cheer = kind is Kind.TEXT and bits > 0
    return ChatMessage(
        id=tags.get("id") or f"{source}:{time}:{login}",
        time=time,
        author=_author(tags, login, member=kind is Kind.MEMBERSHIP),
        text=text,
        kind=Kind.SUPERCHAT if cheer else kind,  # a cheer: bits are Twitch's paid messages
        emotes=emotes,
        amount=float(bits) if cheer else None,
        currency="bits" if cheer else None,
        amount_text=(f"{bits} bit" + ("s" if bits != 1 else "")) if cheer else None,
        source=source,
        first=tags.get("first-msg") == "1",
    )


def to_event(line: IrcLine, source: str, now: float) -> ChatEvent | None:
    """A raid announced by a USERNOTICE, else None."""
    tags = line.tags
    if line.command != "USERNOTICE" or tags.get("msg-id") != "raid":
        return None
    return ChatEvent(
        kind="raid",
        time=_sent_at(tags, now),
        source=source,
        name=tags.get("msg-param-displayName") or tags.get("display-name") or tags.get("login", ""),
        count=_number(tags.get("msg-param-viewerCount", "")) or 0,
        text=tags.get("system-msg", ""),
    )


def _sent_at(tags: Mapping[str, str], now: float) -> float:
    sent = _number(tags.get("tmi-sent-ts", ""))
    return sent / 1000 if sent is not None else now


def _number(text: str) -> int | None:
    """A whole number as Twitch writes one (ASCII digits, at most 18); None for anything else,
    so a garbled tag costs its value, never the line (`int` takes "²"-like digits and raises)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _author(tags: Mapping[str, str], login: str, *, member: bool) -> Author:
    badges = {badge.partition("/")[0] for badge in tags.get("badges", "").split(",") if badge}
    return Author(
        name=tags.get("display-name") or login,
        id=tags.get("user-id") or login,
        member=member or bool(badges & {"subscriber", "founder"}) or tags.get("subscriber") == "1",
        moderator="moderator" in badges or tags.get("mod") == "1",
        owner="broadcaster" in badges,
        vip="vip" in badges or "vip" in tags,
    )
