"""Build the bundled demo recording, bot/assets/sample_chat.jsonl, from the hand-written lines here.

The lines (lines.tsv) and viewer names (authors.txt) were written by hand for a 20-minute stream
of a fictional VTuber, Hoshiyomi Kira, with a mood arc: an excited opening, fun play, a sad
setback (her companion dies), a frustrating boss, the victory, the goodbyes. This script only
times them: a Poisson stream whose rate follows the story, chatty and quiet viewers, members,
superchats. Seeded, so the output is the same on every run:

    .venv/bin/python data/sample_chat/make.py
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import emoji

HERE = Path(__file__).parent
OUT = HERE.parent.parent / "bot" / "assets" / "sample_chat.jsonl"
START = 1795176000.0  # 2026-11-20 12:00 UTC

# phase: (start s, end s, messages per second at its calmest, at its busiest)
PHASES = {
    "opening": (0, 180, 1.0, 2.6),
    "play": (180, 480, 1.6, 2.6),
    "setback": (480, 660, 1.2, 2.8),
    "struggle": (660, 840, 1.2, 2.0),
    "victory": (840, 1080, 2.2, 7.0),
    "ending": (1080, 1200, 1.6, 1.2),
}
LANGUAGES = {"en": 0.4, "id": 0.3, "ja": 0.3}
CURRENCIES = {"¥": "JPY", "$": "USD", "Rp": "IDR", "€": "EUR"}
MEMBER_EMOJI = re.compile(r":_[A-Za-z0-9_]+:")


def main() -> None:
    rng = random.Random(20261120)
    lines = _read_lines()
    authors = _make_authors(rng)
    messages = []
    for phase, (start, end, calm, busy) in PHASES.items():
        t = float(start)
        while True:
            # The rate eases from calm to busy over the phase: the excitement builds.
            progress = (t - start) / (end - start)
            t += rng.expovariate(calm + (busy - calm) * progress)
            if t >= end:
                break
            author = _pick_author(authors, rng)
            row = _pick_line(lines[phase][author["lang"]], rng)
            messages.append(_message(len(messages), START + t, author, row))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for message in messages:
            f.write(json.dumps(message, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} ({len(messages)} messages over {PHASES['ending'][1] / 60:.0f} minutes)")


def _read_lines() -> dict[str, dict[str, list[dict]]]:
    lines: dict[str, dict[str, list[dict]]] = {}
    with (HERE / "lines.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            lines.setdefault(row["phase"], {}).setdefault(row["lang"], []).append(row)
    return lines


def _make_authors(rng: random.Random) -> list[dict]:
    names = (HERE / "authors.txt").read_text(encoding="utf-8").split("\n")
    authors = []
    for i, name in enumerate(n.strip() for n in names if n.strip()):
        authors.append({
            "name": name,
            "id": f"UC{rng.getrandbits(64):016x}sample{i:03d}",
            "lang": rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0],
            "member": rng.random() < 0.25,
            "moderator": i < 3,
            # A few viewers talk a lot; most say something now and then.
            "weight": rng.paretovariate(1.3),
        })
    return authors


def _pick_author(authors: list[dict], rng: random.Random) -> dict:
    return rng.choices(authors, weights=[a["weight"] for a in authors])[0]


def _pick_line(rows: list[dict], rng: random.Random) -> dict:
    return rng.choices(rows, weights=[_frequency(r) for r in rows])[0]


def _frequency(row: dict) -> float:
    # Short reactions (草, F, 8888) are typed far more often than sentences, and paid
    # messages and new members are rarer still.
    if row["kind"] != "text":
        return 0.3
    return 4.0 if len(row["text"]) <= 6 else 1.0


def _message(i: int, time: float, author: dict, row: dict) -> dict:
    text = row["text"]
    emotes = [m.group(0) for m in MEMBER_EMOJI.finditer(text)]
    emotes += [e["emoji"] for e in emoji.emoji_list(text)]
    emotes.sort(key=text.find)
    flags = {k: True for k in ("member", "moderator") if author[k] or (k == "member" and row["kind"] == "membership")}
    message = {
        "id": f"sample-{i:05d}",
        "time": round(time, 3),
        "author": {"name": author["name"], "id": author["id"], **flags},
        "text": text,
    }
    if emotes:
        message["emotes"] = emotes
    message["kind"] = row["kind"]
    if row["kind"] == "superchat":
        message.update(_amount(row["amount"]))
    return message


def _amount(shown: str) -> dict:
    symbol = next(s for s in CURRENCIES if shown.startswith(s))
    digits = shown[len(symbol):].strip()
    # ¥1,000 and $5.00 use commas for thousands; Rp 20.000 uses dots.
    number = float(digits.replace(".", "")) if symbol == "Rp" else float(digits.replace(",", ""))
    return {"amount": number, "currency": CURRENCIES[symbol], "amount_text": shown}


if __name__ == "__main__":
    main()
