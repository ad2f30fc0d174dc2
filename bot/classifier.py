"""Where a chat line becomes a number: a transformers sentiment pipeline read through a `LabelScheme`.

The model is loaded with `pipeline(..., top_k=None)`, so anything the pipeline loads works here
(a folder, a hub id, any label scheme). Scoring then uses the pipeline's own tokenizer and
model directly: a micro-batch is tokenised once, sorted by length and run in chunks padded only
to their own longest line. On chat that is 1.6-2x faster than handing the pipeline the batch,
because one long line no longer pads every short one (see `moodbot bench`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from .labels import LabelScheme, Sentiment
from .models import describe_load_error, resolve_model
from .normalize import normalize

__all__ = ["Classifier", "LabelledScores", "default_threads", "padded_chunks"]

log = logging.getLogger(__name__)


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


class LabelledScores:
    """What every backend shares: its labels read through a `LabelScheme`, and normalisation."""

    labels: list[str]
    scheme: LabelScheme
    lowercase: bool

    def normalize(self, text: str) -> str:
        """The text as this model reads it (the same shaping as in training)."""
        return normalize(text, lowercase=self.lowercase) or text.strip() or "."

    def probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        raise NotImplementedError

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        """Score raw chat lines; one `Sentiment` each, in order."""
        if not texts:
            return []
        return [self.scheme.sentiment(dict(zip(self.labels, p))) for p in self.probabilities(texts)]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The class (negative / neutral / positive) of each line."""
        return [s.label for s in self.score(texts)]


class Classifier(LabelledScores):
    """Scores raw chat lines with a sentiment model.

    Blocking and CPU-heavy: the bot calls `score` from its worker thread, never the event loop.
    """

    def __init__(
        self,
        model: str = "bundled",
        *,
        label_map: Mapping[str, str] | None = None,
        max_length: int = 64,
        chunk_size: int = 16,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        import torch
        from transformers import pipeline

        torch.set_num_threads(threads or default_threads())
        self.model_spec = model
        source = resolve_model(model)
        try:
            # Checkpoints saved in fp16 would otherwise load as fp16, 4.5x slower on a CPU.
            self.pipeline = pipeline("text-classification", model=source, top_k=None, dtype=torch.float32, device=device)
        except (OSError, ValueError) as exc:
            raise describe_load_error(source, exc) from exc
        self.model = self.pipeline.model.eval()
        self.tokenizer = self.pipeline.tokenizer
        config = self.model.config
        self.labels = [config.id2label[i] for i in sorted(config.id2label)]
        self.scheme = LabelScheme.for_labels(self.labels, label_map)
        # What the pipeline would apply: sigmoid for multi-label models, softmax otherwise.
        self._sigmoid = config.problem_type == "multi_label_classification" or len(self.labels) == 1
        self.lowercase = bool(getattr(self.tokenizer, "do_lower_case", False))
        self.max_length = max_length
        self.chunk_size = chunk_size
        self._pad = self.tokenizer.pad_token_id or 0
        self._device = self.model.device
        log.info("model %s loaded: labels %s read as %s", model, self.labels, self.scheme.name)

    def probabilities(self, texts: Sequence[str]) -> list[list[float]]:
        """The model's probability for each label (in `self.labels` order), per line."""
        import torch

        ids = self.tokenizer([self.normalize(t) for t in texts], truncation=True, max_length=self.max_length)["input_ids"]
        out: list[list[float]] = [[] for _ in ids]
        with torch.inference_mode():
            for chunk, input_ids, mask in padded_chunks(ids, self.chunk_size, self._pad):
                logits = self.model(
                    input_ids=torch.from_numpy(input_ids).to(self._device),
                    attention_mask=torch.from_numpy(mask).to(self._device),
                ).logits
                probs = logits.sigmoid() if self._sigmoid else logits.softmax(-1)
                for row, values in zip(chunk, probs.tolist()):
                    out[row] = values
        return out
