"""Read YouTube's HTML pages: which video, in what state, and where its chat starts.

Pure: takes page text or decoded JSON, does no I/O. YouTube writes a page's state as JSON in
<script> tags: `ytInitialPlayerResponse` (playability, `videoDetails`), `ytInitialData` (the
renderers; on a live_chat page the chat itself) and `ytcfg.set({...})` (the INNERTUBE_* keys the
API calls need). Pages from 2020 carry the player response as a JSON string under
`"player_response"` / `"embedded_player_response"` and write the ytcfg keys unquoted.

The chat continuation is YouTube's own: a page's `liveChatRenderer` header lists "Top chat" and
"Live chat" (or "... replay") with a reload continuation each.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .items import message_text

__all__ = [
    "ChatMode",
    "ChatPage",
    "Innertube",
    "VideoPage",
    "VideoState",
    "find_chat",
    "find_json",
    "parse_chat_page",
    "parse_innertube",
    "parse_video_page",
]

ChatMode = Literal["live", "top"]

_DECODER = json.JSONDecoder()
_INITIAL = {
    name: re.compile(rf"""(?:\bvar\s+{name}|window\[["']{name}["']\]|\b{name})\s*=\s*""")
    for name in ("ytInitialData", "ytInitialPlayerResponse")
}
_LEGACY_PLAYER = re.compile(r'"(?:embedded_)?player_response"\s*:\s*(?=")')
_CANONICAL = re.compile(r"""<link\s+rel=["']canonical["']\s+href=["'][^"']*/watch\?v=([A-Za-z0-9_-]{11})""")
_LEGACY_VIDEO_ID = re.compile(r'"video_id"\s*:\s*"([A-Za-z0-9_-]{11})"')


def _cfg(*keys: str) -> re.Pattern[str]:
    # Matches `"KEY":"value"` (ytcfg.set JSON) and `KEY: "value"` (2020 yt.setConfig).
    return re.compile(rf"""["']?(?:{"|".join(keys)})["']?\s*:\s*["']([^"']+)["']""")


_API_KEY = _cfg("INNERTUBE_API_KEY")
_CLIENT_VERSION = _cfg("INNERTUBE_CLIENT_VERSION", "INNERTUBE_CONTEXT_CLIENT_VERSION")
_VISITOR_DATA = _cfg("VISITOR_DATA", "visitorData")


class VideoState(enum.StrEnum):
    """What a watch page says about its video."""

    LIVE = "live"
    UPCOMING = "upcoming"  # scheduled; its chat (the waiting room) is usually open already
    ENDED = "ended"  # a finished stream, archived: its chat can be replayed
    NOT_LIVE = "not live"  # an ordinary video, never a stream
    PRIVATE = "private"
    UNAVAILABLE = "unavailable"  # removed, members-only, region-blocked, ...
    UNKNOWN = "unknown"  # the page holds no player data (a channel page, an old page)


@dataclass(frozen=True, slots=True)
class ChatPage:
    """Where a page's chat starts, or YouTube's words for why there is none."""

    continuation: str | None = None
    message: str = ""  # e.g. "Chat is disabled for this live stream."


@dataclass(frozen=True, slots=True)
class VideoPage:
    """A watch page (or a channel's /live page) as read."""

    video_id: str | None
    state: VideoState
    reason: str = ""  # YouTube's words when it will not play the video
    title: str = ""
    chat: ChatPage = ChatPage()  # the page's own chat panel: live, or the replay of an ended stream


@dataclass(frozen=True, slots=True)
class Innertube:
    """What the youtubei API calls need from a page; None where the page did not say."""

    api_key: str | None = None
    client_version: str | None = None
    visitor_data: str | None = None


def find_json(html: str, name: str) -> dict[str, Any] | None:
    """The object a page assigns to `ytInitialData` or `ytInitialPlayerResponse`, if any."""
    for match in _INITIAL[name].finditer(html):
        try:
            value, _ = _DECODER.raw_decode(html, match.end())
        except (ValueError, RecursionError):  # RecursionError: JSON nested absurdly deep
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_video_page(html: str, mode: ChatMode = "live") -> VideoPage:
    """Read a watch page; `mode` picks which chat continuation of its chat panel to keep."""
    player = find_json(html, "ytInitialPlayerResponse") or _legacy_player(html) or {}
    details = player.get("videoDetails") or {}
    match = _CANONICAL.search(html) or _LEGACY_VIDEO_ID.search(html)
    video_id = details.get("videoId") or (match.group(1) if match else None)
    state, reason = _state(player)
    initial = find_json(html, "ytInitialData") or {}
    return VideoPage(video_id, state, reason, details.get("title", ""), find_chat(initial, mode))


def parse_chat_page(html: str, mode: ChatMode = "live") -> ChatPage:
    """Read a `live_chat?v=ID` page: the continuation for `mode`, or why there is no chat."""
    return find_chat(find_json(html, "ytInitialData") or {}, mode)


def find_chat(initial_data: Mapping[str, Any], mode: ChatMode = "live") -> ChatPage:
    """The chat continuation in a page's `ytInitialData` (live_chat page or watch page)."""
    contents = initial_data.get("contents") or {}
    bar = _dig(contents, "twoColumnWatchNextResults", "conversationBar") or {}
    renderer = contents.get("liveChatRenderer") or bar.get("liveChatRenderer")
    token = (_menu_continuation(renderer, mode) or _own_continuation(renderer)) if renderer else None
    if token:
        return ChatPage(token)
    notice = contents.get("messageRenderer") or _dig(
        bar, "conversationBarRenderer", "availabilityMessage", "messageRenderer"
    )
    return ChatPage(None, message_text((notice or {}).get("text"))[0])


def parse_innertube(html: str) -> Innertube:
    """The API key, client version and visitor data a page's ytcfg holds."""
    found = [pattern.search(html) for pattern in (_API_KEY, _CLIENT_VERSION, _VISITOR_DATA)]
    return Innertube(*(match.group(1) if match else None for match in found))


def _legacy_player(html: str) -> dict[str, Any] | None:
    for match in _LEGACY_PLAYER.finditer(html):
        try:
            text, _ = _DECODER.raw_decode(html, match.end())
            value = json.loads(text)
        except (ValueError, TypeError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _state(player: Mapping[str, Any]) -> tuple[VideoState, str]:
    playability = player.get("playabilityStatus") or {}
    status = playability.get("status", "")
    reason = _reason(playability)
    details = player.get("videoDetails") or {}
    if status == "LOGIN_REQUIRED" and "private" in reason.lower():
        return VideoState.PRIVATE, reason
    if status == "ERROR":
        return VideoState.UNAVAILABLE, reason
    # A live stream can be unplayable (too long to rewind) while its chat works: flags first.
    if details.get("isLive"):
        return VideoState.LIVE, reason
    if details.get("isUpcoming") or status == "LIVE_STREAM_OFFLINE":
        return VideoState.UPCOMING, reason
    if status and status != "OK":
        return VideoState.UNAVAILABLE, reason
    if details.get("isLiveContent"):
        return VideoState.ENDED, reason
    return (VideoState.NOT_LIVE if details else VideoState.UNKNOWN), reason


def _reason(playability: Mapping[str, Any]) -> str:
    reason = playability.get("reason")
    if isinstance(reason, str):
        return reason
    screen = _dig(playability, "errorScreen", "playerErrorMessageRenderer", "reason")
    return message_text(screen)[0] if isinstance(screen, dict) else ""


def _menu_continuation(renderer: Mapping[str, Any], mode: ChatMode) -> str | None:
    path = ("header", "liveChatHeaderRenderer", "viewSelector", "sortFilterSubMenuRenderer", "subMenuItems")
    entries = [
        (str(item.get("title", "")).lower(), _dig(item, "continuation", "reloadContinuationData", "continuation"))
        for item in _dig(renderer, *path) or ()
    ]
    for title, token in entries:
        if title.startswith(mode) and token:  # "Live chat", "Top chat replay", ...
            return token
    # Titles follow the page's language; YouTube lists Top chat first and Live chat second.
    position = 0 if mode == "top" else 1
    return entries[position][1] if len(entries) > position else None


def _own_continuation(renderer: Mapping[str, Any]) -> str | None:
    # Without a menu, the renderer's own continuation (YouTube's default view) is all there is.
    for entry in renderer.get("continuations") or ():
        for value in entry.values():
            if isinstance(value, dict) and value.get("continuation"):
                return value["continuation"]
    return None


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj
