"""Build a model's ONNX files: fp32, and an int8 file that keeps the model's answers.

    model.onnx        fp32: the same numbers as torch
    model.int8.onnx   int8, with fp16 embeddings (a third of fp32's size)
    export.json       where the files came from, and how often int8 agreed with fp32

The int8 recipe, from measurements on the bundled model (README, "The ONNX backends"):

- Plain dynamic int8 (one scale per activation tensor) changed 1.6% of the labels of our chat:
  a token with a large activation sets the scale for all the others. Blockwise int8
  (`MatMulNBits`: int8 weights, activations quantised per 32 values of each token) changed 0.1-1%,
  but ran no faster than fp32.
- So each weight matrix is ranked by how much quantising it alone moves the outputs on chat
  lines, the most sensitive half goes blockwise and the rest dynamic (per-channel weights, the
  fast VNNI/AVX2 path): 99.8-99.9% of fp32's labels kept, 1.2x fp32's speed. With a third
  blockwise it was 1.3x, but 98.8-99.7%: too near the bar, since dynamic int8's answer for a line
  moves with the lines batched beside it (their activations share its scale).
- Embeddings are stored in fp16: int8 with one scale for the whole table was the third most
  sensitive tensor; fp16 changed no label and halves the largest tensor.

The agreement with fp32 is measured after the build, on the bundled sample chat and any files
given, and written to export.json: `model.backend: auto` uses int8 only where it meets the bar.
Building needs torch, onnx and onnx-ir; scoring with the files needs only onnxruntime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .base import padded_chunks
from .heads import CALIBRATION_FILE, EMOTION_HEAD_FILE, forward_two_heads, load_emotion_head
from .lookup import resolve_model
from .onnx_backend import FP32_FILE, INT8_FILE, OnnxScorer

__all__ = [
    "AGREEMENT_BAR",
    "EXPORT_FILE",
    "agreement_lines",
    "export_onnx",
    "exported_from",
    "fingerprint",
    "read_export",
]

log = logging.getLogger(__name__)

EXPORT_FILE = "export.json"
AGREEMENT_BAR = 0.99  # int8 must give fp32's label to at least this share of every checked set...
# ...that is big enough to tell: in 15 lines one line is 6.7 points. Smaller sets are reported only
# (on an earlier model, the one of our 15 real lines that int8 changed was a tie in fp32: 0.424
# negative, 0.426 neutral; it changed under every recipe we tried).
_BAR_MIN_LINES = 100
_SAMPLE_CHAT = Path(__file__).parent.parent / "assets" / "sample_chat.jsonl"
_RANKING_LINES = 600  # enough to rank the matrices the same way as 2,000 lines did, in a third of the time
_BLOCKWISE_SHARE = 1 / 2
_BLOCK = 32
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", EMOTION_HEAD_FILE, CALIBRATION_FILE, "config.json")


def export_onnx(
    model: str,
    out: Path,
    *,
    quantize: bool = True,
    keep_fp32: bool = True,
    check: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[str], None] = log.info,
) -> list[Path]:
    """Export `model` to `out` (fp32, and int8 unless `quantize` is False); returns the files written.

    Without `keep_fp32` the fp32 file is only made to check int8 against, then dropped (the
    bundled model ships int8 alone).
    `check` names more sets of lines (e.g. a labelled test file's texts) to measure int8's
    agreement with fp32 on, beside the sample chat.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = resolve_model(model)
    try:
        torch_model = AutoModelForSequenceClassification.from_pretrained(source, dtype=torch.float32).eval()
        tokenizer = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as e:
        raise ModelError(f"{model}: cannot load it to export ({str(e).splitlines()[0]})") from None
    head = load_emotion_head(source, torch_model.config.hidden_size)
    out.mkdir(parents=True, exist_ok=True)
    in_place = Path(source).is_dir() and Path(source).resolve() == out.resolve()
    if not in_place:
        tokenizer.save_pretrained(out)
        torch_model.config.save_pretrained(out)
        for name in ("training.json", CALIBRATION_FILE):
            if (Path(source) / name).is_file():
                shutil.copy(Path(source) / name, out / name)
    # The bundled model ships its int8 file beside its weights: "." says the source is the folder itself.
    record: dict[str, Any] = {"source": "." if in_place else _source_name(source), "fingerprint": fingerprint(source)}
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = (out if keep_fp32 else Path(tmp)) / FP32_FILE
        _export_graph(torch_model, head, tokenizer, fp32)
        if keep_fp32:
            written.append(fp32)
        if quantize:
            ready = Path(tmp) / "half-embeddings.onnx"
            _export_graph(torch_model, head, tokenizer, ready, half_embeddings=True)
            checks = {"sample chat": agreement_lines(), **(check or {})}
            quiet = _QuietAdvice()
            logging.getLogger().addFilter(quiet)
            try:
                record["int8"] = _quantize(out, fp32, ready, checks, progress)
            finally:
                logging.getLogger().removeFilter(quiet)
            written.append(out / INT8_FILE)
    (out / EXPORT_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


def _export_graph(torch_model, head, tokenizer, path: Path, *, half_embeddings: bool = False) -> None:
    import torch

    graph = torch_model if head is None else _two_heads(torch_model, head)
    outputs = ["logits"] if head is None else ["logits", "emotions"]
    embeddings = torch_model.base_model.embeddings
    original = embeddings.word_embeddings
    if half_embeddings:
        embeddings.word_embeddings = _half_embedding(original)
    example = tokenizer(["a short line", "草"], padding=True, return_tensors="pt")
    try:
        with warnings.catch_warnings():
            # The tracer warns about Python control flow it has frozen for these shapes; the
            # sequence and batch axes stay dynamic, which is all chat needs.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                graph,
                (example["input_ids"], example["attention_mask"]),
                str(path),
                input_names=["input_ids", "attention_mask"],
                output_names=outputs,
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    **{name: {0: "batch"} for name in outputs},
                },
                opset_version=17,
                dynamo=False,
            )
    finally:
        embeddings.word_embeddings = original


def _two_heads(model, head):
    import torch

    class TwoHeads(torch.nn.Module):
        """The classifier and the emotion head as one graph with two outputs."""

        def __init__(self) -> None:
            super().__init__()
            self.model, self.head = model, head

        def forward(self, input_ids, attention_mask):
            return forward_two_heads(self.model, self.head, input_ids, attention_mask)

    return TwoHeads().eval()


def _half_embedding(embedding):
    import torch

    class HalfEmbedding(torch.nn.Module):
        """An embedding table stored in fp16, read back as fp32."""

        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(embedding.weight.detach().half(), requires_grad=False)

        def forward(self, ids):
            return torch.nn.functional.embedding(ids, self.weight).float()

    return HalfEmbedding()


def _quantize(
    out: Path, fp32_file: Path, ready: Path, check: Mapping[str, Sequence[str]], progress: Callable[[str], None]
) -> dict[str, Any]:
    """Quantise `ready` into out/INT8_FILE with the recipe above; its agreement with `fp32_file`."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = OnnxScorer(str(out), onnx_file=fp32_file)
    ranked = _rank_by_sensitivity(out, ready, fp32.token_ids(agreement_lines()[:_RANKING_LINES]), progress)
    blockwise = ranked[: round(len(ranked) * _BLOCKWISE_SHARE)]
    with tempfile.TemporaryDirectory() as tmp:
        dynamic = Path(tmp) / "dynamic.onnx"
        quantize_dynamic(
            str(ready),
            str(dynamic),
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=blockwise,
        )
        _blockwise(onnx.load(str(dynamic)), out / INT8_FILE)
    int8 = OnnxScorer(str(out), int8=True)
    agreement = {name: _agreement(fp32, int8, lines) for name, lines in check.items() if lines}
    meets = all(a["labels"] >= AGREEMENT_BAR for a in agreement.values() if a["lines"] >= _BAR_MIN_LINES)
    for name, a in agreement.items():
        progress(f"int8 vs fp32 on {name} ({a['lines']} lines): labels {a['labels']:.2%}, emotions {a['emotions']:.2%}")
    return {
        "embeddings": "fp16",
        "blockwise": blockwise,
        "agreement": agreement,
        "bar": AGREEMENT_BAR,
        "bar_min_lines": _BAR_MIN_LINES,
        "meets_bar": meets,
    }


def _blockwise(model, path: Path) -> None:
    """Turn the fp32 MatMuls left in `model` (the sensitive ones) into blockwise int8."""
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    config = DefaultWeightOnlyQuantConfig(
        block_size=_BLOCK, is_symmetric=True, accuracy_level=4, bits=8, op_types_to_quantize=("MatMul",)
    )
    quantizer = MatMulNBitsQuantizer(
        model, bits=8, block_size=_BLOCK, is_symmetric=True, accuracy_level=4, algo_config=config
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(path), use_external_data_format=False)


class _QuietAdvice(logging.Filter):
    """Drops onnxruntime's advice to pre-process the model, logged once per quantisation (dozens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing")


def _rank_by_sensitivity(out: Path, ready: Path, ids: list[list[int]], progress: Callable[[str], None]) -> list[str]:
    """The weight MatMuls of `ready`, most sensitive first: how far quantising each alone moves the outputs."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(ready))
    weights = {init.name for init in model.graph.initializer}
    matmuls = [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    reference = _outputs(out, ready, ids)
    change: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.onnx"
        for i, name in enumerate(matmuls, 1):
            if i == 1 or i % 10 == 0 or i == len(matmuls):
                progress(f"int8: ranking weight matrices by sensitivity, {i}/{len(matmuls)}")
            quantize_dynamic(
                model,
                str(one),
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                weight_type=QuantType.QInt8,
                nodes_to_exclude=[other for other in matmuls if other != name],
            )
            change[name] = float(np.abs(_outputs(out, one, ids) - reference).mean())
    return sorted(matmuls, key=lambda name: -change[name])


def _outputs(out: Path, path: Path, ids: list[list[int]]) -> np.ndarray:
    """The raw outputs of the graph at `path` (with out's tokenizer and labels) for each line, side
    by side: sentiment logits, then emotion logits."""
    scorer = OnnxScorer(str(out), onnx_file=path, threads=1)
    rows: list[np.ndarray] = [np.empty(0)] * len(ids)
    for chunk, input_ids, mask in padded_chunks(ids, scorer.chunk_size, scorer.pad_id):
        logits, emotions = scorer.forward(input_ids, mask)
        for row, values in zip(chunk, logits if emotions is None else np.concatenate([logits, emotions], axis=1)):
            rows[row] = values
    return np.stack(rows)


def _agreement(fp32: OnnxScorer, int8: OnnxScorer, lines: Sequence[str]) -> dict[str, Any]:
    """How often int8 gives fp32's label, and fp32's set of shown emotions, on `lines`."""
    ours, theirs = int8.score(lines), fp32.score(lines)
    labels = sum(a.label == b.label for a, b in zip(ours, theirs))
    emotions = sum(_shown(a.emotions) == _shown(b.emotions) for a, b in zip(ours, theirs))
    return {"lines": len(lines), "labels": round(labels / len(lines), 4), "emotions": round(emotions / len(lines), 4)}


def _shown(emotions: Mapping[str, float] | None) -> set[str]:
    return {label for label, score in (emotions or {}).items() if score >= 0.5}


def agreement_lines() -> list[str]:
    """The bundled 20-minute sample chat's lines: chat-shaped text to rank and check int8 on."""
    lines = []
    for row in _SAMPLE_CHAT.read_text(encoding="utf-8").splitlines():
        text = json.loads(row).get("text") if row.strip() else None
        if text:
            lines.append(text)
    return lines


def fingerprint(source: str) -> str:
    """What the model's weights are now: a hub id, or a hash of the folder's weight files."""
    folder = Path(source)
    if not folder.is_dir():
        return source
    digest = hashlib.sha256()
    for name in _WEIGHT_FILES:
        if (folder / name).is_file():
            digest.update(name.encode())
            digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _source_name(source: str) -> str:
    return str(Path(source).resolve()) if Path(source).is_dir() else source


def read_export(folder: Path) -> dict[str, Any] | None:
    """The folder's export.json, or None when there is none or it cannot be read."""
    try:
        return json.loads((folder / EXPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def exported_from(folder: str) -> str:
    """The model an ONNX folder was exported from (to compare the backends on the same model)."""
    path = Path(resolve_model(folder))
    record = read_export(path)
    if record is None or "source" not in record:
        raise ModelError(
            f"{path / EXPORT_FILE}: missing or unreadable; export the model again with `moodbot export-onnx`"
        )
    source = record["source"]
    # The bundled model ships its own ONNX files: its "source" is itself, wherever it is installed.
    return str(path) if source == "." else source
