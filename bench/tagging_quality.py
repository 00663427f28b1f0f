"""The seven tagging figures of issue 14 for a labelled set, and the public set.

    python bench/tagging_quality.py [--misses] [tests/data/citizen_devset.jsonl ...]

Prints topic accuracy (first topic, or none), threat recall, offensive recall
and precision (``offensive`` or ``threat``), personal-data recall, sentiment
macro-F1 and needs-reply accuracy for each set (by default the citizen set
and the older development set), then sentiment macro-F1 on the public
Swedish social-media set in ../shared/eval/sentiment/ (or
$INBOX_EVAL_DIR/sentiment/). The public set is measured only, never tuned on.
``--misses`` lists every item the classifier got wrong on the first set.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.core.classify.pipeline import Classifier  # noqa: E402
from inbox.core.classify.quality import FIGURES, figures, macro_f1  # noqa: E402
from inbox.core.rules.tagging import load_rules  # noqa: E402

BARS = {
    "topic_accuracy": 0.85,
    "threat_recall": 0.90,
    "offensive_recall": 0.90,
    "offensive_precision": 0.90,
    "personal_data_recall": 1.00,
    "sentiment_macro_f1": 0.80,
    "needs_reply_accuracy": 0.90,
}
_SHORT = {"pos": "positive", "neu": "neutral", "neg": "negative"}
_HOSTILE = {"offensive", "threat"}


def eval_dir() -> Path:
    env = os.environ.get("INBOX_EVAL_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "eval"


def report(path: Path, clf: Classifier, *, misses: bool) -> None:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    figs, pairs = figures(items, clf)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(items)} items")
    for name in FIGURES:
        bar = BARS[name]
        mark = "met" if figs[name] >= bar else "NOT met"
        print(f"  {name:<22} {figs[name]:.3f}   bar >= {bar:.2f} {mark}")
    if not misses:
        return
    for item, c in pairs:
        wrong = []
        first = c.topic_keys[0] if c.topic_keys else None
        if (first not in item["topics"]) if item["topics"] else first is not None:
            wrong.append(f"topic {first} not {item['topics']}")
        gold, got = set(item["flags"]), set(c.flags) & {"offensive", "threat", "personal_data"}
        if gold != got:
            wrong.append(f"flags {sorted(got)} not {sorted(gold)}")
        if item["sentiment"] != c.sentiment.label:
            wrong.append(f"sentiment {c.sentiment.label} not {item['sentiment']}")
        if item["needs_reply"] != c.needs_reply:
            wrong.append(f"needs_reply {c.needs_reply}")
        if wrong:
            print(f"  - {item['text'][:90]!r}: " + "; ".join(wrong))


def public_set(clf: Classifier) -> None:
    path = eval_dir() / "sentiment" / "swe-sentiment-dataset.csv"
    if not path.is_file():
        print(f"public set: {path} is not there (set INBOX_EVAL_DIR)")
        return
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("label") in _SHORT]
    gold = [_SHORT[r["label"]] for r in rows]
    pred = [clf(r["text"]).sentiment.label for r in rows]
    print(f"public set {path.name}: {len(rows)} items")
    print(f"  sentiment_macro_f1     {macro_f1(gold, pred):.3f}   must not fall below 0.653")


def main(argv: list[str]) -> None:
    misses = "--misses" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [
        ROOT / "tests" / "data" / "citizen_devset.jsonl",
        ROOT / "tests" / "data" / "devset.jsonl",
    ]
    clf = Classifier(load_rules(ROOT / "inbox" / "default_rules"))
    for i, path in enumerate(paths):
        report(path.resolve(), clf, misses=misses and i == 0)
    public_set(clf)


if __name__ == "__main__":
    main(sys.argv[1:])
