"""The one interface every model backend offers, and the set-up they share.

`ModelScorer` reads a model's labels through a `LabelScheme`, shapes text with `normalize`, cuts a
micro-batch into length-sorted chunks padded only to their own longest line, and turns logits into
probabilities the way the transformers pipeline would (sigmoid for multi-label or single-logit
models, softmax otherwise), divided first by the model's calibrated temperature. A model with an
emotion head (`heads.py`) also gives each line its emotions. A backend only says how to get the
logits of one padded chunk.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from .heads import Calibration
from .normalize import normalize
from .sentiment import EMOTIONS, LabelScheme, Sentiment

__all__ = ["ModelScorer", "Scorer", "default_threads", "padded_chunks"]

_REMEMBERED = 4096  # distinct lines whose results are kept (a few hundred KB)


class Scorer(Protocol):
    """What the worker needs of a model: one `Sentiment` per chat line, in order."""

    def score(self, texts: Sequence[str]) -> list[Sentiment]: ...


def default_threads() -> int:
    """Half the CPU cores, at least one: the streamer's game and encoder need the rest.

    Measured on 2 cores with the other one busy: torch with 2 threads scored 18 messages/s,
    with 1 thread 209 (its threads spin waiting for each other when a core is taken).
    """
    return max(1, (os.cpu_count() or 2) // 2)


def padded_chunks(
    ids: Sequence[Sequence[int]], chunk_size: int, pad: int
) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """Token id lists grouped by length: (positions, ids padded to the chunk's longest, mask)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), chunk_size):
        chunk = order[start : start + chunk_size]
        width = max(len(ids[i]) for i in chunk)
        input_ids = np.full((len(chunk), width), pad, dtype=np.int64)
        mask = np.zeros((len(chunk), width), dtype=np.int64)
        for row, i in enumerate(chunk):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
        yield chunk, input_ids, mask


class ModelScorer:
    """A transformers-style classifier behind any backend; subclasses implement `logits`.

    Blocking and CPU-heavy: the bot calls `score` from its worker thread, never the event loop.
    """

    backend: str  # "torch", "onnx" or "onnx-int8": what model.backend: auto chose

    def __init__(
        self,
        model_config: Any,
        tokenizer: Any,
        *,
        label_map: Mapping[str, str] | None,
        max_length: int,
        chunk_size: int,
        calibration: Calibration,
        emotions: bool,
    ) -> None:
        self.tokenizer = tokenizer
        self.calibration = calibration
        self.emotion_labels: tuple[str, ...] = EMOTIONS if emotions else ()
        self.labels: list[str] = [model_config.id2label[i] for i in sorted(model_config.id2label)]
        self.scheme = LabelScheme.for_labels(self.labels, label_map)
        self.sigmoid = model_config.problem_type == "multi_label_classification" or len(self.labels) == 1
        self.lowercase = bool(getattr(tokenizer, "do_lower_case", False))
        self.max_length = max_length
        self.chunk_size = chunk_size
        self.pad_id: int = tokenizer.pad_token_id or 0
        self._remembered: OrderedDict[tuple[str, bool], Sentiment] = OrderedDict()

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The raw logits of one padded chunk: sentiment (rows, labels), emotions (rows, EMOTIONS) or None."""
        raise NotImplementedError

    def normalize(self, text: str) -> str:
        """The text as this model reads it (the same shaping as in training)."""
        return normalize(text, lowercase=self.lowercase) or text.strip() or "."

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return self._encode([self.normalize(t) for t in texts])

    def _encode(self, lines: Sequence[str]) -> list[list[int]]:
        return self.tokenizer(list(lines), truncation=True, max_length=self.max_length)["input_ids"]

    def probabilities(self, texts: Sequence[str], *, calibrated: bool = True) -> list[list[float]]:
        """The model's probability for each label (in `self.labels` order), per line."""
        return [sentiment for sentiment, _ in self._run([self.normalize(t) for t in texts], calibrated)]

    def score(self, texts: Sequence[str], *, calibrated: bool = True) -> list[Sentiment]:
        """Score raw chat lines; one `Sentiment` each, in order.

        Chat repeats itself (草, KEKW, 8888, a copypasta), a flood most of all: a line read the
        same way as one of the last `_REMEMBERED` distinct lines gets that line's result without
        running the model again.
        """
        if not texts:
            return []
        lines = [(self.normalize(t), calibrated) for t in texts]
        fresh: dict[tuple[str, bool], Sentiment] = {}
        new = [key for key in dict.fromkeys(lines) if key not in self._remembered]
        for key, (sentiment, emotions) in zip(new, self._run([line for line, _ in new], calibrated)):
            result = self.scheme.sentiment(dict(zip(self.labels, sentiment)))
            if emotions is not None:
                result = result.with_emotions(dict(zip(self.emotion_labels, emotions)))
            fresh[key] = result
        results = []
        for key in lines:
            result = fresh.get(key) or self._remembered[key]
            self._remembered[key] = result
            self._remembered.move_to_end(key)
            results.append(result)
        while len(self._remembered) > _REMEMBERED:
            self._remembered.popitem(last=False)
        return results

    def forget(self) -> None:
        """Drop the remembered lines (a benchmark's next phase starts as a new stream would)."""
        self._remembered.clear()

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The class (negative / neutral / positive) of each line."""
        return [s.label for s in self.score(texts)]

    def _run(self, lines: Sequence[str], calibrated: bool) -> list[tuple[list[float], list[float] | None]]:
        """Probabilities and emotions of lines already normalised."""
        if not lines:  # every line of the batch was remembered (transformers' tokenizers fail on [])
            return []
        ids = self._encode(lines)
        out: list[tuple[list[float], list[float] | None]] = [([], None) for _ in ids]
        temperature = self.calibration.temperature if calibrated else 1.0
        shift = np.array([self.calibration.emotion_shift(label) for label in self.emotion_labels], dtype=np.float32)
        for chunk, input_ids, mask in padded_chunks(ids, self.chunk_size, self.pad_id):
            logits, emotion_logits = self.forward(input_ids, mask)
            logits = logits / temperature
            probs = _sigmoid(logits) if self.sigmoid else _softmax(logits)
            emotions = _sigmoid(emotion_logits - shift).tolist() if emotion_logits is not None else None
            for i, (row, values) in enumerate(zip(chunk, probs.tolist())):
                out[row] = (values, emotions[i] if emotions is not None else None)
        return out


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-logits))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
