"""What tagging and routing write onto an item, as plain column values (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


# Read again (a text edited on the platform, changed rules), an item keeps what
# people decided: a field they corrected, its route once someone took it, sent it
# on or corrected it (a person has read it), and the flags that say it threatened
# or insulted once.
ROUTE_COLUMNS = ("department", "priority", "tags", "routing_rule")
LASTING_FLAGS = ("offensive", "threat")
_CORRECTABLE = ("topic", "sentiment")


def kept_on_retag(
    values: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    corrected: Iterable[str],
    routed_by_hand: bool,
) -> dict[str, Any]:
    """``tag_values`` of an item's text, with what people decided about it kept from
    ``current`` (its columns now). For an item nobody touched, ``values`` as they are."""
    out = dict(values)
    corrected = set(corrected)
    for name in _CORRECTABLE:
        if name in corrected:
            out[name] = current[name]
    if routed_by_hand or corrected:
        for name in ROUTE_COLUMNS:
            out[name] = current[name]
    flags = (out["flags"] or "").split()
    before = (current.get("flags") or "").split()
    flags += [flag for flag in LASTING_FLAGS if flag in before and flag not in flags]
    out["flags"] = spaced(flags)
    return out


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
    row = tag_row(
        text,
        rules,
        page=page,
        channel=channel,
        kind=kind,
        received_at=received_at,
        resolution=resolution,
    )
    return dict(zip(TAG_COLUMNS, row, strict=True))


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
    """``tag_values``' values in ``TAG_COLUMNS`` order, for bulk writes."""
    decision = decide(text, rules, page=page, channel=channel, kind=kind, received_at=received_at)
    explained = decision.to_json()
    explained["pii_spans"] = [list(span) for span in decision.classification.pii_spans]
    explained["tags"] = list(decision.routing.tags)
    return _columns(decision, resolution, explained)


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
