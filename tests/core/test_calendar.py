from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OFFICE_CLOSE,
    OFFICE_OPEN,
    STOCKHOLM,
    OfficeCalendar,
    local_date,
    office_close_utc,
    swedish_holidays,
)

CAL = DEFAULT_CALENDAR


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "Nyårsdagen"),
        (date(2026, 1, 6), "Trettondedag jul"),
        (date(2026, 4, 3), "Långfredagen"),
        (date(2026, 4, 6), "Annandag påsk"),
        (date(2026, 5, 1), "Första maj"),
        (date(2026, 5, 14), "Kristi himmelsfärdsdag"),
        (date(2026, 6, 19), "Midsommarafton"),
        (date(2026, 12, 24), "Julafton"),
        (date(2026, 12, 25), "Juldagen"),
        (date(2026, 12, 31), "Nyårsafton"),
        (date(2024, 6, 6), "Sveriges nationaldag (Thu)"),
        (date(2025, 6, 6), "Sveriges nationaldag (Fri)"),
        (date(2025, 6, 20), "Midsommarafton 2025"),
        (date(2025, 5, 29), "Kristi himmelsfärdsdag 2025"),
        (date(2025, 12, 26), "Annandag jul 2025"),
        (date(2027, 3, 26), "Långfredagen 2027"),
        (date(2027, 1, 1), "Nyårsdagen 2027"),
        (date(2027, 12, 24), "Julafton 2027"),
        (date(2027, 12, 31), "Nyårsafton 2027"),
        (date(2028, 6, 23), "Midsommarafton 2028"),
    ],
)
def test_weekday_holidays_are_not_working_days(day: date, name: str) -> None:
    assert day.weekday() < 5, name
    assert day in swedish_holidays(day.year), name
    assert not CAL.is_working_day(day), name


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 11, 17), "ordinary Tuesday"),
        (date(2026, 11, 23), "ordinary Monday"),
        (date(2026, 1, 2), "day after Nyårsdagen"),
        (date(2026, 1, 5), "Trettondagsafton is a normal day"),
        (date(2026, 4, 2), "Skärtorsdagen is a normal day"),
        (date(2026, 4, 7), "Tuesday after Easter"),
        (date(2026, 4, 30), "Valborgsmässoafton is a normal day"),
        (date(2026, 5, 15), "the bridge day after Ascension is a normal day"),
        (date(2026, 6, 18), "Thursday before Midsommarafton"),
        (date(2026, 6, 22), "Monday after Midsommar"),
        (date(2026, 10, 30), "Allhelgonaafton is a normal day"),
        (date(2026, 12, 23), "Lillejulafton is a normal day"),
        (date(2026, 12, 28), "Monday after Christmas"),
        (date(2026, 12, 30), "day before Nyårsafton"),
    ],
)
def test_working_days(day: date, why: str) -> None:
    assert CAL.is_working_day(day), why


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 11, 21),
        date(2026, 11, 22),
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 6, 6),
    ],
)
def test_weekends_are_not_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert not CAL.is_working_day(day)


def test_holidays_package_gives_de_facto_days_and_not_every_sunday() -> None:
    days = swedish_holidays(2026)
    assert {date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31)} <= days
    sundays = {d for d in days if d.weekday() == 6}
    # Easter Sunday and Pentecost are real holidays; ordinary Sundays are not listed.
    assert sundays == {date(2026, 4, 5), date(2026, 5, 24)}


def test_closing_days_are_not_working_days() -> None:
    cal = OfficeCalendar(closing_days=frozenset({date(2026, 11, 18)}))
    assert not cal.is_working_day(date(2026, 11, 18))
    assert cal.is_working_day(date(2026, 11, 19))
    assert CAL.is_working_day(date(2026, 11, 18))


def test_calendar_is_hashable_and_compares_by_closing_days() -> None:
    a = OfficeCalendar(closing_days=frozenset({date(2026, 11, 18)}))
    b = OfficeCalendar(closing_days=[date(2026, 11, 18)])  # type: ignore[arg-type]
    a.is_working_day(date(2026, 11, 18))  # a filled cache must not affect equality
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(b.closing_days, frozenset)
    assert a != DEFAULT_CALENDAR


@pytest.mark.parametrize(
    ("day", "expected", "closing"),
    [
        (date(2026, 11, 17), date(2026, 11, 18), ()),
        (date(2026, 11, 20), date(2026, 11, 23), ()),
        (date(2026, 11, 21), date(2026, 11, 23), ()),
        (date(2026, 11, 23), date(2026, 11, 24), ()),
        (date(2026, 4, 2), date(2026, 4, 7), ()),
        (date(2026, 5, 13), date(2026, 5, 15), ()),
        (date(2026, 6, 5), date(2026, 6, 8), ()),
        (date(2026, 6, 18), date(2026, 6, 22), ()),
        (date(2026, 12, 23), date(2026, 12, 28), ()),
        (date(2026, 12, 30), date(2027, 1, 4), ()),
        (date(2027, 1, 5), date(2027, 1, 7), ()),
        (date(2026, 11, 20), date(2026, 11, 24), (date(2026, 11, 23),)),
        (date(2026, 12, 23), date(2026, 12, 30), (date(2026, 12, 28), date(2026, 12, 29))),
    ],
)
def test_next_working_day_after(day: date, expected: date, closing: tuple[date, ...]) -> None:
    cal = OfficeCalendar(closing_days=frozenset(closing))
    assert cal.next_working_day_after(day) == expected


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 11, 23), 16), (date(2026, 3, 30), 15), (date(2026, 10, 26), 16)],
)
def test_office_close_utc_follows_daylight_saving(day: date, utc_hour: int) -> None:
    closes = office_close_utc(day)
    assert closes.tzinfo is UTC
    assert closes.hour == utc_hour
    assert closes.astimezone(STOCKHOLM).time() == OFFICE_CLOSE


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (local(2026, 11, 17, 9), local(2026, 11, 17, 10), 60.0),
        (local(2026, 11, 17, 7), local(2026, 11, 17, 18), 540.0),
        (local(2026, 11, 17, 9), local(2026, 11, 17, 9, 0, 30), 0.5),
        (local(2026, 11, 17, 17), local(2026, 11, 18, 8), 0.0),
        (local(2026, 11, 17, 17, 30), local(2026, 11, 18, 8, 15), 15.0),
        (local(2026, 11, 17, 10), local(2026, 11, 18, 10), 540.0),
        (local(2026, 11, 20, 16), local(2026, 11, 23, 9), 120.0),
        (local(2026, 11, 21, 9), local(2026, 11, 22, 16), 0.0),
        (local(2026, 11, 16), local(2026, 11, 23), 5 * 540.0),
        # Easter: Good Friday and Easter Monday off.
        (local(2026, 4, 2, 16), local(2026, 4, 7, 8, 30), 90.0),
        (local(2026, 3, 30), local(2026, 4, 13), 8 * 540.0),
        # Midsummer week, Christmas week, New Year.
        (local(2026, 6, 15), local(2026, 6, 22), 4 * 540.0),
        (local(2026, 12, 21), local(2026, 12, 28), 3 * 540.0),
        (local(2026, 12, 28), local(2027, 1, 4), 3 * 540.0),
        # Ascension and the National Day on a Friday.
        (local(2026, 5, 11), local(2026, 5, 18), 4 * 540.0),
        (local(2025, 6, 2), local(2025, 6, 9), 4 * 540.0),
        # Daylight saving starts 2026-03-29 and ends 2026-10-25.
        (local(2026, 3, 27, 16), local(2026, 3, 30, 9), 120.0),
        (local(2026, 3, 23), local(2026, 3, 30, 8), 5 * 540.0),
        (local(2026, 10, 23, 16), local(2026, 10, 26, 9), 120.0),
        (local(2026, 10, 19), local(2026, 10, 26, 17), 6 * 540.0),
        # Instants given in UTC or another offset.
        (datetime(2026, 11, 17, 7, tzinfo=UTC), datetime(2026, 11, 17, 16, tzinfo=UTC), 540.0),
        (datetime(2026, 6, 17, 6, tzinfo=UTC), datetime(2026, 6, 17, 15, tzinfo=UTC), 540.0),
        (
            datetime(2026, 11, 17, 12, tzinfo=timezone(timedelta(hours=5))),
            datetime(2026, 11, 17, 9, tzinfo=UTC),
            120.0,
        ),
        # Empty and reversed spans.
        (local(2026, 11, 17, 10), local(2026, 11, 17, 10), 0.0),
        (local(2026, 11, 18, 10), local(2026, 11, 17, 10), 0.0),
    ],
)
def test_office_minutes(start: datetime, end: datetime, minutes: float) -> None:
    assert CAL.office_minutes(start, end) == pytest.approx(minutes)


def test_office_minutes_skips_closing_days() -> None:
    cal = OfficeCalendar(closing_days=frozenset({date(2026, 11, 18)}))
    assert cal.office_minutes(local(2026, 11, 17, 16), local(2026, 11, 19, 9)) == 120.0


def test_office_minutes_over_a_year_counts_working_days() -> None:
    working = sum(CAL.is_working_day(date(2026, 1, 1) + timedelta(days=i)) for i in range(365))
    # 261 weekdays in 2026; seven public holidays fall on them, plus Midsommarafton,
    # Julafton and Nyårsafton.
    assert working == 251
    assert CAL.office_minutes(local(2026, 1, 1), local(2027, 1, 1)) == working * 540.0


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.office_minutes(datetime(2026, 11, 17, 9), local(2026, 11, 17, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.office_minutes(local(2026, 11, 17, 9), datetime(2026, 11, 17, 10))


def test_local_date_uses_stockholm() -> None:
    assert local_date(datetime(2026, 11, 17, 23, 30, tzinfo=UTC)) == date(2026, 11, 18)
    assert local_date(datetime(2026, 6, 17, 22, 30, tzinfo=UTC)) == date(2026, 6, 18)
    assert local_date(datetime(2026, 6, 17, 21, 59, tzinfo=UTC)) == date(2026, 6, 17)


# --- properties ---------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([UTC, STOCKHOLM]),
    allow_imaginary=False,
)
closing_sets = st.frozensets(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)), max_size=30
)


def brute_force_office_minutes(cal: OfficeCalendar, start: datetime, end: datetime) -> float:
    count = 0
    at = start.astimezone(UTC)
    stop = end.astimezone(UTC)
    while at < stop:
        here = at.astimezone(STOCKHOLM)
        if cal.is_working_day(here.date()) and OFFICE_OPEN <= here.time() < OFFICE_CLOSE:
            count += 1
        at += timedelta(minutes=1)
    return float(count)


@settings(max_examples=60, deadline=None)
@given(
    start=instants.map(lambda d: d.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=0, max_value=4 * 24 * 60),
    closing=closing_sets,
)
def test_office_minutes_matches_minute_by_minute_count(
    start: datetime, minutes: int, closing: frozenset[date]
) -> None:
    cal = OfficeCalendar(closing_days=closing)
    end = start.astimezone(UTC) + timedelta(minutes=minutes)
    assert cal.office_minutes(start, end) == brute_force_office_minutes(cal, start, end)


@settings(max_examples=150, deadline=None)
@given(points=st.lists(instants, min_size=3, max_size=3), closing=closing_sets)
def test_office_minutes_is_additive_and_bounded(
    points: list[datetime], closing: frozenset[date]
) -> None:
    cal = OfficeCalendar(closing_days=closing)
    a, b, c = sorted(points)
    whole = cal.office_minutes(a, c)
    assert whole == pytest.approx(cal.office_minutes(a, b) + cal.office_minutes(b, c))
    assert 0.0 <= whole <= (c - a).total_seconds() / 60
    assert whole <= CAL.office_minutes(a, c)


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)), closing=closing_sets)
def test_next_working_day_after_is_the_first_one(day: date, closing: frozenset[date]) -> None:
    cal = OfficeCalendar(closing_days=closing)
    found = cal.next_working_day_after(day)
    assert found > day
    assert cal.is_working_day(found)
    between = (day + timedelta(days=i) for i in range(1, (found - day).days))
    assert not any(cal.is_working_day(d) for d in between)
