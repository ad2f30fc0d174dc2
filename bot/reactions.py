"""Find the reactions in a chat line: 草, www, KEKW, 8888, F, emoji, member emoji, short shouts.

Pure. Each known reaction has one display form, so "ｗｗｗｗ", "wwwww" and "草w" count as the
same "www", and "LMAOOOO" as "LMAO". A short line with no known reaction ("ナイス！",
"NOOO") is its own reaction, so whatever chat repeats rises to the top.
"""

from __future__ import annotations

import re
import unicodedata

import emoji

__all__ = ["LAUGHTER", "reactions"]

_KANA_OR_KANJI = "\u3040-\u30ff\u4e00-\u9fff"

# (display form, pattern over the NFKC-folded, lowercased line)
_KNOWN: list[tuple[str, re.Pattern[str]]] = [
    (display, re.compile(pattern))
    for display, pattern in [
        ("草", r"草|kusa\b"),
        ("www", rf"(?:(?<=[{_KANA_OR_KANJI}])w+|(?<![a-z.])w{{2,}})(?![a-z.])"),
        ("lol", r"\blo+l+(?:o+l+)*\b|\blu+l\b"),
        ("LMAO", r"\blmf?a+o+\b"),
        ("KEKW", r"\bkekw\b"),
        ("OMEGALUL", r"\bomegalul\b"),
        ("wkwk", r"\b(?:wk){2,}w?\b|\bawok(?:awok)+\b|\bngakak\b"),
        ("haha", r"\b(?:ha){2,}h?\b|\b(?:he){2,}\b"),
        ("8888", r"(?<!\d)8{3,}(?!\d)|パチパチ|ぱちぱち"),
        ("POG", r"\bpog(?:gers|champ|u)?\b"),
        ("LETS GO", r"\blet'?s+ ?go+\b|\bgaskeun\b"),
        ("GG", r"\bg{2,}\b"),
        ("F", r"^\s*f\s*$"),
        ("o7", r"\bo7\b"),
        ("RIP", r"\brip\b"),
        ("てぇてぇ", r"てぇてぇ|\bteetee\b"),
        ("かわいい", r"かわいい|可愛い|\bkawaii\b"),
        ("おつ", r"^\s*(?:おつ|乙|otsu)\S*\s*$"),
    ]
]

LAUGHTER = frozenset({"草", "www", "lol", "LMAO", "KEKW", "OMEGALUL", "wkwk", "haha", "😂", "🤣"})

_SHORT = 32  # a line this short with nothing known in it counts as a reaction by itself
_MEMBER_EMOJI = re.compile(r":_[A-Za-z0-9_]+:")
_RUN = re.compile(r"(.)\1{3,}")


def reactions(text: str) -> tuple[str, ...]:
    """The distinct reactions in one chat line, in a stable order."""
    folded = unicodedata.normalize("NFKC", text).lower()
    found = [display for display, pattern in _KNOWN if pattern.search(folded)]
    found += dict.fromkeys(_MEMBER_EMOJI.findall(text))
    found += dict.fromkeys(e["emoji"] for e in emoji.emoji_list(text))
    if found:
        return tuple(dict.fromkeys(found))
    short = _RUN.sub(r"\1\1\1", unicodedata.normalize("NFKC", text).strip())
    if 0 < len(short) <= _SHORT:
        return (short.upper() if short.isascii() else short,)
    return ()
