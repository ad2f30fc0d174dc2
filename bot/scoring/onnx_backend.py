"""The ONNX Runtime backend: score with a model's ONNX files, without torch or transformers.

A folder with ONNX files holds `model.onnx` (fp32) and/or `model.int8.onnx`, beside the model's
`tokenizer.json` and `config.json` (so the same tokens and labels). This backend reads those two
with `tokenizers` and `json` alone: importing transformers would load torch, half a gigabyte and
seconds of start-up the streamer's PC does not need to score chat. `onnx_export.py` builds the files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Labels:
    """What `ModelScorer` reads of a model's config.json."""

    id2label: dict[int, str]
    problem_type: str | None


class _Tokenizer:
    """The model's tokenizer.json through `tokenizers`, called the way transformers' tokenizers are."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        settings = _read_json(folder / "tokenizer_config.json", required=False)
        self.do_lower_case = bool(settings.get("do_lower_case", False))
        pad = settings.get("pad_token", "[PAD]")
        self.pad_token_id = self._tokenizer.token_to_id(pad if isinstance(pad, str) else pad.get("content", ""))

    def __call__(self, texts: Sequence[str], *, truncation: bool, max_length: int) -> dict[str, list[list[int]]]:
        if truncation:
            self._tokenizer.enable_truncation(max_length)
        return {"input_ids": [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]}

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self._tokenizer.id_to_token(i) or "" for i in ids]


def _read_json(path: Path, *, required: bool = True) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            raise ModelError(f"{path}: missing; export the model again with `moodbot export-onnx`") from None
        return {}
    except (OSError, ValueError) as e:
        raise ModelError(f"{path}: unreadable ({e}); export the model again with `moodbot export-onnx`") from None


class OnnxScorer(ModelScorer):
    """Scores chat lines with an exported ONNX model; same interface as `TorchScorer`."""

    def __init__(
        self,
        model: str,
        *,
        int8: bool = False,
        onnx_file: Path | None = None,
        label_map: Mapping[str, str] | None = None,
        max_length: int = 64,
        chunk_size: int = 16,
        threads: int | None = None,
    ) -> None:
        import onnxruntime

        self.backend = "onnx-int8" if int8 else "onnx"
        folder = Path(resolve_model(model))
        self.folder = folder
        path = onnx_file or folder / (INT8_FILE if int8 else FP32_FILE)
        if not path.is_file():
            raise ModelError(
                f"{path}: no ONNX model there; make one with `moodbot export-onnx --model {model} --out {folder}`"
            )
        if not (folder / "tokenizer.json").is_file():
            raise ModelError(f"{folder}: no tokenizer.json beside the ONNX model; export the model again")
        config = _read_json(folder / "config.json")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        # Idle threads sleep instead of spinning for the next batch: the game and OBS need those cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self.session.get_outputs()]
        super().__init__(
            _Labels({int(i): label for i, label in config.get("id2label", {}).items()}, config.get("problem_type")),
            _Tokenizer(folder),
            label_map=label_map,
            max_length=max_length,
            chunk_size=chunk_size,
            calibration=Calibration.load(folder),
            emotions="emotions" in self._outputs,
        )
        log.debug("ONNX model %s loaded", path)  # load_scorer has said which file and why

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        outputs = self.session.run(self._outputs, {"input_ids": input_ids, "attention_mask": attention_mask})
        by_name = dict(zip(self._outputs, outputs))
        emotions = by_name.get("emotions")
        return np.asarray(by_name["logits"], dtype=np.float32), None if emotions is None else np.asarray(
            emotions, dtype=np.float32
        )
