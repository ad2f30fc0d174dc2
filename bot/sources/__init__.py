"""Chat sources: where messages come from before they are queued.

    replay.py    a recorded chat file (JSONL), played at its own pace; also the recorder
    pacing.py    spaces recorded messages as they were, `speed` times faster
    youtube/     YouTube live chat and chat replay (URLs, pages, items, the polling reader)

A source is anything with a `status` and an async iterator `messages()` (`bot.chat.ChatSource`).
"""

from __future__ import annotations

from pathlib import Path

from ..chat import ChatSource
from ..config import AppConfig
from .replay import ReplaySource

__all__ = ["SAMPLE_CHAT", "make_source", "source_label"]

SAMPLE_CHAT = Path(__file__).resolve().parent.parent / "assets" / "sample_chat.jsonl"


def make_source(config: AppConfig) -> ChatSource:
    """The chat source the config asks for; the bundled sample chat when it names none."""
    source = config.source
    if source.video:
        from .youtube import YouTubeSource

        return YouTubeSource(source.video, config.youtube, replay_speed=source.speed)
    return ReplaySource(source.replay or SAMPLE_CHAT, speed=source.speed, loop=source.loop)


def source_label(config: AppConfig) -> str:
    """A short name for the session file: `youtube-VIDEOID`, the recording's name, or `sample`."""
    if config.source.video:
        return "youtube-" + config.source.video.rstrip("/").split("/")[-1].split("=")[-1]
    return Path(config.source.replay).stem if config.source.replay else "sample"
