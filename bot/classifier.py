"""Where a chat line becomes a number: a transformers pipeline read through a `LabelScheme`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from .labels import LabelScheme, Sentiment
from .models import describe_load_error, resolve_model
from .normalize import normalize

__all__ = ["Classifier"]

log = logging.getLogger(__name__)


class Classifier:
    """Scores raw chat lines with a sentiment model.

    Blocking and CPU-heavy: the bot calls `score` from its worker thread, never the event loop.
    """

    def __init__(
        self,
        model: str = "bundled",
        *,
        label_map: Mapping[str, str] | None = None,
        batch_size: int = 32,
        max_length: int = 64,
        device: str = "cpu",
    ) -> None:
        import torch
        from transformers import pipeline

        self.model_spec = model
        source = resolve_model(model)
        try:
            # Checkpoints saved in fp16 would otherwise load as fp16, 4.5x slower on a CPU.
            self.pipeline = pipeline(
                "text-classification",
                model=source,
                top_k=None,
                dtype=torch.float32,
                device=device,
            )
        except (OSError, ValueError, EnvironmentError) as exc:
            raise describe_load_error(source, exc) from exc
        config = self.pipeline.model.config
        self.labels = [config.id2label[i] for i in sorted(config.id2label)]
        self.scheme = LabelScheme.for_labels(self.labels, label_map)
        self.lowercase = bool(getattr(self.pipeline.tokenizer, "do_lower_case", False))
        self.batch_size = batch_size
        self.max_length = max_length
        log.info("model %s loaded: labels %s read as %s", model, self.labels, self.scheme.name)

    def normalize(self, text: str) -> str:
        """The text as this model reads it (the same shaping as in training)."""
        return normalize(text, lowercase=self.lowercase) or text.strip() or "."

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        """Score raw chat lines; one `Sentiment` each, in order."""
        if not texts:
            return []
        outputs = self.pipeline(
            [self.normalize(t) for t in texts],
            batch_size=self.batch_size,
            truncation=True,
            max_length=self.max_length,
        )
        return [self.scheme.sentiment({o["label"]: o["score"] for o in out}) for out in outputs]

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The class (negative / neutral / positive) of each line."""
        return [s.label for s in self.score(texts)]

