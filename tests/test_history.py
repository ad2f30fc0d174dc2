"""Mood history on disk and the post-stream report."""

import csv
import json

import pytest
from helpers import msg

from bot.cli import main
from bot.errors import DataError
from bot.history import HistoryWriter
from bot.scored import ScoredMessage
from bot.scoring.sentiment import Sentiment
from bot.tools.report import read_session


def window(t, needle, messages):
    return {
        "type": "update",
        "time": t,
        "needle": needle,
        "mood": "happy" if needle > 0 else "sad",
        "short": {
            "valence": needle,
            "rate": 2.0,
            "shares": {"negative": 0.1, "neutral": 0.2, "positive": 0.7},
            "reactions": [{"text": "草", "count": 3}],
        },
        "long": {"valence": needle / 2},
        "totals": {"messages": messages, "scored": messages, "dropped": 0},
    }


async def test_history_round_trip_and_report(tmp_path, capsys):
    """Windows and messages written by a session come back as a CSV and a PNG chart."""
    writer = HistoryWriter(tmp_path, source="replay", model="bundled", messages=True, started=1_800_000_000.0)
    for i in range(30):
        writer.window(window(1_800_000_000.0 + 2 * i, (i - 15) / 15, 10 * i))
    writer.scored([ScoredMessage(msg("草"), Sentiment(0.9, 0.0, 0.1, 0.9), 1.0)])
    await writer.close()

    session = read_session(writer.path)
    assert len(session.moments) == 30 and session.messages == 1
    assert session.minutes(session.moments[-1]) == pytest.approx(58 / 60)

    assert main(["report", writer.path.name, "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "happiest  +0.93 at 1.0 min (happy, 草 ×3)" in out and "saddest   -1.00 at 0.0 min (sad" in out
    with writer.path.with_suffix(".csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 and rows[0]["Top reaction"] == "草" and rows[0]["Positive %"] == "70.0"
    assert writer.path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_line_cut_by_a_crash_is_skipped(tmp_path):
    """A history whose last line was cut off by a kill still reads."""
    writer = HistoryWriter(tmp_path, source="s", model="m", messages=False)
    writer.window(window(1.0, 0.5, 1))
    await writer.close()
    with writer.path.open("a", encoding="utf-8") as f:
        f.write('{"type": "window", "time": 3, "nee')
    session = read_session(writer.path)
    assert len(session.moments) == 1 and session.skipped == 1


async def test_messages_are_kept_only_when_asked(tmp_path):
    """history.messages off: windows only."""
    writer = HistoryWriter(tmp_path, source="s", model="m", messages=False)
    writer.scored([ScoredMessage(msg("x"), None, 1.0)])
    writer.window(window(1.0, 0.0, 1))
    await writer.close()
    kinds = [json.loads(line)["type"] for line in writer.path.read_text(encoding="utf-8").splitlines()]
    assert kinds == ["session", "window"]


def test_report_errors_are_one_line(tmp_path, capsys):
    """No session, or a file that is not one, gets a one-line error."""
    assert main(["report", "--dir", str(tmp_path)]) == 2
    assert "no sessions yet" in capsys.readouterr().err
    (tmp_path / "x.jsonl").write_text("hello\n", encoding="utf-8")
    with pytest.raises(DataError, match="not a moodbot session"):
        read_session(tmp_path / "x.jsonl")
    assert main(["report", "--dir", str(tmp_path)]) == 2
    assert "no session holds a mood yet" in capsys.readouterr().err


async def test_two_runs_in_the_same_second_get_their_own_files(tmp_path):
    """Two sessions started in the same second from the same source never share (or append to) a file."""
    started = 1_800_000_000.0
    (tmp_path / "not-ours.jsonl").write_text("", encoding="utf-8")
    first = HistoryWriter(tmp_path, source="replay", model="m", messages=False, started=started)
    second = HistoryWriter(tmp_path, source="replay", model="m", messages=False, started=started)
    assert first.path != second.path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["not-ours.jsonl", first.path.name, second.path.name])
    assert sorted([first.path, second.path]) == [first.path, second.path]  # `report latest` finds the later one
    first.window(window(1.0, 0.1, 1))
    second.window(window(1.0, 0.9, 1))
    await first.close()
    await second.close()
    for writer, needle in ((first, 0.1), (second, 0.9)):
        kinds = [json.loads(line) for line in writer.path.read_text(encoding="utf-8").splitlines()]
        assert [k["type"] for k in kinds] == ["session", "window"] and kinds[1]["needle"] == needle


async def test_message_lines_keep_emotions_and_the_video_second(tmp_path):
    """Each kept message carries its emotion scores and, from a chat replay, its second in the video."""
    from dataclasses import replace

    from bot.sources.replay import message_from_json, message_to_json

    writer = HistoryWriter(tmp_path, source="youtube-x", model="bundled", messages=True, started=1_800_000_000.0)
    replayed = replace(msg("LMAO"), offset=612.5)
    assert message_from_json(message_to_json(replayed)).offset == 612.5  # --record files keep it too
    feeling = Sentiment(0.8, 0.0, 0.2, 0.8, emotions={"laughter": 0.91234, "sad": 0.01})
    writer.scored([ScoredMessage(replayed, feeling, 1.0), ScoredMessage(msg("hi"), None, 1.0)])
    writer.window(window(1_800_000_002.0, 0.5, 2))
    await writer.close()
    said = read_session(writer.path).chat
    assert said[0].offset == 612.5 and said[0].emotions == {"laughter": 0.912, "sad": 0.01}
    assert said[1].offset is None and said[1].emotions == {}
