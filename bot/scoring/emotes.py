"""Our emote lexicon (bot/assets/emotes.tsv), read once: how chat's emotes reach the model.

Named emotes (Twitch globals, BTTV/FFZ/7TV staples) become one lower-case word each (`KEKW`,
`kekw`, `KEKWW` → "kekw"), which `moodbot train` adds to the vocabulary, so WordPiece never cuts
them into noise (OMEGALUL → omega ##lu ##l). Text faces become the emoji names the encoder
already knows (`D:` → "anguished face"). An emote the lexicon does not know (a channel emote such
as `forsenE`, a member emoji `:_pekoHi:`) becomes the marker word `UNKNOWN_EMOTE`, so the model
learns that an unknown emote says little by itself. Pure apart from reading the packaged file.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LEXICON_FILE",
    "UNKNOWN_EMOTE",
    "Emote",
    "emote_token",
    "face_words",
    "lexicon",
    "named_emotes",
    "token_of_word",
]

LEXICON_FILE = Path(__file__).resolve().parent.parent / "assets" / "emotes.tsv"
UNKNOWN_EMOTE = "unkemote"  # one vocabulary word, never typed by anyone
_NAMED_ORIGINS = frozenset({"twitch", "bttv", "ffz", "7tv"})


@dataclass(frozen=True, slots=True)
class Emote:
    """One lexicon entry."""

    name: str
    valence: float
    emotion: str | None
    forms: tuple[str, ...]
    usage: str
    origin: str


@functools.cache
def lexicon() -> tuple[Emote, ...]:
    """Every entry of the packaged lexicon, in file order."""
    with LEXICON_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return tuple(
        Emote(
            name=row["emote"],
            valence=float(row["valence"]),
            emotion=None if row["emotion"] == "none" else row["emotion"],
            forms=tuple(f for f in row["forms"].split(",") if f and f != "-"),
            usage=row["usage"],
            origin=row["origin"],
        )
        for row in rows
    )


def named_emotes() -> tuple[Emote, ...]:
    """The emotes that are names (KEKW, monkaS, PogChamp), not faces or chat shorthand."""
    return tuple(e for e in lexicon() if e.origin in _NAMED_ORIGINS)


def emote_token(name: str) -> str:
    """The one word an emote becomes: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def face_words() -> dict[str, str]:
    """Each text face (`:)`, `D:`, `T_T`, kaomoji) as NFKC-folded text → the words it means."""
    faces = {}
    for emote in lexicon():
        if emote.origin == "emoticon":
            meaning = re.split(r"[;(]", emote.usage)[0].strip()
            for form in (emote.name, *emote.forms):
                faces[unicodedata.normalize("NFKC", form)] = meaning
    return faces


@functools.cache
def _word_tokens() -> tuple[dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    squeezed: dict[str, str] = {}
    for emote in named_emotes():
        token = emote_token(emote.name)
        for form in (emote.name, *emote.forms):
            exact[form] = token
            exact.setdefault(form.lower(), token)
            squeezed.setdefault(_squeeze(form), token)
    return exact, squeezed


def token_of_word(word: str) -> str | None:
    """The emote token of one typed word (`KEKWWW`, `Poggers`, `monkas`), or None if it is no emote."""
    exact, squeezed = _word_tokens()
    return exact.get(word) or exact.get(word.lower()) or squeezed.get(_squeeze(word))


def _squeeze(word: str) -> str:
    # Chat stretches emotes (POGGGG, KEKWWW): letters repeated in a row count once.
    return re.sub(r"(.)\1+", r"\1", word.lower())
