"""How good a classifier is on labelled lines: accuracy, macro-F1, per class, per language.

The metric functions are pure. `vader_predict` is the lexicon baseline we compare against
(VADER, English only by design: it shows what a generic tool makes of stream chat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import DataError
from ..scoring.sentiment import CLASSES, EMOTIONS, FEELINGS
from .examples import Example

__all__ = [
    "EmotionScores",
    "Report",
    "Scores",
    "agreement",
    "evaluate",
    "evaluate_emotions",
    "format_emotions",
    "format_report",
    "score_emotions",
    "score_predictions",
    "vader_predict",
]


@dataclass(frozen=True)
class Scores:
    """Figures for one set of predictions against gold labels."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: gold, columns: predicted, both in CLASSES order

    def summary(self) -> dict[str, float | int]:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "n": self.n}


@dataclass(frozen=True)
class Report:
    """Scores overall and for each `lang` value."""

    overall: Scores
    per_lang: dict[str, Scores] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            **self.overall.summary(),
            "per_class": self.overall.per_class,
            "confusion": {"labels": list(CLASSES), "matrix": self.overall.confusion},
            "per_lang": {lang: s.summary() for lang, s in self.per_lang.items()},
        }


def score_predictions(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Accuracy, macro-F1 over the three classes, per-class figures and the confusion matrix."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    index = {c: i for i, c in enumerate(CLASSES)}
    confusion = [[0] * len(CLASSES) for _ in CLASSES]
    for g, p in zip(gold, predicted):
        confusion[index[g]][index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    for c, i in index.items():
        true_pos = confusion[i][i]
        predicted_c = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = true_pos / predicted_c if predicted_c else 0.0
        recall = true_pos / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    # Macro-F1 averages the classes present in the gold labels, so a language without one
    # class is not marked down for it.
    present = [c for c in CLASSES if per_class[c]["support"]]
    macro_f1 = sum(per_class[c]["f1"] for c in present) / len(present) if present else 0.0
    n = len(gold)
    accuracy = sum(confusion[i][i] for i in range(len(CLASSES))) / n if n else 0.0
    return Scores(n=n, accuracy=accuracy, macro_f1=macro_f1, per_class=per_class, confusion=confusion)


def evaluate(examples: Sequence[Example], predicted: Sequence[str]) -> Report:
    """Score the predicted classes of the examples overall and per language."""
    gold = [ex.label for ex in examples]
    per_lang = {}
    for lang in sorted({ex.lang for ex in examples if ex.lang}):
        idx = [i for i, ex in enumerate(examples) if ex.lang == lang]
        per_lang[lang] = score_predictions([gold[i] for i in idx], [predicted[i] for i in idx])
    return Report(score_predictions(gold, predicted), per_lang)


@dataclass(frozen=True)
class EmotionScores:
    """Precision, recall and F1 per emotion label; macro-F1 over the seven feelings (not `tech`)."""

    n: int
    per_label: dict[str, dict[str, float]]

    @property
    def macro_f1(self) -> float:
        present = [label for label in FEELINGS if self.per_label[label]["support"]]
        return sum(self.per_label[label]["f1"] for label in present) / len(present) if present else 0.0

    def to_json(self) -> dict:
        return {"n": self.n, "macro_f1": self.macro_f1, "per_label": self.per_label}


def score_emotions(gold: Sequence[Sequence[float]], predicted: Sequence[Sequence[float]]) -> EmotionScores:
    """Per-label figures of multi-hot predictions (one 0/1 per `EMOTIONS` label) against gold."""
    per_label: dict[str, dict[str, float]] = {}
    for j, label in enumerate(EMOTIONS):
        tp = sum(1 for g, p in zip(gold, predicted) if g[j] and p[j])
        predicted_n = sum(1 for p in predicted if p[j])
        support = sum(1 for g in gold if g[j])
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return EmotionScores(len(gold), per_label)


def evaluate_emotions(
    examples: Sequence[Example], predicted: Sequence[Sequence[str]]
) -> dict[str, EmotionScores] | None:
    """Emotion figures overall ("all") and per language, on the examples that label emotions."""
    rows = [i for i, ex in enumerate(examples) if ex.emotions is not None]
    if not rows:
        return None

    def hot(tags) -> list[float]:
        return [float(label in tags) for label in EMOTIONS]

    groups = {"all": rows}
    for lang in sorted({examples[i].lang for i in rows if examples[i].lang}):
        groups[lang] = [i for i in rows if examples[i].lang == lang]
    return {
        name: score_emotions([hot(examples[i].emotions) for i in idx], [hot(predicted[i]) for i in idx])
        for name, idx in groups.items()
    }


def format_emotions(scores: dict[str, EmotionScores]) -> str:
    """Emotion F1 per label (columns: all, then each language), and macro-F1 over the feelings."""
    names = list(scores)
    lines = [f"{'emotion F1':12}" + "".join(f"{name:>8}" for name in names)]
    for label in EMOTIONS:
        lines.append(f"{label:12}" + "".join(f"{scores[n].per_label[label]['f1']:>8.3f}" for n in names))
    lines.append(f"{'macro (7)':12}" + "".join(f"{scores[n].macro_f1:>8.3f}" for n in names))
    return "\n".join(lines)


def agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """The share of lines two models label the same."""
    if len(a) != len(b):
        raise ValueError("the two label lists differ in length")
    return sum(x == y for x, y in zip(a, b)) / len(a) if a else 1.0


def vader_predict(texts: list[str]) -> list[str]:
    """VADER's class for each text, with its customary ±0.05 compound thresholds."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise DataError("the VADER baseline needs the training extras: pip install 'moodbot[train]'") from None

    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        labels.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral")
    return labels


def format_report(model_name: str, report: Report, baseline: Report) -> str:
    """The figures as plain-text tables, the model beside the VADER baseline."""
    lines = [f"model: {model_name}    baseline: VADER lexicon", ""]
    lines.append(f"{'':10} {'n':>6} {'accuracy':>9} {'macro-F1':>9} {'VADER acc':>10} {'VADER F1':>9}")
    rows = [("all", report.overall, baseline.overall)]
    rows += [(lang, s, baseline.per_lang[lang]) for lang, s in report.per_lang.items()]
    for name, ours, theirs in rows:
        lines.append(
            f"{name:10} {ours.n:>6} {ours.accuracy:>9.3f} {ours.macro_f1:>9.3f} "
            f"{theirs.accuracy:>10.3f} {theirs.macro_f1:>9.3f}"
        )
    for name, ours, _ in rows:
        lines += ["", *_details(name, ours)]
    return "\n".join(lines)


def _details(name: str, scores: Scores) -> list[str]:
    lines = [f"[{name}] {'class':10} {'precision':>9} {'recall':>9} {'F1':>9} {'support':>8}"]
    pad = " " * (len(name) + 3)
    for c, f in scores.per_class.items():
        lines.append(f"{pad}{c:10} {f['precision']:>9.3f} {f['recall']:>9.3f} {f['f1']:>9.3f} {f['support']:>8}")
    lines.append(f"{pad}confusion (rows: true, columns: predicted)")
    lines.append(f"{pad}{'':10}" + "".join(f"{c:>10}" for c in CLASSES))
    for c, row in zip(CLASSES, scores.confusion):
        lines.append(f"{pad}{c:10}" + "".join(f"{v:>10}" for v in row))
    return lines
