"""What a streamer may paste as the stream to read, and what is refused."""

import pytest

from bot.errors import ConfigError
from bot.sources.youtube import Target, parse_target

VIDEO = Target("video", "dQw4w9WgXcQ")


@pytest.mark.parametrize(
    "text",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL123",
        "https://www.youtube.com/watch?app=desktop&v=dQw4w9WgXcQ",
        "http://youtube.com/watch?v=dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
        "https://music.youtube.com/watch?v=dQw4w9WgXcQ&si=abc",
        "www.youtube.com/watch?v=dQw4w9WgXcQ",
        "youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "youtu.be/dQw4w9WgXcQ?si=Xyz&t=10",
        "https://www.youtube.com/live/dQw4w9WgXcQ?feature=shared",
        "https://youtube.com/shorts/dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "https://www.youtube.com/live_chat?is_popout=1&v=dQw4w9WgXcQ",
        "dQw4w9WgXcQ",
        "  dQw4w9WgXcQ\n",
    ],
)
def test_video_forms(text):
    """Every usual way of writing a video link gives the same 11-character video id."""
    assert parse_target(text) == VIDEO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@pekora", Target("handle", "@pekora")),
        ("https://www.youtube.com/@pekora", Target("handle", "@pekora")),
        ("youtube.com/@pekora/live", Target("handle", "@pekora")),
        ("https://m.youtube.com/@Pekora.ch-1/streams", Target("handle", "@Pekora.ch-1")),
        ("https://www.youtube.com/@%E3%81%BA%E3%81%93%E3%82%89", Target("handle", "@ぺこら")),
        (
            "https://www.youtube.com/channel/UC1DCedRgGHBdm81E1llLhOQ",
            Target("channel", "UC1DCedRgGHBdm81E1llLhOQ"),
        ),
        ("youtube.com/channel/UC1DCedRgGHBdm81E1llLhOQ/live", Target("channel", "UC1DCedRgGHBdm81E1llLhOQ")),
    ],
)
def test_channel_forms(text, expected):
    """A handle (bare or in a URL, any script) or a channel URL names that channel."""
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("target", "path", "shown"),
    [
        (VIDEO, "/watch?v=dQw4w9WgXcQ", "video dQw4w9WgXcQ"),
        (Target("handle", "@pekora"), "/@pekora/live", "@pekora"),
        (
            Target("channel", "UC1DCedRgGHBdm81E1llLhOQ"),
            "/channel/UC1DCedRgGHBdm81E1llLhOQ/live",
            "channel UC1DCedRgGHBdm81E1llLhOQ",
        ),
    ],
)
def test_target_page_and_name(target, path, shown):
    """A channel is followed through its /live page; messages name the target readably."""
    assert target.path == path
    assert str(target) == shown


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "dQw4w9WgXc",  # 10 characters
        "dQw4w9WgXcQQ",  # 12 characters
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?list=PL123",
        "https://www.youtube.com/",
        "https://www.youtube.com/c/SomeChannel",
        "https://www.youtube.com/channel/notachannelid",
        "https://vimeo.com/123456789",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://www.twitch.tv/pekora",
        "@a",
        "http://[::1/watch?v=dQw4w9WgXcQ",
    ],
)
def test_refused_forms(text):
    """Anything else is refused with one line that lists the accepted forms."""
    with pytest.raises(ConfigError) as caught:
        parse_target(text)
    message = str(caught.value)
    assert "\n" not in message
    assert "youtu.be/" in message and "@handle" in message and "11-character video id" in message
