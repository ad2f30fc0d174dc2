"""Every common label scheme reads as valence and class shares."""

import pytest

from bot.errors import ModelError
from bot.scoring.sentiment import LabelScheme


def test_positive_negative():
    """Two-class models: valence is P(pos) - P(neg), no neutral share."""
    scheme = LabelScheme.for_labels(["NEGATIVE", "POSITIVE"])
    s = scheme.sentiment({"NEGATIVE": 0.2, "POSITIVE": 0.8})
    assert s.valence == pytest.approx(0.6)
    assert (s.negative, s.neutral, s.positive) == pytest.approx((0.2, 0.0, 0.8))
    assert s.label == "positive"


@pytest.mark.parametrize(
    "names", [["negative", "neutral", "positive"], ["Positive", "Neutral", "Negative"], ["NEG", "NEU", "POS"]]
)
def test_three_classes_in_any_case(names):
    """negative/neutral/positive in any case or short form, in any order."""
    scheme = LabelScheme.for_labels(names)
    scores = dict(zip(names, [0.1, 0.3, 0.6]))
    s = scheme.sentiment(scores)
    by_class = {scheme.klass[n]: p for n, p in scores.items()}
    assert s.positive == pytest.approx(by_class["positive"])
    assert s.valence == pytest.approx(by_class["positive"] - by_class["negative"])


def test_stars():
    """1..5 stars: valence from the expected star count, 1-2 negative, 3 neutral, 4-5 positive."""
    labels = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    scheme = LabelScheme.for_labels(labels)
    s = scheme.sentiment(dict(zip(labels, [0.0, 0.0, 0.0, 0.5, 0.5])))
    assert s.valence == pytest.approx(0.75)  # expected 4.5 stars → (4.5 - 3) / 2
    assert (s.negative, s.neutral, s.positive) == pytest.approx((0.0, 0.0, 1.0))
    s = scheme.sentiment(dict(zip(labels, [0.5, 0.5, 0.0, 0.0, 0.0])))
    assert s.valence == pytest.approx(-0.75)
    assert s.label == "negative"


def test_label_ids_through_config_map():
    """LABEL_i schemes are read through model.label_map."""
    scheme = LabelScheme.for_labels(
        ["LABEL_0", "LABEL_1", "LABEL_2"],
        {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"},
    )
    s = scheme.sentiment({"LABEL_0": 0.7, "LABEL_1": 0.2, "LABEL_2": 0.1})
    assert s.label == "negative"
    assert s.valence == pytest.approx(-0.6)


def test_emotion_models_give_valence_and_our_feelings():
    """Emotion models give valence from their emotions, and their labels read as our feelings (joy → hype)."""
    labels = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
    scheme = LabelScheme.for_labels(labels)
    scores = {"anger": 0.0, "disgust": 0.0, "fear": 0.0, "joy": 0.6, "neutral": 0.2, "sadness": 0.2, "surprise": 0.0}
    s = scheme.sentiment(scores)
    assert s.emotions == {
        "laughter": 0.0,
        "hype": 0.6,
        "love": 0.0,
        "sad": 0.2,
        "anger": 0.0,
        "surprise": 0.0,
        "confusion": 0.0,
    }
    assert s.valence == pytest.approx(0.6 * 1.0 + 0.2 * -0.9)
    assert (s.negative, s.neutral, s.positive) == pytest.approx((0.2, 0.2, 0.6))


def test_multilabel_emotions_are_normalised():
    """Sigmoid outputs (GoEmotions) that do not sum to 1 still give shares that do."""
    scheme = LabelScheme.for_labels(["amusement", "grief", "neutral"])
    s = scheme.sentiment({"amusement": 0.9, "grief": 0.9, "neutral": 0.0})
    assert s.positive + s.neutral + s.negative == pytest.approx(1.0)
    assert s.valence == pytest.approx((0.9 - 1.0) / 2)


def test_unknown_scheme_names_labels_and_key():
    """An unknown scheme stops with one line naming the labels and the config key."""
    with pytest.raises(ModelError) as err:
        LabelScheme.for_labels(["LABEL_0", "LABEL_1"])
    message = str(err.value)
    assert "LABEL_0" in message and "model.label_map" in message and "\n" not in message


def test_incomplete_or_wrong_label_map():
    """A label map that misses a label or names a bad class is refused clearly."""
    with pytest.raises(ModelError, match="LABEL_1"):
        LabelScheme.for_labels(["LABEL_0", "LABEL_1"], {"LABEL_0": "negative"})
    with pytest.raises(ModelError, match="happy"):
        LabelScheme.for_labels(["LABEL_0", "LABEL_1"], {"LABEL_0": "negative", "LABEL_1": "happy"})
