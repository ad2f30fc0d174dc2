"""Files in the right place: sessions go to the user's data folder (never the current folder),
paths with spaces and non-ASCII names work, and `moodbot report` finds the last session there."""

import asyncio
import json

import pytest

from bot.cli import main
from bot.config import AppConfig, FilesConfig, HistoryConfig, ServerConfig, SourceConfig, load_config
from bot.errors import ConfigError
from tests.helpers import bot_running, write_recording

# A Windows user name as in C:\Users\さくら\, and a folder with spaces.
SAKURA = "さくら"


def test_default_data_folder_is_the_users(monkeypatch, tmp_path):
    """With no config, sessions go to the platform's data folder (here $XDG_DATA_HOME/moodbot/sessions)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / SAKURA / "local share"))
    config = load_config(None)
    assert config.files.data_folder() == tmp_path / SAKURA / "local share" / "moodbot"
    assert config.sessions_folder() == tmp_path / SAKURA / "local share" / "moodbot" / "sessions"


def test_configured_data_folder_and_history_dir(tmp_path):
    """files.data_dir moves everything; a relative history.dir lies inside it, an absolute one is taken as is."""
    data = tmp_path / SAKURA / "moodbot data"
    config = load_config(None, {"files.data_dir": str(data)})
    assert config.sessions_folder() == data / "sessions"
    config = load_config(None, {"files.data_dir": str(data), "history.dir": "streams/2026"})
    assert config.sessions_folder() == data / "streams" / "2026"
    config = load_config(None, {"history.dir": str(tmp_path / "elsewhere")})
    assert config.sessions_folder() == tmp_path / "elsewhere"
    assert load_config(None, {"history.dir": None}).sessions_folder() is None


def test_home_folder_shorthand(monkeypatch, tmp_path):
    """~ in files.data_dir is the user's home folder."""
    monkeypatch.setenv("HOME", str(tmp_path / SAKURA))
    assert FilesConfig(data_dir="~/moodbot data").data_folder() == tmp_path / SAKURA / "moodbot data"


def test_relative_data_folder_is_refused():
    """A data folder relative to wherever moodbot happens to start is a one-line config error."""
    with pytest.raises(ConfigError, match=r"files\.data_dir: must be an absolute folder"):
        load_config(None, {"files.data_dir": "moodbot-data"})


async def test_run_writes_its_session_to_the_data_folder_not_the_current_one(
    tmp_path, monkeypatch, tiny_classifier_scorer
):
    """A run started from any folder leaves that folder alone and writes under the data folder."""
    cwd = tmp_path / "where the terminal opened"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    data = tmp_path / "Users" / SAKURA / "AppData Local" / "moodbot"
    chat = write_recording(tmp_path / f"{SAKURA} 配信.jsonl", [(0.0, "草 かわいい 😂"), (0.1, "nice play")])
    config = AppConfig(
        source=SourceConfig(replay=str(chat), speed=0),
        server=ServerConfig(port=0),
        files=FilesConfig(data_dir=str(data)),
        history=HistoryConfig(flush_interval=0.5),
    )
    async with bot_running(config, tiny_classifier_scorer) as bot:
        while bot.worker is None or bot.worker.stats.scored < 2:
            await asyncio.sleep(0.05)
    assert list(cwd.iterdir()) == []
    (session,) = (data / "sessions").iterdir()
    assert SAKURA in session.name
    first = json.loads(session.read_text(encoding="utf-8").splitlines()[0])
    assert first["type"] == "session" and first["source"] == f"{SAKURA} 配信"


def test_report_finds_the_last_session_in_the_data_folder(tmp_path, monkeypatch, capsys):
    """`moodbot report` with no arguments reads the newest session under the data folder, from any folder."""
    data_home = tmp_path / "Users" / SAKURA / "AppData Local"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.chdir(tmp_path)
    sessions = data_home / "moodbot" / "sessions"
    sessions.mkdir(parents=True)
    for name, started in [
        ("2026-11-27_210300_older", 1_764_270_000.0),
        (f"2026-11-28_210300_{SAKURA}", 1_764_356_400.0),
    ]:
        short = {
            "messages": 5,
            "rate": 2.5,
            "valence": 0.4,
            "shares": {"negative": 0.1, "neutral": 0.4, "positive": 0.5},
        }
        window = {"type": "window", "time": started + 2, "needle": 0.4, "mood": "happy", "short": short, "long": short}
        # The source stays ASCII: the chart's title font has no Japanese (report.py's business, not this test's).
        lines = [{"type": "session", "started": started, "source": "replay"}, window]
        (sessions / f"{name}.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")

    assert main(["report", "--list"]) == 0
    assert capsys.readouterr().out.split() == ["2026-11-27_210300_older", f"2026-11-28_210300_{SAKURA}"]
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert f"2026-11-28_210300_{SAKURA}.jsonl" in out
    assert (sessions / f"2026-11-28_210300_{SAKURA}.csv").is_file()
    assert not list(tmp_path.glob("*.csv"))


def test_config_in_the_users_config_folder_is_read(tmp_path, monkeypatch, capsys):
    """Without ./config.yaml, config.yaml in the user's config folder is used (a streamer starts anywhere)."""
    config_home = tmp_path / SAKURA / "config home"
    (config_home / "moodbot").mkdir(parents=True)
    (config_home / "moodbot" / "config.yaml").write_text("server:\n  prot: 1\n", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 2
    assert "server.prot: unknown key" in capsys.readouterr().err
