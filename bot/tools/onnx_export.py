"""`moodbot export-onnx`: export a model folder to ONNX (fp32 and int8) for the onnx backends."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from ..errors import ModelError
from ..scoring.heads import CALIBRATION_FILE, forward_two_heads, load_emotion_head
from ..scoring.lookup import resolve_model
from ..scoring.onnx_backend import FP32_FILE, INT8_FILE

__all__ = ["export_onnx", "exported_from"]

EXPORT_FILE = "export.json"  # which model the export came from, for comparisons with it


def export_onnx(model: str, out: Path, *, quantize: bool = True) -> list[Path]:
    """Export `model` to `out` as ONNX (and its int8 quantisation); returns the files written."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = resolve_model(model)
    torch_model = AutoModelForSequenceClassification.from_pretrained(source, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    head = load_emotion_head(source, torch_model.config.hidden_size)
    graph = torch_model if head is None else _two_heads(torch_model, head)
    outputs = ["logits"] if head is None else ["logits", "emotions"]
    out.mkdir(parents=True, exist_ok=True)
    example = tokenizer(["a short line", "草"], padding=True, return_tensors="pt")
    with warnings.catch_warnings():
        # The tracer warns about Python control flow it has frozen for these shapes; the
        # sequence and batch axes stay dynamic, which is all chat needs.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (example["input_ids"], example["attention_mask"]),
            str(out / FP32_FILE),
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
    tokenizer.save_pretrained(out)
    torch_model.config.save_pretrained(out)
    written = [out / FP32_FILE]
    if quantize:
        _quantize(out / FP32_FILE, out / INT8_FILE)
        written.append(out / INT8_FILE)
    (out / EXPORT_FILE).write_text(
        json.dumps({"source": str(Path(source).resolve()) if Path(source).is_dir() else source})
    )
    for name in ("training.json", CALIBRATION_FILE):
        if (Path(source) / name).is_file():
            shutil.copy(Path(source) / name, out / name)
    return written


def _two_heads(torch_model, head):
    import torch

    class TwoHeads(torch.nn.Module):
        """The classifier and the emotion head as one graph with two outputs."""

        def __init__(self) -> None:
            super().__init__()
            self.model, self.head = torch_model, head

        def forward(self, input_ids, attention_mask):
            return forward_two_heads(self.model, self.head, input_ids, attention_mask)

    return TwoHeads().eval()


def exported_from(folder: str) -> str:
    """The model an ONNX folder was exported from (to compare the backends on the same model)."""
    path = Path(resolve_model(folder)) / EXPORT_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))["source"]
    except (OSError, ValueError, KeyError):
        raise ModelError(f"{path}: missing or unreadable; export the model again with `moodbot export-onnx`") from None


def _quantize(fp32: Path, int8: Path) -> None:
    """Dynamic int8 of the encoder's weight matrices, keeping fp32 where int8 changes answers.

    Measured on our chat test split with an earlier model: every MatMul per tensor agreed with fp32
    on 97.2% of labels; per channel with reduce_range (this CPU has no VNNI) 98.1%. Keeping the
    feed-forward output projections in fp32 (their GELU inputs have outliers that one int8 scale
    cannot hold) lifts the bundled model to 99.5%, at 1.42x torch's raw speed instead of ~1.8x.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and _is_ffn_output(n.name)]
    quantize_dynamic(
        str(fp32),
        str(int8),
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        reduce_range=True,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=keep,
    )


def _is_ffn_output(name: str) -> bool:
    # BERT-style names: /bert/encoder/layer.N/output/dense/MatMul (not attention/output/...).
    return name.endswith("/output/dense/MatMul") and "attention" not in name
