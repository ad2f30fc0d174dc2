"""Calibration, fitted on dev after training: a temperature for the sentiment head, a threshold per
emotion, and the expected calibration error that says how far to trust the model's confidence. Pure."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["expected_calibration_error", "fit_temperature", "fit_thresholds"]

_TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 241))
_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


def fit_temperature(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    """The temperature T that minimises the negative log-likelihood of softmax(logits / T) on dev."""
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels)
    if not len(y):
        return 1.0
    best, best_nll = 1.0, np.inf
    for t in _TEMPERATURES:
        scaled = z / t
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        nll = -log_probs[np.arange(len(y)), y].mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def fit_thresholds(
    probabilities: Sequence[Sequence[float]], gold: Sequence[Sequence[float]], labels: Sequence[str]
) -> dict[str, float]:
    """For each label, the decision threshold with the best F1 on dev (0.5 where dev has no example)."""
    p = np.asarray(probabilities, dtype=np.float64)
    g = np.asarray(gold, dtype=bool)
    thresholds = {}
    for j, label in enumerate(labels):
        if not g[:, j].any():
            thresholds[label] = 0.5
            continue
        f1s = np.array([_f1(p[:, j] >= t, g[:, j]) for t in _THRESHOLDS])
        # Where several thresholds tie, the middle one: the widest margin on both sides.
        best = _THRESHOLDS[f1s >= f1s.max() - 1e-9]
        thresholds[label] = float(best[len(best) // 2])
    return thresholds


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """ECE over equal-width confidence bins: the mean gap between confidence and accuracy, by weight."""
    c = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if not len(c):
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(c, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            ece += in_bin.mean() * abs(c[in_bin].mean() - ok[in_bin].mean())
    return float(ece)


def _f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    tp = float((predicted & gold).sum())
    if not tp:
        return 0.0
    precision, recall = tp / predicted.sum(), tp / gold.sum()
    return 2 * precision * recall / (precision + recall)
