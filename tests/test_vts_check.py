"""`moodbot vts-check`: the first thing a streamer runs says what is ready, against the VTS stand-in."""

from __future__ import annotations

from helpers import free_port
from vts_standin import standin_in_thread

from bot.cli import main


def config_file(tmp_path, hotkeys: str = "{}", enabled: str = "true"):
    path = tmp_path / "config.yaml"
    path.write_text(
        f"vtube_studio:\n  enabled: {enabled}\n  token_file: {tmp_path / 'token.txt'}\n  hotkeys: {hotkeys}\n",
        encoding="utf-8",
    )
    return str(path)


def test_check_lists_hotkeys_and_parameters(tmp_path, capsys):
    """It asks for access once, creates the parameters, lists the model's hotkeys and says it is ready."""
    with standin_in_thread() as vts:
        argv = ["vts-check", "--url", vts.url, "--config", config_file(tmp_path, "{hype: Sparkle, laughter: laugh}")]
        assert main(argv) == 0
        first = capsys.readouterr().out
        assert main(argv) == 0
        second = capsys.readouterr().out
        popups, parameters = vts.popups, sorted(vts.state.parameters)
    assert 'click "Allow"' in first and "moodbot allowed just now" in first
    assert 'click "Allow"' not in second and "moodbot allowed (token kept in" in second
    assert popups == 1
    assert parameters == sorted(["MoodValence", "MoodHype", "MoodLaughter", "MoodLove", "MoodSad", "ChatRate"])
    assert "model: Akari" in second
    assert "parameters (map them to your model's in its settings): MoodValence, MoodHype, MoodLaughter" in second
    assert 'hotkeys in this model: "Sparkle", "Laugh", "Tears", "Shock", "hk-unnamed"' in second
    assert 'hype -> "Sparkle": ok' in second and 'laughter -> "laugh": ok' in second
    assert second.rstrip().endswith("ready: `moodbot run` drives the avatar")


def test_check_names_a_missing_hotkey_and_a_disabled_plugin(tmp_path, capsys):
    """A hotkey the model lacks is named and the exit code is 1; enabled: false is pointed out."""
    with standin_in_thread() as vts:
        argv = ["vts-check", "--url", vts.url, "--config", config_file(tmp_path, "{mood_drop: Cry}", "false")]
        assert main(argv) == 1
    out = capsys.readouterr().out
    assert 'mood_drop -> "Cry": MISSING' in out and 'hotkey "Cry" (mood_drop) is not in Akari' in out
    assert "not ready" in out and "vtube_studio.enabled is false" in out


def test_check_without_vts_is_one_line(tmp_path, capsys):
    """Nothing listening: one line naming the URL and the switch to turn on, exit code 2."""
    url = f"ws://127.0.0.1:{free_port()}"
    assert main(["vts-check", "--url", url, "--config", config_file(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f'moodbot: error: VTube Studio not reachable at {url}: is it running, with "Allow Plugin API access" on?\n'
    )


def test_check_after_deny_is_one_line(tmp_path, capsys):
    """Clicking "Deny" ends the check with one line, and no token is kept."""
    with standin_in_thread(decision="deny") as vts:
        assert main(["vts-check", "--url", vts.url, "--config", config_file(tmp_path)]) == 2
    assert capsys.readouterr().err == 'moodbot: error: access denied in VTube Studio ("Deny" was clicked)\n'
    assert not (tmp_path / "token.txt").exists()
