"""The seven tagging figures for a labelled set, shared by bench/ and the tests.

A labelled item has ``text``, ``topics`` (the right topics, best first; the
classifier's first topic is right when it is one of them, or when both have
none), ``flags``, ``sentiment`` and ``needs_reply``. A threat counts as
offensive too: offensive recall and precision look at ``offensive`` or
``threat``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from inbox.core.classify.pipeline import Classification

LABELS = ("positive", "neutral", "negative")
FIGURES = (
    "topic_accuracy",
    "threat_recall",
    "offensive_recall",
    "offensive_precision",
    "personal_data_recall",
    "sentiment_macro_f1",
    "needs_reply_accuracy",
)
_HOSTILE = frozenset(("offensive", "threat"))


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(g == label == p for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label == p for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def figures(
    items: Sequence[Mapping[str, Any]], classify: Callable[[str], Classification]
) -> tuple[dict[str, float], list[tuple[Mapping[str, Any], Classification]]]:
    """The figures, and each item with its classification (to show the misses)."""
    pairs = [(item, classify(str(item["text"]))) for item in items]
    topic_right = 0
    threat = [0, 0]
    hostile_gold = [0, 0]
    hostile_pred = [0, 0]
    pii = [0, 0]
    for item, c in pairs:
        gold_topics = list(item["topics"])
        first = c.topic_keys[0] if c.topic_keys else None
        topic_right += (first in gold_topics) if gold_topics else first is None
        gold_flags, flags = set(item["flags"]), set(c.flags)
        if "threat" in gold_flags:
            threat[0] += "threat" in flags
            threat[1] += 1
        if gold_flags & _HOSTILE:
            hostile_gold[0] += bool(flags & _HOSTILE)
            hostile_gold[1] += 1
        if flags & _HOSTILE:
            hostile_pred[0] += bool(gold_flags & _HOSTILE)
            hostile_pred[1] += 1
        if "personal_data" in gold_flags:
            pii[0] += "personal_data" in flags
            pii[1] += 1
    out = {
        "topic_accuracy": _ratio(topic_right, len(pairs)),
        "threat_recall": _ratio(*threat),
        "offensive_recall": _ratio(*hostile_gold),
        "offensive_precision": _ratio(*hostile_pred),
        "personal_data_recall": _ratio(*pii),
        "sentiment_macro_f1": macro_f1(
            [str(i["sentiment"]) for i, _ in pairs], [c.sentiment.label for _, c in pairs]
        ),
        "needs_reply_accuracy": _ratio(
            sum(bool(i["needs_reply"]) == c.needs_reply for i, c in pairs), len(pairs)
        ),
    }
    return out, pairs
