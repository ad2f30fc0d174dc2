"""The ONNX Runtime backend: exported from a model folder, same labels as torch."""

import pytest

from bot.app import load_scorer
from bot.classifier import Classifier
from bot.config import ModelConfig
from bot.errors import ModelError
from bot.onnx import FP32_FILE, INT8_FILE, OnnxClassifier, export_onnx

from conftest import NEGATIVE, NEUTRAL, POSITIVE

TEXTS = POSITIVE + NEGATIVE + NEUTRAL


@pytest.fixture(scope="module")
def exported(tiny_classifier, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx")
    written = export_onnx(str(tiny_classifier), out)
    assert [p.name for p in written] == [FP32_FILE, INT8_FILE]
    return out


def test_fp32_onnx_matches_torch(tiny_classifier, exported):
    """The fp32 export gives the same probabilities as torch, and the same labels."""
    torch_model = Classifier(str(tiny_classifier))
    onnx_model = OnnxClassifier(str(exported))
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
        OnnxClassifier(str(tiny_classifier))
