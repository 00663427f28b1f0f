"""The spec's response metrics, computed over plain records (no database).

This is the reference definition. ``inbox.store.report`` computes the same figures in
SQL for speed, and the tests hold the two to each other.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

EXCLUDING = frozenset({"no_reply_needed", "spam", "removed"})

METRIC_NAMES = (
    "received",
    "excluded",
    "requiring_response",
    "responded",
    "response_rate",
    "median_response_minutes",
    "mean_response_minutes",
    "median_office_minutes",
    "within_target",
    "within_target_rate",
    "breached",
)


@dataclass(frozen=True, slots=True)
class Record:
    """What the metrics need to know of one item."""

    page: str
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    resolution: str | None
    office_minutes: float | None = None  # office minutes of the first-response span


@dataclass(frozen=True)
class Metrics:
    received: int
    excluded: int
    requiring_response: int
    responded: int
    response_rate: float | None
    median_response_minutes: float | None
    mean_response_minutes: float | None
    median_office_minutes: float | None
    within_target: int
    within_target_rate: float | None
    breached: int

    def as_dict(self) -> dict[str, int | float | None]:
        return asdict(self)


@dataclass
class Tally:
    """Counts and response spans of one group, filled as records stream past."""

    received: int = 0
    excluded: int = 0
    responded: int = 0
    within_target: int = 0
    breached: int = 0
    minutes: list[float] = field(default_factory=list)
    office_minutes: list[float] = field(default_factory=list)

    def finish(self) -> Metrics:
        return metrics_from_parts(
            received=self.received,
            excluded=self.excluded,
            responded=self.responded,
            within_target=self.within_target,
            breached=self.breached,
            mean_minutes=statistics.fmean(self.minutes) if self.minutes else None,
            median_minutes=statistics.median(self.minutes) if self.minutes else None,
            median_office_minutes=(
                statistics.median(self.office_minutes) if self.office_minutes else None
            ),
        )


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def metrics_from_parts(
    *,
    received: int,
    excluded: int,
    responded: int,
    within_target: int,
    breached: int,
    mean_minutes: float | None,
    median_minutes: float | None,
    median_office_minutes: float | None,
) -> Metrics:
    """Assemble the figures from counts and the response-span statistics."""
    requiring = received - excluded
    return Metrics(
        received=received,
        excluded=excluded,
        requiring_response=requiring,
        responded=responded,
        response_rate=ratio(responded, requiring),
        median_response_minutes=median_minutes,
        mean_response_minutes=mean_minutes,
        median_office_minutes=median_office_minutes,
        within_target=within_target,
        within_target_rate=ratio(within_target, requiring),
        breached=breached,
    )


def add(tally: Tally, record: Record, as_of: datetime) -> None:
    tally.received += 1
    first = record.first_response_at
    answered = first is not None and first <= as_of
    if not answered and record.resolution in EXCLUDING:
        tally.excluded += 1
        return
    if answered and first is not None:
        tally.responded += 1
        tally.minutes.append((first - record.received_at).total_seconds() / 60)
        if record.office_minutes is not None:
            tally.office_minutes.append(record.office_minutes)
        if first <= record.due_at:
            tally.within_target += 1
        else:
            tally.breached += 1
    elif record.due_at < as_of:
        tally.breached += 1


def compute(
    records: Iterable[Record], *, start: datetime, end: datetime, as_of: datetime
) -> tuple[dict[str, Metrics], Metrics]:
    """Per-page metrics and the pooled total for items received in ``[start, end)``."""
    per_page: dict[str, Tally] = {}
    total = Tally()
    for record in records:
        if not start <= record.received_at < end:
            continue
        add(per_page.setdefault(record.page, Tally()), record, as_of)
        add(total, record, as_of)
    return {page: tally.finish() for page, tally in sorted(per_page.items())}, total.finish()
