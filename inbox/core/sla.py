"""The SLA clock: when an item is due, its state at a moment, and how that reads.

Pure: the clock is always passed in. The rules are the product's SLA definitions
(due time, state, the 25 % at-risk margin); every returned instant is aware UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    STOCKHOLM,
    OfficeCalendar,
    as_utc,
    office_close_utc,
    require_aware,
)
from inbox.core.kinds import CalendarKind

__all__ = [
    "CalendarKind",
    "SlaPolicy",
    "SlaState",
    "at_risk_from",
    "due_at",
    "sla_state",
    "time_left_words",
]

_ONE_MICROSECOND = timedelta(microseconds=1)


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    LATE = "late"


@dataclass(frozen=True)
class SlaPolicy:
    calendar_kind: CalendarKind = CalendarKind.OFFICE
    target_hours: float = 24.0

    def __post_init__(self) -> None:
        # Rules files hand over plain strings; due_at compares by identity.
        object.__setattr__(self, "calendar_kind", CalendarKind(self.calendar_kind))
        if not (math.isfinite(self.target_hours) and self.target_hours > 0):
            raise ValueError(f"target_hours must be a positive number, got {self.target_hours!r}")


_spans: dict[float, timedelta] = {}


def _target_span(hours: float) -> timedelta:
    # Building a timedelta from float hours is a noticeable share of a due_at call.
    span = _spans.get(hours)
    if span is None:
        span = _spans[hours] = timedelta(hours=hours)
    return span


def due_at(
    received_at: datetime,
    policy: SlaPolicy,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> datetime:
    """When an item received at ``received_at`` must have had a first response."""
    received = as_utc(received_at, "received_at")
    # Elapsed-time addition must happen in UTC: on a local aware datetime Python
    # adds wall-clock time, which is an hour off across a DST change.
    deadline = received + _target_span(policy.target_hours)
    if policy.calendar_kind is CalendarKind.ROUND_THE_CLOCK:
        return deadline
    received_day = received.astimezone(STOCKHOLM).date()
    if not calendar.is_working_day(received_day):
        return office_close_utc(calendar.next_working_day_after(received_day))
    deadline_day = deadline.astimezone(STOCKHOLM).date()
    if calendar.is_working_day(deadline_day):
        return deadline
    return office_close_utc(calendar.next_working_day_after(deadline_day))


def at_risk_from(received_at: datetime, due_at: datetime) -> datetime:
    """The first instant at which less than 25 % of the span to ``due_at`` remains.

    That is ``received + 0.75 * span`` to the microsecond, nudged so that the
    instant where exactly 25 % remains still counts as ok. ``sla_state`` uses this
    same instant, so a sweep written as ``at_risk_from <= now`` in SQL agrees
    with it exactly.
    """
    received = as_utc(received_at, "received_at")
    due = as_utc(due_at, "due_at")
    span = (due - received) // _ONE_MICROSECOND
    # Integer microseconds: remaining < span / 4  <=>  remaining <= (span - 1) // 4.
    # An empty span never has less than 25 % left, so it turns one microsecond
    # after due, that is straight from ok to breached.
    margin = (max(span, 0) - 1) // 4
    return due - timedelta(0, 0, margin)  # microseconds, without keyword parsing


def sla_state(
    *,
    received_at: datetime,
    due_at: datetime,
    first_response_at: datetime | None,
    now: datetime,
) -> SlaState:
    """``met``/``late`` once answered; otherwise ``ok``, ``at_risk`` or ``breached`` at ``now``.

    A response is taken as given even when it lies after ``now``: reports that
    evaluate "as of" a past moment drop later responses before asking.
    """
    # Compare in UTC: two datetimes sharing one tzinfo compare by wall clock, which
    # misorders the repeated hour when the clocks go back.
    due = as_utc(due_at, "due_at")
    at = as_utc(now, "now")
    if first_response_at is not None:
        first = as_utc(first_response_at, "first_response_at")
        return SlaState.MET if first <= due else SlaState.LATE
    if at > due:
        return SlaState.BREACHED
    if at >= at_risk_from(received_at, due):
        return SlaState.AT_RISK
    return SlaState.OK


_WORDS = {
    "sv": ("kvar", "försenad"),
    "en": ("left", "overdue"),
}


def time_left_words(due_at: datetime, now: datetime, lang: str = "sv") -> str:
    """A short human reading of the time to ``due_at``.

    Two units at most, rounded down so "left" never promises more time than there
    is: ``"2 h 15 min kvar"``, ``"45 min kvar"``, ``"2 d 3 h försenad"``,
    ``"< 1 min left"``. ``lang`` is ``"sv"`` or ``"en"`` (a region suffix such as
    ``"en-GB"`` is ignored).
    """
    require_aware(due_at, "due_at")
    require_aware(now, "now")
    words = _WORDS.get(lang.replace("_", "-").split("-", 1)[0].lower())
    if words is None:
        raise ValueError(f"unsupported language {lang!r}; expected 'sv' or 'en'")
    delta = due_at.astimezone(UTC) - now.astimezone(UTC)
    suffix = words[1] if delta < timedelta(0) else words[0]
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [f"{days} d"] + ([f"{hours} h"] if hours else [])
    elif hours:
        parts = [f"{hours} h"] + ([f"{mins} min"] if mins else [])
    elif mins:
        parts = [f"{mins} min"]
    else:
        parts = ["< 1 min"]
    return " ".join([*parts, suffix])
