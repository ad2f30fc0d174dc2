"""Finding models: the bundled one, folders, hub ids, and one-line errors for the rest."""

import pytest

from bot.cli import main
from bot.errors import ModelError
from bot.scoring.lookup import BUNDLED_MODEL, resolve_model


def test_names_resolve(tmp_path):
    """bundled and minilm are folders on disk; a hub id passes through for transformers."""
    assert resolve_model("bundled") == str(BUNDLED_MODEL)
    assert (tmp_path.parent / resolve_model("minilm")).is_dir()
    assert resolve_model("lxyuan/distilbert-base-multilingual-cased-sentiments-student").startswith("lxyuan/")


@pytest.mark.parametrize("spec", ["./no/such/model", "/nonexistent/model", "models"])
def test_missing_model_path_is_one_line(spec):
    """A model path that does not exist is named in one line with what is accepted."""
    with pytest.raises(ModelError) as err:
        resolve_model(spec)
    assert spec in str(err.value) and "\n" not in str(err.value)


def test_folder_that_is_not_a_model(tmp_path):
    """A folder without config.json is refused as a model."""
    with pytest.raises(ModelError, match="not a model folder"):
        resolve_model(str(tmp_path))


def test_cli_reports_bad_model_in_one_line(tmp_path, capsys):
    """moodbot eval with an unknown model exits 2 with one line, no traceback."""
    data = tmp_path / "d.csv"
    data.write_text("text,label\nhi,neutral\n", encoding="utf-8")
    assert main(["eval", "--data", str(data), "--model", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("moodbot: error: model") and err.count("\n") == 1


def test_unreachable_hub_model_is_one_line(monkeypatch):
    """A hub id that cannot be fetched (offline here) says so in one line."""
    from bot.scoring.torch_backend import TorchScorer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as err:
        TorchScorer("someone/no-such-sentiment-model")
    assert "could not load model 'someone/no-such-sentiment-model'" in str(err.value)
    assert "\n" not in str(err.value)
