"""The rolling mood of chat: two time windows over scored messages, and a smoothed needle.

Pure: time is passed in, nothing here sleeps or does I/O. Each window keeps running sums that
are updated when a message enters or leaves it, so a snapshot costs the same whether chat is
quiet or flooded. How much a message counts:

- its weight is 1, times `superchat_weight` if paid and `member_weight` if from a member, times
  the model's calibrated confidence in the line (0 for an even split between the classes, 1 for
  certainty), so an unsure line moves the needle little;
- one author counts at most `max_per_author` times per window (floods do not steer the mood);
  an author is a viewer of one chat (source + id), so chats read together never merge viewers;
- one long copy-pasted text counts at most `copypasta_max_weight` in total per window, however
  many people paste it, across every chat (short reactions such as 草 or KEKW are not copypasta).

Each window also keeps the rate and valence of every chat it holds messages from (`sources`),
and, when the model reads emotions, the share of counted messages showing each one (`emotions`);
the mood word then says what chat feels (`mood_word`), with `mood_of` for models without them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .config import MoodConfig
from .reactions import LAUGHTER, reactions
from .scored import ScoredMessage
from .scoring.sentiment import EMOTIONS, Sentiment

__all__ = [
    "EMOTION_MOODS",
    "MoodAggregator",
    "MoodSnapshot",
    "SourceWindow",
    "WindowStats",
    "copypasta_key",
    "mood_of",
    "mood_word",
]

_HISTORY_STEP = 2.0  # seconds between two points of the needle's history
_MIN_CONFIDENCE_WEIGHT = 0.05  # so a window of unsure lines still has a mood


@dataclass(frozen=True, slots=True)
class SourceWindow:
    """One chat's part of a window."""

    messages: int
    rate: float
    valence: float | None  # None while nothing scored from this chat is in the window


_TENSE_SHARE = 0.35  # a window at least this negative reads "tense" at best, whatever its mean


@dataclass(frozen=True, slots=True)
class WindowStats:
    """The figures of one window at one moment."""

    seconds: float
    messages: int
    rate: float
    valence: float | None  # None while nothing scored is in the window
    shares: dict[str, float]
    reactions: tuple[tuple[str, int], ...]
    laughter: float  # share of counted messages that laugh
    sources: dict[str, SourceWindow] = field(default_factory=dict)  # by message source
    # EMOTIONS -> share of counted messages showing it; empty while no message in the window has emotions
    emotions: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MoodSnapshot:
    """Everything the overlay shows, at time `at`."""

    at: float
    needle: float
    mood: str
    short: WindowStats
    long: WindowStats
    total: int
    history: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    at: float
    source: str
    author: str
    weight: float  # what it adds to the valence sums (0 if capped or unscored)
    valence: float
    shares: tuple[float, float, float]
    reactions: tuple[str, ...]  # empty if the author's cap kept it from counting
    copy_key: str | None
    felt: tuple[str, ...] | None  # the emotions the line shows; None when the model reads none


class _Window:
    def __init__(self, seconds: float, config: MoodConfig) -> None:
        self.seconds = seconds
        self._config = config
        self._entries: deque[_Entry] = deque()
        self._authors: Counter[str] = Counter()
        self._copies: defaultdict[str, float] = defaultdict(float)
        self._reactions: Counter[str] = Counter()
        self._weight = self._valence = 0.0
        self._shares = [0.0, 0.0, 0.0]
        self._counted = self._laughing = 0
        # source -> [messages, weight, weight x valence]
        self._sources: dict[str, list[float]] = {}
        self._emotion_weight = 0.0  # weight of the counted messages that carry emotions
        self._felt: defaultdict[str, float] = defaultdict(float)  # emotion -> weight of those showing it

    def add(
        self,
        at: float,
        source: str,
        author: str,
        weight: float,
        sentiment: Sentiment | None,
        found: tuple[str, ...],
        copy_key: str | None,
    ) -> None:
        counted = self._authors[author] < self._config.max_per_author
        self._authors[author] += 1
        if not counted or sentiment is None:
            weight = 0.0
        if copy_key is not None:
            weight = min(weight, max(0.0, self._config.copypasta_max_weight - self._copies[copy_key]))
            self._copies[copy_key] += weight
        shares = (sentiment.negative, sentiment.neutral, sentiment.positive) if sentiment else (0.0, 0.0, 0.0)
        entry = _Entry(
            at,
            source,
            author,
            weight,
            sentiment.valence if sentiment else 0.0,
            shares,
            found if counted else (),
            copy_key,
            _shown_emotions(sentiment),
        )
        self._entries.append(entry)
        self._apply(entry, +1)

    def _apply(self, entry: _Entry, sign: int) -> None:
        self._weight += sign * entry.weight
        self._valence += sign * entry.weight * entry.valence
        for i, share in enumerate(entry.shares):
            self._shares[i] += sign * entry.weight * share
        sums = self._sources.setdefault(entry.source, [0.0, 0.0, 0.0])
        sums[0] += sign
        sums[1] += sign * entry.weight
        sums[2] += sign * entry.weight * entry.valence
        if not sums[0]:
            del self._sources[entry.source]  # also keeps float drift from outliving a quiet chat
        for reaction in entry.reactions:
            self._reactions[reaction] += sign
            if not self._reactions[reaction]:
                del self._reactions[reaction]
        if entry.weight or entry.reactions:
            self._counted += sign
            self._laughing += sign * any(r in LAUGHTER for r in entry.reactions)
        if entry.felt is not None:
            self._emotion_weight += sign * entry.weight
            for emotion in entry.felt:
                self._felt[emotion] += sign * entry.weight

    def evict(self, now: float) -> None:
        while self._entries and self._entries[0].at <= now - self.seconds:
            entry = self._entries.popleft()
            self._apply(entry, -1)
            self._authors[entry.author] -= 1
            if not self._authors[entry.author]:
                del self._authors[entry.author]
            if entry.copy_key is not None:
                self._copies[entry.copy_key] -= entry.weight
                if self._copies[entry.copy_key] <= 1e-9:
                    del self._copies[entry.copy_key]
        if not self._entries:
            # Running float sums drift over hours of adds and subtracts: start clean.
            self._weight = self._valence = 0.0
            self._shares = [0.0, 0.0, 0.0]
            self._counted = self._laughing = 0
            self._emotion_weight = 0.0
            self._felt.clear()

    def stats(self, now: float, elapsed: float, top: int) -> WindowStats:
        span = max(1.0, min(self.seconds, elapsed))
        if self._weight > 1e-9:
            valence: float | None = max(-1.0, min(1.0, self._valence / self._weight))
            shares = {name: s / self._weight for name, s in zip(("negative", "neutral", "positive"), self._shares)}
        else:
            valence, shares = None, {"negative": 0.0, "neutral": 0.0, "positive": 0.0}
        return WindowStats(
            seconds=self.seconds,
            messages=len(self._entries),
            rate=len(self._entries) / span,
            valence=valence,
            shares=shares,
            # "Recurring": a line said once is not a reaction of chat.
            reactions=tuple((r, n) for r, n in self._reactions.most_common(top) if n > 1),
            laughter=self._laughing / self._counted if self._counted else 0.0,
            sources={
                source: SourceWindow(
                    messages=int(count),
                    rate=count / span,
                    valence=max(-1.0, min(1.0, weighted / weight)) if weight > 1e-9 else None,
                )
                for source, (count, weight, weighted) in self._sources.items()
            },
            emotions=(
                {e: min(1.0, max(0.0, self._felt[e] / self._emotion_weight)) for e in EMOTIONS}
                if self._emotion_weight > 1e-9
                else {}
            ),
        )


def copypasta_key(text: str, min_chars: int) -> str | None:
    """The text as pastes of it match (case and spacing ignored); None when too short to be copypasta."""
    key = " ".join(text.lower().split())
    return key if len(key) >= min_chars else None


def _shown_emotions(sentiment: Sentiment | None) -> tuple[str, ...] | None:
    """The emotions a line shows (score 0.5 or more: the calibrated decision point)."""
    if sentiment is None or sentiment.emotions is None:
        return None
    return tuple(e for e, score in sentiment.emotions.items() if score >= 0.5)


class MoodAggregator:
    """Feeds scored messages into a short and a long window; `snapshot` reads them."""

    def __init__(self, config: MoodConfig, *, start: float) -> None:
        self.config = config
        self.total = 0
        self.needle = 0.0
        self._short = _Window(config.short_window, config)
        self._long = _Window(config.long_window, config)
        self._started = start
        self._needle_at = start
        self._history: deque[tuple[float, float]] = deque()

    def add(self, scored: Iterable[ScoredMessage]) -> None:
        for item in scored:
            message = item.message
            weight = 1.0
            if message.paid:
                weight *= self.config.superchat_weight
            if message.author.member:
                weight *= self.config.member_weight
            if item.sentiment is not None:
                # Calibrated confidence: a line the model is unsure of moves the needle little.
                weight *= max(_MIN_CONFIDENCE_WEIGHT, item.sentiment.confidence)
            found = reactions(message.text)
            copy_key = copypasta_key(message.text, self.config.copypasta_min_chars)
            for window in (self._short, self._long):
                window.add(item.at, message.source, message.viewer, weight, item.sentiment, found, copy_key)
            self.total += 1

    def snapshot(self, now: float) -> MoodSnapshot:
        """The windows as of `now`; also moves the needle towards the current mood."""
        elapsed = now - self._started
        for window in (self._short, self._long):
            window.evict(now)
        top = self.config.top_reactions
        short = self._short.stats(now, elapsed, top)
        long = self._long.stats(now, elapsed, top)
        self._move_needle(now, short, long)
        return MoodSnapshot(
            at=now,
            needle=self.needle,
            mood=mood_word(self.needle, short, long),
            short=short,
            long=long,
            total=self.total,
            history=tuple(self._history),
        )

    def _move_needle(self, now: float, short: WindowStats, long: WindowStats) -> None:
        target = short.valence if short.valence is not None else long.valence
        if target is None:
            target = 0.0
        dt = max(0.0, now - self._needle_at)
        tau = self.config.needle_smoothing
        alpha = 1.0 if tau == 0 else 1.0 - math.exp(-dt / tau)
        self.needle += alpha * (target - self.needle)
        self._needle_at = now
        if not self._history or now - self._history[-1][0] >= _HISTORY_STEP:
            self._history.append((now, self.needle))
        while self._history and self._history[0][0] < now - self.config.history_seconds:
            self._history.popleft()


def mood_of(needle: float, short: WindowStats, long: WindowStats) -> str:
    """One word for the overlay: hyped, laughing, happy, calm, tense, sad or quiet.

    It reads the short window, as the share bar does, so the two never disagree: a chat that is
    a third or more negative is at least tense, never calm or happy. The needle (which lags the
    window by its smoothing) stands in only while nothing in the window is scored.
    """
    if short.messages == 0:
        return "quiet"
    valence = needle if short.valence is None else short.valence
    if valence <= -0.35:
        return "sad"
    if valence <= -0.15 or short.shares.get("negative", 0.0) >= _TENSE_SHARE:
        return "tense"
    burst = short.rate >= 1.0 and short.rate >= 1.3 * long.rate
    if valence >= 0.45 and burst:
        return "hyped"
    if valence > 0 and short.laughter >= 0.3:
        return "laughing"
    if valence >= 0.15:
        return "happy"
    return "calm"


# The word for each feeling, and the side of the share bar it belongs to (+1 positive, -1
# negative, 0 either): a word is only said when the bar does not show the other side winning.
EMOTION_MOODS: dict[str, tuple[str, int]] = {
    "laughter": ("laughing", 1),
    "hype": ("hyped", 1),
    "love": ("wholesome", 1),
    "sad": ("sad", -1),
    "anger": ("salty", -1),
    "surprise": ("shocked", 0),
    "confusion": ("confused", 0),
}
# A feeling names the mood once this share of the short window's counted messages shows it.
_EMOTION_MOOD_SHARE = 0.3


def mood_word(needle: float, short: WindowStats, long: WindowStats) -> str:
    """What chat feels now: the strongest feeling of the short window (laughing, hyped, wholesome,
    sad, salty, shocked, confused) when the model reads emotions, else `mood_of`'s word."""
    if short.messages and short.emotions:
        lean = short.shares["positive"] - short.shares["negative"]
        fitting = [
            (share, feeling)
            for feeling, (_, side) in EMOTION_MOODS.items()
            if (share := short.emotions.get(feeling, 0.0)) >= _EMOTION_MOOD_SHARE and side * lean >= 0
        ]
        if fitting:
            return EMOTION_MOODS[max(fitting)[1]][0]
    return mood_of(needle, short, long)
