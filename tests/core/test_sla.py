from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inbox.core.calendar import DEFAULT_CALENDAR, STOCKHOLM, OfficeCalendar, local_date
from inbox.core.kinds import CalendarKind
from inbox.core.sla import SlaPolicy, SlaState, at_risk_from, due_at, sla_state, time_left_words

OFFICE = SlaPolicy()
ALWAYS = SlaPolicy(calendar_kind=CalendarKind.ROUND_THE_CLOCK)
US = timedelta(microseconds=1)


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=STOCKHOLM)


def office(hours: float) -> SlaPolicy:
    return SlaPolicy(calendar_kind=CalendarKind.OFFICE, target_hours=hours)


# --- due_at -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # The examples of the specification, in order.
        (local(2026, 11, 17, 10), local(2026, 11, 18, 10)),
        (local(2026, 11, 19, 20), local(2026, 11, 20, 20)),
        (local(2026, 11, 20, 9), local(2026, 11, 23, 17)),
        (local(2026, 11, 21, 12), local(2026, 11, 23, 17)),
        (local(2026, 11, 22, 23, 30), local(2026, 11, 23, 17)),
        (local(2026, 4, 2, 15), local(2026, 4, 7, 17)),
        (local(2026, 12, 23, 10), local(2026, 12, 28, 17)),
        # Around midnight: the local date decides, not the UTC date.
        (local(2026, 11, 20, 23, 59), local(2026, 11, 23, 17)),
        (local(2026, 11, 23, 0, 0), local(2026, 11, 24, 0, 0)),
        (local(2026, 11, 23, 0, 30), local(2026, 11, 24, 0, 30)),
        # Easter 2026.
        (local(2026, 4, 1, 10), local(2026, 4, 2, 10)),
        (local(2026, 4, 3, 11), local(2026, 4, 7, 17)),
        (local(2026, 4, 5, 11), local(2026, 4, 7, 17)),
        (local(2026, 4, 6, 9), local(2026, 4, 7, 17)),
        (local(2026, 4, 7, 9), local(2026, 4, 8, 9)),
        # Ascension (Thu 14 May 2026); the Friday after is a normal day.
        (local(2026, 5, 13, 10), local(2026, 5, 15, 17)),
        (local(2026, 5, 14, 10), local(2026, 5, 15, 17)),
        (local(2026, 5, 15, 10), local(2026, 5, 18, 17)),
        # National Day on a Thursday (2024) and a Friday (2025).
        (local(2024, 6, 5, 10), local(2024, 6, 7, 17)),
        (local(2025, 6, 5, 10), local(2025, 6, 9, 17)),
        # Midsommarafton Fri 19 Jun 2026.
        (local(2026, 6, 17, 10), local(2026, 6, 18, 10)),
        (local(2026, 6, 18, 10), local(2026, 6, 22, 17)),
        (local(2026, 6, 19, 10), local(2026, 6, 22, 17)),
        (local(2026, 6, 20, 10), local(2026, 6, 22, 17)),
        # Christmas and New Year 2026-27.
        (local(2026, 12, 22, 10), local(2026, 12, 23, 10)),
        (local(2026, 12, 24, 10), local(2026, 12, 28, 17)),
        (local(2026, 12, 29, 10), local(2026, 12, 30, 10)),
        (local(2026, 12, 30, 10), local(2027, 1, 4, 17)),
        (local(2026, 12, 31, 10), local(2027, 1, 4, 17)),
        (local(2027, 1, 1, 10), local(2027, 1, 4, 17)),
        (local(2027, 1, 5, 10), local(2027, 1, 7, 17)),
        # Daylight saving starts Sun 29 Mar 2026: Monday 17:00 is CEST.
        (local(2026, 3, 26, 10), local(2026, 3, 27, 10)),
        (local(2026, 3, 27, 10), local(2026, 3, 30, 17)),
        (local(2026, 3, 28, 12), local(2026, 3, 30, 17)),
        (local(2026, 3, 29, 2, 30), local(2026, 3, 30, 17)),
        # ... and ends Sun 25 Oct 2026: Monday 17:00 is CET.
        (local(2026, 10, 23, 12), local(2026, 10, 26, 17)),
        (local(2026, 10, 25, 2, 30), local(2026, 10, 26, 17)),
    ],
)
def test_due_at_office_24h(received: datetime, due: datetime) -> None:
    assert due_at(received, OFFICE) == due


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (local(2026, 11, 17, 10), 1, local(2026, 11, 17, 11)),
        (local(2026, 11, 17, 10), 0.5, local(2026, 11, 17, 10, 30)),
        (local(2026, 11, 17, 23, 30), 1, local(2026, 11, 18, 0, 30)),
        (local(2026, 11, 20, 23, 30), 1, local(2026, 11, 23, 17)),
        (local(2026, 11, 21, 10), 1, local(2026, 11, 23, 17)),
        # An 8 h target can end after office hours; the date still counts.
        (local(2026, 11, 17, 10), 8, local(2026, 11, 17, 18)),
        (local(2026, 11, 20, 20), 8, local(2026, 11, 23, 17)),
        (local(2026, 11, 17, 10), 48, local(2026, 11, 19, 10)),
        (local(2026, 11, 19, 12), 48, local(2026, 11, 23, 17)),
        (local(2026, 11, 17, 10), 72, local(2026, 11, 20, 10)),
        (local(2026, 11, 18, 10), 72, local(2026, 11, 23, 17)),
        (local(2026, 11, 20, 10), 72, local(2026, 11, 23, 10)),
        # 72 elapsed hours over the spring change end at 11:00 local, not 10:00.
        (local(2026, 3, 27, 10), 72, local(2026, 3, 30, 11)),
        (local(2026, 10, 23, 10), 72, local(2026, 10, 26, 9)),
    ],
)
def test_due_at_custom_target(received: datetime, hours: float, due: datetime) -> None:
    assert due_at(received, office(hours)) == due


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (local(2026, 11, 21, 12), 24, local(2026, 11, 22, 12)),
        (local(2026, 12, 24, 10), 24, local(2026, 12, 25, 10)),
        (local(2026, 6, 19, 23), 1, local(2026, 6, 20, 0)),
        # 24 elapsed hours across the DST changes.
        (local(2026, 3, 28, 12), 24, local(2026, 3, 29, 13)),
        (local(2026, 10, 24, 12), 24, local(2026, 10, 25, 11)),
        (local(2026, 3, 29, 1, 30), 1, local(2026, 3, 29, 3, 30)),
        (local(2026, 11, 17, 10), 72, local(2026, 11, 20, 10)),
    ],
)
def test_due_at_round_the_clock(received: datetime, hours: float, due: datetime) -> None:
    policy = SlaPolicy(calendar_kind=CalendarKind.ROUND_THE_CLOCK, target_hours=hours)
    assert due_at(received, policy) == due


@pytest.mark.parametrize(
    ("closing", "received", "due"),
    [
        ((date(2026, 11, 18),), local(2026, 11, 17, 10), local(2026, 11, 19, 17)),
        ((date(2026, 11, 18),), local(2026, 11, 18, 9), local(2026, 11, 19, 17)),
        ((date(2026, 11, 23),), local(2026, 11, 20, 9), local(2026, 11, 24, 17)),
        ((date(2026, 11, 23),), local(2026, 11, 21, 9), local(2026, 11, 24, 17)),
        (
            (date(2026, 12, 28), date(2026, 12, 29)),
            local(2026, 12, 23, 10),
            local(2026, 12, 30, 17),
        ),
        ((date(2026, 11, 18),), local(2026, 11, 16, 10), local(2026, 11, 17, 10)),
    ],
)
def test_due_at_with_closing_days(
    closing: tuple[date, ...], received: datetime, due: datetime
) -> None:
    calendar = OfficeCalendar(closing_days=frozenset(closing))
    assert due_at(received, OFFICE, calendar) == due


def test_due_at_returns_utc_whatever_the_input_offset() -> None:
    received = datetime(2026, 11, 17, 14, tzinfo=timezone(timedelta(hours=5)))  # 10:00 local
    due = due_at(received, OFFICE)
    assert due.tzinfo is UTC
    assert due == local(2026, 11, 18, 10)
    assert due_at(local(2026, 11, 21, 12), OFFICE).tzinfo is UTC
    assert due_at(local(2026, 11, 21, 12), ALWAYS).tzinfo is UTC


def test_due_at_is_not_monotone_for_short_targets() -> None:
    # A weekend item waits for Monday 17:00, but an item sent a minute later,
    # on Monday, is due one hour after it arrived: the rules intend this.
    policy = office(1)
    assert due_at(local(2026, 11, 22, 23, 59), policy) == local(2026, 11, 23, 17)
    assert due_at(local(2026, 11, 23, 0, 0), policy) == local(2026, 11, 23, 1)


def test_due_at_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(datetime(2026, 11, 17, 10), OFFICE)


@pytest.mark.parametrize("hours", [0, -1, float("nan"), float("inf")])
def test_policy_refuses_bad_targets(hours: float) -> None:
    with pytest.raises(ValueError, match="target_hours"):
        SlaPolicy(target_hours=hours)


def test_policy_accepts_kind_as_text() -> None:
    policy = SlaPolicy(calendar_kind="24x7", target_hours=2)  # type: ignore[arg-type]
    assert policy.calendar_kind is CalendarKind.ROUND_THE_CLOCK
    assert due_at(local(2026, 11, 21, 12), policy) == local(2026, 11, 21, 14)
    with pytest.raises(ValueError, match="nightly"):
        SlaPolicy(calendar_kind="nightly")  # type: ignore[arg-type]


# --- sla_state and at_risk_from ---------------------------------------------

R = local(2026, 11, 17, 10).astimezone(UTC)
D = local(2026, 11, 18, 10).astimezone(UTC)  # a 24 h span: 25 % is 6 h


@pytest.mark.parametrize(
    ("now", "response", "state"),
    [
        (R, None, SlaState.OK),
        (R - timedelta(hours=1), None, SlaState.OK),
        (R + timedelta(hours=17, minutes=59), None, SlaState.OK),
        (R + timedelta(hours=18), None, SlaState.OK),  # exactly 25 % left
        (R + timedelta(hours=18) + US, None, SlaState.AT_RISK),
        (D - timedelta(minutes=1), None, SlaState.AT_RISK),
        (D, None, SlaState.AT_RISK),  # exactly at due: not breached yet
        (D + US, None, SlaState.BREACHED),
        (D + timedelta(days=30), None, SlaState.BREACHED),
        (R + timedelta(hours=1), R + timedelta(minutes=5), SlaState.MET),
        (D + timedelta(hours=5), D, SlaState.MET),  # answered exactly at due
        (D + timedelta(hours=5), D + US, SlaState.LATE),
        (D + timedelta(days=9), D + timedelta(days=8), SlaState.LATE),
        (R, D, SlaState.MET),  # a response is taken as given, even after now
    ],
)
def test_sla_state(now: datetime, response: datetime | None, state: SlaState) -> None:
    assert sla_state(received_at=R, due_at=D, first_response_at=response, now=now) == state


def test_sla_state_compares_instants_not_wall_clocks() -> None:
    # 02:30 happens twice on 25 Oct 2026; fold=1 is the later, CET one.
    received = local(2026, 10, 24, 2, 30)
    due = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=STOCKHOLM)
    now = datetime(2026, 10, 25, 2, 45, fold=0, tzinfo=STOCKHOLM)
    assert sla_state(received_at=received, due_at=due, first_response_at=None, now=now) == (
        SlaState.AT_RISK
    )
    late = datetime(2026, 10, 25, 2, 45, fold=1, tzinfo=STOCKHOLM)
    assert sla_state(received_at=received, due_at=due, first_response_at=late, now=late) == (
        SlaState.LATE
    )


@pytest.mark.parametrize(
    ("received", "due", "turns"),
    [
        (R, D, R + timedelta(hours=18) + US),
        (R, R + timedelta(hours=8), R + timedelta(hours=6) + US),
        (R, R + 10 * US, R + 8 * US),  # 2.5 µs margin: at risk with 2 µs left
        (R, R + 4 * US, R + 4 * US),
    ],
)
def test_at_risk_from(received: datetime, due: datetime, turns: datetime) -> None:
    found = at_risk_from(received, due)
    assert found == turns
    assert found.tzinfo is UTC
    state = sla_state(received_at=received, due_at=due, first_response_at=None, now=found)
    assert state is SlaState.AT_RISK
    if found > received:
        before = sla_state(received_at=received, due_at=due, first_response_at=None, now=found - US)
        assert before is SlaState.OK


def test_empty_span_goes_from_ok_to_breached() -> None:
    assert at_risk_from(R, R) == R + US
    assert sla_state(received_at=R, due_at=R, first_response_at=None, now=R) is SlaState.OK
    after = sla_state(received_at=R, due_at=R, first_response_at=None, now=R + US)
    assert after is SlaState.BREACHED


@pytest.mark.parametrize(
    "call",
    [
        lambda: sla_state(
            received_at=R, due_at=D, first_response_at=None, now=datetime(2026, 11, 17)
        ),
        lambda: sla_state(received_at=R, due_at=D, first_response_at=datetime(2026, 11, 17), now=D),
        lambda: at_risk_from(datetime(2026, 11, 17), D),
        lambda: time_left_words(datetime(2026, 11, 17), D),
    ],
)
def test_naive_inputs_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()  # type: ignore[operator]


# --- time_left_words ----------------------------------------------------------

NOW = datetime(2026, 11, 17, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "sv", "en"),
    [
        (timedelta(hours=2, minutes=15), "2 h 15 min kvar", "2 h 15 min left"),
        (timedelta(hours=2, minutes=15, seconds=59), "2 h 15 min kvar", "2 h 15 min left"),
        (timedelta(minutes=45), "45 min kvar", "45 min left"),
        (timedelta(minutes=59, seconds=59), "59 min kvar", "59 min left"),
        (timedelta(hours=1), "1 h kvar", "1 h left"),
        (timedelta(days=1), "1 d kvar", "1 d left"),
        (timedelta(days=2, minutes=30), "2 d kvar", "2 d left"),
        (timedelta(days=2, hours=3, minutes=10), "2 d 3 h kvar", "2 d 3 h left"),
        (timedelta(0), "< 1 min kvar", "< 1 min left"),
        (timedelta(seconds=30), "< 1 min kvar", "< 1 min left"),
        (-timedelta(seconds=30), "< 1 min försenad", "< 1 min overdue"),
        (-timedelta(hours=3), "3 h försenad", "3 h overdue"),
        (-timedelta(hours=3, minutes=5), "3 h 5 min försenad", "3 h 5 min overdue"),
        (-timedelta(minutes=45), "45 min försenad", "45 min overdue"),
        (-timedelta(days=2, hours=3), "2 d 3 h försenad", "2 d 3 h overdue"),
        (-timedelta(days=12), "12 d försenad", "12 d overdue"),
    ],
)
def test_time_left_words(delta: timedelta, sv: str, en: str) -> None:
    assert time_left_words(NOW + delta, NOW) == sv
    assert time_left_words(NOW + delta, NOW, "sv") == sv
    assert time_left_words(NOW + delta, NOW, "en") == en


@pytest.mark.parametrize(("lang", "words"), [("sv-SE", "1 h kvar"), ("en_GB", "1 h left")])
def test_time_left_words_ignores_region(lang: str, words: str) -> None:
    assert time_left_words(NOW + timedelta(hours=1), NOW, lang) == words


def test_time_left_words_refuses_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        time_left_words(NOW, NOW, "de")


def test_time_left_words_counts_elapsed_time_across_dst() -> None:
    # 01:00 CET to 04:00 CEST on 29 Mar 2026 is two hours, not three.
    assert time_left_words(local(2026, 3, 29, 4), local(2026, 3, 29, 1)) == "2 h kvar"


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
hours = st.sampled_from([0.25, 1, 2, 4, 8, 16, 24, 36, 48, 72, 120])
kinds = st.sampled_from(list(CalendarKind))


@settings(max_examples=200, deadline=None)
@given(received=instants, target=hours, kind=kinds, closing=closing_sets)
def test_due_is_after_received_and_on_a_working_day(
    received: datetime, target: float, kind: CalendarKind, closing: frozenset[date]
) -> None:
    calendar = OfficeCalendar(closing_days=closing)
    due = due_at(received, SlaPolicy(calendar_kind=kind, target_hours=target), calendar)
    assert due.tzinfo is UTC
    assert due > received
    if kind is CalendarKind.ROUND_THE_CLOCK:
        assert due - received == timedelta(hours=target)
    else:
        assert calendar.is_working_day(local_date(due))


@settings(max_examples=200, deadline=None)
@given(received=instants, target=hours)
def test_office_due_never_shortens_the_target_on_working_days(
    received: datetime, target: float
) -> None:
    # Items received on a non-working day get 17:00 of the next working day
    # whatever the target (rule 2), so this only holds for working-day arrivals.
    assume(DEFAULT_CALENDAR.is_working_day(local_date(received)))
    # Elapsed hours: adding to a Stockholm-zoned datetime would add wall-clock hours.
    elapsed = received.astimezone(UTC) + timedelta(hours=target)
    assert due_at(received, office(target)) >= elapsed


def test_non_working_day_arrivals_get_the_next_working_day_whatever_the_target() -> None:
    for target in (1, 24, 72):
        assert due_at(local(2026, 11, 21, 9), office(target)) == local(2026, 11, 23, 17)


@settings(max_examples=200, deadline=None)
@given(points=st.lists(instants, min_size=2, max_size=2), closing=closing_sets)
def test_due_at_is_monotone_for_the_24h_target(
    points: list[datetime], closing: frozenset[date]
) -> None:
    # Holds for 24 h (the default), not for every target: see the 1 h example.
    calendar = OfficeCalendar(closing_days=closing)
    early, late = sorted(points)
    assert due_at(early, OFFICE, calendar) <= due_at(late, OFFICE, calendar)


@settings(max_examples=100, deadline=None)
@given(points=st.lists(instants, min_size=2, max_size=2), target=hours)
def test_due_at_is_monotone_round_the_clock(points: list[datetime], target: float) -> None:
    policy = SlaPolicy(calendar_kind=CalendarKind.ROUND_THE_CLOCK, target_hours=target)
    early, late = sorted(points)
    assert due_at(early, policy) <= due_at(late, policy)


@settings(max_examples=200, deadline=None)
@given(received=instants, closing=closing_sets)
def test_24h_target_always_leaves_a_full_office_day(
    received: datetime, closing: frozenset[date]
) -> None:
    calendar = OfficeCalendar(closing_days=closing)
    due = due_at(received, OFFICE, calendar)
    assert calendar.office_minutes(received, due) >= 9 * 60


@settings(max_examples=100, deadline=None)
@given(received=instants, target=hours, kind=kinds)
def test_due_at_ignores_the_input_offset(
    received: datetime, target: float, kind: CalendarKind
) -> None:
    policy = SlaPolicy(calendar_kind=kind, target_hours=target)
    elsewhere = received.astimezone(timezone(timedelta(hours=-7)))
    assert due_at(elsewhere, policy) == due_at(received, policy)


@settings(max_examples=200, deadline=None)
@given(
    received=instants,
    span_us=st.integers(min_value=0, max_value=10 * 24 * 3600 * 10**6),
    offset_us=st.integers(min_value=-(10**6), max_value=11 * 24 * 3600 * 10**6),
    responded=st.none() | st.integers(min_value=0, max_value=11 * 24 * 3600 * 10**6),
)
def test_sla_state_matches_the_definition(
    received: datetime, span_us: int, offset_us: int, responded: int | None
) -> None:
    start = received.astimezone(UTC)
    due = start + timedelta(microseconds=span_us)
    now = start + timedelta(microseconds=offset_us)
    response = None if responded is None else start + timedelta(microseconds=responded)
    state = sla_state(received_at=received, due_at=due, first_response_at=response, now=now)
    if responded is not None:
        assert state is (SlaState.MET if responded <= span_us else SlaState.LATE)
    elif offset_us > span_us:
        assert state is SlaState.BREACHED
    elif 4 * (span_us - offset_us) < span_us:
        assert state is SlaState.AT_RISK
    else:
        assert state is SlaState.OK
    risky = at_risk_from(received, due)
    assert received <= risky <= due or (span_us == 0 and risky == due + US)
    if responded is None and offset_us <= span_us:
        assert (state is SlaState.AT_RISK) == (now >= risky)
