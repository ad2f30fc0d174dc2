"""Moments: the bursts chat had, found against the stream's own baseline."""

import pytest

from bot.tools.moments import KINDS, MIN_INTENSITY, find_moments, format_time
from tests.planted import BURSTS, planted_lines


@pytest.mark.parametrize("language", ["en", "ja", "id"])
@pytest.mark.parametrize("rate", [5.0, 60.0])
def test_planted_bursts_are_the_top_moment_of_their_kind(rate, language):
    """Laughter at 10:00, hype at 25:30 and sad at 41:10 come out first of their kind, within 10 s."""
    found = find_moments(planted_lines(rate, language=language))
    for kind, at in BURSTS.items():
        first = found[kind][0]
        assert first.rank == 1
        assert abs(first.start - at) <= 10, (kind, first)
        assert at - 10 <= first.peak <= at + 30
        assert first.intensity >= MIN_INTENSITY
        assert len(first.quotes) == 3
        assert len({q.text for q in first.quotes}) == 3  # deduplicated
        assert all(first.start <= q.at <= first.end for q in first.quotes)
        scores = [q.score for q in first.quotes]
        assert scores == sorted(scores, reverse=True)  # the most typical, not the first three


@pytest.mark.parametrize("rate", [5.0, 60.0])
def test_a_flat_chat_has_no_moment(rate):
    """An hour of chat without bursts has no moment at or above the intensity of a moment (5)."""
    found = find_moments(planted_lines(rate, language="en", flat=True, seed=7), min_intensity=0.0)
    assert set(found) == set(KINDS)
    strongest = max((m.intensity for ms in found.values() for m in ms), default=0.0)
    assert strongest < MIN_INTENSITY
    assert not any(find_moments(planted_lines(rate, language="en", flat=True, seed=7)).values())


def test_a_sad_burst_is_also_a_mood_drop():
    """Chat going clearly negative together is a mood drop, found at the sad burst."""
    found = find_moments(planted_lines(5.0, language="en"))
    assert abs(found["mood_drop"][0].start - BURSTS["sad"]) <= 10


def test_no_chat_no_moments():
    """A session without scored chat gives an empty list per kind, not an error."""
    assert find_moments([]) == {kind: [] for kind in KINDS}


def test_times_read_as_a_video_player_shows_them():
    """Moment times are written like the player's clock."""
    assert format_time(59.9) == "0:59"
    assert format_time(3723) == "1:02:03"
