"""Labelled text files: read, check, split and write them.

A labelled file is CSV (standard quoting), TSV (no quoting: a `"` is an ordinary character, as in
chat) or JSONL, with at least `text` and `label` (negative / neutral / positive, any case) and
optionally `lang` and `emotions` (comma-separated tags from `EMOTIONS`; a file without the column
has no emotion labels, an empty cell means "none of them"). This is what `moodbot train` and `moodbot eval` take, so a streamer can tune
and check a model on their own chat.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..scoring.sentiment import CLASSES, EMOTIONS, canonical_class

__all__ = ["Example", "read_examples", "split_examples", "write_examples"]

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".json": "jsonl"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled line: its text, class (one of `CLASSES`), language code ("" if unknown) and
    emotion tags (None when the file does not label emotions)."""

    text: str
    label: str
    lang: str = ""
    source: str = ""
    emotions: tuple[str, ...] | None = None


def read_examples(path: str | Path, *, source: str = "") -> list[Example]:
    """Read a labelled CSV, TSV or JSONL file; raise `DataError` with one line on any problem."""
    path = Path(path)
    kind = _FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unknown file type {path.suffix!r}; use .csv, .tsv or .jsonl")
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(_read_jsonl(f, path) if kind == "jsonl" else _read_table(f, path, kind))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read it ({exc})") from exc
    if not rows:
        raise DataError(f"{path}: holds no labelled rows")
    return [_example(row, path, line, source or path.stem) for line, row in rows]


def _read_table(f: Iterable[str], path: Path, kind: str) -> Iterable[tuple[int, dict]]:
    reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if kind == "tsv" else csv.DictReader(f)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    _check_columns(header, path)
    reader.fieldnames = header
    for row in reader:
        yield reader.line_num, row


def _read_jsonl(f: Iterable[str], path: Path) -> Iterable[tuple[int, dict]]:
    for line_no, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}:{line_no}: each line must be a JSON object")
        _check_columns(list(row), path, line_no)
        yield line_no, row


def _check_columns(columns: list[str], path: Path, line_no: int | None = None) -> None:
    missing = [name for name in ("text", "label") if name not in columns]
    if missing:
        where = f"{path}:{line_no}" if line_no else str(path)
        raise DataError(
            f"{where}: needs columns 'text' and 'label' (missing {', '.join(missing)}; "
            f"found {', '.join(columns) or 'none'})"
        )


def _example(row: dict, path: Path, line_no: int, source: str) -> Example:
    text, label = row.get("text"), row.get("label")
    if not isinstance(text, str):
        raise DataError(f"{path}:{line_no}: 'text' is missing or not a string")
    klass = canonical_class(label) if isinstance(label, str) else None
    if klass is None:
        raise DataError(f"{path}:{line_no}: unknown label {label!r}; use one of {', '.join(CLASSES)}")
    lang = row.get("lang") or ""
    return Example(
        text=text, label=klass, lang=str(lang).strip(), source=source, emotions=_emotions(row, path, line_no)
    )


def _emotions(row: dict, path: Path, line_no: int) -> tuple[str, ...] | None:
    if "emotions" not in row:
        return None
    value = row["emotions"] or ""
    tags = tuple(t.strip() for t in (value if isinstance(value, list) else str(value).split(",")) if t.strip())
    unknown = [t for t in tags if t not in EMOTIONS]
    if unknown:
        raise DataError(f"{path}:{line_no}: unknown emotion {unknown[0]!r}; use tags from {', '.join(EMOTIONS)}")
    return tags


def write_examples(path: str | Path, examples: Iterable[Example]) -> None:
    """Write `examples` as a TSV with a `text label lang source` header, and `emotions` when labelled."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(examples)
    with_emotions = any(ex.emotions is not None for ex in rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("text\tlabel\tlang\tsource" + ("\temotions" if with_emotions else "") + "\n")
        for ex in rows:
            text = " ".join(ex.text.split())  # tabs and newlines would break the row
            emotions = "\t" + ",".join(ex.emotions or ()) if with_emotions else ""
            f.write(f"{text}\t{ex.label}\t{ex.lang}\t{ex.source}{emotions}\n")


def split_examples(examples: Sequence[Example], fractions: Sequence[float], *, seed: int) -> list[list[Example]]:
    """Shuffle and cut `examples` into parts of the given fractions, stratified by label and lang."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[Example]] = {}
    for ex in examples:
        groups.setdefault((ex.lang, ex.label), []).append(ex)
    parts: list[list[Example]] = [[] for _ in fractions]
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        start = 0
        for i, fraction in enumerate(fractions):
            end = len(group) if i == len(fractions) - 1 else start + round(fraction * len(group))
            parts[i].extend(group[start:end])
            start = end
    for part in parts:
        rng.shuffle(part)
    return parts
