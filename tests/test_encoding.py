"""Consoles that cannot show everything (Windows' cp1252 and cp932 when output is piped, plain
ASCII): moodbot's commands degrade what they cannot print and never crash, with Japanese and emoji
chat, and the status line in a real terminal fits its width with log lines beside it."""

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import free_port, start_moodbot, write_recording

pytestmark = pytest.mark.slow

CHAT = ["草www かわいい", "おつかれさま！", "😂😂😂", "wkwk 🙏 mantap", "GG 8888", "なんで…😭", "KEKW", "てぇてぇ"]
CRASHES = ("Traceback", "UnicodeEncodeError", "Logging error", "Exception ignored")


ROOT = Path(__file__).resolve().parent.parent


def moodbot_env(tmp_path, encoding: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # `python -m bot` from another folder: this checkout's bot
        "PYTHONIOENCODING": encoding,
        "HF_HUB_OFFLINE": "1",
        "XDG_DATA_HOME": str(tmp_path / "データ home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config home"),
    }


def moodbot(*args, env, cwd) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *map(str, args)], capture_output=True, env=env, cwd=cwd, timeout=300
    )
    for stream in (done.stdout, done.stderr):
        assert not any(word.encode() in stream for word in CRASHES), stream.decode(errors="replace")[-3000:]
    return done


@pytest.mark.parametrize("encoding", ["cp1252", "cp932", "ascii"])
async def test_commands_never_crash_on_the_console_encoding(tmp_path, tiny_classifier, encoding):
    """run, report, doctor and --help under PYTHONIOENCODING=cp1252/cp932/ascii with Japanese and emoji chat."""
    chat = write_recording(tmp_path / "さくら 配信 😂.jsonl", [(i * 0.02, CHAT[i % len(CHAT)]) for i in range(80)])
    env = moodbot_env(tmp_path, encoding)
    args = ["--verbose", "run", "--replay", chat, "--speed", "0", "--port", "0", "--model", tiny_classifier]
    process, ready = await start_moodbot([sys.executable, "-m", "bot"], *args, env=env, cwd=tmp_path)
    await asyncio.sleep(3)  # the whole recording is read and scored at speed 0
    process.send_signal(signal.SIGINT)
    code = await asyncio.wait_for(process.wait(), 60)
    err = (await process.stderr.read()).decode(encoding, errors="replace")
    assert code == 0, err[-3000:]
    assert not any(word in err for word in CRASHES), err[-3000:]
    arrow = "→" if encoding == "cp932" else ">"
    assert ready.decode(encoding).endswith(f"(in OBS: Sources {arrow} + {arrow} Browser, paste this URL, 800x600)\n")
    assert "stopped: 80 messages read" in err
    if encoding == "cp932":
        assert "さくら" in err  # the session's file name, in the log
    else:
        assert "?" in err

    report = moodbot("report", env=env, cwd=tmp_path)
    assert report.returncode == 0, report.stderr.decode(errors="replace")
    assert b"session" in report.stdout
    assert moodbot("report", "--list", env=env, cwd=tmp_path).returncode == 0
    assert moodbot("--help", env=env, cwd=tmp_path).returncode == 0

    config = tmp_path / "doctor.yaml"
    config.write_text(
        f"youtube:\n  base_url: http://127.0.0.1:{free_port()}\n  request_timeout: 2\n"
        f"model:\n  path: {tiny_classifier}\nserver:\n  port: 0\n",
        encoding="utf-8",
    )
    doctor = moodbot("doctor", "--config", config, env=env, cwd=tmp_path)
    assert doctor.returncode == 1  # YouTube cannot be reached: the one problem
    lines = doctor.stdout.decode(encoding).splitlines()[1:-1]
    fix = "→" if encoding == "cp932" else "->"  # ✓ and ✗ are in none of these three; → is in cp932
    assert all(line.split()[0] in ("[ok]", "[X]", fix) for line in lines), lines


def test_status_line_in_a_narrow_terminal(tmp_path, tiny_classifier):
    """In a real 60-column terminal: every status fits, log lines start at the left edge, none glues onto the status."""
    pty = pytest.importorskip("pty")
    import fcntl
    import select
    import struct
    import termios
    import time

    chat = write_recording(tmp_path / "さくらの配信の記録.jsonl", [(i * 0.1, CHAT[i % len(CHAT)]) for i in range(200)])
    env = moodbot_env(tmp_path, "ascii")
    args = ["-m", "bot", "run", "--replay", str(chat), "--port", "0", "--model", str(tiny_classifier)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes moodbot, its stdout and stderr the terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    output, started, stopped_at = b"", time.monotonic(), None
    while True:
        readable, _, _ = select.select([fd], [], [], 0.2)
        if readable:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        running = stopped_at is None and b"Overlay ready" in output
        if running and (output.count(b"msg/s") >= 4 or time.monotonic() - started > 120):
            os.kill(pid, signal.SIGINT)
            stopped_at = time.monotonic()
        assert time.monotonic() - started < 180, output.decode("ascii", "replace")[-2000:]
    _, status = os.waitpid(pid, 0)
    text = output.decode("ascii", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    assert not any(word in text for word in CRASHES), text[-2000:]
    log_line = re.compile(r"^\d\d:\d\d:\d\d (INFO|WARNING|ERROR) ")
    statuses = 0
    for physical in text.split("\r\n"):
        for piece in physical.split("\r"):
            if "msg/s" in piece:
                statuses += 1
                assert len(piece.rstrip()) <= 59, piece
                assert not log_line.search(piece) and "INFO" not in piece, piece
            elif "INFO" in piece or "WARNING" in piece:
                assert log_line.match(piece), piece  # a log line starts at the left edge
    assert statuses >= 4
    assert "\x1b" not in text
