"""The JSON messages the overlay receives (documented in the README). Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .chat import SourceStatus
from .events import Event
from .mood import MoodSnapshot, SourceWindow, WindowStats
from .outputs.status import OutputStatus

__all__ = ["Counters", "SourceSummary", "build_event", "build_message", "encode"]


@dataclass(frozen=True, slots=True)
class Counters:
    """Pipeline totals shown with the mood."""

    messages: int
    scored: int
    dropped: int
    failed: int
    queue_depth: int
    queue_max: int


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One chat's line in the per-source breakdown: its key ("twitch:name"), the state of the
    source reading it, messages read from it, and what happened besides messages (raids)."""

    key: str
    status: SourceStatus
    messages: int
    events: Mapping[str, int] = field(default_factory=dict)


def _part(stats: WindowStats, key: str) -> dict[str, Any]:
    part = stats.sources.get(key) or SourceWindow(0, 0.0, None)
    return {
        "messages": part.messages,
        "rate": round(part.rate, 2),
        "valence": None if part.valence is None else round(part.valence, 4),
    }


def _sources(snapshot: MoodSnapshot, sources: Sequence[SourceSummary]) -> list[dict[str, Any]]:
    out = []
    for summary in sources:
        platform, _, channel = summary.key.partition(":")
        out.append(
            {
                "key": summary.key,
                "platform": platform,
                "channel": channel,
                "state": str(summary.status.state),
                "detail": summary.status.detail,
                "messages": summary.messages,
                "events": dict(summary.events),
                "short": _part(snapshot.short, summary.key),
                "long": _part(snapshot.long, summary.key),
            }
        )
    return out


def _window(stats: WindowStats) -> dict[str, Any]:
    return {
        "seconds": stats.seconds,
        "messages": stats.messages,
        "rate": round(stats.rate, 2),
        "valence": None if stats.valence is None else round(stats.valence, 4),
        "shares": {k: round(v, 4) for k, v in stats.shares.items()},
        "reactions": [{"text": text, "count": count} for text, count in stats.reactions],
        "emotions": {k: round(v, 4) for k, v in stats.emotions.items()},
    }


def build_message(
    kind: str,
    snapshot: MoodSnapshot,
    counters: Counters,
    source: SourceStatus,
    *,
    wall_time: float,
    ready: bool = True,
    sources: Sequence[SourceSummary] = (),
    alerts: Sequence[str] = (),
    outputs: Mapping[str, OutputStatus] | None = None,
    events: Sequence[Event] = (),
) -> dict[str, Any]:
    """A "snapshot" (with the needle's history, for new clients) or an "update" message.

    `source` is the state of all chats together; `sources` the breakdown, one chat each;
    `events` the recent events, which a snapshot carries so a page opened late still lists them.

    `wall_time` is the Unix time of `snapshot.at`; history points are shifted by the same
    offset, so the page gets Unix times without the aggregator ever reading a wall clock.
    `alerts` are what the streamer must know now (e.g. "history not saved: No space left on device").
    `outputs` are the states of what else the bot drives (VTube Studio), by name.
    """
    message: dict[str, Any] = {
        "type": kind,
        "time": round(wall_time, 3),
        "needle": round(snapshot.needle, 4),
        "mood": snapshot.mood if ready else "loading",
        "short": _window(snapshot.short),
        "long": _window(snapshot.long),
        "totals": {
            "messages": counters.messages,
            "scored": counters.scored,
            "dropped": counters.dropped,
            "failed": counters.failed,
        },
        "queue": {"depth": counters.queue_depth, "max": counters.queue_max},
        "source": {"name": source.name, "state": str(source.state), "detail": source.detail},
        "sources": _sources(snapshot, sources),
        "alerts": list(alerts),
        "outputs": {name: {"state": str(s.state), "detail": s.detail} for name, s in (outputs or {}).items()},
    }
    if kind == "snapshot":
        offset = wall_time - snapshot.at
        message["history"] = [[round(at + offset, 3), round(needle, 4)] for at, needle in snapshot.history]
        message["events"] = [build_event(event) for event in events]
    return message


def build_event(event: Event) -> dict[str, Any]:
    """An "event" message: `kind`, Unix `time` and the kind's `detail` (documented in the README)."""
    return {"type": "event", "kind": event.kind, "time": round(event.time, 3), "detail": dict(event.detail)}


def encode(message: dict[str, Any]) -> str:
    """Compact JSON text, with chat text kept as written (not \\u-escaped)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
