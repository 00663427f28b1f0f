"""What tagging and routing write onto an item, as plain column values (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.core.routing import decide
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
    c, r = decision.classification, decision.routing
    return {
        "topic": c.topics[0].key if c.topics else None,
        "sentiment": c.sentiment.label,
        "department": r.department,
        "priority": r.priority,
        "language": c.language,
        "flags": spaced(list(c.flags)),
        "tags": spaced(list(r.tags)),
        "needs_reply": c.needs_reply and resolution not in _CLOSED_WITHOUT_REPLY,
        "routing_rule": r.rule,
        "classification": explained,
    }
