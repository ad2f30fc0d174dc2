"""`moodbot analyze`: a recorded chat through the real model at full speed, into a session and its report."""

import pytest

from bot.cli import main
from bot.config import load_config
from bot.tools.analyze import analyze
from bot.tools.report import read_session
from bot.tools.report_html import stream_view
from tests.planted import PLANTED_START, write_planted_replay

# A 20-minute chat in English, Japanese and Indonesian, with its bursts.
BURSTS = {"laughter": 180.0, "hype": 510.0, "sad": 850.0}


@pytest.mark.slow
async def test_analyze_finds_the_planted_moments_with_the_real_model(tmp_path, bundled_scorer):
    """Every message is scored and kept with its emotions; chat going sad together is found within 10 s."""
    replay = write_planted_replay(tmp_path / "chat.jsonl", minutes=20, rate=1.0, bursts=BURSTS)
    written = len(replay.read_text(encoding="utf-8").splitlines())
    config = load_config(None, {"source.replay": str(replay), "history.dir": str(tmp_path / "sessions")})
    path = await analyze(config, scorer=bundled_scorer, progress=False)
    session = read_session(path)
    assert session.messages == written  # nothing dropped, every message kept
    view = stream_view(session)
    assert "first message" in view.base
    first = session.chat[0].time - replay_start(replay)  # times count from the first message
    assert abs(view.moments["mood_drop"][0].start - (BURSTS["sad"] - first)) <= 10
    if bundled_scorer.emotion_labels:  # a bundled model with the emotion head reads each kind
        assert all(session.chat[i].emotions for i in range(10))
        for kind, at in BURSTS.items():
            assert abs(view.moments[kind][0].start - (at - first)) <= 10, kind


def replay_start(path):
    """The stream's start in a planted replay (its messages' times count from it)."""
    return PLANTED_START


def test_analyze_says_what_is_wrong_with_a_missing_file(tmp_path, capsys):
    """A recording that is not there is a one-line error, and no session is left behind."""
    code = main(["analyze", "--replay", str(tmp_path / "nope.jsonl"), "--dir", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("moodbot: error: ") and "no such recorded chat file" in err
    assert not list(tmp_path.glob("s/*.jsonl"))
