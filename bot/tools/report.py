"""`moodbot report`: a session's mood history as a summary, a CSV for spreadsheets and a PNG chart.

Reading is forgiving: a line that is not a well-formed record (a crash or a full disk can tear the
last one; a hand-edited file can hold anything) is skipped and counted, never fatal. What is not
the stream's mood is left out: the loading phase before the model was ready, and sessions that
never scored a message (a failed start leaves one behind).
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import DataError

__all__ = [
    "COLUMNS",
    "Moment",
    "Session",
    "find_session",
    "list_sessions",
    "read_session",
    "summary",
    "write_chart",
    "write_csv",
]

log = logging.getLogger(__name__)

# The CSV's columns, as a streamer reads them (the README documents each).
COLUMNS = [
    "Time",
    "Minutes in",
    "Mood",
    "Mood score",
    "Trend score",
    "Messages per second",
    "Negative %",
    "Neutral %",
    "Positive %",
    "New messages",
    "Messages skipped",
    "Top reaction",
    "Top reaction count",
]

# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The chart's mood band: one colour per mood word, from high to low.
_MOOD_COLOURS = {
    "hyped": "#16a34a",
    "laughing": "#facc15",
    "happy": "#86efac",
    "calm": "#b8bdc9",
    "quiet": "#e4e6eb",
    "tense": "#fb923c",
    "sad": "#e5484d",
}


class _BadLine(ValueError):
    """A history line that is not a well-formed record."""


@dataclass(frozen=True, slots=True)
class Moment:
    """The overlay's figures at one moment of the stream (one "window" line of the history)."""

    time: float  # Unix seconds
    needle: float  # the gauge, -1 .. +1
    mood: str
    valence: float | None  # the short window's mood; None while nothing in it was scored
    trend: float | None  # the long window's mood
    rate: float  # messages per second
    shares: tuple[float, float, float] | None  # negative, neutral, positive
    messages: int  # read since the start
    dropped: int  # dropped since the start
    reaction: tuple[str, int] | None  # the top reaction and its count
    emotions: dict[str, float] | None = None  # share of the short window's messages showing each


@dataclass(frozen=True, slots=True)
class Said:
    """One scored message of the history (kept when `history.messages` is on)."""

    time: float  # Unix seconds
    offset: float | None  # seconds into the video (a finished stream's chat replay)
    author: str
    text: str
    valence: float | None
    emotions: dict[str, float]


@dataclass(frozen=True)
class Session:
    """A session's moments with a mood (the loading phase left out), and what it was."""

    path: Path
    source: str
    started: float
    moments: list[Moment]
    messages: int  # message lines, when the session kept them
    skipped: int  # lines that were not well-formed records
    chat: list[Said] = field(default_factory=list)  # the scored messages, when the session kept them

    def minutes(self, moment: Moment) -> float:
        return (moment.time - self.started) / 60


def list_sessions(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def find_session(name: str, folder: Path) -> Path:
    """A session file by path, by name in `folder` (with or without .jsonl), or "latest".

    "latest" is the newest session that holds a mood: one left by a failed start is passed over.
    """
    if name == "latest":
        sessions = list_sessions(folder)
        if not sessions:
            raise DataError(f"{folder}: no sessions yet (moodbot run writes one per run)")
        for path in reversed(sessions):
            try:
                read_session(path)
            except DataError:
                log.info("%s holds no mood (a run that never scored chat): passed over", path.name)
                continue
            return path
        raise DataError(f"{folder}: no session holds a mood yet (every run stopped before scoring chat)")
    for candidate in (Path(name), folder / name, folder / f"{name}.jsonl"):
        if candidate.is_file():
            return candidate
    raise DataError(f"no session {name!r}: give a session file, a name from `moodbot report --list`, or latest")


def read_session(path: Path) -> Session:
    """Read a history file; lines that are not well-formed records are skipped and counted."""
    header: dict[str, Any] | None = None
    moments: list[Moment] = []
    chat: list[Said] = []
    skipped = 0
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    record = _record(line)
                    kind = record.get("type")
                    if kind == "session" and header is None:
                        header = {"source": _text(record, "source"), "started": _time(record, "started")}
                    elif kind == "message":
                        chat.append(_said(record))
                    elif kind == "window":
                        moment = _moment(record)
                        if moment.mood != "loading":  # the model was not ready: no mood yet
                            moments.append(moment)
                except _BadLine:
                    skipped += 1
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from exc
    if header is None:
        raise DataError(f"{path}: not a moodbot session history")
    if not any(m.valence is not None for m in moments):
        raise DataError(f"{path}: holds no mood (the run stopped before any chat was scored)")
    started = header["started"] if header["started"] is not None else moments[0].time
    chat.sort(key=lambda said: said.time)
    return Session(path, header["source"] or "", started, moments, len(chat), skipped, chat)


def _record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:  # torn by a crash, NUL bytes from a full disk, nesting
        raise _BadLine("not JSON") from exc
    if not isinstance(record, dict):
        raise _BadLine("not an object")
    return record


def _moment(window: dict[str, Any]) -> Moment:
    short, long, totals = _part(window, "short"), _part(window, "long"), _part(window, "totals")
    needle = _number(window, "needle")
    if needle is None or not -1.0 <= needle <= 1.0:
        raise _BadLine("needle")
    time = _time(window, "time")
    if time is None:
        raise _BadLine("time")
    valence = _number(short, "valence")
    shares = _shares(_part(short, "shares"))
    return Moment(
        time=time,
        needle=needle,
        mood=_text(window, "mood") or "",
        valence=valence,
        trend=_number(long, "valence"),
        rate=_number(short, "rate") or 0.0,
        shares=shares if valence is not None else None,  # nothing scored: no shares, not 0 % each
        messages=_count(totals, "messages"),
        dropped=_count(totals, "dropped"),
        reaction=_top_reaction(short.get("reactions", [])),
        emotions=_scores(_part(short, "emotions")) if "emotions" in short else None,
    )


def _said(record: dict[str, Any]) -> Said:
    time = _time(record, "time")
    if time is None:
        raise _BadLine("time")
    return Said(
        time=time,
        offset=_number(record, "offset"),
        author=_text(record, "author") or "",
        text=_text(record, "text") or "",
        valence=_number(record, "valence"),
        emotions=_scores(_part(record, "emotions")),
    )


def _scores(scores: dict[str, Any]) -> dict[str, float]:
    """Emotion → score (or share), each a number from 0 to 1."""
    out = {}
    for name in scores:
        value = _number(scores, name)
        if value is None or not 0.0 <= value <= 1.0:
            raise _BadLine(name)
        out[str(name)] = value
    return out


def _part(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key, {})
    if not isinstance(value, dict):
        raise _BadLine(key)
    return value


def _number(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BadLine(key)
    try:
        number = float(value)
    except OverflowError:  # an integer too big for a float
        raise _BadLine(key) from None
    if not math.isfinite(number):
        raise _BadLine(key)
    return number


def _time(record: dict[str, Any], key: str) -> float | None:
    """Unix seconds that a calendar can show (1e20 cannot)."""
    value = _number(record, key)
    if value is not None:
        try:
            datetime.fromtimestamp(value)
        except (OverflowError, OSError, ValueError):
            raise _BadLine(key) from None
    return value


def _count(record: dict[str, Any], key: str) -> int:
    value = record.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadLine(key)
    return value


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise _BadLine(key)
    return value


def _shares(shares: dict[str, Any]) -> tuple[float, float, float] | None:
    values = [_number(shares, name) for name in ("negative", "neutral", "positive")]
    if any(v is None for v in values):
        return None
    negative, neutral, positive = (v or 0.0 for v in values)
    return negative, neutral, positive


def _top_reaction(reactions: Any) -> tuple[str, int] | None:
    if not isinstance(reactions, list) or not all(isinstance(r, dict) for r in reactions):
        raise _BadLine("reactions")
    if not reactions:
        return None
    text = _text(reactions[0], "text")
    count = _count(reactions[0], "count")
    return (text, count) if text else None


# ---------- the CSV ----------


def write_csv(session: Session, out: Path) -> None:
    """One row per moment, with plain column names (COLUMNS) and percentages.

    UTF-8 with a byte-order mark, which is how Excel on Windows knows the file is UTF-8 (without
    it 草 and 😭 come out as mojibake). Chat text that a spreadsheet would run as a formula is
    prefixed with a quote.
    """
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        previous: Moment | None = None
        for moment in session.moments:
            writer.writerow([_cell(value) for value in _csv_row(session, moment, previous)])
            previous = moment


def _csv_row(session: Session, moment: Moment, previous: Moment | None) -> list[Any]:
    negative, neutral, positive = moment.shares or (None, None, None)
    reaction, count = moment.reaction or ("", None)
    return [
        datetime.fromtimestamp(moment.time).strftime("%Y-%m-%d %H:%M:%S"),
        round(session.minutes(moment), 2),
        moment.mood,
        _percent(moment.needle),
        _percent(moment.trend),
        round(moment.rate, 2),
        _percent(negative),
        _percent(neutral),
        _percent(positive),
        moment.messages - (previous.messages if previous else 0),
        moment.dropped - (previous.dropped if previous else 0),
        reaction,
        count,
    ]


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (OWASP: prefix it with a quote)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# ---------- the chart ----------


def write_chart(session: Session, out: Path) -> None:
    """The mood over the stream with its happiest and saddest moments marked, the mood word band
    under it, and messages per second at the bottom."""
    try:
        import matplotlib
    except ImportError:
        raise DataError("the chart needs matplotlib: pip install 'moodbot[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fonts = _chart_fonts()
    moments = session.moments
    minutes = [session.minutes(m) for m in moments]
    needle = [m.needle for m in moments]
    with plt.rc_context({"font.family": fonts}):
        fig, (top, band, bottom) = plt.subplots(
            3, 1, figsize=(11, 6.2), sharex=True, height_ratios=[3, 0.35, 1], gridspec_kw={"hspace": 0.08}
        )
        top.plot(minutes, needle, color="#333", linewidth=1.2)
        top.fill_between(
            minutes, needle, 0, where=[v >= 0 for v in needle], color="#2fbf71", alpha=0.35, interpolate=True
        )
        top.fill_between(
            minutes, needle, 0, where=[v < 0 for v in needle], color="#e5484d", alpha=0.35, interpolate=True
        )
        top.axhline(0, color="#999", linewidth=0.8, linestyle="--")
        top.set_ylim(-1.15, 1.15)
        top.set_ylabel("mood (−1 sad … +1 happy)")
        best, worst = _extremes(moments)
        for moment, label, colour, offset in ((best, "happiest", "#198754", 14), (worst, "saddest", "#c0392b", -22)):
            x = session.minutes(moment)
            top.plot([x], [moment.needle], marker="o", markersize=7, color=colour, zorder=3)
            top.annotate(
                _moment_label(label, moment, x, fonts),
                (x, moment.needle),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                fontsize=9,
                color=colour,
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour, "lw": 0.8, "alpha": 0.9},
            )
        started = datetime.fromtimestamp(session.started).strftime("%Y-%m-%d %H:%M")
        source = _renderable(session.source, fonts) or session.path.stem
        top.set_title(f"{source} — {started}, {minutes[-1]:.0f} min, {moments[-1].messages:,} messages")

        # The mood word band: each stretch in its colour, named where it is wide enough to read.
        spans = _mood_spans(moments, minutes)
        for mood, start, end in spans:
            band.broken_barh([(start, end - start)], (0, 1), color=_MOOD_COLOURS.get(mood, "#cccccc"))
            if end - start >= 0.06 * minutes[-1]:
                band.text((start + end) / 2, 0.5, mood, ha="center", va="center", fontsize=8, color="#1b1e29")
        band.set_ylim(0, 1)
        band.set_yticks([])
        band.set_ylabel("mood", rotation=0, ha="right", va="center")
        seen = {mood for mood, _, _ in spans}
        fig.legend(
            handles=[Patch(color=c, label=m) for m, c in _MOOD_COLOURS.items() if m in seen],
            loc="lower center",
            ncol=len(_MOOD_COLOURS),
            frameon=False,
            fontsize=8,
            handlelength=1.2,
        )

        bottom.fill_between(minutes, [m.rate for m in moments], color="#6e56cf", alpha=0.5, step="mid")
        bottom.set_ylabel("msg/s")
        bottom.set_xlabel("minutes into the stream")
        bottom.set_xlim(0, minutes[-1])  # from the start of the run, loading included
        fig.subplots_adjust(left=0.08, right=0.98, top=0.94, bottom=0.14)
        fig.savefig(out, dpi=110)
        plt.close(fig)


def _extremes(moments: Sequence[Moment]) -> tuple[Moment, Moment]:
    """The happiest and saddest moments among those where chat had a mood."""
    scored = [m for m in moments if m.valence is not None]
    return max(scored, key=lambda m: m.needle), min(scored, key=lambda m: m.needle)


def _moment_label(label: str, moment: Moment, minute: float, fonts: list[str]) -> str:
    text = f"{label} {moment.needle:+.2f} at {minute:.1f} min"
    if moment.reaction and (reaction := _renderable(moment.reaction[0], fonts)) == moment.reaction[0]:
        text += f" · {reaction} ×{moment.reaction[1]}"
    return text


def _mood_spans(moments: Sequence[Moment], minutes: Sequence[float]) -> list[tuple[str, float, float]]:
    """Consecutive moments with the same mood word as (mood, start, end) in minutes."""
    spans: list[tuple[str, float, float]] = []
    for i, moment in enumerate(moments):
        end = minutes[i + 1] if i + 1 < len(moments) else minutes[i]
        if spans and spans[-1][0] == moment.mood:
            spans[-1] = (moment.mood, spans[-1][1], end)
        else:
            spans.append((moment.mood, minutes[i], end))
    return spans


# Fonts tried for chart text, in order: matplotlib's own, then Japanese-capable ones on Linux,
# Windows and macOS (chat reactions and recording names are often Japanese).
_FONT_CANDIDATES = ("DejaVu Sans", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", "Meiryo", "Hiragino Sans")


def _chart_fonts() -> list[str]:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in _FONT_CANDIDATES if name in installed] or ["sans-serif"]


def _renderable(text: str, fonts: list[str]) -> str:
    """`text` without the characters none of `fonts` can draw (emoji would come out as boxes)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    covered: set[int] = set()
    for name in fonts:
        path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        covered |= set(FT2Font(path).get_charmap())
    return "".join(c for c in text if c == " " or ord(c) in covered)


# ---------- the terminal ----------


def summary(session: Session) -> str:
    """A few lines for the terminal: length, volume, the happiest and saddest moments."""
    moments = session.moments
    best, worst = _extremes(moments)
    scored = [m for m in moments if m.valence is not None]
    mean = sum(m.needle for m in scored) / len(scored)
    last = moments[-1]
    lines = [
        f"session   {session.path.name} ({session.source})",
        f"length    {session.minutes(last):.1f} min, {last.messages} messages, {last.dropped} dropped",
        f"mood      average {mean:+.2f}",
        f"happiest  {_moment_line(session, best)}",
        f"saddest   {_moment_line(session, worst)}",
    ]
    if session.skipped:
        lines.append(f"skipped   {session.skipped} unreadable lines of the history")
    return "\n".join(lines)


def _moment_line(session: Session, moment: Moment) -> str:
    line = f"{moment.needle:+.2f} at {session.minutes(moment):.1f} min ({moment.mood}"
    if moment.reaction:
        line += f", {moment.reaction[0]} ×{moment.reaction[1]}"
    return line + ")"
