"""The moodbot command: bad input is one line on stderr and exit code 2, never a traceback."""

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--video", "https://example.com/watch?v=abc"], "YouTube"),
        (["run", "--video", "not a video"], "YouTube"),
        (["run", "--video", "x" * 1_000_000], "not a YouTube stream: 'xxxx"),
        (["run", "--port", "9" * 400], "server.port: must be 0..65535 (got 9999"),
        (["run", "--replay", "/nonexistent/chat.jsonl"], "no such recorded chat file"),
        (["run", "--config", "/nonexistent/config.yaml"], "no such config file"),
        (["run", "--port", "70000"], "server.port"),
        (["run", "--speed", "-2"], "source.speed"),
        (["train", "--data", "/nonexistent.csv"], "no such file"),
        (["eval", "--data", "/nonexistent.csv"], "no such file"),
        (["eval", "--data", "notes.txt"], "eval takes a .csv or .tsv"),
        (["report", "nosuchsession", "--dir", "/nonexistent"], "no session 'nosuchsession'"),
        (["run", "--twitch", "not a channel!"], "not a Twitch channel: 'not a channel!'; use"),
        (["run", "--twitch", "https://www.youtube.com/@kira"], "https://www.twitch.tv/name"),
        (["run", "--video", "dQw4w9WgXcQ", "--replay", "chat.jsonl"], "either video/twitch or replay"),
        (["run", "--twitch", "kira", "--twitch", "KIRA"], "twitch:kira is given twice"),
    ],
)
def test_bad_input_is_one_line(argv, expected, capsys):
    """Each mistake names what to fix in one line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("moodbot: error:") and expected in err
    assert err.count("\n") == 1 and len(err) < 600, err[:1000]


def test_bad_config_key_from_file(tmp_path, capsys):
    """A typo in config.yaml stops `moodbot run` before anything starts."""
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  prot: 9000\n", encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    assert "server.prot: unknown key; did you mean server.port?" in capsys.readouterr().err


def test_model_that_fails_to_load_at_run(tmp_path, capsys):
    """A model folder that cannot be loaded stops `moodbot run` with one line (the server is closed again)."""
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    assert main(["run", "--model", str(tmp_path), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"moodbot: error: could not load model '{tmp_path}'")


def test_onnx_backend_on_a_folder_that_cannot_be_exported(tmp_path, capsys):
    """`--backend onnx-int8` on a folder that holds no loadable model stops with one line naming it."""
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    assert main(["run", "--model", str(tmp_path), "--backend", "onnx-int8", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("moodbot: error:") and str(tmp_path) in err[-1] and "export" in err[-1]


class EndsAtOnce:
    """A chat source whose stream is over before it starts (as YouTube says of a channel not live)."""

    status = None

    async def messages(self):
        from bot.errors import SourceEnded

        raise SourceEnded("@somebody is not live now")
        yield


async def test_source_that_cannot_start_is_a_plain_error(bundled_scorer):
    """A source failing before its first message ends the run with that error, not a group of them."""
    import asyncio

    from bot.app import run_bot
    from bot.chat import SourceState, SourceStatus
    from bot.config import AppConfig, HistoryConfig, ServerConfig
    from bot.errors import SourceEnded

    source = EndsAtOnce()
    source.status = SourceStatus(SourceState.CONNECTING, "", name="test")
    config = AppConfig(server=ServerConfig(port=0), history=HistoryConfig(dir=None))
    with pytest.raises(SourceEnded, match="not live now"):
        await asyncio.wait_for(
            run_bot(
                config, stop=asyncio.Event(), scorer=bundled_scorer, sources={"test": source}, status_interval=None
            ),
            10,
        )


LOGS_A_POLL = """
import logging, sys, httpx
from bot.cli import _setup_logging

_setup_logging(verbose=sys.argv[1] == "verbose")
client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
client.post("https://www.youtube.com/youtubei/v1/live_chat/get_live_chat?key=SECRET")
logging.getLogger("bot.sources.youtube.reader").info("YouTube chat live: live chat of VIDEO")
"""


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "verbose"])
def test_third_party_loggers_are_quiet_unless_verbose(verbose):
    """httpx's line per poll (with its URL and API key) stays out of the log unless --verbose; moodbot's own lines stay in."""
    import subprocess
    import sys

    args = [sys.executable, "-c", LOGS_A_POLL, "verbose" if verbose else "plain"]
    err = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stderr
    assert "YouTube chat live: live chat of VIDEO" in err
    assert ("HTTP Request: POST" in err) is verbose and ("SECRET" in err) is verbose, err


def test_a_failed_start_leaves_no_session_file(tmp_path, capsys):
    """A model that cannot be loaded stops `moodbot run`, and leaves no session file (nor recording) behind."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{not json", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"history:\n  dir: {tmp_path / 'sessions'}\n", encoding="utf-8")
    argv = ["run", "--config", str(config), "--model", str(model), "--port", "0", "--record", str(tmp_path / "r.jsonl")]
    assert main(argv) == 2
    assert "could not load model" in capsys.readouterr().err
    assert list((tmp_path / "sessions").glob("*")) == [] and not (tmp_path / "r.jsonl").exists()


async def test_a_source_that_cannot_start_leaves_no_session_file(tmp_path, bundled_scorer):
    """A chat source that ends before its first message leaves no session file behind."""
    import asyncio

    from bot.app import run_bot
    from bot.chat import SourceState, SourceStatus
    from bot.config import AppConfig, HistoryConfig, ServerConfig
    from bot.errors import SourceEnded

    source = EndsAtOnce()
    source.status = SourceStatus(SourceState.CONNECTING, "", name="test")
    config = AppConfig(server=ServerConfig(port=0), history=HistoryConfig(dir=str(tmp_path)))
    with pytest.raises(SourceEnded):
        await asyncio.wait_for(
            run_bot(
                config, stop=asyncio.Event(), scorer=bundled_scorer, sources={"test": source}, status_interval=None
            ),
            10,
        )
    assert list(tmp_path.iterdir()) == []


async def test_port_in_use_leaves_no_session_file(tmp_path):
    """A second bot on a port already taken stops with one line and leaves no session file behind."""
    import asyncio
    import socket

    from bot.app import run_bot
    from bot.config import AppConfig, HistoryConfig, ServerConfig
    from bot.errors import ConfigError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = AppConfig(server=ServerConfig(port=port), history=HistoryConfig(dir=str(tmp_path / "sessions")))
        with pytest.raises(ConfigError, match=r"server\.port"):
            await asyncio.wait_for(run_bot(config, stop=asyncio.Event(), status_interval=None), 10)
    assert list(tmp_path.glob("sessions/*")) == []
