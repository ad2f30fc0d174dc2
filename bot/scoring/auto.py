"""Which backend scores chat: `model.backend: auto`, and where a model's ONNX files are.

auto picks, for the model in config.yaml:

    ONNX int8   where its export record says int8 gave fp32's labels on ≥ 99% of every checked set
    ONNX fp32   where int8 fell short (or was not built)
    torch       where the model cannot be exported (or onnxruntime is missing)

The bundled model ships its int8 file. Any other model's files are built once, on first use, into
the data folder (`onnx/<name>-<hash>/`), and built again when its weights change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import ModelConfig
from ..errors import ModelError
from .lookup import resolve_model
from .onnx_backend import FP32_FILE, INT8_FILE

__all__ = ["Choice", "choose_backend", "onnx_folder"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """The model config to load (a concrete backend, the folder with its files) and why, in one line."""

    model: ModelConfig
    why: str


def choose_backend(config: ModelConfig, cache: Path) -> Choice:
    """A concrete backend for `config` (blocking: may build the ONNX files on first use)."""
    if config.backend != "auto":
        if config.backend == "torch":
            return Choice(config, "torch (model.backend: torch)")
        folder = onnx_folder(config.path, cache, int8=config.backend == "onnx-int8")
        return Choice(dataclasses.replace(config, path=str(folder)), f"ONNX {config.backend[5:] or 'fp32'}")
    if importlib.util.find_spec("onnxruntime") is None:
        return Choice(dataclasses.replace(config, backend="torch"), "torch (onnxruntime is not installed)")
    if config.device != "cpu":
        return Choice(dataclasses.replace(config, backend="torch"), f"torch (model.device: {config.device})")
    resolve_model(config.path)  # a model that is not there is an error to fix, not a reason to use torch
    try:
        folder = onnx_folder(config.path, cache, int8=True)
    except ModelError as e:
        log.warning("no ONNX files for %s, scoring with torch: %s", config.path, e)
        return Choice(dataclasses.replace(config, backend="torch"), "torch (the model could not be exported)")
    from .onnx_export import read_export

    int8 = (read_export(folder) or {}).get("int8") or {}
    checked = ", ".join(f"{a['labels']:.1%} of {name}" for name, a in int8.get("agreement", {}).items())
    if int8.get("meets_bar") and (folder / INT8_FILE).is_file():
        return Choice(
            dataclasses.replace(config, path=str(folder), backend="onnx-int8"),
            f"ONNX int8 (fp32's labels on {checked})",
        )
    folder = onnx_folder(config.path, cache, int8=False)
    why = f"int8 gave fp32's labels on only {checked}" if checked else "no int8 file"
    return Choice(dataclasses.replace(config, path=str(folder), backend="onnx"), f"ONNX fp32 ({why})")


def onnx_folder(model: str, cache: Path, *, int8: bool) -> Path:
    """The folder with `model`'s ONNX file (int8 or fp32), built into `cache` if need be."""
    from .onnx_export import export_onnx, fingerprint, read_export

    wanted = INT8_FILE if int8 else FP32_FILE
    source = resolve_model(model)
    if (Path(source) / wanted).is_file():  # an export folder, or the bundled model's own int8 file
        return Path(source)
    folder = cache / _slug(source)
    record = read_export(folder)
    if record and record.get("fingerprint") == fingerprint(source) and (folder / wanted).is_file():
        return folder
    log.info("building the ONNX files for %s in %s (once; a minute or two)", model, folder)
    try:
        export_onnx(source, folder, quantize=int8, progress=lambda line: log.info("%s", line))
    except ModelError:
        raise
    except Exception as e:  # an architecture the exporter cannot trace, a full disk: torch still works
        raise ModelError(f"{model}: ONNX export failed ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from e
    return folder


def _slug(source: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(source).name or source)[:40]
    return f"{name}-{hashlib.sha256(str(Path(source).resolve()).encode()).hexdigest()[:8]}"
