"""What the avatar gets from the mood: the parameters, their values, the fade. Pure, no event loop."""

from __future__ import annotations

import re

import pytest

from bot.mood import MoodSnapshot, WindowStats
from bot.outputs.avatar import PARAMETERS, Fader, avatar_values


def window(rate: float, *, positive: float = 0.0, laughter: float = 0.0, seconds: float = 15.0) -> WindowStats:
    return WindowStats(
        seconds=seconds,
        messages=round(rate * seconds),
        rate=rate,
        valence=None,
        shares={"negative": 0.0, "neutral": 1.0 - positive, "positive": positive},
        reactions=(),
        laughter=laughter,
    )


def moment(needle: float, short: WindowStats, long: WindowStats | None = None) -> MoodSnapshot:
    long = long or window(short.rate, seconds=180.0)
    return MoodSnapshot(at=0.0, needle=needle, mood="", short=short, long=long, total=0, history=())


def values(snapshot: MoodSnapshot, busy: float = 10.0) -> dict[str, float]:
    return avatar_values(snapshot, busy_chat_rate=busy)


def test_parameters_follow_vts_rules():
    """Names of 4-32 letters and digits, distinct, explained in under 256 characters, sensible ranges."""
    names = [p.name for p in PARAMETERS]
    assert names == ["MoodValence", "MoodHype", "MoodLaughter", "MoodLove", "MoodSad", "ChatRate"]
    assert all(re.fullmatch(r"[A-Za-z0-9]{4,32}", name) for name in names)
    assert all(0 < len(p.explanation) < 256 and p.minimum < p.maximum for p in PARAMETERS)
    assert set(values(moment(0.0, window(0.0)))) == set(names)


def test_quiet_chat_rests_the_avatar():
    """No chat: everything at rest."""
    assert values(moment(0.0, window(0.0))) == dict.fromkeys(values(moment(0.0, window(0.0))), 0.0)


def test_hype_is_a_positive_burst():
    """MoodHype reaches 1 where the overlay says "hyped": needle at 0.45 and chat 1.3x its usual pace."""
    assert values(moment(0.6, window(13.0), window(10.0)))["MoodHype"] == 1.0
    assert values(moment(0.6, window(10.0), window(10.0)))["MoodHype"] == 0.0  # no burst
    assert values(moment(-0.6, window(20.0), window(10.0)))["MoodHype"] == 0.0  # an angry burst
    assert values(moment(0.6, window(0.5), window(0.2)))["MoodHype"] == 0.0  # two messages in a quiet chat
    assert 0 < values(moment(0.3, window(11.5), window(10.0)))["MoodHype"] < 0.5


def test_sad_and_valence_follow_the_needle():
    """MoodValence is the needle; MoodSad reaches 1 at the overlay's "sad" (needle -0.35)."""
    assert values(moment(-0.35, window(2.0)))["MoodSad"] == pytest.approx(1.0)
    assert values(moment(-0.175, window(2.0)))["MoodSad"] == pytest.approx(0.5)
    assert values(moment(0.5, window(2.0)))["MoodSad"] == 0.0
    assert values(moment(-0.42, window(2.0)))["MoodValence"] == -0.42


def test_laughter_and_love():
    """MoodLaughter reaches 1 when 30% laugh; MoodLove is the positive share of a chat that is not laughing."""
    laughing = values(moment(0.3, window(5.0, positive=0.6, laughter=0.3)))
    assert laughing["MoodLaughter"] == pytest.approx(1.0) and laughing["MoodLove"] == pytest.approx(0.0)
    warm = values(moment(0.3, window(5.0, positive=0.6)))
    assert warm["MoodLaughter"] == 0.0 and warm["MoodLove"] == pytest.approx(0.6)


def test_chat_rate_saturates():
    """ChatRate grows with messages per second and stays at 1 past vtube_studio.busy_chat_rate."""
    assert values(moment(0.0, window(2.5)), busy=5.0)["ChatRate"] == 0.5
    assert values(moment(0.0, window(50.0)), busy=5.0)["ChatRate"] == 1.0


def test_the_fade_glides_in_and_out():
    """The weight rises from 0 to 1 over the fade time, and falls back from wherever it is."""
    fader = Fader(2.0)
    fader.fade(1.0, 10.0, start=0.0)
    assert [fader.weight(t) for t in (10.0, 11.0, 12.0, 13.0)] == [0.0, 0.5, 1.0, 1.0]
    fader.fade(0.0, 13.0)
    assert [fader.weight(t) for t in (13.0, 14.0, 15.0, 16.0)] == [1.0, 0.5, 0.0, 0.0]
    fader.fade(1.0, 20.0, start=0.0)
    fader.fade(0.0, 21.0)  # stopped half-way in: falls from 0.5
    assert fader.weight(21.5) == 0.25
    instant = Fader(0.0)
    instant.fade(1.0, 0.0, start=0.0)
    assert instant.weight(0.0) == 1.0


def test_with_emotions_each_feeling_moves_its_parameter():
    """A model that reads emotions drives hype, laughter, love and sad from the window's shares: 1 at 30%."""
    from dataclasses import replace

    short = replace(window(5.0), emotions={"hype": 0.3, "laughter": 0.15, "love": 0.06, "sad": 0.0})
    got = values(moment(0.2, short))
    assert got["MoodHype"] == pytest.approx(1.0) and got["MoodLaughter"] == pytest.approx(0.5)
    assert got["MoodLove"] == pytest.approx(0.2) and got["MoodSad"] == 0.0
