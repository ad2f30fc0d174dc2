"""The report's moments: stream-relative times, VOD links, the moments CSV and the HTML report.

The HTML report is one self-contained file (inline CSS, SVG and a few lines of JS; nothing is
fetched, so it opens offline): the mood and emotion timeline with the moments as markers, and each
moment with its time as a link to the VOD at that second and its most typical messages. Chat text
is always escaped: a message reading `<script>` shows as those characters.

Stream-relative time: a finished YouTube stream's chat replay gives each message its second in
the video (kept in the history as `offset`); a recorded chat counts from its first message; a live
session counts from when moodbot started, a proxy for the stream's start (YouTube's actual start
time is not read), so its links can be off by however long moodbot and the stream started apart.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scoring.sentiment import EMOTIONS
from .moments import KINDS, ChatLine, Highlight, Sample, find_moments, format_time
from .report import Session, _cell

__all__ = [
    "MOMENT_COLUMNS",
    "StreamView",
    "stream_view",
    "vod_url",
    "write_html",
    "write_moments_csv",
]

# The moments CSV's columns, for clip tools (the README documents each).
MOMENT_COLUMNS = [
    "Kind",
    "Rank",
    "Start",
    "Start seconds",
    "Peak seconds",
    "End seconds",
    "Intensity",
    "Messages",
    "Link",
    "Message 1",
    "Message 2",
    "Message 3",
]

_RECORDED_BEFORE = 60.0  # a first message this long before the session began was recorded earlier
_TIMELINE_POINTS = 400  # most points on the timeline: a 3-hour stream gets one per 27 s
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VOD_PATTERNS = (
    (re.compile(r"(?:youtu\.be/|[?&]v=|/live/|/shorts/)([A-Za-z0-9_-]{11})"), "youtube"),
    (re.compile(r"twitch\.tv/videos/(\d+)"), "twitch"),
    (re.compile(r"^(\d{5,})$"), "twitch"),
    (re.compile(r"^([A-Za-z0-9_-]{11})$"), "youtube"),
)
# The timeline's colour of each kind of moment (the mood line is drawn in grey).
_COLOURS = {
    "laughter": "#d4a017",
    "hype": "#16a34a",
    "love": "#db2777",
    "sad": "#2563eb",
    "surprise": "#9333ea",
    "tech_problem": "#64748b",
    "mood_drop": "#dc2626",
}
_KIND_NAMES = {
    "laughter": "Laughter",
    "hype": "Hype",
    "love": "Love",
    "sad": "Sad",
    "surprise": "Surprise",
    "tech_problem": "Tech problems",
    "mood_drop": "Mood drops",
}
_EMOTION_OF_KIND = {"tech_problem": "tech"}


@dataclass(frozen=True)
class StreamView:
    """A session seen from the stream's start: its moments, timeline and VOD."""

    base: str  # how times are counted, in words
    length: float  # seconds
    moments: dict[str, list[Highlight]]
    timeline: list[dict[str, Any]]  # {"at", "rate", "valence", "emotions": {kind: share}}
    vod: tuple[str, str] | None  # ("youtube" | "twitch", id)


def stream_view(session: Session, vod: str | None = None) -> StreamView:
    """Moments and timeline of `session`; `vod` (a URL or id) names the video the links open."""
    lines, base = _chat_lines(session)
    samples = [] if lines else _samples(session)
    length = max([line.at for line in lines] + [s.at for s in samples] + [0.0])
    timeline = _line_timeline(lines, length) if lines else _sample_timeline(samples, session)
    return StreamView(base, length, find_moments(lines, samples), timeline, _vod(vod, session.source))


def _chat_lines(session: Session) -> tuple[list[ChatLine], str]:
    chat = session.chat
    if not chat:
        return [], "from when moodbot started (the session kept no messages: run with history.messages on)"
    if all(said.offset is not None for said in chat):
        base = "from the start of the video (YouTube's chat replay gives each message its second)"
        at = [said.offset or 0.0 for said in chat]
    elif chat[0].time < session.started - _RECORDED_BEFORE:
        base = "from the first message of the recorded chat"
        at = [said.time - chat[0].time for said in chat]
    else:
        base = "from when moodbot started (the stream's actual start is not known; links may be off by that much)"
        at = [said.time - session.started for said in chat]
    lines = [ChatLine(t, said.author, said.text, said.valence, said.emotions) for t, said in zip(at, chat, strict=True)]
    lines.sort(key=lambda line: line.at)
    return lines, base


def _samples(session: Session) -> list[Sample]:
    """The windows as samples, for a session without messages (shares from the emotion shares)."""
    out = []
    for moment in session.moments:
        shares = {kind: (moment.emotions or {}).get(_EMOTION_OF_KIND.get(kind, kind), 0.0) for kind in KINDS}
        shares["mood_drop"] = moment.shares[0] if moment.shares else 0.0
        out.append(Sample(moment.time - session.started, moment.rate, shares))
    return out


def _line_timeline(lines: Sequence[ChatLine], length: float) -> list[dict[str, Any]]:
    """The chat in even bins: messages a second, mean valence and each emotion's share."""
    step = max(10.0, length / _TIMELINE_POINTS)
    bins: dict[int, list[ChatLine]] = {}
    for line in lines:
        bins.setdefault(int(line.at // step), []).append(line)
    points = []
    for index in range(int(length // step) + 1):
        inside = bins.get(index, [])
        valences = [line.valence for line in inside if line.valence is not None]
        points.append(
            {
                "at": round((index + 0.5) * step, 1),
                "rate": round(len(inside) / step, 2),
                "valence": round(sum(valences) / len(valences), 3) if valences else None,
                "emotions": {
                    name: round(sum(line.emotions.get(name, 0.0) >= 0.5 for line in inside) / len(inside), 3)
                    for name in EMOTIONS
                }
                if inside
                else {},
            }
        )
    return points


def _sample_timeline(samples: Sequence[Sample], session: Session) -> list[dict[str, Any]]:
    return [
        {"at": round(s.at, 1), "rate": m.rate, "valence": m.needle, "emotions": m.emotions or {}}
        for s, m in zip(samples, session.moments, strict=True)
    ]


def _vod(vod: str | None, source: str) -> tuple[str, str] | None:
    """The video the links open: the one given, else the session's YouTube video."""
    if vod:
        for pattern, platform in _VOD_PATTERNS:
            if match := pattern.search(vod.strip()):
                return platform, match.group(1)
        return None
    for part in source.split("+"):
        platform, _, ident = part.partition("-")
        if platform == "youtube" and _YOUTUBE_ID.match(ident):
            return "youtube", ident
    return None


def vod_url(vod: tuple[str, str] | None, seconds: float) -> str | None:
    """The VOD at `seconds`: youtu.be/ID?t=SECONDS or twitch.tv/videos/ID?t=1h2m3s."""
    if vod is None:
        return None
    platform, ident = vod
    whole = max(0, int(seconds))
    if platform == "youtube":
        return f"https://youtu.be/{ident}?t={whole}"
    hours, rest = divmod(whole, 3600)
    return f"https://www.twitch.tv/videos/{ident}?t={hours}h{rest // 60}m{rest % 60}s"


# ---------- the moments CSV ----------


def write_moments_csv(view: StreamView, out: Path) -> None:
    """One row per moment, kind by kind, strongest first; the same CSV safety as the mood CSV
    (a byte-order mark for Excel, chat that looks like a formula prefixed with a quote)."""
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MOMENT_COLUMNS)
        for kind in KINDS:
            for m in view.moments[kind]:
                quotes = [q.text for q in m.quotes] + [""] * (3 - len(m.quotes))
                row = [
                    kind,
                    m.rank,
                    format_time(m.start),
                    int(m.start),
                    int(m.peak),
                    int(m.end),
                    m.intensity,
                    m.messages,
                    vod_url(view.vod, m.start) or "",
                    *quotes,
                ]
                writer.writerow([_cell(value) for value in row])


# ---------- the HTML ----------

_WIDTH, _HEIGHT = 1000, 340
_PAD_LEFT, _PAD_RIGHT, _MOOD_TOP, _MOOD_BOTTOM, _EMO_TOP, _EMO_BOTTOM = 64, 12, 16, 120, 224, 320
_LANE = 13  # the markers: one lane per kind between the mood and the emotions, so none hides another

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK JP","Yu Gothic",sans-serif;
margin:0 auto;max-width:1040px;padding:16px;color:#1b1e29;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.meta{color:#555;margin:0 0 12px}
svg{width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px}
.axis{stroke:#bbb;stroke-width:1}.zero{stroke:#999;stroke-dasharray:4 3}
.label{font-size:11px;fill:#555}.mood{fill:none;stroke:#333;stroke-width:1.6}
.emo{fill:none;stroke-width:1.2;opacity:.85}
.marker circle{stroke:#fff;stroke-width:1.5;cursor:pointer}.marker:hover circle{r:7}
.legend span{display:inline-block;margin-right:12px;font-size:13px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:4px;vertical-align:-1px}
ol.moments{padding-left:22px}ol.moments>li{margin:8px 0;padding:8px 10px;background:#fff;
border:1px solid #e3e3e3;border-radius:6px;scroll-margin-top:12px}
ol.moments>li.picked{outline:3px solid #f59e0b}
.time{font-weight:600;font-variant-numeric:tabular-nums}
.figures{color:#555;font-size:13px}
blockquote{margin:4px 0 0 0;padding:0 0 0 10px;border-left:3px solid #ddd}
blockquote p{margin:2px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.who{color:#777;font-size:12px;margin-right:6px}
.none{color:#777}
"""

# Clicking a marker follows its #anchor (the browser scrolls there); this only highlights it.
_JS = """
function pick(id){document.querySelectorAll('li.picked').forEach(function(e){e.classList.remove('picked')});
var e=document.getElementById(id);if(e){e.classList.add('picked');e.scrollIntoView({block:'center'});}}
document.querySelectorAll('a.marker').forEach(function(a){a.addEventListener('click',function(ev){
ev.preventDefault();var id=a.getAttribute('href').slice(1);history.replaceState(null,'','#'+id);pick(id);});});
if(location.hash)pick(location.hash.slice(1));
"""


def write_html(session: Session, view: StreamView, out: Path) -> None:
    """The self-contained HTML report of `session`."""
    out.write_text(render_html(session, view), encoding="utf-8")


def render_html(session: Session, view: StreamView) -> str:
    e = html.escape
    title = f"moodbot report: {session.source or session.path.stem}"
    total = sum(len(found) for found in view.moments.values())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may load from elsewhere: the report opens offline and chat text can never fetch.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{format_time(view.length)} of chat, {session.messages:,} messages scored, '
        f"{total} moments. Times count {e(view.base)}.</p>",
        _svg(view),
        _legend(),
    ]
    for kind in KINDS:
        parts.append(f'<h2 id="kind-{kind}">{_KIND_NAMES[kind]}</h2>')
        found = view.moments[kind]
        if not found:
            parts.append('<p class="none">No moment of this kind stood out from the stream\'s own baseline.</p>')
            continue
        parts.append(f'<ol class="moments" data-kind="{kind}">')
        parts.extend(_moment_item(view, m) for m in found)
        parts.append("</ol>")
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


def _moment_item(view: StreamView, m: Highlight) -> str:
    e = html.escape
    url = vod_url(view.vod, m.start)
    when = format_time(m.start)
    time_html = (
        f'<a class="time vod" href="{e(url)}" data-seconds="{int(m.start)}" target="_blank" rel="noopener">{when}</a>'
        if url
        else f'<span class="time" data-seconds="{int(m.start)}">{when}</span>'
    )
    quotes = "".join(
        f'<p><span class="who">{e(q.author)}</span><span class="text">{e(q.text)}</span></p>' for q in m.quotes
    )
    return (
        f'<li id="moment-{m.kind}-{m.rank}" data-start="{m.start:g}" data-peak="{m.peak:g}">{time_html} '
        f'<span class="figures">peak at {format_time(m.peak)}, {m.end - m.start:.0f} s long, intensity '
        f"{m.intensity:g} (×{m.rate / m.baseline if m.baseline else 0:.1f} the usual rate), "
        f"{m.messages} messages</span>" + (f"<blockquote>{quotes}</blockquote>" if quotes else "") + "</li>"
    )


def _x(at: float, length: float) -> float:
    return _PAD_LEFT + (_WIDTH - _PAD_LEFT - _PAD_RIGHT) * (at / length if length else 0.0)


def _polyline(points: list[tuple[float, float]], css: str, colour: str = "") -> str:
    if len(points) < 2:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    stroke = f' stroke="{colour}"' if colour else ""
    return f'<polyline class="{css}"{stroke} points="{coords}"/>'


def _svg(view: StreamView) -> str:
    length = view.length or 1.0
    mood_mid = (_MOOD_TOP + _MOOD_BOTTOM) / 2
    half = (_MOOD_BOTTOM - _MOOD_TOP) / 2
    parts = [
        f'<svg id="timeline" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="mood and emotions over the stream">',
        f'<line class="zero" x1="{_PAD_LEFT}" x2="{_WIDTH - _PAD_RIGHT}" y1="{mood_mid}" y2="{mood_mid}"/>',
        f'<text class="label" x="4" y="{_MOOD_TOP + 8}">happy</text>',
        f'<text class="label" x="4" y="{_MOOD_BOTTOM}">sad</text>',
        f'<text class="label" x="4" y="{_EMO_TOP + 8}">emotions</text>',
        f'<line class="axis" x1="{_PAD_LEFT}" x2="{_WIDTH - _PAD_RIGHT}" y1="{_EMO_BOTTOM}" y2="{_EMO_BOTTOM}"/>',
    ]
    # Time ticks: every 10 minutes up to an hour of stream, then every 30.
    tick = 600 if length <= 3600 else 1800
    for t in range(0, int(length) + 1, tick):
        parts.append(f'<text class="label" x="{_x(t, length):.1f}" y="{_HEIGHT - 4}">{format_time(t)}</text>')
    mood = [(_x(p["at"], length), mood_mid - half * p["valence"]) for p in view.timeline if p["valence"] is not None]
    parts.append(_polyline(mood, "mood"))
    peak_share = max([share for p in view.timeline for share in p["emotions"].values()] + [0.01])
    for kind in KINDS:
        if kind == "mood_drop":
            continue
        name = _EMOTION_OF_KIND.get(kind, kind)
        series = [
            (_x(p["at"], length), _EMO_BOTTOM - (_EMO_BOTTOM - _EMO_TOP) * p["emotions"].get(name, 0.0) / peak_share)
            for p in view.timeline
            if p["emotions"]
        ]
        parts.append(_polyline(series, "emo", _COLOURS[kind]))
    for kind in KINDS:
        lane = _MOOD_BOTTOM + 6 + _LANE * (KINDS.index(kind) + 0.5)
        if view.moments[kind]:
            parts.append(f'<text class="label" x="4" y="{lane + 4:.0f}">{_KIND_NAMES[kind]}</text>')
        for m in view.moments[kind]:
            x = _x(m.peak, length)
            label = f"{_KIND_NAMES[kind]} #{m.rank} at {format_time(m.start)}"
            parts.append(
                f'<a class="marker" href="#moment-{kind}-{m.rank}" data-kind="{kind}">'
                f'<circle cx="{x:.1f}" cy="{lane:.1f}" r="5" fill="{_COLOURS[kind]}"/>'
                f"<title>{html.escape(label)}</title></a>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _legend() -> str:
    items = "".join(f'<span><i style="background:{_COLOURS[k]}"></i>{_KIND_NAMES[k]}</span>' for k in KINDS)
    return f'<p class="legend"><span><i style="background:#333"></i>Mood</span>{items}</p>'
