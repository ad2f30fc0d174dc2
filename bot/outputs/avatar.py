"""What the avatar gets from chat's mood: moodbot's VTube Studio parameters and their values. Pure.

`avatar_values` is the one place where a mood snapshot becomes parameter values. Each emotion
parameter reads 1 where the overlay's mood word would say it: with a model that reads emotions,
when 30% of the short window's messages show that feeling ("hyped", "laughing", "wholesome",
"sad"); with a model that does not, hype, love and sad are derived from what the snapshot has
(the needle, the two windows' rates, the positive share and the laughter share).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mood import MoodSnapshot

__all__ = ["PARAMETERS", "Fader", "Parameter", "avatar_values"]

# The overlay's mood-word thresholds (bot.mood.mood_of), so MoodHype = 1 means "hyped" and so on.
_HYPED_NEEDLE = 0.45
_BURST_RATIO = 1.3  # short-window rate over the long one's
_MIN_BURST_RATE = 1.0  # messages/s: below this a "burst" is two messages in a quiet chat
_LAUGHING_SHARE = 0.3
_SAD_NEEDLE = 0.35
_FEELING_SHARE = 0.3  # share of the window showing a feeling at which the mood word names it


@dataclass(frozen=True, slots=True)
class Parameter:
    """A custom tracking parameter moodbot creates in VTube Studio (default value 0)."""

    name: str  # 4-32 letters and digits, not a VTube Studio default parameter's name
    minimum: float
    maximum: float
    explanation: str  # shown in VTube Studio; under 256 characters


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "MoodValence", -1.0, 1.0, "moodbot: chat's mood, -1 (sad, upset) to +1 (happy). Follows the overlay's needle."
    ),
    Parameter("MoodHype", 0.0, 1.0, "moodbot: 0 to 1; 1 when chat is hyped (a positive burst of messages)."),
    Parameter("MoodLaughter", 0.0, 1.0, "moodbot: 0 to 1; 1 when 30% of chat laughs (www, lol, KEKW, wkwk...)."),
    Parameter(
        "MoodLove",
        0.0,
        1.0,
        "moodbot: 0 to 1; chat's warmth: positive messages while chat is not laughing or bursting.",
    ),
    Parameter("MoodSad", 0.0, 1.0, "moodbot: 0 to 1; 1 when chat's mood is sad (needle at -0.35 or lower)."),
    Parameter(
        "ChatRate", 0.0, 1.0, "moodbot: 0 to 1; how busy chat is (1 at vtube_studio.busy_chat_rate messages/s or more)."
    ),
)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def avatar_values(snapshot: MoodSnapshot, *, busy_chat_rate: float) -> dict[str, float]:
    """The value of each of `PARAMETERS` for this moment of chat."""
    short, long = snapshot.short, snapshot.long
    needle = _clamp(snapshot.needle, -1.0, 1.0)
    burst = 0.0  # how far chat runs above its usual pace: 0 .. 1 at the overlay's burst
    if short.rate >= _MIN_BURST_RATE and long.rate > 0:
        burst = _clamp((short.rate / long.rate - 1.0) / (_BURST_RATIO - 1.0), 0.0, 1.0)
    laughter = _clamp(short.laughter / _LAUGHING_SHARE, 0.0, 1.0)
    if short.emotions:

        def feeling(name: str) -> float:
            return _clamp(short.emotions.get(name, 0.0) / _FEELING_SHARE, 0.0, 1.0)

        return {
            "MoodValence": needle,
            "MoodHype": feeling("hype"),
            "MoodLaughter": max(laughter, feeling("laughter")),
            "MoodLove": feeling("love"),
            "MoodSad": feeling("sad"),
            "ChatRate": min(1.0, short.rate / busy_chat_rate),
        }
    # Without emotions: hype is a positive burst, sad a negative needle, love the positive
    # share of a chat that is neither laughing nor bursting.
    return {
        "MoodValence": needle,
        "MoodHype": _clamp(needle / _HYPED_NEEDLE, 0.0, 1.0) * burst,
        "MoodLaughter": laughter,
        "MoodLove": short.shares["positive"] * (1.0 - burst) * (1.0 - laughter),
        "MoodSad": _clamp(-needle / _SAD_NEEDLE, 0.0, 1.0),
        "ChatRate": min(1.0, short.rate / busy_chat_rate),
    }


class Fader:
    """A weight that glides linearly between 0 and 1, taking `seconds` for the whole way.

    VTube Studio mixes an injected value with the parameter's own by this weight, so fading it
    in and out spares the avatar a jump when moodbot takes or gives up control.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = 0.0
        self._start = 0.0
        self._target = 0.0

    def fade(self, target: float, now: float, *, start: float | None = None) -> None:
        """Head for `target` from `start` (default: wherever the weight is now)."""
        self._start = self.weight(now) if start is None else start
        self._at = now
        self._target = target

    def weight(self, now: float) -> float:
        if self.seconds <= 0:
            return self._target
        moved = max(0.0, now - self._at) / self.seconds
        if self._target >= self._start:
            return min(self._target, self._start + moved)
        return max(self._target, self._start - moved)
