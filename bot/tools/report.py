"""`moodbot report`: turn a session's mood history into a CSV and a PNG chart for review."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import DataError

__all__ = ["Session", "find_session", "list_sessions", "read_session", "write_chart", "write_csv"]

COLUMNS = [
    "time",
    "seconds",
    "needle",
    "mood",
    "short_valence",
    "long_valence",
    "rate",
    "negative",
    "neutral",
    "positive",
    "messages",
    "scored",
    "dropped",
    "top_reaction",
]


@dataclass(frozen=True)
class Session:
    """A session's windows as rows (one dict per COLUMNS), and what it was."""

    path: Path
    source: str
    started: float
    rows: list[dict]
    messages: int  # message lines, when the session kept them


def list_sessions(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def find_session(name: str, folder: Path) -> Path:
    """A session file by path, by name in `folder` (with or without .jsonl), or "latest"."""
    if name == "latest":
        sessions = list_sessions(folder)
        if not sessions:
            raise DataError(f"{folder}: no sessions yet (moodbot run writes one per run)")
        return sessions[-1]
    for candidate in (Path(name), folder / name, folder / f"{name}.jsonl"):
        if candidate.is_file():
            return candidate
    raise DataError(f"no session {name!r}: give a session file, a name from `moodbot report --list`, or latest")


def read_session(path: Path) -> Session:
    """Read a history file; a line cut short by a crash is skipped."""
    header: dict = {}
    rows: list[dict] = []
    messages = 0
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from exc
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        kind = record.get("type") if isinstance(record, dict) else None
        if kind == "session":
            header = record
        elif kind == "message":
            messages += 1
        elif kind == "window":
            rows.append(_row(record))
    if not header or not rows:
        raise DataError(f"{path}: not a moodbot session history (or it holds no mood yet)")
    start = header.get("started", rows[0]["time"])
    for row in rows:
        row["seconds"] = round(row["time"] - start, 1)
    return Session(path, header.get("source", ""), start, rows, messages)


def _row(window: dict) -> dict:
    short, long = window.get("short", {}), window.get("long", {})
    shares = short.get("shares", {})
    reactions = short.get("reactions") or [{}]
    totals = window.get("totals", {})
    return {
        "time": window.get("time", 0.0),
        "needle": window.get("needle"),
        "mood": window.get("mood"),
        "short_valence": short.get("valence"),
        "long_valence": long.get("valence"),
        "rate": short.get("rate"),
        "negative": shares.get("negative"),
        "neutral": shares.get("neutral"),
        "positive": shares.get("positive"),
        "messages": totals.get("messages"),
        "scored": totals.get("scored"),
        "dropped": totals.get("dropped"),
        "top_reaction": reactions[0].get("text", ""),
    }


def write_csv(session: Session, out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in session.rows:
            writer.writerow({**row, "time": datetime.fromtimestamp(row["time"]).isoformat(timespec="seconds")})


def write_chart(session: Session, out: Path) -> None:
    """Needle over the stream (green above zero, red below) and messages per second under it."""
    try:
        import matplotlib
    except ImportError:
        raise DataError("the chart needs matplotlib: pip install 'moodbot[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [row["seconds"] / 60 for row in session.rows]
    needle = [row["needle"] or 0.0 for row in session.rows]
    rate = [row["rate"] or 0.0 for row in session.rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True, height_ratios=[3, 1])
    top.plot(minutes, needle, color="#333", linewidth=1.2)
    top.fill_between(minutes, needle, 0, where=[v >= 0 for v in needle], color="#2fbf71", alpha=0.35, interpolate=True)
    top.fill_between(minutes, needle, 0, where=[v < 0 for v in needle], color="#e5484d", alpha=0.35, interpolate=True)
    top.axhline(0, color="#999", linewidth=0.8, linestyle="--")
    top.set_ylim(-1, 1)
    top.set_ylabel("mood (−1 … +1)")
    started = datetime.fromtimestamp(session.started).strftime("%Y-%m-%d %H:%M")
    top.set_title(f"{session.source} — {started}, {minutes[-1]:.0f} min, {session.rows[-1]['messages'] or 0} messages")
    bottom.fill_between(minutes, rate, color="#6e56cf", alpha=0.5, step="mid")
    bottom.set_ylabel("msg/s")
    bottom.set_xlabel("minutes into the stream")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def summary(session: Session) -> str:
    """A few lines for the terminal: length, volume, the best and worst moments."""
    rows = session.rows
    best = max(rows, key=lambda r: r["needle"] or 0.0)
    worst = min(rows, key=lambda r: r["needle"] or 0.0)
    mean = sum(r["needle"] or 0.0 for r in rows) / len(rows)
    last = rows[-1]
    return "\n".join(
        [
            f"session   {session.path.name} ({session.source})",
            f"length    {last['seconds'] / 60:.1f} min, {last['messages'] or 0} messages, {last['dropped'] or 0} dropped",
            f"mood      average {mean:+.2f}",
            f"happiest  {best['needle']:+.2f} at {best['seconds'] / 60:.1f} min ({best['mood']})",
            f"saddest   {worst['needle']:+.2f} at {worst['seconds'] / 60:.1f} min ({worst['mood']})",
        ]
    )
