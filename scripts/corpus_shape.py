"""Print the chat-shape table of labelled files, per language, beside real chat's figures.

.venv/bin/python scripts/corpus_shape.py data/chat/train.tsv data/chat/shaped/train.tsv
"""

from __future__ import annotations

import sys

from bot.tools.examples import read_examples
from bot.tools.shape import chat_shape

REAL = {
    "median chars": 14,
    "one word": 0.33,
    "<= 2 words": 0.52,
    "emote only": 0.33,
    "all caps": 0.27,
    "copy-pasted": 0.14,
    ">= 80 chars": 0.104,
    "neutral": 0.39,
}


def main(paths: list[str]) -> None:
    examples = [ex for path in paths for ex in read_examples(path)]
    groups = {"all": examples} | {
        lang: [ex for ex in examples if ex.lang == lang] for lang in sorted({ex.lang for ex in examples})
    }
    shapes = {
        name: chat_shape([ex.text for ex in rows], [ex.label for ex in rows]) for name, rows in groups.items() if rows
    }
    names = list(shapes)
    print("| | " + " | ".join(f"{n} ({shapes[n].lines})" for n in names) + " | real chat (en) |")
    print("|---" * (len(names) + 2) + "|")
    fields = [
        "median_chars",
        "one_word",
        "two_words_or_fewer",
        "emote_only",
        "all_caps",
        "copy_pasted",
        "long_80",
        "neutral",
    ]
    for label, field in zip(REAL, fields):
        cells = []
        for n in names:
            value = getattr(shapes[n], field)
            cells.append(f"{value:.0f}" if field == "median_chars" else f"{value:.0%}")
        real = REAL[label]
        print(f"| {label} | " + " | ".join(cells) + f" | {real if label == 'median chars' else f'{real:.0%}'} |")


if __name__ == "__main__":
    main(sys.argv[1:])
