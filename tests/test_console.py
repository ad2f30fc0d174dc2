"""The terminal: a status line that fits the window, log lines that never glue onto it, symbols
that degrade to ASCII where the console cannot show them."""

import io
import logging

import pytest

from bot.console import ConsoleHandler, StatusLine, can_show, fit_status, pick, text_width

PARTS = [
    (9, " 23.0 msg/s"),
    (10, "mood +0.52 hyped"),
    (3, "queue 0/2000"),
    (6, "dropped 0"),
    (2, "batch 61 ms"),
    (7, "overlays 1"),
    (8, "reconnecting (cannot reach YouTube: check the internet connection, retrying in 27 s)"),
]


class Terminal(io.StringIO):
    """A terminal-like stream: says it is a tty and keeps what is written."""

    encoding = "utf-8"

    def isatty(self):
        return True


def screen(raw: str) -> list[str]:
    """What a terminal shows after `raw`: carriage returns overwrite the line from its start."""
    lines = []
    for physical in raw.split("\n"):
        shown = ""
        for piece in physical.split("\r"):
            shown = piece + shown[len(piece) :]
        lines.append(shown)
    return lines


@pytest.mark.parametrize("width", [40, 60, 79, 119, 200])
def test_status_fits_the_width_dropping_the_least_useful_parts_first(width):
    """The line is never wider than the terminal; mood and rate stay, batch and queue go first."""
    line = fit_status(PARTS, width)
    assert text_width(line) <= width
    assert "mood +0.52 hyped" in line
    if "queue" in line:
        assert "batch" not in line or width >= 200


def test_status_in_a_wide_terminal_keeps_everything():
    """With room for all of it, every part is shown, in order."""
    assert fit_status(PARTS, 300) == " | ".join(text for _, text in PARTS)


def test_status_counts_wide_characters_as_two_columns():
    """Japanese in the status (a recording's name) is measured as the terminal draws it."""
    line = fit_status([(10, "mood +0.10 calm"), (8, "live (さくらの配信の記録ファイル.jsonl)")], 40)
    assert text_width(line) <= 40
    assert text_width("さくら") == 6 and text_width("e\u0301") == 1


def test_status_line_redraws_in_place_without_escape_codes():
    """Each redraw starts with a carriage return, pads over a longer previous line, and uses no ANSI codes."""
    term = Terminal()
    status = StatusLine(term, columns=lambda: 80)
    status.show([(10, "mood +0.52 hyped"), (8, "live (a long detail)")])
    status.show([(10, "mood +0.10 calm")])
    assert "\x1b" not in term.getvalue()
    (shown,) = screen(term.getvalue())
    assert shown.rstrip() == "mood +0.10 calm" and len(shown) == len("mood +0.52 hyped | live (a long detail)")


def test_log_lines_never_glue_onto_the_status_line():
    """A log record clears the status line, takes a line of its own, then the status comes back below it."""
    term = Terminal()
    status = StatusLine(term, columns=lambda: 60)
    handler = ConsoleHandler(status)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test_console.glue")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        status.show(PARTS)
        logger.warning("cannot reach YouTube: check the internet connection")
        status.show(PARTS)
        logger.warning("second")
    finally:
        logger.removeHandler(handler)
    lines = [line.rstrip() for line in screen(term.getvalue())]
    assert lines[0] == "WARNING cannot reach YouTube: check the internet connection"
    assert lines[1] == "WARNING second"
    assert lines[2] == fit_status(PARTS, 59)


def test_finish_leaves_the_last_status_and_draws_no_more():
    """On stop the last status stays on screen; later output starts on a fresh line."""
    term = Terminal()
    status = StatusLine(term, columns=lambda: 80)
    status.show([(10, "mood +0.10 calm")])
    status.finish()
    status.show([(10, "mood -0.50 sad")])
    term.write("stopped\n")
    assert screen(term.getvalue()) == ["mood +0.10 calm", "stopped", ""]


def test_not_a_terminal_draws_nothing():
    """Piped or redirected, the status line stays out of the output (the bot logs it instead)."""
    out = io.StringIO()
    status = StatusLine(out, columns=lambda: 80)
    status.show(PARTS)
    assert not status.tty and out.getvalue() == ""


@pytest.mark.parametrize(
    ("encoding", "arrow", "check"),
    [("utf-8", "→", "✓"), ("cp1252", ">", "[ok]"), ("cp932", "→", "[ok]"), ("ascii", ">", "[ok]")],
)
def test_symbols_fall_back_to_ascii_where_the_console_lacks_them(encoding, arrow, check):
    """→ and ✓ are used where the stream's encoding has them, plain ASCII elsewhere."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert pick("→", ">", stream) == arrow
    assert pick("✓", "[ok]", stream) == check
    assert can_show("moodbot", stream)


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`moodbot report --list | head -1`: when the reader goes away, moodbot stops with no traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    sessions = tmp_path / "data" / "moodbot" / "sessions"
    sessions.mkdir(parents=True)
    for i in range(5000):  # far more than a pipe holds
        (sessions / f"2026-11-27_{i:06d}_a-long-name-for-a-session.jsonl").touch()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONPATH": str(root)}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "report", "--list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    ) as process:
        assert process.stdout.readline().startswith(b"2026-11-27_000000")
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    assert "Traceback" not in err and "Exception ignored" not in err, err
