"""Quality and speed of the classifier.

    python bench/classify_eval.py

(a) sentiment macro-F1 on the public Swedish social-media set in
    ../shared/eval/sentiment/ (or $INBOX_EVAL_DIR/sentiment/); measured only,
    never trained or tuned on;
(b) per-topic precision/recall/F1 and flag accuracy on our own development
    set, tests/data/devset.jsonl, and sentiment on our own social-media set,
    tests/data/sentiment_devset.jsonl;
(c) items per second for topic + flags + sentiment on 300-character comments
    with the shipped rules, on one core.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.core.classify.pipeline import Classifier  # noqa: E402
from inbox.core.rules.tagging import load_rules  # noqa: E402

LABELS = ("positive", "neutral", "negative")
_SHORT = {"pos": "positive", "neu": "neutral", "neg": "negative"}


def eval_dir() -> Path:
    env = os.environ.get("INBOX_EVAL_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "eval"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def class_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    """Print per-class P/R/F1 and the confusion matrix; return macro-F1."""
    f1s = []
    print(f"  {'class':<10} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}")
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        p, r, f = prf(tp, fp, fn)
        f1s.append(f)
        print(f"  {label:<10} {p:6.3f} {r:6.3f} {f:6.3f} {tp + fn:6d}")
    macro = sum(f1s) / len(f1s)
    print(f"  macro-F1 {macro:.3f}   accuracy {accuracy(gold, pred):.3f}")
    counts = Counter(zip(gold, pred, strict=True))
    print("  confusion (rows gold, columns predicted):")
    print("  " + " " * 10 + "".join(f"{label[:8]:>10}" for label in labels))
    for g in labels:
        print(f"  {g:<10}" + "".join(f"{counts[(g, p)]:>10}" for p in labels))
    return macro


def accuracy(gold: Sequence[object], pred: Sequence[object]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1)


def shared_sentiment(clf: Classifier) -> None:
    path = eval_dir() / "sentiment" / "swe-sentiment-dataset.csv"
    print(f"(a) Sentiment on {path}")
    if not path.is_file():
        print("  skipped: the evaluation set is not there (set INBOX_EVAL_DIR)")
        return
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("label") in _SHORT]
    gold = [_SHORT[r["label"]] for r in rows]
    pred = [clf(r["text"]).sentiment.label for r in rows]
    print(f"  {len(rows)} items")
    macro = class_report(gold, pred, LABELS)
    print(f"  target macro-F1 >= 0.65: {'met' if macro >= 0.65 else 'NOT met'}")


def load_devset() -> list[dict[str, object]]:
    path = ROOT / "tests" / "data" / "devset.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def devset(clf: Classifier) -> None:
    items = load_devset()
    print(f"\n(b) Development set tests/data/devset.jsonl, {len(items)} items")
    results = [clf(str(item["text"])) for item in items]
    topic_keys = list(clf.rules.topics)
    tot = Counter[str]()
    print(f"  {'topic':<22} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
    for key in topic_keys:
        tp = fp = fn = 0
        for item, res in zip(items, results, strict=True):
            g = key in _strs(item["topics"])
            p = key in res.topic_keys
            tp += g and p
            fp += p and not g
            fn += g and not p
        tot.update(tp=tp, fp=fp, fn=fn)
        p_, r_, f_ = prf(tp, fp, fn)
        print(f"  {key:<22} {p_:6.3f} {r_:6.3f} {f_:6.3f} {tp + fn:4d}")
    mp, mr, mf = prf(tot["tp"], tot["fp"], tot["fn"])
    print(f"  {'micro':<22} {mp:6.3f} {mr:6.3f} {mf:6.3f}")

    print("  sentiment:")
    class_report([str(i["sentiment"]) for i in items], [r.sentiment.label for r in results], LABELS)
    needs = accuracy([i["needs_reply"] for i in items], [r.needs_reply for r in results])
    print(f"  needs_reply accuracy {needs:.3f}")
    print(f"  {'flag':<22} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
    for flag in ("question", "no_reply_needed", "offensive", "threat", "personal_data"):
        tp = fp = fn = 0
        for item, res in zip(items, results, strict=True):
            g = flag in _strs(item["flags"])
            p = flag in res.flags
            tp += g and p
            fp += p and not g
            fn += g and not p
        p_, r_, f_ = prf(tp, fp, fn)
        print(f"  {flag:<22} {p_:6.3f} {r_:6.3f} {f_:6.3f} {tp + fn:4d}")
    exact = accuracy([sorted(_strs(i["flags"])) for i in items], [sorted(r.flags) for r in results])
    print(f"  all flags exactly right {exact:.3f}")


def sentiment_devset(clf: Classifier) -> None:
    path = ROOT / "tests" / "data" / "sentiment_devset.jsonl"
    with path.open(encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    print(f"\n(b2) Sentiment on tests/data/sentiment_devset.jsonl, {len(items)} items")
    gold = [str(i["sentiment"]) for i in items]
    class_report(gold, [clf(str(i["text"])).sentiment.label for i in items], LABELS)


def _strs(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, Iterable) else []


def speed(clf: Classifier, n: int = 5000) -> None:
    texts = [str(i["text"]) for i in load_devset()]
    rng = random.Random(5)
    comments = []
    for _ in range(n):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < 300:
            parts.append(rng.choice(texts))
        comments.append(" ".join(parts)[:300])
    print(f"\n(c) Speed: {n} comments of 300 characters, shipped rules, one core")
    clf(comments[0])  # build lazily-compiled tables outside the timing
    start = time.perf_counter()
    for text in comments:
        clf(text)
    elapsed = time.perf_counter() - start
    rate = n / elapsed
    print(f"  {rate:,.0f} items/s ({elapsed * 1e6 / n:.0f} µs per item); target >= 1,000/s")


def main() -> None:
    clf = Classifier(load_rules(ROOT / "inbox" / "default_rules"))
    shared_sentiment(clf)
    devset(clf)
    sentiment_devset(clf)
    speed(clf)


if __name__ == "__main__":
    main()
