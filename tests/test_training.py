"""The hand-written training loop, on a tiny model made in the test."""

import json

import pytest
import torch

from bot.tools.examples import Example
from bot.tools.training import ChatDataset, TrainConfig, collate, train


def test_collate_pads_to_longest_in_batch():
    """Dynamic padding: the batch is as wide as its longest line, with a matching mask."""
    batch = collate([([101, 7, 102], 2, None), ([101, 102], 0, [1.0] + [0.0] * 7)], pad_id=0)
    assert batch["input_ids"].tolist() == [[101, 7, 102], [101, 102, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["labels"].tolist() == [2, 0]
    assert batch["emotion_mask"].tolist() == [0.0, 1.0]  # only the second line labels emotions


def test_training_learns_and_saves_a_pipeline_model(tiny_base, toy_examples, tmp_path):
    """Loss goes down, dev F1 is kept at its best, and the folder loads through `pipeline`."""
    from transformers import pipeline

    out = tmp_path / "model"
    japanese = [Example("かわいいね", "positive", "ja"), Example("かなしいね", "negative", "ja")] * 2
    config = TrainConfig(base=str(tiny_base), out=out, epochs=12, batch_size=8, learning_rate=3e-3, warmup_ratio=0.1)
    result = train(config, toy_examples * 3 + japanese, toy_examples, progress=False)

    losses = [h.train_loss for h in result.history]
    assert losses[-1] < losses[0] * 0.5
    assert result.best_macro_f1 == max(h.dev_macro_f1 for h in result.history)
    assert result.best_macro_f1 >= 0.9

    meta = json.loads((out / "training.json").read_text())
    assert meta["best_epoch"] == result.best_epoch
    classify = pipeline("sentiment-analysis", model=str(out), dtype=torch.float32)
    assert classify("love it")[0]["label"] == "positive"
    assert classify("hate it")[0]["label"] == "negative"
    assert classify.tokenizer.convert_ids_to_tokens(classify.tokenizer("かわいい")["input_ids"])[1:-1] == [
        "か",
        "##わ",
        "##い",
        "##い",
    ]


def test_weights_are_saved_half_size_but_load_as_float32(tiny_base, toy_examples, tmp_path):
    """fp16 on disk (half the size), float32 when loaded (fp16 is slow on CPUs)."""
    from safetensors import safe_open
    from transformers import AutoModelForSequenceClassification

    out = tmp_path / "model"
    train(TrainConfig(base=str(tiny_base), out=out, epochs=1, batch_size=8), toy_examples, toy_examples, progress=False)
    with safe_open(str(out / "model.safetensors"), framework="pt") as f:
        assert f.get_tensor(next(iter(f.keys()))).dtype == torch.float16
    assert AutoModelForSequenceClassification.from_pretrained(out).dtype == torch.float32


def test_dataset_normalises_like_the_bot(tiny_base):
    """Training text is shaped by the same normaliser the bot uses."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_base)
    labels = {"negative": 0, "neutral": 1, "positive": 2}
    ds = ChatDataset([Example("LOOOOOOOL", "positive")], tokenizer, labels, max_length=16)
    ids, label, _ = ds[0]
    assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == "looo" + "l"
    assert label == 2


@pytest.mark.parametrize("extend", [True, False])
def test_vocab_extension_is_optional(tiny_base, toy_examples, tmp_path, extend):
    """--no-extend-vocab keeps the base vocabulary as it is."""
    from transformers import AutoTokenizer

    out = tmp_path / "m"
    lines = [*toy_examples, Example("草草", "positive", "ja"), Example("草", "positive", "ja")]
    train(TrainConfig(base=str(tiny_base), out=out, epochs=1, extend_vocab=extend), lines, toy_examples, progress=False)
    tokens = AutoTokenizer.from_pretrained(out).tokenize("草")
    assert tokens == (["草"] if extend else ["[UNK]"])
