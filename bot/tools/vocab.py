"""Teach an English WordPiece vocabulary the characters of Japanese chat and the emotes of all chat.

MiniLM's uncased vocabulary holds few kana and kanji, so "かわいい" or "草" become `[UNK]` and the
model cannot tell 泣いた from 最高. Before fine-tuning we add every kana and every character of
the training text that the vocabulary lacks, first into the 994 `[unusedN]` slots BERT keeps
for this purpose, then at the end. Each new row starts from a related row (the other WordPiece
form of the same character, or the hiragana twin of a katakana) so training starts from
something sensible; fine-tuning then learns them.

Emotes are added as whole words (`kekw`, `monkas`, `biblethump`), so WordPiece keeps each one a
single token; each starts from the mean of the words that say what it means ("laughing hard").
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["extend_vocab", "missing_tokens"]

log = logging.getLogger(__name__)

_KANA = [chr(c) for c in range(0x3041, 0x3097)] + [chr(c) for c in range(0x30A1, 0x30FB)] + ["ー"]
_HIRAGANA_TO_KATAKANA_OFFSET = 0x60


def _is_cjk_ideograph(char: str) -> bool:
    # The ranges BERT's pre-tokenizer splits into one word per character.
    cp = ord(char)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B81F
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_kana(char: str) -> bool:
    return 0x3040 <= ord(char) <= 0x30FF


def _is_split_alone(char: str) -> bool:
    return (
        _is_cjk_ideograph(char) or unicodedata.category(char).startswith("P") or (char.isascii() and not char.isalnum())
    )


def _normalizer(tokenizer):
    # Uncased BERT strips accents, which also strips the dakuten off kana (が → か, ぱ → は):
    # the extended tokenizer keeps them, so the new vocabulary is read the same way.
    from tokenizers.normalizers import BertNormalizer

    return BertNormalizer(
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=False,
        lowercase=bool(getattr(tokenizer, "do_lower_case", False)),
    )


def missing_tokens(tokenizer, texts: Iterable[str], *, min_count: int = 2) -> list[str]:
    """WordPiece tokens the vocabulary needs to spell `texts` and every kana without `[UNK]`.

    Symbols seen fewer than `min_count` times are left out (one-off kaomoji parts are noise);
    kana and kanji never are. Most frequent first.
    """
    normalizer = _normalizer(tokenizer)
    vocab = tokenizer.get_vocab()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(ch for ch in normalizer.normalize_str(text) if not ch.isspace())
    for kana in _KANA:
        counts[kana] = max(counts[kana], min_count)
    needed: list[str] = []
    for char, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if count < min_count and not (_is_cjk_ideograph(char) or _is_kana(char)):
            continue
        forms = [char] if _is_split_alone(char) else [char, "##" + char]
        needed.extend(form for form in forms if form not in vocab)
    return needed


def extend_vocab(tokenizer, model, texts: Iterable[str], *, min_count: int = 2, words: Mapping[str, str] | None = None):
    """Return a tokenizer whose vocabulary covers `texts` and `words`, and resize `model` to match.

    `words` maps whole words to add (emote tokens) to the text their embedding starts from.
    Works on BERT-style WordPiece tokenizers; any other tokenizer is returned unchanged.
    """
    from transformers import BertTokenizer

    if not isinstance(tokenizer, BertTokenizer):
        log.info("vocabulary not extended: %s is not a WordPiece tokenizer", type(tokenizer).__name__)
        return tokenizer
    meanings = {w: m for w, m in (words or {}).items() if w not in tokenizer.get_vocab()}
    new_tokens = missing_tokens(tokenizer, texts, min_count=min_count) + list(meanings)
    if not new_tokens:
        return tokenizer
    old_vocab = tokenizer.get_vocab()
    by_id = sorted(old_vocab, key=old_vocab.__getitem__)
    free = [i for i, token in enumerate(by_id) if token.startswith("[unused")]
    vocab = dict(old_vocab)
    placed: dict[str, int] = {}
    next_id = len(by_id)
    for token in new_tokens:
        if free:
            slot = free.pop(0)
            del vocab[by_id[slot]]
        else:
            slot, next_id = next_id, next_id + 1
        vocab[token] = slot
        placed[token] = slot
    extended = BertTokenizer(
        vocab=vocab,
        do_lower_case=tokenizer.do_lower_case,
        tokenize_chinese_chars=True,
        strip_accents=False,
        model_max_length=tokenizer.model_max_length,
    )
    starts = {token: tokenizer(meaning, add_special_tokens=False)["input_ids"] for token, meaning in meanings.items()}
    _resize_embeddings(model, old_vocab, placed, len(vocab), starts)
    log.info(
        "vocabulary extended by %d tokens (%d into unused slots), now %d",
        len(placed),
        sum(1 for i in placed.values() if i < len(by_id)),
        len(vocab),
    )
    return extended


def _resize_embeddings(
    model, old_vocab: dict[str, int], placed: dict[str, int], size: int, starts: Mapping[str, list[int]]
) -> None:
    import torch

    model.resize_token_embeddings(size)
    weight = model.get_input_embeddings().weight
    with torch.no_grad():
        cjk_rows = [i for t, i in old_vocab.items() if len(t) == 1 and _is_cjk_ideograph(t)]
        fallback = weight[cjk_rows].mean(dim=0) if cjk_rows else weight[: len(old_vocab)].mean(0)
        # Read every start before writing any row: a freed [unused] slot may be one of them.
        start_rows = {t: weight[ids].mean(dim=0).clone() for t, ids in starts.items() if ids}
        for token, row in placed.items():
            if token in starts:
                weight[row] = start_rows.get(token, fallback)
                continue
            twin = _twin_in(old_vocab, token)
            weight[row] = weight[twin] if twin is not None else fallback


def _twin_in(vocab: dict[str, int], token: str) -> int | None:
    char = token.removeprefix("##")
    cp = ord(char)
    twins = [char, "##" + char]
    if 0x30A1 <= cp <= 0x30F6:  # katakana reads like its hiragana twin
        hiragana = chr(cp - _HIRAGANA_TO_KATAKANA_OFFSET)
        twins += [hiragana, "##" + hiragana]
    for twin in twins:
        if twin != token and twin in vocab:
            return vocab[twin]
    return None
