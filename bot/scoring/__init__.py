"""Where a chat line becomes a number: models, their backends, label schemes and normalisation.

normalize.py      raw chat line → the text the model reads (same in training and live)
lookup.py         `bundled`, `minilm`, a folder or a hub id → what `from_pretrained` takes
sentiment.py      any label scheme → `Sentiment` (valence and three class shares)
base.py           `Scorer` (what the worker needs) and `ModelScorer` (what backends share)
torch_backend.py  transformers + torch
onnx_backend.py   ONNX Runtime, fp32 or int8
"""

from __future__ import annotations

from ..config import ModelConfig
from .base import ModelScorer, Scorer
from .sentiment import Sentiment

__all__ = ["ModelScorer", "Scorer", "Sentiment", "load_scorer"]


def load_scorer(config: ModelConfig) -> ModelScorer:
    """Load the model the config names (blocking: call it from a thread)."""
    if config.backend.startswith("onnx"):
        from .onnx_backend import OnnxScorer

        return OnnxScorer(
            config.path,
            int8=config.backend == "onnx-int8",
            label_map=config.label_map,
            max_length=config.max_length,
            threads=config.threads,
        )
    from .torch_backend import TorchScorer

    return TorchScorer(
        config.path,
        label_map=config.label_map,
        max_length=config.max_length,
        device=config.device,
        threads=config.threads,
    )
