"""The mood aggregator, against values worked out by hand."""

import math

import pytest
from helpers import felt, msg, sentiment

from bot.chat import Kind
from bot.config import MoodConfig
from bot.mood import MoodAggregator, WindowStats, copypasta_key, mood_of, mood_word
from bot.scored import ScoredMessage
from bot.scoring.sentiment import EMOTIONS


def feed(agg, at, text, valence, author="a", **kw):
    agg.add([ScoredMessage(msg(text, author=author, **kw), sentiment(valence) if valence is not None else None, at)])


def test_weighted_valence_and_shares():
    """Valence is the weighted mean; shares are weighted means of the class shares."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    feed(agg, 1.0, "great", 1.0, "a")
    feed(agg, 2.0, "meh", -0.5, "b")
    snap = agg.snapshot(3.0)
    assert snap.short.valence == pytest.approx(0.25)
    assert snap.short.shares == pytest.approx({"negative": 0.25, "neutral": 0.25, "positive": 0.5})
    assert snap.short.messages == 2 and snap.total == 2


def test_short_window_expires_long_window_keeps():
    """After 15 s a message leaves the short window but stays in the 3-minute one."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    feed(agg, 0.0, "sad", -1.0)
    assert agg.snapshot(14.0).short.messages == 1
    snap = agg.snapshot(16.0)
    assert snap.short.messages == 0 and snap.short.valence is None
    assert snap.long.messages == 1 and snap.long.valence == -1.0
    assert agg.snapshot(181.0).long.messages == 0


def test_rate_uses_elapsed_time_until_the_window_is_full():
    """Messages per second: over the time running when shorter than the window."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    for i in range(10):
        feed(agg, 1.0 + i * 0.4, "x", 0.0, author=str(i))
    assert agg.snapshot(5.0).short.rate == pytest.approx(10 / 5)
    assert agg.snapshot(14.0).short.rate == pytest.approx(10 / 14)
    assert agg.snapshot(200.0).long.rate == 0


def test_one_author_counts_at_most_max_per_author():
    """A flooding author counts 3 times (default); the others count fully."""
    agg = MoodAggregator(MoodConfig(max_per_author=3), start=0.0)
    for i in range(5):
        feed(agg, 1.0 + i, "LOVE IT", 1.0, author="flooder")
    feed(agg, 7.0, "boring", -1.0, author="other")
    snap = agg.snapshot(8.0)
    assert snap.short.valence == pytest.approx((3 * 1.0 - 1.0) / 4)
    assert snap.short.messages == 6  # the rate still counts every message


def test_copypasta_has_bounded_weight_but_short_reactions_do_not():
    """A long pasted text counts 3 at most; 10 people typing 草 count 10 times."""
    config = MoodConfig(copypasta_max_weight=3.0, copypasta_min_chars=12)
    agg = MoodAggregator(config, start=0.0)
    wall = "THIS GAME IS RIGGED THIS GAME IS RIGGED"
    for i in range(10):
        feed(agg, 1.0, wall, -1.0, author=f"p{i}")
    feed(agg, 1.0, "nice", 1.0, author="x")
    assert agg.snapshot(2.0).short.valence == pytest.approx((-3.0 + 1.0) / 4)

    agg = MoodAggregator(config, start=0.0)
    for i in range(10):
        feed(agg, 1.0, "草", 1.0, author=f"p{i}")
    feed(agg, 1.0, "つらい", -1.0, author="x")
    snap = agg.snapshot(2.0)
    assert snap.short.valence == pytest.approx((10 - 1) / 11)
    assert snap.short.reactions[0] == ("草", 10)


def test_superchat_and_member_weights():
    """Paid and member messages count more when configured."""
    agg = MoodAggregator(MoodConfig(superchat_weight=3.0, member_weight=2.0), start=0.0)
    feed(agg, 1.0, "gg", 1.0, author="payer", kind=Kind.SUPERCHAT)
    feed(agg, 1.0, "ugh", -1.0, author="member", member=True)
    feed(agg, 1.0, "hmm", -1.0, author="viewer")
    assert agg.snapshot(2.0).short.valence == pytest.approx((3 - 2 - 1) / 6)


def test_unscored_messages_count_for_rate_not_mood():
    """A message with no sentiment (empty membership) adds to the rate only."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    feed(agg, 1.0, "", None, kind=Kind.MEMBERSHIP)
    feed(agg, 1.0, "yay", 0.8, author="b")
    snap = agg.snapshot(2.0)
    assert snap.short.messages == 2 and snap.short.valence == pytest.approx(0.8)


def test_needle_follows_with_exponential_smoothing():
    """The needle moves 1 - e^(-dt/tau) of the way to the short window's valence."""
    agg = MoodAggregator(MoodConfig(needle_smoothing=3.0), start=0.0)
    feed(agg, 0.0, "yay", 1.0)
    agg.snapshot(0.0)
    assert agg.snapshot(3.0).needle == pytest.approx(1 - math.exp(-1))
    assert agg.snapshot(6.0).needle == pytest.approx(1 - math.exp(-2))


def test_needle_history_for_the_sparkline():
    """The needle is sampled every 2 s and kept for history_seconds."""
    agg = MoodAggregator(MoodConfig(history_seconds=10.0), start=0.0)
    for t in range(0, 30):
        agg.snapshot(float(t))
    history = agg.snapshot(30.0).history
    assert [at for at, _ in history] == [20.0, 22.0, 24.0, 26.0, 28.0, 30.0]


def test_top_reactions_are_counted_per_window():
    """Top reactions: the recurring ones, most frequent first, expiring with the window."""
    agg = MoodAggregator(MoodConfig(top_reactions=2), start=0.0)
    for i, text in enumerate(["草", "草ｗｗ", "www", "KEKW", "草", "8888888"]):
        feed(agg, 1.0, text, 0.5, author=str(i))
    assert agg.snapshot(2.0).short.reactions == (("草", 3), ("www", 2))
    assert agg.snapshot(20.0).short.reactions == ()


def _window(valence=0.0, messages=10, rate=1.0, laughter=0.0, negative=None):
    """A short window whose shares agree with its valence (or carry the given negative share)."""
    neg = max(-valence, 0.0) if negative is None else negative
    pos = max(valence + neg, 0.0)
    shares = {"negative": neg, "neutral": 1 - neg - pos, "positive": pos}
    return WindowStats(
        seconds=15, messages=messages, rate=rate, valence=valence, shares=shares, reactions=(), laughter=laughter
    )


@pytest.mark.parametrize(
    ("short", "long", "mood"),
    [
        (_window(0.6, rate=5.0), _window(rate=2.0), "hyped"),
        (_window(0.6, rate=2.0), _window(rate=2.0), "happy"),
        (_window(0.3, laughter=0.5), _window(), "laughing"),
        (_window(0.05), _window(), "calm"),
        (_window(-0.2), _window(), "tense"),
        (_window(-0.5), _window(), "sad"),
        (_window(0.0, messages=0, rate=0.0), _window(), "quiet"),
    ],
)
def test_mood_words(short, long, mood):
    """The overlay's mood word follows the short window's mood, the laughter share and bursts of chat."""
    assert mood_of(0.0, short, long) == mood


@pytest.mark.parametrize("valence", [-0.1, 0.0, 0.04])
def test_a_chat_half_negative_is_never_calm(valence):
    """A window 48% negative reads "tense", whatever its mean (a split chat is not calm, nor happy)."""
    assert mood_of(valence, _window(valence, negative=0.48), _window()) == "tense"


def test_the_word_agrees_with_the_bar_while_the_needle_lags():
    """The needle still shows a happy past; the word already reads the sad window the bar shows."""
    assert mood_of(0.4, _window(-0.6), _window()) == "sad"
    assert mood_of(-0.4, _window(0.5), _window()) == "happy"


def test_the_needle_stands_in_while_nothing_is_scored():
    """Only memberships in the window (nothing scored): the word follows the needle."""
    unscored = WindowStats(seconds=15, messages=3, rate=1.0, valence=None, shares={}, reactions=(), laughter=0.0)
    assert mood_of(-0.2, unscored, _window()) == "tense"


def test_hours_of_chat_do_not_drift():
    """After the windows empty, the sums start from zero again (no float drift)."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    for i in range(5000):
        feed(agg, i * 0.1, "x", (i % 7 - 3) / 3.1, author=str(i % 50))
    snap = agg.snapshot(5000 * 0.1 + 200)
    assert snap.long.messages == 0 and snap.long.valence is None
    feed(agg, 701.0, "ok", 0.3)
    assert agg.snapshot(702.0).short.valence == pytest.approx(0.3, abs=1e-12)


def test_an_unsure_line_moves_the_mood_little():
    """A line the model is unsure of (calibrated confidence 0.1) weighs a tenth of a sure one."""
    from bot.scoring.sentiment import Sentiment

    agg = MoodAggregator(MoodConfig(), start=0.0)
    sure = Sentiment(valence=1.0, negative=0.0, neutral=0.0, positive=1.0, confidence=1.0)
    unsure = Sentiment(valence=-0.2, negative=0.4, neutral=0.4, positive=0.2, confidence=0.1)
    agg.add([ScoredMessage(msg("nice", author="a"), sure, 1.0), ScoredMessage(msg("hmm", author="b"), unsure, 1.0)])
    assert agg.snapshot(2.0).short.valence == pytest.approx((1.0 - 0.2 * 0.1) / 1.1)


def feed_felt(agg, at, text, valence, *shown, author="a"):
    agg.add([ScoredMessage(msg(text, author=author), felt(valence, *shown), at)])


def test_windows_carry_the_share_of_messages_showing_each_emotion():
    """Two of four counted messages laugh, one is sad: laughter 0.5, sad 0.25, the others 0."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    feed_felt(agg, 1.0, "草", 0.8, "laughter", author="a")
    feed_felt(agg, 1.0, "lmao", 0.8, "laughter", "hype", author="b")
    feed_felt(agg, 1.0, "F", -0.6, "sad", author="c")
    feed_felt(agg, 1.0, "what map", 0.0, author="d")
    emotions = agg.snapshot(2.0).short.emotions
    assert emotions["laughter"] == pytest.approx(0.5) and emotions["hype"] == pytest.approx(0.25)
    assert emotions["sad"] == pytest.approx(0.25) and emotions["anger"] == 0.0
    assert set(emotions) == set(EMOTIONS)


def test_emotion_shares_respect_the_flood_cap_and_leave_with_the_window():
    """A flooder's fourth laugh does not count; after 15 s the short window has no emotions left."""
    agg = MoodAggregator(MoodConfig(max_per_author=3), start=0.0)
    for i in range(6):
        feed_felt(agg, 1.0 + i * 0.1, "KEKW", 0.7, "laughter", author="flooder")
    feed_felt(agg, 2.0, "hmm", 0.0, author="calm")
    assert agg.snapshot(3.0).short.emotions["laughter"] == pytest.approx(3 / 4)
    later = agg.snapshot(20.0)
    assert later.short.emotions == {} and later.long.emotions["laughter"] == pytest.approx(3 / 4)


def test_a_model_without_emotions_leaves_them_empty_and_keeps_the_valence_word():
    """Messages scored without emotions give no shares, and the mood word is the valence one."""
    agg = MoodAggregator(MoodConfig(), start=0.0)
    for i in range(5):
        feed(agg, 1.0, "草", 0.8, author=str(i))
    snap = agg.snapshot(1.5)
    assert snap.short.emotions == {}
    assert snap.mood == mood_of(snap.needle, snap.short, snap.long)


def _felt_window(shares, emotions, messages=10):
    return WindowStats(
        seconds=15,
        messages=messages,
        rate=1.0,
        valence=0.0,
        shares=shares,
        reactions=(),
        laughter=0.0,
        emotions={e: emotions.get(e, 0.0) for e in EMOTIONS},
    )


GLAD = {"negative": 0.1, "neutral": 0.3, "positive": 0.6}
GLUM = {"negative": 0.6, "neutral": 0.3, "positive": 0.1}


@pytest.mark.parametrize(
    ("shares", "emotions", "word"),
    [
        (GLAD, {"laughter": 0.5, "hype": 0.35}, "laughing"),
        (GLAD, {"hype": 0.45, "laughter": 0.2}, "hyped"),
        (GLAD, {"love": 0.4}, "wholesome"),
        (GLUM, {"sad": 0.5}, "sad"),
        (GLUM, {"anger": 0.45, "sad": 0.3}, "salty"),
        (GLUM, {"surprise": 0.4}, "shocked"),
        (GLAD, {"confusion": 0.35}, "confused"),
        # A word never contradicts the bar: laughter while the negative side wins is not "laughing".
        (GLUM, {"laughter": 0.6, "anger": 0.35}, "salty"),
        (GLAD, {"sad": 0.5}, None),
        (GLAD, {"laughter": 0.2, "love": 0.15}, None),  # no feeling strong enough
    ],
)
def test_mood_word_comes_from_the_strongest_fitting_feeling(shares, emotions, word):
    """With emotions the word says what chat feels; without a clear feeling it is the valence word."""
    short, long = _felt_window(shares, emotions), _felt_window(shares, {})
    expected = word or mood_of(0.3 if shares is GLAD else -0.3, short, long)
    assert mood_word(0.3 if shares is GLAD else -0.3, short, long) == expected


def test_quiet_chat_is_quiet_whatever_the_last_emotions():
    """No message in the short window: the word is the fallback's "quiet"."""
    short = _felt_window(GLAD, {"laughter": 0.9}, messages=0)
    assert mood_word(0.0, short, _felt_window(GLAD, {})) == "quiet"


def test_copypasta_key_ignores_case_and_spacing_and_skips_short_text():
    """Long pasted text matches across case and spacing; short reactions are never copypasta."""
    assert copypasta_key("NO AUDIO  no audio", 12) == copypasta_key("no audio no   AUDIO", 12) == "no audio no audio"
    assert copypasta_key("草", 12) is None
