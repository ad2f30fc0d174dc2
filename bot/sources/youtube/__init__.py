"""The YouTube chat source: what a streamer pastes (`urls`), what YouTube's pages and chat JSON
say (`pages`, `items`, pure), and the reader that polls YouTube and keeps going (`reader`)."""

from .reader import YouTubeSource
from .urls import Target, parse_target

__all__ = ["Target", "YouTubeSource", "parse_target"]
