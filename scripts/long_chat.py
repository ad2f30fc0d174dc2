"""Write a long recorded chat by looping the bundled sample with shifted times (for timing `moodbot analyze`).

python scripts/long_chat.py --hours 3 --out /tmp/three_hours.jsonl
time moodbot analyze --replay /tmp/three_hours.jsonl --dir /tmp/sessions
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.sources import SAMPLE_CHAT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = [json.loads(line) for line in SAMPLE_CHAT.read_text(encoding="utf-8").splitlines() if line.strip()]
    first, last = rows[0]["time"], rows[-1]["time"]
    span = last - first + 1.0
    written = 0
    with args.out.open("w", encoding="utf-8") as f:
        for round_ in range(int(args.hours * 3600 // span) + 1):
            for row in rows:
                at = row["time"] - first + round_ * span
                if at > args.hours * 3600:
                    break
                f.write(
                    json.dumps({**row, "id": f"{row['id']}~{round_}", "time": round(first + at, 3)}, ensure_ascii=False)
                )
                f.write("\n")
                written += 1
    print(f"wrote {written} messages, {args.hours:g} h, to {args.out}")


if __name__ == "__main__":
    main()
