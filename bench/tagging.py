"""Tagging speed: items per second for 300-character comments on one core.

    python bench/tagging.py [--n 20000] [--profile]

The comments are varied: each is put together from random sentences of the
labelled sets in tests/data (citizen comments, the development set and the
social-media sentiment set), with numbers, names and an occasional typo
mixed in, so hardly two are alike and nothing is measured from a cache of
whole texts. Tagging is the full classification (language, topics,
sentiment, flags, personal data) with the shipped rules.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.core.classify.pipeline import Classifier  # noqa: E402
from inbox.core.rules.tagging import load_rules  # noqa: E402

SETS = ("citizen_devset.jsonl", "devset.jsonl", "sentiment_devset.jsonl")
NAMES = ("Anna", "Mohammed", "Lars", "Fatima", "Erik", "Sara", "Björn", "Aisha", "Olle", "Maja")
LENGTH = 300


def sentences() -> list[str]:
    out: list[str] = []
    for name in SETS:
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = str(json.loads(line)["text"])
                out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip())
    return out


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def comments(n: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    pool = sentences()
    out = []
    for _ in range(n):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < LENGTH:
            s = rng.choice(pool)
            r = rng.random()
            if r < 0.3:
                words = s.split()
                k = rng.randrange(len(words))
                words[k] = _typo(rng, words[k])
                s = " ".join(words)
            elif r < 0.5:
                s = f"{s} {rng.choice(NAMES)} {rng.randrange(2, 9999)}"
            parts.append(s)
        out.append(" ".join(parts)[:LENGTH])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    clf = Classifier(load_rules(ROOT / "inbox" / "default_rules"))
    texts = comments(args.n)
    distinct = len(set(texts))
    # Warm the per-word tables on other comments than the timed ones.
    for text in comments(2_000, seed=99):
        clf(text)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        clf(text)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if args.profile:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    # On a shared machine the wall clock counts other people's work too; the
    # process's CPU time is what one core spent on tagging.
    print(
        f"tagging: {args.n:,} comments of {LENGTH} characters ({distinct:,} distinct), "
        f"one core: {args.n / cpu:,.0f} items/s of CPU time ({cpu * 1e6 / args.n:.0f} µs "
        f"per item), {args.n / elapsed:,.0f} items/s of wall time; target >= 5,000/s"
    )


if __name__ == "__main__":
    main()
