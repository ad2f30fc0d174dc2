"""Shared fixtures: a tiny untrained encoder to train in tests, and small labelled files."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(autouse=True)
def _user_folders(tmp_path_factory, monkeypatch):
    """moodbot's data and config folders (platformdirs) lie in a temporary folder: no test writes to the home folder."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny random BERT with a character vocabulary and free `[unused]` slots."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    chars = string.ascii_lowercase + string.digits + string.punctuation
    tokens = SPECIALS + [f"[unused{i}]" for i in range(40)] + list(chars)
    tokens += ["##" + c for c in string.ascii_lowercase + string.digits]
    tokenizer = BertTokenizer(vocab={t: i for i, t in enumerate(tokens)}, do_lower_case=True)
    config = BertConfig(
        vocab_size=len(tokens),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-base")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


POSITIVE = ["so good", "love it", "great play", "good job", "love you", "great stream", "so cute", "cute and good"]
NEGATIVE = ["so bad", "hate it", "awful lag", "bad audio", "hate this boss", "awful stream", "so sad", "sad and bad"]
NEUTRAL = ["what time", "which game", "when is it", "what map", "which level", "when next", "what song", "which one"]


@pytest.fixture
def toy_examples():
    """Lines whose class a tiny model can learn from their words alone."""
    from bot.tools.examples import Example

    rows = [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE]
    rows += [(t, "neutral") for t in NEUTRAL]
    return [Example(text, label, "en") for text, label in rows]


@pytest.fixture(scope="session")
def bundled_scorer():
    """The real bundled model as `moodbot run` loads it by default (its int8 file through ONNX
    Runtime), loaded once for the tests that run the whole flow."""
    from bot.config import ModelConfig
    from bot.scoring import load_scorer

    return load_scorer(ModelConfig())


@pytest.fixture
async def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    import os
    import shutil

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=path,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
def tiny_classifier(tiny_base, tmp_path_factory) -> Path:
    """A tiny 3-class model trained on the toy lines: fast stand-in where the model's quality does not matter.

    Like the bundled model, it holds its own ONNX files, so `moodbot run` on it scores with int8 at
    once (`plain_model` is the same model without them, for the tests of the first-use build).
    """
    from bot.scoring.onnx_export import export_onnx
    from bot.tools.examples import Example
    from bot.tools.training import TrainConfig, train

    rows = [(t, "positive") for t in POSITIVE] + [(t, "negative") for t in NEGATIVE] + [(t, "neutral") for t in NEUTRAL]
    examples = [Example(text, label, "en") for text, label in rows]
    out = tmp_path_factory.mktemp("tiny-classifier")
    train(
        TrainConfig(base=str(tiny_base), out=out, epochs=8, batch_size=8, learning_rate=3e-3),
        examples * 3,
        examples,
        progress=False,
    )
    export_onnx(str(out), out)
    return out


@pytest.fixture
def plain_model(tiny_classifier, tmp_path) -> Path:
    """The tiny classifier's folder as `moodbot train` writes it: no ONNX files yet."""
    out = tmp_path / "plain-model"
    out.mkdir()
    for path in tiny_classifier.iterdir():
        if path.suffix != ".onnx" and path.name != "export.json":
            (out / path.name).write_bytes(path.read_bytes())
    return out


@pytest.fixture(scope="session")
def tiny_classifier_scorer(tiny_classifier):
    """The tiny classifier loaded as the bot loads models: for flows where the model's quality does not matter."""
    from bot.scoring.torch_backend import TorchScorer

    return TorchScorer(str(tiny_classifier))
