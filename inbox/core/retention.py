"""Retention (gallring): which closed items are due for erasure at a given moment.

Pure: the rules say how many days a page keeps a closed item's personal data
and how many a removed (moderated) one; given ``now`` this module says from
which closing instant back an item is due, and how the item page says it was
erased. The actions layer does the erasing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.core.kinds import Resolution, Status
from inbox.core.rules.retention import RetentionRules

__all__ = ["Cutoff", "cutoffs", "is_due"]


@dataclass(frozen=True)
class Cutoff:
    """Items of one page closed before these instants are due (None: kept)."""

    page: str
    closed_before: datetime | None
    removed_before: datetime | None
    closed_rule: str
    removed_rule: str

    @property
    def any(self) -> bool:
        return self.closed_before is not None or self.removed_before is not None


def _before(now: datetime, days: int | None) -> datetime | None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return None if days is None else now - timedelta(days=days)


def cutoffs(rules: RetentionRules, pages: list[str], now: datetime) -> list[Cutoff]:
    """One cutoff per page, in the given order; pages that keep everything left out."""
    out = []
    for key in pages:
        keep = rules.for_page(key)
        cut = Cutoff(
            page=key,
            closed_before=_before(now, keep.keep_closed_days),
            removed_before=_before(now, keep.keep_removed_days),
            closed_rule=rules.rule_name(key, removed=False),
            removed_rule=rules.rule_name(key, removed=True),
        )
        if cut.any:
            out.append(cut)
    return out


def is_due(
    rules: RetentionRules,
    *,
    page: str,
    status: str,
    resolution: str | None,
    closed_at: datetime | None,
    now: datetime,
    held: bool = False,
) -> bool:
    """Whether one item's personal data is due for erasure at ``now``."""
    if held or status != Status.CLOSED.value or closed_at is None:
        return False
    keep = rules.for_page(page)
    removed = resolution == Resolution.REMOVED.value
    before = _before(now, keep.keep_removed_days if removed else keep.keep_closed_days)
    return before is not None and closed_at < before
