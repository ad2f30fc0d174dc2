"""Several chats at once: which sources a config makes, how their messages are told apart, and
the per-source breakdown the overlay gets (no model, no network)."""

import json
from dataclasses import replace

import pytest
from helpers import msg, sentiment

from bot.app import Bot
from bot.broadcaster import Broadcaster
from bot.chat import ChatEvent, SourceState, SourceStatus, overall_status
from bot.chatqueue import ChatQueue
from bot.cli import main
from bot.config import AppConfig, MoodConfig, ServerConfig, SourceConfig, load_config
from bot.errors import ConfigError
from bot.mood import MoodAggregator
from bot.scored import ScoredMessage
from bot.sources import make_sources, source_label
from bot.sources.replay import ReplaySource
from bot.sources.twitch import TwitchSource
from bot.sources.youtube import YouTubeSource

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_config_takes_one_or_several_of_each():
    """source.video stays a single string; a list gives several; twitch works the same way."""
    one = load_config(None, {"source.video": VIDEO})
    assert one.source.video == VIDEO and one.source.videos == (VIDEO,)
    several = load_config(None, {"source.video": [VIDEO, "@mika"], "source.twitch": ["kira", "#rin"]})
    assert several.source.videos == (VIDEO, "@mika") and several.source.channels == ("kira", "#rin")
    assert AppConfig().source.videos == () and AppConfig().source.channels == ()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source.twitch": "kira", "source.replay": "x.jsonl"}, "source: must be either video/twitch or replay"),
        ({"source.twitch": ["kira", ""]}, "source.twitch: must be text or a list of text"),
        ({"source.video": ["a", 3]}, "source.video: must be a list of text"),
        ({"twitch.url": "https://irc-ws.chat.twitch.tv"}, "twitch.url: must be a ws:// or wss:// URL"),
        ({"twitch.url": "wss://"}, "twitch.url: must be a ws:// or wss:// URL"),
        ({"twitch.max_backoff": 0.5}, "twitch.max_backoff: must be 1..3600"),
    ],
)
def test_config_mistakes_are_one_line(overrides, message):
    """Wrong source or twitch keys are named in one line."""
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_make_sources_reads_every_chat_by_key():
    """Two YouTube streams and two Twitch channels: four sources, each known by its chat."""
    config = AppConfig(source=SourceConfig(video=[VIDEO, "@mika"], twitch=["https://www.twitch.tv/Kira", "#rin"]))
    sources = make_sources(config)
    assert list(sources) == ["youtube:dQw4w9WgXcQ", "youtube:@mika", "twitch:kira", "twitch:rin"]
    assert [type(s) for s in sources.values()] == [YouTubeSource, YouTubeSource, TwitchSource, TwitchSource]
    assert source_label(list(sources)) == "youtube-dQw4w9WgXcQ+youtube-@mika+twitch-kira+twitch-rin"


def test_make_sources_without_live_chat_plays_a_recording(tmp_path):
    """No video and no twitch: the recording (or the bundled sample), keyed by its name."""
    (sample,) = make_sources(AppConfig()).items()
    assert sample[0] == "replay:sample" and isinstance(sample[1], ReplaySource)
    recording = tmp_path / "last-night.jsonl"
    recording.write_text('{"time": 1, "text": "hi"}\n', encoding="utf-8")
    assert list(make_sources(AppConfig(source=SourceConfig(replay=str(recording))))) == ["replay:last-night"]
    assert source_label(["replay:last-night"]) == "last-night"


def test_the_same_chat_twice_is_refused():
    """`--twitch kira --twitch '#Kira'` is one chat given twice: one line says so."""
    with pytest.raises(ConfigError, match="source: twitch:kira is given twice"):
        make_sources(AppConfig(source=SourceConfig(twitch=["kira", "#Kira"])))


def test_command_line_sources_replace_the_config_files(tmp_path, capsys):
    """--twitch on the command line replaces config.yaml's video and replay (they would clash or fail first)."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text("source:\n  video: [not-a-video]\n  replay: gone.jsonl\n", encoding="utf-8")
    # Only the command line's sources are left: the one error is about them.
    assert main(["run", "--config", str(config_file), "--twitch", "kira", "--twitch", "#kira"]) == 2
    assert capsys.readouterr().err == "moodbot: error: source: twitch:kira is given twice\n"


def test_overall_status_is_live_while_any_chat_is():
    """Several chats: live if any is, else reconnecting, connecting, ended; one chat: its own status."""
    live = SourceStatus(SourceState.LIVE, "chat of #kira", name="twitch")
    ended = SourceStatus(SourceState.ENDED, "stream ended", name="youtube")
    retrying = SourceStatus(SourceState.RECONNECTING, "HTTP 503", name="youtube")
    assert overall_status([live]) is live
    assert overall_status([ended, live]) == SourceStatus(SourceState.LIVE, "1 of 2 chats live", name="youtube+twitch")
    assert overall_status([ended, retrying]).state is SourceState.RECONNECTING
    assert overall_status([ended, ended]).state is SourceState.ENDED


class Fixed:
    """A source whose status a test sets."""

    def __init__(self, state=SourceState.LIVE, detail="", name="test"):
        self.status = SourceStatus(state, detail, name=name)

    async def messages(self):
        return
        yield


def bot_with(sources, mood=None):
    config = AppConfig(server=ServerConfig(port=0), mood=mood or MoodConfig())
    clock = [100.0]
    aggregator = MoodAggregator(config.mood, start=0.0)
    bot = Bot(config, ChatQueue(100), aggregator, Broadcaster(config.server, snapshot=str), clock=lambda: clock[0])
    bot.add_sources(sources)
    return bot


def score(bot, message, valence, at=99.0):
    bot.aggregator.add([ScoredMessage(message, sentiment(valence), at)])


def test_breakdown_gives_each_chat_its_rate_valence_and_state():
    """The payload's `sources`: one entry per chat with its state, messages, rate and valence; `source` stays."""
    youtube = Fixed(SourceState.ENDED, "stream ended", name="youtube")
    twitch = Fixed(SourceState.LIVE, "chat of #kira", name="twitch")
    bot = bot_with({"youtube:abc": youtube, "twitch:kira": twitch})
    for i, (key, valence) in enumerate([("youtube:abc", 1.0), ("youtube:abc", 0.5), ("twitch:kira", -1.0)]):
        message = bot.received(key, msg("hi", author=f"v{i}"))
        score(bot, message, valence)
    bot.event(ChatEvent(kind="raid", time=1.0, source="twitch:kira", name="Mika", count=15))
    payload = json.loads(bot.message("update"))
    # Together the chats are live; the model is still loading in this bot (no worker), as the overlay is told.
    assert payload["source"] == {"name": "youtube+twitch", "state": "connecting", "detail": "loading the model"}
    yt, tw = payload["sources"]
    assert yt["key"] == "youtube:abc" and yt["platform"] == "youtube" and yt["channel"] == "abc"
    assert yt["state"] == "ended" and yt["detail"] == "stream ended" and yt["messages"] == 2
    assert yt["short"]["messages"] == 2 and yt["short"]["valence"] == 0.75 and yt["events"] == {}
    assert tw["state"] == "live" and tw["short"]["valence"] == -1.0 and tw["events"] == {"raid": 1}
    assert tw["short"]["rate"] == round(1 / 15, 2) and tw["long"]["messages"] == 1
    assert payload["short"]["messages"] == 3


def test_a_recorded_simulcast_replays_as_its_chats():
    """A replay carrying youtube and twitch messages shows those two chats, in the replay's state."""
    replay = Fixed(SourceState.LIVE, "simulcast.jsonl", name="replay")
    bot = bot_with({"replay:simulcast": replay})
    assert [s.key for s in bot.breakdown()] == ["replay:simulcast"]  # nothing read yet: the replay itself
    for i, chat in enumerate(["youtube:abc", "twitch:kira", "youtube:abc"]):
        kept = bot.received("replay:simulcast", replace(msg("hi", author=f"v{i}"), source=chat))
        assert kept.source == chat
    assert [(s.key, s.messages, s.status.state) for s in bot.breakdown()] == [
        ("youtube:abc", 2, SourceState.LIVE),
        ("twitch:kira", 1, SourceState.LIVE),
    ]


def test_messages_without_a_chat_take_their_sources_key_and_a_flood_of_chats_is_capped():
    """Old recordings' messages get the replay's key; past 16 chats, the rest count under it too."""
    bot = bot_with({"replay:old": Fixed()})
    assert bot.received("replay:old", msg("hi")).source == "replay:old"
    keys = {bot.received("replay:old", replace(msg("x"), source=f"fake:{i}")).source for i in range(40)}
    assert len(bot.breakdown()) == 16 and "replay:old" in keys and len(keys) == 16


def test_one_viewer_per_chat_in_the_per_author_cap():
    """The same id in two chats is two viewers; each one's flood is capped on its own."""
    agg = MoodAggregator(MoodConfig(max_per_author=2), start=0.0)
    for chat, valence in [("youtube:abc", 1.0), ("twitch:kira", -1.0)]:
        for _ in range(4):
            agg.add([ScoredMessage(replace(msg("hey", author="sam"), source=chat), sentiment(valence), 1.0)])
    short = agg.snapshot(2.0).short
    assert short.messages == 8 and short.valence == pytest.approx(0.0)  # 2 x +1 and 2 x -1 count
    assert short.sources["youtube:abc"].valence == 1.0 and short.sources["twitch:kira"].valence == -1.0


def test_copypasta_is_capped_across_chats():
    """The same long paste in two chats still counts at most copypasta_max_weight in all."""
    agg = MoodAggregator(MoodConfig(copypasta_max_weight=3.0), start=0.0)
    wall = "THIS GAME IS RIGGED THIS GAME IS RIGGED"
    for i in range(6):
        chat = "youtube:abc" if i % 2 else "twitch:kira"
        agg.add([ScoredMessage(replace(msg(wall, author=f"p{i}"), source=chat), sentiment(-1.0), 1.0)])
    agg.add([ScoredMessage(replace(msg("nice", author="x"), source="twitch:kira"), sentiment(1.0), 1.0)])
    assert agg.snapshot(2.0).short.valence == pytest.approx((-3.0 + 1.0) / 4)


def test_a_chat_leaves_the_breakdown_of_a_window_when_its_messages_do():
    """Per-chat figures follow the window: after 15 s the short window holds nothing of that chat."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    agg.add([ScoredMessage(replace(msg("hi"), source="twitch:kira"), sentiment(0.5), 1.0)])
    assert agg.snapshot(10.0).short.sources["twitch:kira"].messages == 1
    snap = agg.snapshot(17.0)
    assert snap.short.sources == {} and snap.long.sources["twitch:kira"].valence == 0.5


def test_status_line_shows_each_source():
    """One source: its state as before; several: each one's key and state, with the reason when not live."""
    single = bot_with({"youtube:abc": Fixed(SourceState.LIVE, "live chat of abc")})
    assert single.source_states() == "live (live chat of abc)"
    both = bot_with(
        {
            "youtube:abc": Fixed(SourceState.LIVE, "live chat of abc"),
            "twitch:kira": Fixed(SourceState.RECONNECTING, "connection lost, retrying in 2 s"),
        }
    )
    assert both.source_states() == "youtube:abc live, twitch:kira reconnecting (connection lost, retrying in 2 s)"
    assert "youtube:abc live, twitch:kira reconnecting" in both.status_line()
