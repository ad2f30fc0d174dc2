"""The bundled model's second head and its calibration, kept beside the model's own files.

    emotion_head.safetensors   a linear layer from the encoder's pooled output to `EMOTIONS`
    calibration.json           {"temperature": T, "emotion_thresholds": {label: t}}

The sentiment head stays the model's own classifier, so any tool that loads the folder as a
transformers model still works; moodbot reads both heads from one forward pass of the encoder.
The temperature divides the sentiment logits (fitted on dev: calibrated confidence), and each
emotion's dev-fitted threshold is moved to 0.5, so "0.5 or more" means "this line shows it".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CALIBRATION_FILE",
    "EMOTION_HEAD_FILE",
    "Calibration",
    "forward_two_heads",
    "has_emotion_head",
    "load_emotion_head",
    "save_emotion_head",
    "supports_emotion_head",
]

EMOTION_HEAD_FILE = "emotion_head.safetensors"
CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """How to read a model's raw outputs: a temperature and per-emotion decision points."""

    temperature: float = 1.0
    emotion_thresholds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> Calibration:
        """The folder's calibration; none (temperature 1) for a hub id or a folder without one."""
        path = Path(folder) / CALIBRATION_FILE
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data.get("temperature", 1.0)), dict(data.get("emotion_thresholds", {})))

    def save(self, folder: str | Path) -> None:
        data = {"temperature": round(self.temperature, 4), "emotion_thresholds": dict(self.emotion_thresholds)}
        (Path(folder) / CALIBRATION_FILE).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    def emotion_shift(self, label: str) -> float:
        """What to subtract from a label's logit so that its threshold lands on 0.5."""
        t = min(max(self.emotion_thresholds.get(label, 0.5), 1e-4), 1 - 1e-4)
        return math.log(t / (1 - t))


def has_emotion_head(folder: str | Path) -> bool:
    return (Path(folder) / EMOTION_HEAD_FILE).is_file()


def forward_two_heads(model: Any, head: Any, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
    """Sentiment and emotion logits from one pass of a BERT-style classifier's encoder (torch).

    The sentiment head reads the pooled first token, as the classifier was trained to; the emotion
    head reads the mean of all tokens, which is what MiniLM's sentence training made informative
    (on the [CLS] output alone the head reached emotion macro-F1 0.47 on our test split).
    """
    out = model.base_model(input_ids=input_ids, attention_mask=attention_mask)
    mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
    mean = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return model.classifier(model.dropout(out.pooler_output)), head(model.dropout(mean))


def supports_emotion_head(model: Any) -> bool:
    """Whether `model` is shaped like BERT's classifier (encoder with a pooler, dropout, classifier)."""
    return all(hasattr(model, name) for name in ("base_model", "dropout", "classifier")) and (
        getattr(model.base_model, "pooler", None) is not None
    )


def load_emotion_head(folder: str | Path, hidden_size: int) -> Any:
    """The emotion head as a torch layer, or None when the folder has none."""
    if not has_emotion_head(folder):
        return None
    import torch
    from safetensors.torch import load_file

    from .sentiment import EMOTIONS

    state = load_file(str(Path(folder) / EMOTION_HEAD_FILE))
    head = torch.nn.Linear(hidden_size, len(EMOTIONS))
    head.load_state_dict({k: v.float() for k, v in state.items()})
    return head.eval()


def save_emotion_head(head: Any, folder: str | Path) -> None:
    from safetensors.torch import save_file

    save_file(
        {k: v.detach().contiguous().float() for k, v in head.state_dict().items()},
        str(Path(folder) / EMOTION_HEAD_FILE),
    )
