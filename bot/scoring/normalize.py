"""Turn a raw chat line into the text the model reads.

Pure functions, used by training and by the bot alike, so the model always sees text shaped the
same way. Emoji become their English names (the encoder knows "face with tears of joy", not 😂);
emotes the lexicon knows become one word each (`KEKWWW` → "kekw", see `emotes.py`) and text faces
their meaning (`D:` → "horrified or shocked face"); an unknown emote (`forsenE`, a member emoji
`:_pekoLaugh:`) becomes the marker word "unkemote", followed by the feeling words its name holds
("unkemote laugh"); floods are shortened (wwwwww → www, 888888 → 888, wkwkwkwk → wkwk) and links
become the word "link".
"""

from __future__ import annotations

import re
import unicodedata

import emoji

from .emotes import UNKNOWN_EMOTE, face_words, token_of_word

__all__ = ["MAX_INPUT_CHARS", "member_emoji_words", "normalize"]

# YouTube caps a message at 200 characters; anything far longer is hostile or broken, and
# cutting it first keeps every step below cheap.
MAX_INPUT_CHARS = 1000

_URL = re.compile(r"(?:https?://|www\.[a-z0-9-]+\.[a-z])\S*", re.IGNORECASE)
# Both kinds of shortcode: `:_pekoHi:` (member emoji) and `:face_with_tears_of_joy:`.
_SHORTCODE = re.compile(r":(_?[A-Za-z0-9][A-Za-z0-9_&.'-]*):")
_REPEATED_SHORTCODE = re.compile(r"(:_?[A-Za-z0-9][A-Za-z0-9_&.'-]*:)(?:\s*\1){2,}")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SKIN_TONE = re.compile(r"_(?:light|medium-light|medium|medium-dark|dark)_skin_tone")
_CHAR_RUN = re.compile(r"(.)\1{3,}", re.DOTALL)
_UNIT_RUN = re.compile(r"(\S{2,4}?)\1{2,}")
_SPACES = re.compile(r"\s+")
# Chat conventions that emoji names do not carry: 🌿 is 草 (laughter) in Japanese chat, and
# 8️⃣8️⃣8️⃣ is 888 (applause), not "keycap 8" three times.
_EMOJI_ALIASES = {"🌿": "草", "☘️": "草", "☘": "草"}
_KEYCAP = re.compile(r"([0-9#*])\ufe0f?\u20e3")
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
# A word that is no English word but an emote-shaped name: lower-case prefix, then a capital or a
# digit (forsenE, pekoHi, xqcL, moonaPat2). The lexicon's emotes are matched before this.
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9_])")
_CHANNEL_EMOTE = re.compile(r"^[a-z]{2,}[A-Z0-9][A-Za-z0-9]*$")
# Parts of a member emoji's or channel emote's name that say how chat feels; the rest (the
# streamer's name, "Hi", "2") says nothing the model should read as feeling.
_FEELING_WORDS = frozenset(
    [
        "laugh",
        "lol",
        "lul",
        "kek",
        "kusa",
        "cry",
        "crying",
        "sad",
        "sob",
        "tears",
        "love",
        "heart",
        "hug",
        "pat",
        "blush",
        "cute",
        "clap",
        "wow",
        "hype",
        "pog",
        "yay",
        "happy",
        "smile",
        "angry",
        "mad",
        "rage",
        "scared",
        "fear",
        "shock",
        "gasp",
        "panic",
        "think",
        "confused",
        "rip",
        "gg",
    ]
)
_FACES = {face: meaning for face, meaning in face_words().items() if face.isascii()}
_FACE = re.compile("|".join(rf"(?<!\S){re.escape(face)}(?!\S)" for face in sorted(_FACES, key=len, reverse=True)))
_KAOMOJI = {face: meaning for face, meaning in face_words().items() if not face.isascii()}
_MAX_MARKS_PER_CHAR = 2


def normalize(text: str, *, lowercase: bool = False) -> str:
    """Return `text` as the model should read it; `lowercase` for uncased models."""
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    text = _URL.sub(" link ", text)
    text = _KEYCAP.sub(r"\1", text)
    for glyph, meaning in _EMOJI_ALIASES.items():
        text = text.replace(glyph, meaning)
    text = _FACE.sub(lambda m: f" {_FACES[m.group(0)]} ", text)
    for kaomoji, meaning in _KAOMOJI.items():
        if kaomoji in text:
            text = text.replace(kaomoji, f" {meaning} ")
    text = emoji.replace_emoji(text, replace=_emoji_shortcode)
    text = _REPEATED_SHORTCODE.sub(r"\1 \1", text)
    text = _SHORTCODE.sub(_shortcode_words, text)
    text = _WORD.sub(_emote_word, text)
    text = _strip_invisible(text)
    text = _CHAR_RUN.sub(r"\1\1\1", text)
    text = _UNIT_RUN.sub(r"\1\1", text)
    if lowercase:
        text = _fold_latin_accents(text.lower())
    return _SPACES.sub(" ", text).strip()


def member_emoji_words(name: str) -> str:
    """`_pekoLaugh` or `:_pekoLaugh:` → "peko Laugh": the words a member emoji name is made of."""
    name = name.strip(":").lstrip("_")
    return " ".join(_CAMEL_BOUNDARY.sub(" ", name).replace("_", " ").split())


def _emoji_shortcode(glyph: str, data: dict) -> str:
    return " " + _SKIN_TONE.sub("", data["en"]) + " "


def _shortcode_words(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("_"):
        return " " + _unknown_emote(member_emoji_words(name)) + " "
    return " " + name.replace("_", " ") + " "


def _emote_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word == UNKNOWN_EMOTE:
        return word
    token = token_of_word(word)
    if token is not None:
        return token
    if _CHANNEL_EMOTE.match(word):
        return _unknown_emote(member_emoji_words(word))
    return word


def _unknown_emote(words: str) -> str:
    feeling = [w for w in words.lower().split() if w in _FEELING_WORDS]
    return " ".join([UNKNOWN_EMOTE, *feeling])


def _fold_latin_accents(text: str) -> str:
    # Uncased encoders read "café" as "cafe"; doing it here, for Latin letters only, lets the
    # tokenizer keep the dakuten of Japanese kana (が is not か).
    if text.isascii():
        return text
    return "".join(
        "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)) if ord(ch) < 0x250 else ch
        for ch in text
    )


def _strip_invisible(text: str) -> str:
    # Zero-width, bidi and control characters carry no meaning for the model, and a flood of
    # combining marks (zalgo text) would otherwise turn into hundreds of tokens.
    kept: list[str] = []
    marks = 0
    for char in text:
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES:
            continue
        if category in ("Mn", "Me"):
            marks += 1
            if marks > _MAX_MARKS_PER_CHAR:
                continue
        else:
            marks = 0
        kept.append(char)
    return "".join(kept)
