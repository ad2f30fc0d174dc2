"""The moments chat exploded: where chat laughed, went wild, cried or was shocked. Pure.

Each kind of moment has a per-second signal: how many messages a second show it (a message shows
an emotion when its score is 0.5 or more; a mood drop counts clearly negative messages). The
signal is counted over `SMOOTH` seconds and compared, on a square-root scale, with the stream's own
baseline around it (a rolling median and MAD over `BASELINE` seconds), so a 5 msg/s stream and a
300 msg/s stream both have moments. A moment is where the signal stands `MIN_INTENSITY` deviations
or more above the baseline; moments closer than `MERGE_GAP` are one. Its intensity is the
deviations at its peak.

Times are seconds from the stream's start (see `bot.tools.report` for how that start is found).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "KINDS",
    "MIN_INTENSITY",
    "ChatLine",
    "Highlight",
    "Quote",
    "Sample",
    "find_moments",
    "format_time",
    "kind_score",
]

# The kinds of moments, and the emotion each one counts (mood drops count negative messages).
KINDS = ("laughter", "hype", "love", "sad", "surprise", "tech_problem", "mood_drop")
_EMOTION = {"laughter": "laughter", "hype": "hype", "love": "love", "sad": "sad", "surprise": "surprise"}
_EMOTION["tech_problem"] = "tech"
SHOWS = 0.5  # an emotion score from which a message shows it (the model's own threshold)
NEGATIVE = -0.4  # a message this negative or worse counts towards a mood drop

SMOOTH = 10  # seconds the signal is averaged over: a burst of chat lasts about this long
BASELINE = 600  # seconds of stream around each second that make its baseline
_BASELINE_STEP = 5  # the baseline is computed every this many seconds and interpolated between
MIN_INTENSITY = 5.0  # deviations above the baseline for a moment
_EDGE_INTENSITY = 2.0  # a moment spans the seconds around its peak that stay this far above
MERGE_GAP = 30.0  # seconds: moments closer than this are one
MIN_MESSAGES = 3  # messages showing the kind inside a moment, at least
QUOTES = 3  # representative messages per moment
_MAD_TO_SD = 1.4826  # the MAD of a normal distribution times this is its standard deviation
_COUNT_NOISE = 0.5  # the standard deviation of the square root of a Poisson count


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One scored message: seconds from the stream's start, who, what, and how it felt."""

    at: float
    author: str
    text: str
    valence: float | None
    emotions: Mapping[str, float]  # emotion → score; empty when the model reads none


@dataclass(frozen=True, slots=True)
class Sample:
    """One window of the history (when no messages were kept): its rate and the share of its
    messages showing each kind."""

    at: float
    rate: float
    shares: Mapping[str, float]  # kind → share of the window's counted messages


@dataclass(frozen=True, slots=True)
class Quote:
    """A message that says what the moment was."""

    at: float
    author: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Highlight:
    """A moment worth clipping: its kind, rank among its kind (1 = strongest), when it started,
    peaked and ended (seconds from the stream's start), its intensity (deviations above the
    stream's baseline at the peak), messages a second showing it at the peak and as usual, how
    many messages showed it, and its most typical messages."""

    kind: str
    rank: int
    start: float
    peak: float
    end: float
    intensity: float
    rate: float
    baseline: float
    messages: int
    quotes: tuple[Quote, ...]


def kind_score(kind: str, valence: float | None, emotions: Mapping[str, float]) -> float:
    """How strongly one message shows `kind` (it shows it from `SHOWS` on)."""
    if kind == "mood_drop":
        # -0.4 → 0.5, -1 → 1: on the same scale as the emotions.
        return 0.0 if valence is None else max(0.0, SHOWS + (NEGATIVE - valence) / (1 + NEGATIVE) * (1 - SHOWS))
    return float(emotions.get(_EMOTION[kind], 0.0))


def find_moments(
    lines: Sequence[ChatLine],
    samples: Sequence[Sample] = (),
    *,
    top: int = 5,
    min_intensity: float = MIN_INTENSITY,
) -> dict[str, list[Highlight]]:
    """The `top` moments of each kind, strongest first. From `lines` (sorted by time) when the
    session kept its messages, else from the windows' `samples`."""
    lines = [line for line in lines if line.at >= 0]
    if lines:
        length = int(lines[-1].at) + 1
        signals = _line_signals(lines, length)
    elif samples:
        length = int(max(s.at for s in samples)) + 1
        signals = _sample_signals(samples, length)
    else:
        return {kind: [] for kind in KINDS}
    times = [line.at for line in lines]
    found: dict[str, list[Highlight]] = {}
    for kind in KINDS:
        spans = _spans(signals[kind], min_intensity)
        spans.sort(key=lambda span: -span.intensity)
        kept = [span for span in spans if not lines or _count(lines, times, kind, span) >= MIN_MESSAGES][:top]
        found[kind] = [_highlight(kind, rank, span, lines, times) for rank, span in enumerate(kept, 1)]
    return found


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    peak: int
    end: int
    intensity: float
    rate: float
    baseline: float


def _line_signals(lines: Sequence[ChatLine], length: int) -> dict[str, np.ndarray]:
    """Messages a second showing each kind."""
    seconds = np.array([int(line.at) for line in lines])
    signals = {}
    for kind in KINDS:
        shows = np.array([kind_score(kind, line.valence, line.emotions) >= SHOWS for line in lines], dtype=float)
        signals[kind] = np.bincount(seconds, weights=shows, minlength=length).astype(float)
    return signals


def _sample_signals(samples: Sequence[Sample], length: int) -> dict[str, np.ndarray]:
    """Messages a second showing each kind, as each window last said (rate × share)."""
    ordered = sorted(samples, key=lambda s: s.at)
    starts = [int(s.at) for s in ordered]
    signals = {}
    for kind in KINDS:
        signal = np.zeros(length)
        for i, sample in enumerate(ordered):
            end = starts[i + 1] if i + 1 < len(ordered) else length
            signal[starts[i] : max(end, starts[i] + 1)] = sample.rate * sample.shares.get(kind, 0.0)
        signals[kind] = signal
    return signals


def _spans(raw: np.ndarray, min_intensity: float) -> list[_Span]:
    """Where the smoothed signal stands `min_intensity` deviations above its rolling baseline."""
    if not raw.any():
        return []
    smooth = np.convolve(raw, np.ones(SMOOTH) / SMOOTH, mode="same")
    # On the square root of the count (Anscombe), counting noise is the same at 5 and 300 msg/s
    # (a standard deviation of 1/2), and a quiet kind's 10 messages in 10 s is not a 6-sigma event.
    level = np.sqrt(smooth * SMOOTH + 3 / 8)
    median, spread = _baseline(level)
    z = (level - median) / np.maximum(_MAD_TO_SD * spread, _COUNT_NOISE)
    usual = np.maximum(median**2 - 3 / 8, 0.0) / SMOOTH  # messages a second, as usual
    above = np.flatnonzero(z >= _EDGE_INTENSITY)
    if not above.size:
        return []
    spans: list[_Span] = []
    # Runs of seconds above the edge, joined when closer than MERGE_GAP; kept when they peak high enough.
    breaks = np.flatnonzero(np.diff(above) > MERGE_GAP) + 1
    for run in np.split(above, breaks):
        first, last = int(run[0]), int(run[-1])
        peak = first + int(np.argmax(z[first : last + 1]))
        if z[peak] < min_intensity:
            continue
        # The smoothing reaches SMOOTH/2 s ahead: start at the first second that itself stood out.
        # (a single second at half the peak's excess, and beyond the noise of a second's count).
        step = np.maximum(usual + 0.5 * (smooth[peak] - usual), usual + 2 * np.sqrt(usual + 1))
        busy = np.flatnonzero(raw[first : last + 1] >= step[first : last + 1])
        start = first + int(busy[0]) if busy.size else first
        spans.append(_Span(start, peak, last, float(z[peak]), float(smooth[peak]), float(usual[peak])))
    return spans


def _baseline(signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rolling median and MAD of `signal` over BASELINE seconds around each second."""
    half = BASELINE // 2
    padded = np.pad(signal, half, mode="reflect" if len(signal) > half else "edge")
    at = np.arange(0, len(signal), _BASELINE_STEP)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[at]
    median = np.median(windows, axis=1)
    mad = np.median(np.abs(windows - median[:, None]), axis=1)
    seconds = np.arange(len(signal))
    return np.interp(seconds, at, median), np.interp(seconds, at, mad)


def _count(lines: Sequence[ChatLine], times: list[float], kind: str, span: _Span) -> int:
    return sum(kind_score(kind, line.valence, line.emotions) >= SHOWS for line in _inside(lines, times, span))


def _inside(lines: Sequence[ChatLine], times: list[float], span: _Span) -> Sequence[ChatLine]:
    return lines[bisect.bisect_left(times, span.start) : bisect.bisect_left(times, span.end + 1)]


def _highlight(kind: str, rank: int, span: _Span, lines: Sequence[ChatLine], times: list[float]) -> Highlight:
    inside = _inside(lines, times, span)
    scored = [(kind_score(kind, line.valence, line.emotions), line) for line in inside]
    showing = [(score, line) for score, line in scored if score >= SHOWS]
    return Highlight(
        kind=kind,
        rank=rank,
        start=float(span.start),
        peak=float(span.peak),
        end=float(span.end + 1),
        intensity=round(span.intensity, 2),
        rate=round(span.rate, 2),
        baseline=round(span.baseline, 2),
        messages=len(showing),
        quotes=_quotes(showing),
    )


_REPEATS = re.compile(r"(.)\1{2,}")


def _quotes(showing: list[tuple[float, ChatLine]]) -> tuple[Quote, ...]:
    """The most typical messages: the highest scores, one of each text (草草草 and 草草草草 are one)."""
    quotes: list[Quote] = []
    seen: set[str] = set()
    for score, line in sorted(showing, key=lambda pair: (-pair[0], pair[1].at)):
        key = _REPEATS.sub(r"\1\1", " ".join(line.text.casefold().split()))
        if key in seen or not key:
            continue
        seen.add(key)
        quotes.append(Quote(line.at, line.author, line.text, round(score, 3)))
        if len(quotes) == QUOTES:
            break
    return tuple(quotes)


def format_time(seconds: float) -> str:
    """1:02:03 (or 2:03 under an hour), as video players show it."""
    whole = max(0, math.floor(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
