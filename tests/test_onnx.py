"""The ONNX Runtime backend: exported from a model folder, same labels as torch."""

import json

import pytest
from conftest import NEGATIVE, NEUTRAL, POSITIVE
from helpers import write_recording

from bot.cli import main
from bot.config import ModelConfig
from bot.errors import ModelError
from bot.scoring import load_scorer
from bot.scoring.onnx_backend import FP32_FILE, INT8_FILE, OnnxScorer
from bot.scoring.torch_backend import TorchScorer
from bot.tools.examples import write_examples
from bot.tools.onnx_export import export_onnx, exported_from

TEXTS = POSITIVE + NEGATIVE + NEUTRAL


@pytest.fixture(scope="module")
def exported(tiny_classifier, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx")
    written = export_onnx(str(tiny_classifier), out)
    assert [p.name for p in written] == [FP32_FILE, INT8_FILE]
    return out


def test_fp32_onnx_matches_torch(tiny_classifier, exported):
    """The fp32 export gives the same probabilities as torch, and the same labels."""
    torch_model = TorchScorer(str(tiny_classifier))
    onnx_model = OnnxScorer(str(exported))
    assert onnx_model.labels == torch_model.labels
    for ours, theirs in zip(onnx_model.probabilities(TEXTS), torch_model.probabilities(TEXTS)):
        assert ours == pytest.approx(theirs, abs=1e-4)


def test_int8_backend_from_config(exported):
    """model.backend: onnx-int8 loads the quantised file and scores lines."""
    scorer = load_scorer(ModelConfig(path=str(exported), backend="onnx-int8"))
    results = scorer.score(["love it", "hate it"])
    assert len(results) == 2 and all(-1 <= s.valence <= 1 for s in results)


def test_missing_export_is_a_clear_error(tiny_classifier):
    """Asking for the ONNX backend on a folder never exported says how to export it."""
    with pytest.raises(ModelError, match="moodbot export-onnx"):
        OnnxScorer(str(tiny_classifier))


def test_eval_reports_int8_beside_fp32(exported, toy_examples, tmp_path, capsys):
    """`moodbot eval --backend onnx-int8` gives the int8 figures and their agreement with fp32."""
    data = tmp_path / "lines.tsv"
    write_examples(data, toy_examples)
    assert main(["eval", "--data", str(data), "--model", str(exported), "--backend", "onnx-int8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "onnx-int8" and out["n"] == len(TEXTS)
    assert 0.5 <= out["agreement_with_fp32"] <= 1.0


@pytest.mark.slow
def test_bench_compares_onnx_with_its_torch_model(exported, tmp_path, capsys):
    """`moodbot bench --backend onnx-int8` also measures the torch model the export came from."""
    chat = write_recording(tmp_path / "chat.jsonl", [(i * 0.05, t) for i, t in enumerate(TEXTS * 20)])
    assert (
        main(
            [
                "bench",
                "--json",
                "--model",
                str(exported),
                "--backend",
                "onnx-int8",
                "--chat",
                str(chat),
                "--latency-seconds",
                "1",
                "--overload-seconds",
                "1",
                "--no-cold-start",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["backend"] == "onnx-int8"
    assert result["torch_raw_msgs_per_s"] > 0
    assert result["raw_vs_torch"] == pytest.approx(result["raw_msgs_per_s"] / result["torch_raw_msgs_per_s"], rel=0.01)


def test_export_without_its_record_is_a_clear_error(exported, tmp_path):
    """A folder whose export.json is gone cannot name its torch model: one line says what to do."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in exported.iterdir():
        if path.name != "export.json":
            (copy / path.name).write_bytes(path.read_bytes())
    with pytest.raises(ModelError, match="export the model again"):
        exported_from(str(copy))


@pytest.fixture(scope="module")
def single_logit_model(tiny_base, tmp_path_factory):
    """A model with one output (a score, not classes): the pipeline reads it through a sigmoid."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(1)
    model = BertForSequenceClassification.from_pretrained(tiny_base, num_labels=1, id2label={0: "positive"})
    out = tmp_path_factory.mktemp("single-logit")
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_base).save_pretrained(out)
    return out


def test_both_backends_read_a_single_logit_model_alike(single_logit_model, tmp_path):
    """One shared set-up: torch and ONNX both apply the sigmoid to a one-output model (ONNX used a softmax: always 1)."""
    export_onnx(str(single_logit_model), tmp_path, quantize=False)
    label_map = {"positive": "positive"}
    torch_probs = TorchScorer(str(single_logit_model), label_map=label_map).probabilities(TEXTS)
    onnx_probs = OnnxScorer(str(tmp_path), label_map=label_map).probabilities(TEXTS)
    assert all(len(p) == 1 and 0 < p[0] < 1 for p in torch_probs + onnx_probs)
    for ours, theirs in zip(onnx_probs, torch_probs):
        assert ours == pytest.approx(theirs, abs=1e-4)
