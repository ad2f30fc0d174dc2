"""The Twitch chat source, anonymous and read-only: what Twitch's IRC lines say (`irc`, pure) and
the reader that keeps one joined connection to a channel's chat (`reader`)."""

from .irc import parse_channel
from .reader import TwitchSource

__all__ = ["TwitchSource", "parse_channel"]
