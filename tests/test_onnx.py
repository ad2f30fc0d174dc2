"""The ONNX Runtime backend: exported from a model folder, same labels as torch."""

import json
from pathlib import Path

import pytest
from conftest import NEGATIVE, NEUTRAL, POSITIVE
from helpers import write_recording

from bot.cli import main
from bot.config import ModelConfig
from bot.errors import ModelError
from bot.scoring import load_scorer
from bot.scoring.onnx_backend import FP32_FILE, INT8_FILE, OnnxScorer
from bot.scoring.onnx_export import export_onnx, exported_from
from bot.scoring.torch_backend import TorchScorer
from bot.tools.examples import read_examples, write_examples

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


def test_missing_export_is_a_clear_error(plain_model):
    """Loading ONNX files from a folder never exported says how to export it."""
    with pytest.raises(ModelError, match="moodbot export-onnx"):
        OnnxScorer(str(plain_model))


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


def test_export_records_how_often_int8_agrees(exported):
    """export.json says where the files came from and, per checked set, how often int8 kept fp32's label."""
    record = json.loads((exported / "export.json").read_text())
    int8 = record["int8"]
    assert int8["bar"] == 0.99 and int8["embeddings"] == "fp16"
    sample = int8["agreement"]["sample chat"]
    assert sample["lines"] > 1000 and 0 < sample["labels"] <= 1
    assert int8["meets_bar"] == (sample["labels"] >= 0.99)


def test_auto_builds_the_onnx_files_once_then_reuses_them(plain_model, tmp_path, caplog):
    """model.backend: auto on a model without ONNX files builds them into the cache on first use,
    says which backend it picked, and the next start loads them without building."""
    cache = tmp_path / "onnx"
    caplog.set_level("INFO")
    first = load_scorer(ModelConfig(path=str(plain_model)), cache=cache)
    assert first.backend in ("onnx", "onnx-int8")
    assert "building the ONNX files" in caplog.text and f"model {plain_model}: ONNX" in caplog.text
    (folder,) = cache.iterdir()
    built = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    caplog.clear()
    second = load_scorer(ModelConfig(path=str(plain_model)), cache=cache)
    assert second.backend == first.backend and "building" not in caplog.text
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == built
    assert second.predict(TEXTS) == first.predict(TEXTS)


def test_auto_uses_fp32_where_int8_falls_short(plain_model, tmp_path, caplog):
    """An export whose int8 missed the bar is scored in fp32, and the log says why."""
    cache = tmp_path / "onnx"
    load_scorer(ModelConfig(path=str(plain_model)), cache=cache)
    (folder,) = cache.iterdir()
    record = json.loads((folder / "export.json").read_text())
    record["int8"]["meets_bar"] = False
    record["int8"]["agreement"]["sample chat"]["labels"] = 0.95
    (folder / "export.json").write_text(json.dumps(record))
    caplog.set_level("INFO")
    scorer = load_scorer(ModelConfig(path=str(plain_model)), cache=cache)
    assert scorer.backend == "onnx"
    assert "int8 gave fp32's labels on only 95.0% of sample chat" in caplog.text


def test_auto_builds_again_when_the_model_changes(plain_model, tmp_path):
    """A model whose files change in place (retrained, relabelled) gets new ONNX files, not the old ones."""
    model = plain_model
    cache = tmp_path / "onnx"
    before = load_scorer(ModelConfig(path=str(model)), cache=cache).probabilities(TEXTS)
    config = json.loads((model / "config.json").read_text())
    config["id2label"] = {"0": "positive", "1": "neutral", "2": "negative"}  # the labels the other way round
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (model / "config.json").write_text(json.dumps(config))
    after = load_scorer(ModelConfig(path=str(model)), cache=cache)
    assert after.labels == ["positive", "neutral", "negative"]
    flat = [p for line in after.probabilities(TEXTS) for p in line]
    assert flat == pytest.approx([p for line in before for p in line], abs=1e-6)  # same numbers, new names


def test_explicit_onnx_backend_builds_on_first_use(plain_model, tmp_path):
    """model.backend: onnx on a plain model folder builds the fp32 file instead of failing."""
    tmp_path = tmp_path / "onnx"
    scorer = load_scorer(ModelConfig(path=str(plain_model), backend="onnx"), cache=tmp_path)
    assert scorer.backend == "onnx" and scorer.predict(["so good"])
    assert not list(tmp_path.rglob("model.int8.onnx"))  # fp32 asked for: no quantisation spent


def test_auto_leaves_a_gpu_to_torch(tiny_classifier, tmp_path):
    """model.device: cuda keeps torch (ONNX files here are for the CPU)."""
    from bot.scoring.auto import choose_backend

    choice = choose_backend(ModelConfig(path=str(tiny_classifier), device="cuda"), tmp_path)
    assert choice.model.backend == "torch" and "cuda" in choice.why
    assert not list(tmp_path.iterdir())


def test_the_bundled_int8_file_is_the_bundled_models():
    """The shipped int8 file was built from the shipped weights (retraining without `make model`'s
    export step would ship the old model's numbers), fits the wheel, and meets its bar."""
    from bot.scoring.lookup import resolve_model
    from bot.scoring.onnx_export import fingerprint, read_export

    bundled = resolve_model("bundled")
    record = read_export(Path(bundled))
    assert record["source"] == "." and record["fingerprint"] == fingerprint(bundled)
    assert (Path(bundled) / INT8_FILE).stat().st_size < 50e6
    assert not (Path(bundled) / FP32_FILE).exists()  # built on first use where needed, not shipped
    int8 = record["int8"]
    assert int8["meets_bar"] and int8["agreement"]["sample chat"]["labels"] >= 0.99


@pytest.mark.slow
def test_bundled_int8_gives_torchs_answers_on_chat():
    """On the labelled chat the shipped int8 file gives torch fp32's label to ≥ 99% of lines and
    its macro-F1 within 0.005, on the test split and on the chat-shaped slice."""
    from bot.tools.evaluation import score_predictions

    int8 = load_scorer(ModelConfig(backend="onnx-int8"))
    fp32 = TorchScorer("bundled")
    for name in ("data/chat/test.tsv", "data/chat/shaped/test.tsv"):
        examples = read_examples(Path(__file__).parent.parent / name)
        texts, gold = [ex.text for ex in examples], [ex.label for ex in examples]
        ours, theirs = int8.predict(texts), fp32.predict(texts)
        agree = sum(a == b for a, b in zip(ours, theirs)) / len(texts)
        f1 = score_predictions(gold, ours).macro_f1, score_predictions(gold, theirs).macro_f1
        print(f"{name}: int8 agrees on {agree:.2%}; macro-F1 {f1[0]:.4f} int8, {f1[1]:.4f} fp32")
        assert agree >= 0.99 and abs(f1[0] - f1[1]) <= 0.005


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_a_repeated_line_is_not_scored_again(tiny_classifier, tmp_path, backend):
    """Chat repeats itself: a line read the same way as one already scored (case, spacing) gets the
    same result without the model running again; new lines still run it."""
    scorer = load_scorer(ModelConfig(path=str(tiny_classifier), backend=backend), cache=tmp_path)
    runs = []
    forward = scorer.forward
    scorer.forward = lambda ids, mask: runs.append(len(ids)) or forward(ids, mask)
    first = scorer.score(["so good", "hate it"])
    assert sum(runs) == 2
    again = scorer.score(["SO  GOOD", "hate it", "so good", "what time is it"])
    assert sum(runs) == 3  # only the new line
    assert again[0] == again[2] == first[0] and again[1] == first[1]
    assert scorer.score(["hate it", "SO GOOD"]) == [first[1], first[0]]  # a batch of repeats alone
    assert sum(runs) == 3
