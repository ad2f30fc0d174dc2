"""The moodbot command: bad input is one line on stderr and exit code 2, never a traceback."""

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--video", "https://example.com/watch?v=abc"], "YouTube"),
        (["run", "--video", "not a video"], "YouTube"),
        (["run", "--replay", "/nonexistent/chat.jsonl"], "no such recorded chat file"),
        (["run", "--config", "/nonexistent/config.yaml"], "no such config file"),
        (["run", "--port", "70000"], "server.port"),
        (["run", "--speed", "-2"], "source.speed"),
        (["train", "--data", "/nonexistent.csv"], "no such file"),
        (["eval", "--data", "/nonexistent.csv"], "no such file"),
        (["eval", "--data", "notes.txt"], "eval takes a .csv or .tsv"),
        (["report", "nosuchsession", "--dir", "/nonexistent"], "no session 'nosuchsession'"),
    ],
)
def test_bad_input_is_one_line(argv, expected, capsys):
    """Each mistake names what to fix in one line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("moodbot: error:") and expected in err
    assert err.count("\n") == 1, err


def test_bad_config_key_from_file(tmp_path, capsys):
    """A typo in config.yaml stops `moodbot run` before anything starts."""
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  prot: 9000\n", encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 2
    assert "server.prot: unknown key; did you mean server.port?" in capsys.readouterr().err
