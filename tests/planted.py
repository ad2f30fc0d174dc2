"""Chats with planted bursts, for the moments tests: laughter at 10:00, hype at 25:30, sad at 41:10."""

from __future__ import annotations

import json
import random
from pathlib import Path

from bot.tools.moments import ChatLine

# Where each burst is planted (seconds into the stream), and for how long chat keeps it up.
BURSTS = {"laughter": 600.0, "hype": 1530.0, "sad": 2470.0}
BURST_SECONDS = 20.0
PLANTED_START = 1_790_000_000.0  # the Unix time a planted replay's stream started

# What chat writes, in each language the model reads: a plain line, and a line of each burst.
TEXTS = {
    "en": {
        "calm": ["nice", "what game is this", "hello from brazil", "ok", "gg", "the music is nice"],
        "laughter": ["LMAO", "hahahaha", "I'm dying lol", "LOL that was so funny"],
        "hype": ["LET'S GOOOO", "POG", "HYPE HYPE", "WE DID IT"],
        "sad": ["noooo so sad", "I'm crying", "please don't go", "this hurts"],
    },
    "ja": {
        "calm": ["こんばんは", "初見です", "なるほど", "今日は何のゲーム？", "おつ"],
        "laughter": ["草", "草草草", "ｗｗｗｗｗ", "腹痛いｗ"],
        "hype": ["うおおおおお", "きたああああ", "神回", "すごい！！"],
        "sad": ["悲しい", "泣いた", "寂しいよ", "つらい"],
    },
    "id": {
        "calm": ["halo kak", "lagi main apa", "semangat", "oke", "mantap"],
        "laughter": ["wkwkwk", "wkwkwkwk ngakak", "ngakak parah", "lucu banget wkwk"],
        "hype": ["GASSS", "AYO KAK", "keren banget!!", "MENANG"],
        "sad": ["sedih banget", "nangis aku", "jangan pergi kak", "sedih"],
    },
}

# How often plain chat shows each emotion (a share of messages) in the pure tests.
_USUAL = {"laughter": 0.15, "hype": 0.1, "love": 0.08, "sad": 0.03, "surprise": 0.05, "tech": 0.01}


def _emotions(rng: random.Random, burst: str | None) -> dict[str, float]:
    emotions = {}
    for name, share in _USUAL.items():
        if name == burst:
            emotions[name] = rng.uniform(0.6, 0.99) if rng.random() < 0.85 else rng.uniform(0.0, 0.4)
        else:
            emotions[name] = rng.uniform(0.5, 0.9) if rng.random() < share else rng.uniform(0.0, 0.4)
    return emotions


def planted_lines(rate: float, *, language: str, minutes: float = 60, flat: bool = False, seed: int = 1):
    """Scored chat at `rate` messages a second, with the bursts at 3x the rate (none if `flat`)."""
    rng = random.Random(seed)
    texts = TEXTS[language]
    lines: list[ChatLine] = []
    t = 0.0
    while t < minutes * 60:
        t += rng.expovariate(rate)
        lines.append(_line(rng, t, texts, None))
    if not flat:
        for kind, at in BURSTS.items():
            t = at
            while t < at + BURST_SECONDS:
                t += rng.expovariate(3 * rate)
                lines.append(_line(rng, t, texts, kind))
    return sorted(lines, key=lambda line: line.at)


def _line(rng: random.Random, t: float, texts: dict[str, list[str]], burst: str | None) -> ChatLine:
    valence = rng.uniform(-0.95, -0.5) if burst == "sad" else rng.uniform(-0.45, 0.9)
    return ChatLine(
        at=t,
        author=f"viewer{rng.randrange(500)}",
        text=rng.choice(texts[burst or "calm"]),
        valence=valence,
        emotions=_emotions(rng, burst),
    )


def write_planted_replay(path: Path, *, minutes: float, rate: float, bursts: dict[str, float], seed: int = 1) -> Path:
    """A recorded chat file (replay format) in the three languages, with bursts of each kind at
    `bursts` (seconds in) written at 4x the rate; the model decides what each line shows."""
    rng = random.Random(seed)
    start = PLANTED_START
    rows = []
    t = 0.0
    while t < minutes * 60:
        t += rng.expovariate(rate)
        language = rng.choice(list(TEXTS))
        rows.append((t, rng.choice(TEXTS[language]["calm"])))
    for kind, at in bursts.items():
        t = at
        while t < at + BURST_SECONDS:
            t += rng.expovariate(4 * rate)
            language = rng.choice(list(TEXTS))
            rows.append((t, rng.choice(TEXTS[language][kind])))
    rows.sort()
    with path.open("w", encoding="utf-8") as f:
        for i, (t, text) in enumerate(rows):
            row = {"id": f"p{i}", "time": round(start + t, 3), "author": {"name": f"viewer{i % 300}"}, "text": text}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
