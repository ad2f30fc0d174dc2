"""Chat sources: where messages come from before they are queued.

    replay.py     a recorded chat file (JSONL), played at its own pace; also the recorder
    pacing.py     spaces recorded messages as they were, `speed` times faster
    reconnect.py  back-off and recent message ids, for the live readers
    youtube/      YouTube live chat and chat replay (URLs, pages, items, the polling reader)
    twitch/       Twitch chat, anonymous and read-only (IRC lines, the websocket reader)

A source is anything with a `status` and an async iterator `messages()` (`bot.chat.ChatSource`).
Several may run at once (a simulcast, a collab); each is known by a key, "youtube:VIDEOID",
"twitch:channel" or "replay:NAME", which its messages carry as their `source`.
"""

from __future__ import annotations

from pathlib import Path

from ..chat import ChatSource, EventHandler
from ..config import AppConfig
from ..errors import ConfigError
from .replay import ReplaySource

__all__ = ["SAMPLE_CHAT", "make_sources", "source_label"]

SAMPLE_CHAT = Path(__file__).resolve().parent.parent / "assets" / "sample_chat.jsonl"


def make_sources(config: AppConfig, *, on_event: EventHandler | None = None) -> dict[str, ChatSource]:
    """The chat sources the config asks for, by key; the bundled sample chat when it names none.

    `on_event` hears what happens in a chat besides messages (a Twitch raid).
    """
    source = config.source
    sources: dict[str, ChatSource] = {}

    def add(key: str, chat: ChatSource) -> None:
        if key in sources:
            raise ConfigError(f"source: {key} is given twice")
        sources[key] = chat

    if source.videos:
        from .youtube import YouTubeSource, parse_target

        for video in source.videos:
            target = parse_target(video)
            add(f"youtube:{target.id}", YouTubeSource(target, config.youtube, replay_speed=source.speed))
    if source.channels:
        from .twitch import TwitchSource

        for channel in source.channels:
            twitch = TwitchSource(channel, config.twitch, on_event=on_event)
            add(twitch.key, twitch)
    if not sources:
        replay = Path(source.replay) if source.replay else None
        name = replay.stem if replay else "sample"
        add(f"replay:{name}", ReplaySource(replay or SAMPLE_CHAT, speed=source.speed, loop=source.loop))
    return sources


def source_label(keys: list[str]) -> str:
    """A short name for the session file: `youtube-VIDEOID`, `youtube-ID+twitch-name`, the recording's name."""
    return "+".join(key.partition(":")[2] if key.startswith("replay:") else key.replace(":", "-") for key in keys)
