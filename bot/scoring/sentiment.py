"""Read any common sentiment label scheme as a valence in [-1, 1] and three class shares.

Models name their labels differently: `positive`/`negative`, `POSITIVE`/`NEUTRAL`/`NEGATIVE`,
`1 star`..`5 stars`, `LABEL_0`..`LABEL_2`, or emotions (`joy`, `anger`, ...). `LabelScheme`
is built once from a model's labels and turns each score distribution into a `Sentiment`.
Pure: no model, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import ModelError

__all__ = ["CLASSES", "EMOTIONS", "EMOTION_VALENCE", "FEELINGS", "LabelScheme", "Sentiment", "canonical_class"]

CLASSES = ("negative", "neutral", "positive")
# What chat feels (the emotion head's labels, in its order): seven feelings, then `tech`, a viewer
# reporting a problem with the stream itself (no sound, lag, frozen picture).
FEELINGS = ("laughter", "hype", "love", "sad", "anger", "surprise", "confusion")
EMOTIONS = (*FEELINGS, "tech")

_CLASS_ALIASES = {
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
}
_STARS = re.compile(r"^([1-5])\s*stars?$")

# Valence of the emotion labels of common emotion models (GoEmotions' 28, Ekman's 7).
EMOTION_VALENCE: Mapping[str, float] = {
    "admiration": 0.8,
    "amusement": 0.9,
    "approval": 0.6,
    "caring": 0.6,
    "desire": 0.4,
    "excitement": 0.9,
    "gratitude": 0.9,
    "joy": 1.0,
    "happiness": 1.0,
    "love": 1.0,
    "optimism": 0.7,
    "pride": 0.7,
    "relief": 0.5,
    "curiosity": 0.1,
    "realization": 0.0,
    "surprise": 0.1,
    "neutral": 0.0,
    "confusion": -0.2,
    "nervousness": -0.5,
    "embarrassment": -0.5,
    "annoyance": -0.6,
    "disapproval": -0.6,
    "disappointment": -0.7,
    "fear": -0.7,
    "remorse": -0.7,
    "disgust": -0.8,
    "sadness": -0.9,
    "grief": -1.0,
    "anger": -1.0,
}
# Where an emotion model's labels land among our `FEELINGS` (the strongest label of each wins).
_EMOTION_FEELING: Mapping[str, str] = {
    "amusement": "laughter",
    "excitement": "hype",
    "joy": "hype",
    "happiness": "hype",
    "admiration": "love",
    "love": "love",
    "caring": "love",
    "gratitude": "love",
    "sadness": "sad",
    "grief": "sad",
    "disappointment": "sad",
    "remorse": "sad",
    "anger": "anger",
    "annoyance": "anger",
    "disgust": "anger",
    "disapproval": "anger",
    "surprise": "surprise",
    "fear": "surprise",
    "nervousness": "surprise",
    "confusion": "confusion",
    "curiosity": "confusion",
}
# An emotion counts towards a class share by the sign of its valence beyond this margin.
_EMOTION_NEUTRAL_BAND = 0.25


@dataclass(frozen=True, slots=True)
class Sentiment:
    """How one message feels: valence in [-1, 1], shares of the three classes (sum 1) and, when the
    model reads them, its emotions (`EMOTIONS` → score; 0.5 or more means the line shows it)."""

    valence: float
    negative: float
    neutral: float
    positive: float
    emotions: Mapping[str, float] | None = None
    confidence: float = 1.0  # how sure the model is of its class: 0 for an even split, 1 for certainty

    @property
    def label(self) -> str:
        shares = (self.negative, self.neutral, self.positive)
        return CLASSES[shares.index(max(shares))]

    @property
    def confidence_share(self) -> float:
        """The share of the winning class: the model's probability that its label is right."""
        return max(self.negative, self.neutral, self.positive)

    def with_emotions(self, emotions: Mapping[str, float]) -> Sentiment:
        return Sentiment(self.valence, self.negative, self.neutral, self.positive, emotions, self.confidence)


def canonical_class(label: str) -> str | None:
    """`POSITIVE`, `Pos`, `positive` → "positive"; None for anything else."""
    return _CLASS_ALIASES.get(label.strip().lower())


@dataclass(frozen=True, slots=True)
class LabelScheme:
    """How a model's labels map to sentiment: each label's valence and class."""

    name: str
    valence: Mapping[str, float]
    klass: Mapping[str, str]
    keeps_emotions: bool = False

    @classmethod
    def for_labels(cls, labels: Sequence[str], label_map: Mapping[str, str] | None = None) -> LabelScheme:
        """Recognise the scheme of `labels`; `label_map` (from config) names the class of each."""
        labels = list(labels)
        if label_map:
            return cls._mapped(labels, label_map)
        classes = {label: canonical_class(label) for label in labels}
        if all(classes.values()) and {"positive", "negative"} <= set(classes.values()):
            return cls._from_classes("polarity", classes)
        stars = {label: m for label in labels if (m := _STARS.match(label.strip().lower()))}
        if len(stars) == len(labels):
            valence = {label: (int(m.group(1)) - 3) / 2 for label, m in stars.items()}
            return cls("stars", valence, {label: _class_of(v) for label, v in valence.items()})
        emotions = {
            label: EMOTION_VALENCE[key] for label in labels if (key := label.strip().lower()) in EMOTION_VALENCE
        }
        if len(emotions) == len(labels):
            return cls(
                "emotions",
                emotions,
                {label: _class_of(v) for label, v in emotions.items()},
                keeps_emotions=True,
            )
        raise ModelError(
            f"the model's labels {labels} are not a known sentiment scheme; map each one to "
            "negative, neutral or positive under model.label_map in config.yaml"
        )

    @classmethod
    def _mapped(cls, labels: list[str], label_map: Mapping[str, str]) -> LabelScheme:
        missing = [label for label in labels if label not in label_map]
        if missing:
            raise ModelError(
                f"model.label_map in config.yaml does not map the model's labels {missing} (the model has {labels})"
            )
        classes = {label: canonical_class(label_map[label]) for label in labels}
        bad = {label: label_map[label] for label, klass in classes.items() if klass is None}
        if bad:
            raise ModelError(
                f"model.label_map in config.yaml maps {bad}: each value must be negative, neutral or positive"
            )
        return cls._from_classes("mapped", classes)

    @classmethod
    def _from_classes(cls, name: str, classes: Mapping[str, str | None]) -> LabelScheme:
        valence = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
        klass = {label: str(c) for label, c in classes.items()}
        return cls(name, {label: valence[c] for label, c in klass.items()}, klass)

    def sentiment(self, scores: Mapping[str, float]) -> Sentiment:
        """Turn one model output (label → probability) into a `Sentiment`."""
        total = sum(scores.values()) or 1.0  # multi-label emotion models do not sum to 1
        shares = dict.fromkeys(CLASSES, 0.0)
        valence = 0.0
        for label, score in scores.items():
            p = score / total
            shares[self.klass[label]] += p
            valence += p * self.valence[label]
        return Sentiment(
            valence=max(-1.0, min(1.0, valence)),
            negative=shares["negative"],
            neutral=shares["neutral"],
            positive=shares["positive"],
            emotions=_feelings(scores) if self.keeps_emotions else None,
            confidence=max(0.0, (max(shares.values()) - 1 / 3) * 1.5),
        )


def _feelings(scores: Mapping[str, float]) -> dict[str, float]:
    """An emotion model's scores as our feelings (GoEmotions' amusement → laughter, ...)."""
    feelings = dict.fromkeys(FEELINGS, 0.0)
    for label, score in scores.items():
        feeling = _EMOTION_FEELING.get(label.strip().lower())
        if feeling:
            feelings[feeling] = max(feelings[feeling], score)
    return feelings


def _class_of(valence: float) -> str:
    if valence > _EMOTION_NEUTRAL_BAND:
        return "positive"
    if valence < -_EMOTION_NEUTRAL_BAND:
        return "negative"
    return "neutral"
