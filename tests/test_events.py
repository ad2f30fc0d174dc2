"""The event detectors and the hub, on hand-built scored messages and mood snapshots (no model)."""

import logging

import pytest
from helpers import felt, msg, sentiment

from bot.chat import Author, ChatEvent, ChatMessage, SourceState, SourceStatus
from bot.config import EventsConfig, FeelingEventConfig, MoodDropConfig, TechProblemConfig, load_config
from bot.events import Event, EventDetector, EventHub, TechProblemDetector, name_problems, raid_event
from bot.mood import MoodSnapshot, WindowStats
from bot.payload import Counters, build_event, build_message
from bot.scored import ScoredMessage
from bot.scoring.sentiment import EMOTIONS


def report(text, author, at, *, tech=True, source="", owner=False):
    """A scored message; `tech` says whether the model read it as a report of a stream problem."""
    message = ChatMessage(
        id=f"{author}-{at}",
        time=1_700_000_000 + at,
        author=Author(name=author, id=author, owner=owner),
        text=text,
        source=source,
    )
    return ScoredMessage(message, felt(-0.4, "tech") if tech else felt(-0.4, "anger"), at)


def detector(**config):
    return TechProblemDetector(TechProblemConfig(**config), copypasta_min_chars=12)


def feed(det, items):
    """Each message in its own batch, as a slow chat arrives; the events that fired."""
    return [event for item in items if (event := det.add([item]))]


def test_three_viewers_reporting_within_the_window_fire_one_alert():
    """Three viewers say the sound is gone within 45 s: one tech_problem naming audio, quoting them."""
    det = detector()
    events = feed(
        det,
        [
            report("no sound??", "a", 0.0),
            report("lol", "b", 5.0, tech=False),
            report("can't hear anything", "b", 12.0),
            report("音声聞こえない", "c", 30.0),
        ],
    )
    assert len(events) == 1
    event = events[0]
    assert event.kind == "tech_problem" and event.at == 30.0
    assert event.detail["problem"] == "audio" and event.detail["viewers"] == 3 and event.detail["window"] == 45.0
    assert [q["text"] for q in event.detail["quotes"]] == ["no sound??", "can't hear anything", "音声聞こえない"]
    assert [q["author"] for q in event.detail["quotes"]] == ["a", "b", "c"]


def test_reports_further_apart_than_the_window_do_not_fire():
    """Three reports spread over a minute and a half are three passing remarks, not an alert."""
    det = detector(window=45.0)
    assert feed(det, [report("no audio", "a", 0.0), report("no audio", "b", 40.0), report("no audio", "c", 85.0)]) == []


def test_one_viewer_repeating_themselves_never_fires():
    """One viewer typing "no audio" ten times is one viewer."""
    det = detector()
    assert feed(det, [report("NO AUDIO", "spammer", i * 2.0) for i in range(10)]) == []


def test_a_wall_pasted_by_many_counts_once():
    """Five viewers pasting the same long meme about the audio count as one report."""
    det = detector()
    wall = "NO AUDIO NO AUDIO NO AUDIO 🔇🔇🔇"
    assert feed(det, [report(wall, f"v{i}", i * 1.0) for i in range(5)]) == []
    # ...and two more viewers in their own words complete the three.
    fired = feed(det, [report("mic muted?", "x", 6.0), report("mic is off", "y", 7.0)])
    assert len(fired) == 1 and fired[0].detail["viewers"] == 3 and fired[0].detail["problem"] == "mic"


def test_talk_the_model_does_not_read_as_a_report_never_fires():
    """Lag in the game ("this boss lags so hard") scores low on tech: no alert, however many say it."""
    det = detector()
    assert feed(det, [report("the game lags so hard lol", f"v{i}", i * 1.0, tech=False) for i in range(8)]) == []


def test_the_streamer_and_viewers_saying_it_is_fine_are_not_reports():
    """The streamer asking "is my audio ok" and viewers answering "fine for me" do not add up to an alert."""
    det = detector()
    items = [
        report("is my audio ok?", "streamer", 0.0, owner=True),
        report("no audio", "a", 1.0),
        report("stream is fine for me", "b", 2.0),
        report("aman di aku", "c", 3.0),
        report("こっちは大丈夫だよ", "d", 4.0),
    ]
    assert feed(det, items) == []


def test_lag_in_the_game_is_not_a_report_even_when_the_model_says_tech():
    """ "the enemy lagged through the wall", "game nya suka lag", "敵がラグってる" from many viewers: no alert;
    game audio that drowns the streamer still is a report."""
    det = detector()
    game = ["the enemy lagged through the wall", "game nya suka lag pas boss", "敵がラグってワープした", "boss lag lol"]
    assert feed(det, [report(t, f"g{i}", float(i)) for i, t in enumerate(game)]) == []
    loud = ["game audio is way too loud", "ゲーム音でかすぎ", "suara game nya kegedean"]
    fired = feed(det, [report(t, f"l{i}", 10.0 + i) for i, t in enumerate(loud)])
    assert len(fired) == 1 and fired[0].detail["problem"] == "audio"


def test_viewers_are_told_apart_by_chat():
    """Two viewers both called Sam, one on YouTube and one on Twitch, are two viewers."""
    det = detector(viewers=2)
    fired = feed(det, [report("lag", "sam", 0.0, source="youtube:x"), report("lagging", "sam", 1.0, source="twitch:y")])
    assert len(fired) == 1 and fired[0].detail["problem"] == "lag"


def test_cooldown_then_only_new_reports_count():
    """After an alert, reports within the cooldown stay quiet; after it, three new viewers fire again."""
    det = detector(cooldown=120.0)
    first = feed(det, [report("no audio", v, t) for v, t in (("a", 0), ("b", 1), ("c", 2))])
    during = feed(det, [report("still no audio", v, t) for v, t in (("d", 50), ("e", 51), ("f", 52))])
    after = feed(det, [report("frozen", v, t) for v, t in (("g", 130), ("h", 131), ("i", 132))])
    assert len(first) == 1 and during == []
    assert len(after) == 1 and after[0].detail["problem"] == "video"
    assert [q["author"] for q in after[0].detail["quotes"]] == ["g", "h", "i"]


def test_quotes_at_most_three_preferring_those_that_name_the_problem():
    """Five viewers: the alert counts five, names the problem most of them name, quotes three, and
    the ones that name it come first."""
    det = detector(viewers=5)
    texts = ["mic muted?", "stream froze", "audio gone", "no audio here", "mic off, no sound"]
    fired = feed(det, [report(t, f"v{i}", float(i)) for i, t in enumerate(texts)])
    detail = fired[0].detail
    assert detail["viewers"] == 5 and detail["problem"] == "audio" and detail["problems"] == ["audio", "mic", "video"]
    assert [q["text"] for q in detail["quotes"]] == ["audio gone", "no audio here", "mic off, no sound"]


def test_lines_that_name_no_problem_are_not_reports():
    """Lines the model reads as tech but that name nothing wrong ("how was your day?") never add up to an alert."""
    det = detector()
    chatter = ["how was your day?", "o7", "sedih", "晩ごはん食べた？", "???"]
    assert feed(det, [report(t, f"v{i}", float(i)) for i, t in enumerate(chatter)]) == []


def test_long_quotes_are_cut():
    """A 1,000-character report is quoted in 200 characters."""
    det = detector(viewers=1)
    fired = feed(det, [report("no audio " + "x" * 1000, "a", 0.0)])
    assert len(fired[0].detail["quotes"][0]["text"]) == 200


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no audio", "audio"),
        ("can't hear her", "audio"),
        ("audio desync, her mouth is ahead", "audio"),
        ("suaranya ga ada", "audio"),
        ("gk kedengeran kak", "audio"),
        ("音声聞こえない", "audio"),
        ("音割れひどい", "audio"),
        ("mic muted", "mic"),
        ("kak lupa unmute!!", "mic"),
        ("マイク入ってない", "mic"),
        ("stream frozen", "video"),
        ("the screen is black", "video"),
        ("layar nya beku lagi", "video"),
        ("画面真っ暗だよ", "video"),
        ("lagging so bad", "lag"),
        ("buffering again", "lag"),
        ("ngelag mulu", "lag"),
        ("ﾗｸﾞｲﾖｰ", "lag"),
        ("カクカクしてる", "lag"),
        ("pixelated mess, 144p", "quality"),
        ("kualitas nya pecah", "quality"),
        ("画質ガビガビ", "quality"),
        ("did the stream just end", "stream"),
        ("配信落ちた？", "stream"),
    ],
)
def test_problems_are_named_in_three_languages(text, problem):
    """A report's problem is read from its words in English, Indonesian or Japanese."""
    assert name_problems(text)[0] == problem


def test_naming_does_not_match_inside_other_words():
    """ "speaker", "heart" and "flag" are not audio or lag."""
    assert name_problems("the speaker is nice, i love your heart, red flag") == ()


def window(*, messages=10, emotions=None, reactions=()):
    return WindowStats(
        seconds=15,
        messages=messages,
        rate=messages / 15,
        valence=0.5,
        shares={"negative": 0.1, "neutral": 0.3, "positive": 0.6},
        reactions=reactions,
        laughter=0.0,
        emotions={e: (emotions or {}).get(e, 0.0) for e in EMOTIONS} if emotions is not None else {},
    )


def snap(at, *, needle=0.3, **short):
    return MoodSnapshot(at=at, needle=needle, mood="happy", short=window(**short), long=window(), total=0, history=())


def events_config(**kw):
    return EventsConfig(**kw)


def test_hype_and_laughter_fire_once_per_cooldown():
    """Laughter at 50 % of 12 messages fires; the next snapshots within 60 s do not; after it, again."""
    det = EventDetector(events_config(), copypasta_min_chars=12)
    laughing = {
        "emotions": {"laughter": 0.5},
        "messages": 12,
        "reactions": (("草", 9), ("www", 4), ("lol", 3), ("w", 2)),
    }
    first = det.snapshot(snap(10.0, **laughing))
    assert [e.kind for e in first] == ["laughter"]
    assert first[0].detail == {
        "share": 0.5,
        "messages": 12,
        "rate": 0.8,
        "reactions": [{"text": "草", "count": 9}, {"text": "www", "count": 4}, {"text": "lol", "count": 3}],
    }
    assert det.snapshot(snap(40.0, **laughing)) == []
    assert [e.kind for e in det.snapshot(snap(71.0, **laughing))] == ["laughter"]
    assert [e.kind for e in det.snapshot(snap(72.0, emotions={"hype": 0.6}, messages=9))] == ["hype"]


def test_feelings_need_enough_messages_and_share():
    """Two laughing messages are not an event, nor 30 % laughter, nor a model without emotions."""
    det = EventDetector(events_config(laughter=FeelingEventConfig(share=0.4, min_messages=8)), copypasta_min_chars=12)
    assert det.snapshot(snap(1.0, emotions={"laughter": 1.0}, messages=2)) == []
    assert det.snapshot(snap(2.0, emotions={"laughter": 0.3}, messages=20)) == []
    assert det.snapshot(snap(3.0, emotions=None, messages=20)) == []


def test_mood_drop_fires_when_the_needle_falls_fast():
    """The needle from +0.5 to -0.2 in 6 s is a mood_drop; the same fall over 40 s is not."""
    det = EventDetector(events_config(mood_drop=MoodDropConfig(drop=0.5, within=10.0)), copypasta_min_chars=12)
    fired = [e for t, n in ((0, 0.5), (2, 0.4), (4, 0.1), (6, -0.2)) for e in det.snapshot(snap(t, needle=n))]
    assert [e.kind for e in fired] == ["mood_drop"]
    assert fired[0].detail == {"from": 0.5, "to": -0.2, "seconds": 6.0}
    slow = EventDetector(events_config(), copypasta_min_chars=12)
    assert [e for t in range(0, 41, 2) for e in slow.snapshot(snap(100 + t, needle=0.5 - 0.7 * t / 40))] == []


def test_hub_stamps_unix_time_skips_disabled_kinds_and_survives_a_failing_subscriber(caplog):
    """Events reach every subscriber with Unix time; a kind not in events.kinds is dropped; one bad
    subscriber is logged and the others still get the event."""
    hub = EventHub(["tech_problem", "raid"], clock=lambda: 100.0, wall_clock=lambda: 1_700_000_100.0)
    got, heard = [], []

    def broken(event):
        raise RuntimeError("boom")

    hub.subscribe(broken)
    hub.subscribe(got.append)
    hub.add_listener(lambda kind, detail: heard.append((kind, dict(detail))))
    with caplog.at_level(logging.ERROR):
        hub.publish(Event("laughter", 99.0, {"share": 0.5}))
        hub.publish(Event("tech_problem", 98.0, {"problem": "audio"}))
    assert [(e.kind, e.time) for e in got] == [("tech_problem", 1_700_000_098.0)]
    assert heard == [("tech_problem", {"problem": "audio"})]
    assert "an event subscriber failed on tech_problem" in caplog.text
    assert hub.counts == {"tech_problem": 1} and list(hub.recent) == got


def test_a_raid_is_an_event():
    """A Twitch raid becomes a raid event naming the raider, the viewers and the chat."""
    event = raid_event(ChatEvent(kind="raid", time=0.0, source="twitch:kira", name="Mika", count=15, text="hi"), 5.0)
    assert (event.kind, event.at) == ("raid", 5.0)
    assert event.detail == {"source": "twitch:kira", "from": "Mika", "viewers": 15, "text": "hi"}


def test_event_message_and_snapshot_list():
    """An event goes out as {"type": "event", "kind", "time", "detail"}; a snapshot lists the recent
    ones, an update does not."""
    event = Event("tech_problem", 5.0, {"problem": "audio", "viewers": 3}, time=1_700_000_005.12345)
    assert build_event(event) == {
        "type": "event",
        "kind": "tech_problem",
        "time": 1_700_000_005.123,
        "detail": {"problem": "audio", "viewers": 3},
    }
    status = SourceStatus(SourceState.LIVE)
    counters = Counters(0, 0, 0, 0, 0, 10)
    snapshot = snap(10.0, emotions={"laughter": 0.25})
    first = build_message("snapshot", snapshot, counters, status, wall_time=1.0, events=[event])
    later = build_message("update", snapshot, counters, status, wall_time=1.0, events=[event])
    assert first["events"] == [build_event(event)] and "events" not in later
    assert first["short"]["emotions"]["laughter"] == 0.25 and first["long"]["emotions"] == {}


def test_events_config_is_checked():
    """Bad event settings stop with one line naming the key."""
    from bot.errors import ConfigError

    cases = {
        "events.kinds": ({"events.kinds": ["hype", "fireworks"]}, "events.kinds: must be a list of hype, laughter"),
        "share": ({"events.laughter": {"share": 1.5}}, "events.laughter.share: must be more than 0, at most 1"),
        "viewers": ({"events.tech_problem": {"viewers": 0}}, "events.tech_problem.viewers: must be 1 or more"),
        "typo": ({"events.tech_problem": {"viewer": 2}}, "did you mean events.tech_problem.viewers?"),
        "url": ({"events.webhooks": ["localhost:7474"]}, "events.webhooks: must be a list of http:// or https://"),
        "sb": ({"events.streamerbot": "127.0.0.1:7474"}, "events.streamerbot: must be Streamer.bot's DoAction URL"),
    }
    for overrides, message in cases.values():
        with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
            load_config(None, overrides)
    assert load_config(None, {"events.tech_problem": {"viewers": 4}}).events.tech_problem.window == 45.0


def test_messages_without_emotions_never_fire():
    """A model without the emotion head (no emotions at all) gives no tech alerts."""
    det = detector(viewers=1)
    plain = [ScoredMessage(msg("no audio", author=f"v{i}"), sentiment(-0.5), float(i)) for i in range(5)]
    assert feed(det, plain) == []


def running_bot(clock):
    from bot.app import Bot
    from bot.broadcaster import Broadcaster
    from bot.chatqueue import ChatQueue
    from bot.config import AppConfig, ServerConfig
    from bot.mood import MoodAggregator

    class Live:
        status = SourceStatus(SourceState.LIVE, name="twitch")

    config = AppConfig(server=ServerConfig(port=0))
    aggregator = MoodAggregator(config.mood, start=0.0)
    bot = Bot(config, ChatQueue(10), aggregator, Broadcaster(config.server, snapshot=str), clock=lambda: clock[0])
    bot.add_sources({"twitch:kira": Live()})
    return bot


def test_the_bot_turns_a_raid_into_an_event_and_shows_the_tech_alert_on_the_status_line():
    """A Twitch raid reaches the hub's subscribers; a tech_problem leads the status line for a minute."""
    clock = [100.0]
    bot = running_bot(clock)
    got = []
    bot.hub.subscribe(got.append)
    bot.event(ChatEvent(kind="raid", time=1.0, source="twitch:kira", name="Mika", count=15, text="15 raiders"))
    assert [(e.kind, e.detail["from"], e.detail["viewers"]) for e in got] == [("raid", "Mika", 15)]
    assert not bot.status_line().startswith("!!")
    bot.publish(feed(detector(), [report("no audio", v, 100.0) for v in "abc"]))
    assert bot.status_line().startswith("!! AUDIO PROBLEM: 3 viewers report it !! | ")
    clock[0] = 161.0
    assert not bot.status_line().startswith("!!")
    payload = bot.payload("snapshot")
    assert [e["kind"] for e in payload["events"]] == ["raid", "tech_problem"]
