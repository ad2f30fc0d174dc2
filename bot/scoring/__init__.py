"""Where a chat line becomes a number: models, their backends, label schemes and normalisation.

normalize.py      raw chat line → the text the model reads (same in training and live)
lookup.py         `bundled`, `minilm`, a folder or a hub id → what `from_pretrained` takes
sentiment.py      any label scheme → `Sentiment` (valence and three class shares)
base.py           `Scorer` (what the worker needs) and `ModelScorer` (what backends share)
torch_backend.py  transformers + torch
onnx_backend.py   ONNX Runtime, fp32 or int8 (no torch)
onnx_export.py    a model's ONNX files, and how often int8 gives fp32's answers
auto.py           `model.backend: auto`: which backend, and where the ONNX files are
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import FilesConfig, ModelConfig
from .base import ModelScorer, Scorer
from .sentiment import Sentiment

__all__ = ["ModelScorer", "Scorer", "Sentiment", "load_scorer"]

log = logging.getLogger(__name__)


def load_scorer(config: ModelConfig, *, cache: Path | None = None) -> ModelScorer:
    """Load the model the config names (blocking: call it from a thread).

    `cache` is where ONNX files built on first use go (default: the data folder's `onnx`).
    """
    from .auto import choose_backend

    choice = choose_backend(config, cache or FilesConfig().data_folder() / "onnx")
    log.info("model %s: %s", config.path, choice.why)
    config = choice.model
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
