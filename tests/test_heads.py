"""The second head: emotions learned beside sentiment, calibrated on dev, read by both backends."""

import json

import pytest
from conftest import NEGATIVE, NEUTRAL, POSITIVE

from bot.scoring.heads import CALIBRATION_FILE, EMOTION_HEAD_FILE, Calibration
from bot.scoring.onnx_backend import OnnxScorer
from bot.scoring.onnx_export import export_onnx
from bot.scoring.sentiment import EMOTIONS
from bot.scoring.torch_backend import TorchScorer
from bot.tools.calibration import expected_calibration_error, fit_temperature, fit_thresholds
from bot.tools.examples import Example
from bot.tools.training import TrainConfig, train


@pytest.fixture(scope="module")
def two_heads(tiny_base, tmp_path_factory):
    """A tiny model trained on lines that label emotions too (love for praise, sad for the bad, none else)."""
    rows = [Example(t, "positive", "en", emotions=("love",)) for t in POSITIVE]
    rows += [Example(t, "negative", "en", emotions=("sad",)) for t in NEGATIVE]
    rows += [Example(t, "neutral", "en", emotions=("confusion",)) for t in NEUTRAL]
    out = tmp_path_factory.mktemp("two-heads")
    train(
        TrainConfig(base=str(tiny_base), out=out, epochs=16, batch_size=8, learning_rate=3e-3),
        rows * 3,
        rows,
        progress=False,
    )
    return out


@pytest.mark.slow
def test_training_saves_an_emotion_head_and_a_calibration(two_heads):
    """A run on emotion-labelled lines leaves the head and the dev-fitted temperature and thresholds beside the model."""
    assert (two_heads / EMOTION_HEAD_FILE).is_file()
    calibration = json.loads((two_heads / CALIBRATION_FILE).read_text())
    assert calibration["temperature"] > 0
    assert set(calibration["emotion_thresholds"]) == set(EMOTIONS)


@pytest.mark.slow
def test_one_pass_gives_sentiment_and_emotions(two_heads):
    """Each scored line carries its emotions, and the learned ones are read back: love for praise, sad for the bad."""
    scorer = TorchScorer(str(two_heads))
    good, bad = scorer.score(POSITIVE), scorer.score(NEGATIVE)
    assert all(set(s.emotions) == set(EMOTIONS) for s in good + bad)

    def mean(scored, label):
        return sum(s.emotions[label] for s in scored) / len(scored)

    assert mean(good, "love") > mean(bad, "love") and mean(bad, "sad") > mean(good, "sad")
    assert mean(good, "love") >= 0.5 and mean(bad, "sad") >= 0.5


@pytest.mark.slow
def test_onnx_export_carries_the_emotion_head(two_heads, tmp_path):
    """The ONNX file has both outputs, and gives torch's emotions and calibrated probabilities."""
    export_onnx(str(two_heads), tmp_path, quantize=False)
    texts = POSITIVE + NEGATIVE
    ours = OnnxScorer(str(tmp_path)).score(texts)
    theirs = TorchScorer(str(two_heads)).score(texts)
    for a, b in zip(ours, theirs):
        assert a.positive == pytest.approx(b.positive, abs=1e-4)
        assert list(a.emotions.values()) == pytest.approx(list(b.emotions.values()), abs=1e-4)


@pytest.mark.slow
def test_a_plain_model_has_no_emotions(tiny_classifier):
    """A model without the second head scores as before, with no emotions."""
    (result,) = TorchScorer(str(tiny_classifier)).score(["so good"])
    assert result.emotions is None


def test_temperature_softens_an_overconfident_model():
    """Logits that are right only 70% of the time with near-certain confidence get a temperature above 1."""
    logits = [[0.0, 0.0, 8.0]] * 7 + [[8.0, 0.0, 0.0]] * 3
    labels = [2] * 7 + [2] * 3  # three confident mistakes
    assert fit_temperature(logits, labels) > 2


def test_ece_measures_the_confidence_gap():
    """Sure and right scores 0; 90% sure but half right scores 0.4."""
    assert expected_calibration_error([0.95] * 10, [True] * 10) == pytest.approx(0.05)
    assert expected_calibration_error([0.9] * 10, [True] * 5 + [False] * 5) == pytest.approx(0.4)


def test_thresholds_are_fitted_per_emotion():
    """Each emotion gets the threshold that separates its dev lines best; one with no dev example keeps 0.5."""
    probs = [[0.3, 0.9], [0.25, 0.8], [0.1, 0.7], [0.05, 0.6]]
    gold = [[1, 0], [1, 0], [0, 0], [0, 0]]
    thresholds = fit_thresholds(probs, gold, ["a", "b"])
    assert 0.1 < thresholds["a"] <= 0.25
    assert thresholds["b"] == 0.5


def test_calibration_moves_each_threshold_to_one_half():
    """A label's threshold becomes the 0.5 point after the shift."""
    calibration = Calibration(1.0, {"tech": 0.2})
    assert calibration.emotion_shift("tech") == pytest.approx(-1.386, abs=1e-3)
    assert calibration.emotion_shift("love") == 0.0
