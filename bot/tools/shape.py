"""How chat-like a corpus is: the shape figures we compare with real stream chat. Pure.

Real chat (1,922 English Twitch lines) is short (median 14 characters), a third one word and a
third emote-only, a quarter in capitals, 14% copy-pasted walls and 39% neutral; the corpus should
look the same, language by language (`scripts/corpus_shape.py` prints the table).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import emoji

from ..scoring.emotes import face_words, token_of_word

__all__ = ["Shape", "chat_shape", "is_emote_only"]

_SHORTCODE = re.compile(r":_?[A-Za-z0-9][A-Za-z0-9_&.'-]*:")
_CHANNEL_EMOTE = re.compile(r"^[a-z]{2,}[A-Z0-9][A-Za-z0-9]*$")
_WALL_MIN_CHARS = 12


@dataclass(frozen=True)
class Shape:
    """The shape figures of a set of lines (shares are 0..1)."""

    lines: int
    median_chars: float
    one_word: float
    two_words_or_fewer: float
    emote_only: float
    all_caps: float
    copy_pasted: float
    long_80: float
    neutral: float | None


def is_emote_only(text: str) -> bool:
    """True when a line is nothing but emotes, emoji, member emoji and text faces."""
    faces = face_words()
    rest = emoji.replace_emoji(_SHORTCODE.sub(" ", text), replace=" ")
    words = [w for w in rest.split() if w not in faces and token_of_word(w) is None and not _CHANNEL_EMOTE.match(w)]
    return bool(text.strip()) and not words


def chat_shape(texts: Sequence[str], labels: Sequence[str] | None = None) -> Shape:
    """The shape of `texts` (and the neutral share of `labels`, when given)."""
    n = len(texts)
    if not n:
        raise ValueError("no lines to measure")
    words = [len(t.split()) for t in texts]
    walls = Counter(t.strip() for t in texts if len(t.strip()) >= _WALL_MIN_CHARS)
    letters = [re.sub(r"[^A-Za-z]", "", t) for t in texts]
    return Shape(
        lines=n,
        median_chars=statistics.median(len(t) for t in texts),
        one_word=sum(w == 1 for w in words) / n,
        two_words_or_fewer=sum(w <= 2 for w in words) / n,
        emote_only=sum(map(is_emote_only, texts)) / n,
        all_caps=sum(len(a) >= 2 and a.isupper() for a in letters) / n,
        copy_pasted=sum(walls[t.strip()] > 1 for t in texts) / n,
        long_80=sum(len(t) >= 80 for t in texts) / n,
        neutral=None if labels is None else sum(label == "neutral" for label in labels) / n,
    )
