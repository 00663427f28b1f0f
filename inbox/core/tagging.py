"""What tagging and routing write onto an item, as plain column values (pure)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from inbox.core.routing import Decision, decide
from inbox.core.rules.tagging import Rules

_CLOSED_WITHOUT_REPLY = frozenset({"no_reply_needed", "spam", "removed"})
TAG_COLUMNS = (
    "topic",
    "sentiment",
    "department",
    "priority",
    "language",
    "flags",
    "tags",
    "needs_reply",
    "routing_rule",
    "classification",
)


def spaced(words: tuple[str, ...] | list[str]) -> str:
    """Space-delimited with a space at each end, so ``LIKE '% threat %'`` finds a word."""
    return f" {' '.join(words)} " if words else ""


def tag_values(
    text: str,
    rules: Rules,
    *,
    page: str,
    channel: str,
    kind: str,
    received_at: datetime,
    resolution: str | None = None,
) -> dict[str, Any]:
    """Classify and route one text; the result maps ``TAG_COLUMNS`` to values.

    An item already closed as needing no reply (an auto-reply, spam, a removal)
    keeps that verdict whatever the text suggests.
    """
    decision = decide(text, rules, page=page, channel=channel, kind=kind, received_at=received_at)
    explained = decision.to_json()
    explained["pii_spans"] = [list(span) for span in decision.classification.pii_spans]
    explained["tags"] = list(decision.routing.tags)
    return dict(zip(TAG_COLUMNS, _columns(decision, resolution, explained), strict=True))


def tag_row(
    text: str,
    rules: Rules,
    *,
    page: str,
    channel: str,
    kind: str,
    received_at: datetime,
    resolution: str | None = None,
) -> tuple[Any, ...]:
    """``tag_values`` as a row in ``TAG_COLUMNS`` order, for bulk writes: the
    classification is already JSON text, as ``json.dumps(..., ensure_ascii=False)``
    writes the dict ``tag_values`` gives."""
    decision = decide(text, rules, page=page, channel=channel, kind=kind, received_at=received_at)
    return _columns(decision, resolution, explained_json(decision))


def _columns(decision: Decision, resolution: str | None, explained: object) -> tuple[Any, ...]:
    c, r = decision.classification, decision.routing
    return (
        c.topics[0].key if c.topics else None,
        c.sentiment.label,
        r.department,
        r.priority,
        c.language,
        spaced(c.flags),
        spaced(r.tags),
        c.needs_reply and resolution not in _CLOSED_WITHOUT_REPLY,
        r.rule,
        explained,
    )


# JSON as json.dumps(..., ensure_ascii=False) writes it, piece by piece: for the
# classification of every item of an import, formatting its known shape directly
# costs half of what the generic encoder does.
_string = json.encoder.encode_basestring
_json = json.JSONEncoder(ensure_ascii=False).encode


def _number(value: float) -> str:
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    return _json(value)


def _strings(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(map(_string, values)) + "]"


def explained_json(decision: Decision) -> str:
    """The ``classification`` of ``tag_values`` as JSON text."""
    c, r = decision.classification, decision.routing
    topics = ", ".join(
        [
            f'{{"key": {_string(t.key)}, "score": {_number(t.score)}, '
            f'"matched": {_string(t.matched)}}}'
            for t in c.topics
        ]
    )
    flag_words = ", ".join([f"{_string(flag)}: {_strings(words)}" for flag, words in c.flag_words])
    pii_spans = ", ".join([_json(list(span)) for span in c.pii_spans])
    return (
        f'{{"language": {_string(c.language)}, "topics": [{topics}], '
        f'"sentiment": {{"label": {_string(c.sentiment.label)}, '
        f'"score": {_number(c.sentiment.score)}}}, '
        f'"flags": {_strings(c.flags)}, "flag_words": {{{flag_words}}}, '
        f'"department": {_string(r.department)}, "priority": {_string(r.priority)}, '
        f'"needs_reply": {"true" if c.needs_reply else "false"}, '
        f'"rule": {_string(r.rule)}, "reason": {_string(r.reason)}, '
        f'"pii_spans": [{pii_spans}], "tags": {_strings(r.tags)}}}'
    )
