"""Read what a streamer pastes (a video URL, an id, a channel) as the stream to follow.

Pure: no I/O. A channel target means "its live stream now", which the reader finds through the
channel's `/live` page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from ...errors import ConfigError, quoted

__all__ = ["Target", "parse_target"]

_ACCEPTED = (
    "a YouTube video URL (watch?v=, youtu.be/, /live/, /shorts/, /embed/), an 11-character video id, "
    "a channel's @handle, or a youtube.com/@handle or youtube.com/channel/UC... URL"
)

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
# Handles are 3-30 characters; since 2023 they may use letters of any script, hence \w.
_HANDLE = re.compile(r"@[\w.\-·]{3,30}")
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "gaming.youtube.com", "youtube-nocookie.com"}
_SHORT_HOST = "youtu.be"
# Path prefixes whose next segment is the video id.
_ID_PATHS = {"live", "shorts", "embed", "v", "e"}
# Pages whose `v=` query parameter is the video id (the popout chat included).
_V_PARAM_PATHS = {"watch", "live_chat", "live_chat_replay"}


@dataclass(frozen=True, slots=True)
class Target:
    """A stream to read: one video, or whatever a channel has live now."""

    kind: Literal["video", "handle", "channel"]
    id: str  # the video id, "@handle", or the "UC..." channel id

    @property
    def path(self) -> str:
        """The page (from the site root) that tells which video it is and its state."""
        if self.kind == "video":
            return f"/watch?v={self.id}"
        if self.kind == "handle":
            return f"/{self.id}/live"
        return f"/channel/{self.id}/live"

    def __str__(self) -> str:
        return {"video": "video ", "handle": "", "channel": "channel "}[self.kind] + self.id


def parse_target(text: str) -> Target:
    """Read a pasted URL, video id or channel handle; raise ConfigError naming the accepted forms."""
    raw = text.strip()
    target = _parse_bare(raw) or _parse_url(raw)
    if target is None:
        raise ConfigError(f"not a YouTube stream: {quoted(text)}; use {_ACCEPTED}")
    return target


def _parse_bare(raw: str) -> Target | None:
    if _VIDEO_ID.fullmatch(raw):
        return Target("video", raw)
    if _HANDLE.fullmatch(raw):
        return Target("handle", raw)
    return None


def _parse_url(raw: str) -> Target | None:
    if "://" not in raw:
        raw = "https://" + raw  # people paste "youtube.com/..." without a scheme
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return None
    host = host.removeprefix("www.")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if host == _SHORT_HOST:
        return _video(segments[0] if segments else "")
    if host not in _YOUTUBE_HOSTS or not segments:
        return None
    head = segments[0]
    if head in _V_PARAM_PATHS:
        return _video(parse_qs(parts.query).get("v", [""])[0])
    if head in _ID_PATHS and len(segments) > 1:
        return _video(segments[1])
    if _HANDLE.fullmatch(head):
        return Target("handle", head)
    if head == "channel" and len(segments) > 1 and _CHANNEL_ID.fullmatch(segments[1]):
        return Target("channel", segments[1])
    return None


def _video(candidate: str) -> Target | None:
    return Target("video", candidate) if _VIDEO_ID.fullmatch(candidate) else None
