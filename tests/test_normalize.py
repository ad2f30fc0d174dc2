"""Normalisation: what the model reads, for every language's chat habits."""

import pytest

from bot.scoring.normalize import MAX_INPUT_CHARS, member_emoji_words, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # English
        ("LMAOOOOOOOO", "LMAOOO"),
        ("KEKW KEKW KEKW", "kekw kekw kekw"),
        ("KEKWWWW monkaS", "kekw monkas"),
        ("POGGGGG", "pog"),
        ("D: no way", "horrified or shocked face no way"),
        ("T_T", "crying"),
        ("forsenE forsenE", "unkemote unkemote"),
        ("😂😂😂😂😂", "face with tears of joy face with tears of joy"),
        ("GG 👍🏽", "GG thumbs up"),
        ("!!!!!!!!", "!!!"),
        ("clip it https://youtu.be/dQw4w9WgXcQ?t=42", "clip it link"),
        # Japanese
        ("ｗｗｗｗｗｗｗ", "www"),
        ("草ｗ", "草w"),
        ("888888888", "888"),
        ("ﾜﾛﾀ", "ワロタ"),
        ("🌿🌿🌿🌿", "草草草"),
        ("8️⃣8️⃣8️⃣8️⃣", "888"),
        ("てぇてぇてぇてぇ", "てぇてぇ"),
        ("かわいい:_pekoLove::_pekoLove::_pekoLove:", "かわいい unkemote love unkemote love"),
        (":_pekoHi:", "unkemote"),
        # Indonesian
        ("wkwkwkwkwkwk", "wkwk"),
        ("awokawokawok ngakak", "awokawok ngakak"),
        ("semangat kak!!!!! 🔥", "semangat kak!!! fire"),
    ],
)
def test_normalize_cases(raw, expected):
    """Each chat habit turns into the short, stable form the model was trained on."""
    assert normalize(raw) == expected


def test_lowercase_only_when_asked():
    """Case is kept for cased models and folded for uncased ones."""
    assert normalize("LETS GO :_kiraPog:") == "LETS GO unkemote pog"
    assert normalize("LETS GO :_kiraPog:", lowercase=True) == "lets go unkemote pog"


def test_uncased_folds_latin_accents_but_keeps_kana_marks():
    """For uncased models, café reads as cafe, but が stays が (not か)."""
    assert normalize("Café NAÏVE がんばれ", lowercase=True) == "cafe naive がんばれ"
    assert normalize("Café") == "Café"


def test_member_emoji_words():
    """Member emoji names split into their words."""
    assert member_emoji_words(":_pekoLaugh:") == "peko Laugh"
    assert member_emoji_words("_kiaraKEK") == "kiara KEK"
    assert member_emoji_words("_moona_cry") == "moona cry"


def test_www_laughter_is_not_a_link():
    """`www` is laughter; only `www.site.tld` is a link."""
    assert normalize("www") == "www"
    assert normalize("see www.example.com") == "see link"


def test_invisible_and_hostile_characters():
    """Zero-width, bidi and control characters vanish; combining floods are cut short."""
    assert normalize("a\u200bb\u202ec\u0007") == "abc"
    zalgo = "Z" + "\u0336" * 50 + "a"
    assert normalize(zalgo) == "Z\u0336\u0336a"
    assert normalize("\ud800 ok") == "ok"


def test_huge_input_is_cut_first():
    """Input beyond the cap is dropped before any work is done on it."""
    assert len(normalize("ab " * 100_000)) <= MAX_INPUT_CHARS
