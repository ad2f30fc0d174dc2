"""The ONNX Runtime backend: score with a model exported by `moodbot export-onnx`.

An export folder holds `model.onnx`, its int8 quantisation `model.int8.onnx`, and the same
tokenizer and config (so the same labels) beside them. `model.backend: onnx` (fp32) or
`onnx-int8` in config.yaml then scores with ONNX Runtime instead of torch: less memory, and
faster on most CPUs. The export itself is a tool (`bot.tools.onnx_export`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .base import ModelScorer, default_threads
from .heads import Calibration
from .lookup import resolve_model

__all__ = ["FP32_FILE", "INT8_FILE", "OnnxScorer"]

log = logging.getLogger(__name__)

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"


class OnnxScorer(ModelScorer):
    """Scores chat lines with an exported ONNX model; same interface as `TorchScorer`."""

    def __init__(
        self,
        model: str,
        *,
        int8: bool = False,
        label_map: Mapping[str, str] | None = None,
        max_length: int = 64,
        chunk_size: int = 16,
        threads: int | None = None,
    ) -> None:
        import onnxruntime
        from transformers import AutoConfig, AutoTokenizer

        folder = Path(resolve_model(model))
        path = folder / (INT8_FILE if int8 else FP32_FILE)
        if not path.is_file():
            raise ModelError(
                f"{path}: no ONNX model there; make one with `moodbot export-onnx --model {model} --out {folder}`"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self.session.get_outputs()]
        super().__init__(
            AutoConfig.from_pretrained(folder),
            AutoTokenizer.from_pretrained(folder),
            label_map=label_map,
            max_length=max_length,
            chunk_size=chunk_size,
            calibration=Calibration.load(folder),
            emotions="emotions" in self._outputs,
        )
        log.info("ONNX model %s loaded (%s)", path, "int8" if int8 else "fp32")

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        outputs = self.session.run(self._outputs, {"input_ids": input_ids, "attention_mask": attention_mask})
        by_name = dict(zip(self._outputs, outputs))
        emotions = by_name.get("emotions")
        return np.asarray(by_name["logits"], dtype=np.float32), None if emotions is None else np.asarray(
            emotions, dtype=np.float32
        )
