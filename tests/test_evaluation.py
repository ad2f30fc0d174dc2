"""Evaluation figures, checked against values worked out by hand."""

import json

import pytest

from bot.cli import main
from bot.tools.evaluation import agreement, evaluate, score_predictions, vader_predict
from bot.tools.examples import Example


def test_scores_by_hand():
    """Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix."""
    gold = ["positive", "positive", "negative", "neutral"]
    pred = ["positive", "negative", "negative", "neutral"]
    s = score_predictions(gold, pred)
    assert s.accuracy == pytest.approx(0.75)
    assert s.per_class["negative"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert s.per_class["positive"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert s.macro_f1 == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert s.confusion == [[1, 0, 0], [0, 1, 0], [1, 0, 1]]


def test_per_language_and_absent_classes():
    """Figures per lang; a class absent from a language's gold labels does not count for it."""
    examples = [
        Example("a", "positive", "en"),
        Example("b", "negative", "en"),
        Example("c", "positive", "ja"),
        Example("d", "positive", "ja"),
    ]
    predictions = {"a": "positive", "b": "positive", "c": "positive", "d": "neutral"}
    report = evaluate(examples, [predictions[ex.text] for ex in examples])
    assert report.per_lang["en"].accuracy == 0.5
    assert report.per_lang["en"].macro_f1 == pytest.approx((2 / 3 + 0) / 2)
    assert report.per_lang["ja"].macro_f1 == pytest.approx(2 / 3)  # only "positive" is present
    assert report.overall.n == 4


def test_agreement_between_two_models():
    """The share of lines two models label alike (used for int8 against fp32)."""
    assert (
        agreement(["positive", "neutral", "negative", "positive"], ["positive", "neutral", "positive", "positive"])
        == 0.75
    )
    with pytest.raises(ValueError):
        agreement(["positive"], [])


def test_vader_baseline():
    """The VADER baseline reads plain English sentiment."""
    assert vader_predict(["I love this so much", "this is awful and I hate it", "the stream starts at 9"]) == [
        "positive",
        "negative",
        "neutral",
    ]


@pytest.mark.slow
def test_eval_command_json(tmp_path, capsys):
    """`moodbot eval --json` prints the documented keys for the model and the VADER baseline."""
    data = tmp_path / "small.csv"
    data.write_text(
        "text,label,lang\n"
        "I love you so much,positive,en\n"
        "this lag is terrible,negative,en\n"
        "草,positive,ja\n"
        "泣いた,negative,ja\n"
        "what game is this,neutral,en\n",
        encoding="utf-8",
    )
    assert main(["eval", "--data", str(data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 5
    assert set(out["per_lang"]) == {"en", "ja"}
    assert out["per_lang"]["ja"]["n"] == 2
    for block in (out, out["baseline"]):
        assert {"accuracy", "macro_f1", "n", "per_lang"} <= set(block)
    assert out["accuracy"] >= 0.8  # the bundled model reads these plain lines right


@pytest.mark.slow
def test_eval_command_table(tmp_path, capsys):
    """The human-readable report shows the per-language rows and the confusion matrix."""
    data = tmp_path / "small.tsv"
    data.write_text("text\tlabel\tlang\nwkwkwk\tpositive\tid\nsedih banget\tnegative\tid\n", encoding="utf-8")
    assert main(["eval", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "VADER" in out and "confusion" in out and "\nid " in out
