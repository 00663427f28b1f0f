"""Working days and office hours in Europe/Stockholm, with Swedish holidays.

Pure: no clock, no I/O. Every instant is an aware datetime; spans are measured in
UTC and the local zone is only used to find a local date or a local wall time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from inbox.core.timeutil import STOCKHOLM as STOCKHOLM

__all__ = [
    "DEFAULT_CALENDAR",
    "OFFICE_CLOSE",
    "OFFICE_OPEN",
    "STOCKHOLM",
    "OfficeCalendar",
    "as_utc",
    "local_date",
    "office_close_utc",
    "require_aware",
    "swedish_holidays",
]

OFFICE_OPEN = time(8, 0)
OFFICE_CLOSE = time(17, 0)

_ONE_DAY = timedelta(days=1)
_SECONDS_PER_MINUTE = 60.0


def require_aware(value: datetime, name: str = "datetime") -> None:
    """Refuse naive datetimes: a naive value would silently mean server-local time."""
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """``value`` as an aware UTC datetime; a naive one is refused (``require_aware``)."""
    if value.tzinfo is UTC:  # what parsing and the database give: nothing to check
        return value
    require_aware(value, name)
    return value.astimezone(UTC)


@lru_cache(maxsize=512)
def swedish_holidays(year: int) -> frozenset[date]:
    """Public holidays plus Midsommarafton, Julafton and Nyårsafton for one year.

    Cached per year because building the holidays object costs far more than the
    lookups the import path does per item.
    """
    found = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(found.keys())


@lru_cache(maxsize=8192)
def _office_window_utc(day: date) -> tuple[datetime, datetime]:
    # Built through the zone, not by adding 9 h to the opening time, so the window
    # stays right even if the opening hours are ever moved across a DST change.
    opens = datetime.combine(day, OFFICE_OPEN, tzinfo=STOCKHOLM).astimezone(UTC)
    closes = datetime.combine(day, OFFICE_CLOSE, tzinfo=STOCKHOLM).astimezone(UTC)
    return opens, closes


def office_close_utc(day: date) -> datetime:
    """17:00 local time on ``day``, as an aware UTC datetime."""
    return _office_window_utc(day)[1]


def local_date(instant: datetime) -> date:
    """The Europe/Stockholm calendar date of an aware instant."""
    return instant.astimezone(STOCKHOLM).date()


@dataclass(frozen=True)
class OfficeCalendar:
    """Monday to Friday, 08:00-17:00 local, minus holidays and the organisation's closing days.

    Frozen and hashable so it can be shared and used as a cache key; answers are
    memoised per instance because the import path asks about the same few hundred
    dates millions of times.
    """

    closing_days: frozenset[date] = frozenset()
    _working: dict[date, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _next_working: dict[date, date] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # A day's office window in UTC, None for a day that is not a working day.
    _windows: dict[date, tuple[datetime, datetime] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Callers building this from rules files tend to pass lists or sets; a
        # mutable collection would make the instance unhashable. frozenset() of a
        # frozenset is the same object, so this is free in the normal case.
        object.__setattr__(self, "closing_days", frozenset(self.closing_days))

    def is_working_day(self, d: date) -> bool:
        """Mon-Fri, not a Swedish public or de facto holiday, not a closing day."""
        cached = self._working.get(d)
        if cached is None:
            cached = (
                d.weekday() < 5 and d not in swedish_holidays(d.year) and d not in self.closing_days
            )
            self._working[d] = cached
        return cached

    def next_working_day_after(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        cached = self._next_working.get(d)
        if cached is None:
            cached = d + _ONE_DAY
            while not self.is_working_day(cached):
                cached += _ONE_DAY
            self._next_working[d] = cached
        return cached

    def office_minutes(self, start: datetime, end: datetime) -> float:
        """Minutes of ``[start, end)`` inside office hours on working days.

        Walks the local dates of the span and clips each working day's office
        window, so the cost grows with days, not with minutes.
        """
        start = as_utc(start, "start")
        end = as_utc(end, "end")
        if end <= start:
            return 0.0
        day = local_date(start)
        last = local_date(end)
        seconds = 0.0
        windows = self._windows
        while day <= last:
            if day not in windows:
                windows[day] = _office_window_utc(day) if self.is_working_day(day) else None
            window = windows[day]
            if window is not None:
                lo = max(window[0], start)
                hi = min(window[1], end)
                if hi > lo:
                    seconds += (hi - lo).total_seconds()
            day += _ONE_DAY
        return seconds / _SECONDS_PER_MINUTE


DEFAULT_CALENDAR = OfficeCalendar()
