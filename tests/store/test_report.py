"""The SQL report against the reference definition in ``inbox.core.metrics``."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from inbox.core.calendar import DEFAULT_CALENDAR
from inbox.core.incoming import NewItem
from inbox.core.metrics import METRIC_NAMES, Metrics, Record, compute
from inbox.core.sla import SlaPolicy, due_at
from inbox.core.timeutil import local_midnight
from inbox.store.report import build_report
from tests.factories import add_items, make_page

UTC_ = UTC


def _close(a: Metrics, b: Metrics) -> None:
    for name in METRIC_NAMES:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float):
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (name, x, y)
        else:
            assert x == y, (name, x, y)


def _random_items(rng: random.Random, n: int) -> list[NewItem]:
    items = []
    base = datetime(2026, 9, 1, tzinfo=UTC)
    for i in range(n):
        received = base + timedelta(minutes=rng.randrange(60 * 24 * 80))
        first = None
        if rng.random() < 0.75:
            first = received + timedelta(
                minutes=rng.lognormvariate(5, 1.5), seconds=rng.randrange(60)
            )
        resolution = rng.choice([None, None, "answered", "no_reply_needed", "spam", "removed"])
        items.append(
            NewItem(
                page=rng.choice(["fb", "ig", "mail"]),
                external_id=str(i),
                received_at=received,
                text="x",
                first_response_at=first,
                resolution=resolution,
            )
        )
    return items


def _reference(
    items: list[NewItem], start: date, end: date, as_of: datetime
) -> tuple[dict[str, Metrics], Metrics]:
    policy = SlaPolicy()
    records = [
        Record(
            page=i.page,
            received_at=i.received_at,
            due_at=due_at(i.received_at, policy),
            first_response_at=i.first_response_at,
            resolution=i.resolution,
            office_minutes=(
                DEFAULT_CALENDAR.office_minutes(i.received_at, i.first_response_at)
                if i.first_response_at
                else None
            ),
        )
        for i in items
    ]
    return compute(records, start=local_midnight(start), end=local_midnight(end), as_of=as_of)


@pytest.mark.parametrize(
    ("start", "end", "as_of"),
    [
        (date(2026, 9, 1), date(2026, 11, 20), datetime(2026, 12, 1, tzinfo=UTC)),
        (date(2026, 10, 1), date(2026, 10, 29), datetime(2026, 10, 20, 13, 5, tzinfo=UTC)),
        (date(2026, 10, 25), date(2026, 10, 26), datetime(2026, 10, 30, tzinfo=UTC)),
        (date(2026, 9, 7), date(2026, 9, 14), datetime(2026, 9, 9, 9, 0, tzinfo=UTC)),
    ],
)
def test_sql_report_matches_reference(
    engine: Engine, start: date, end: date, as_of: datetime
) -> None:
    items = _random_items(random.Random(7), 1500)
    for key in ("fb", "ig", "mail"):
        make_page(engine, key)
    add_items(engine, *items)
    pages, total = _reference(items, start, end, as_of)
    with engine.connect() as conn:
        report = build_report(conn, start=start, end=end, as_of=as_of)
    assert set(report.pages) == {"fb", "ig", "mail"}
    for key, expected in pages.items():
        _close(report.pages[key], expected)
    _close(report.total, total)
    assert report.total.received > 0


def _item(
    ext: str, received: str, first: str | None = None, resolution: str | None = None
) -> NewItem:
    return NewItem(
        page="fb",
        external_id=ext,
        received_at=datetime.fromisoformat(received),
        text="t",
        first_response_at=datetime.fromisoformat(first) if first else None,
        resolution=resolution,
    )


def test_hand_computed_figures(engine: Engine) -> None:
    """A small inbox whose every figure is worked out by hand from the spec."""
    make_page(engine, "fb")
    add_items(
        engine,
        # Tue 10:00, answered after 30 min: within target.
        _item("a", "2026-11-17T10:00:00+01:00", "2026-11-17T10:30:00+01:00"),
        # Tue 11:00, answered after 90 min.
        _item("b", "2026-11-17T11:00:00+01:00", "2026-11-17T12:30:00+01:00"),
        # Fri 09:00 (due Mon 17:00), answered Mon 16:00: 3 days 7 h, still within target.
        _item("c", "2026-11-20T09:00:00+01:00", "2026-11-23T16:00:00+01:00"),
        # Tue 12:00 (due Wed 12:00), answered Wed 13:00: late, breached.
        _item("d", "2026-11-17T12:00:00+01:00", "2026-11-18T13:00:00+01:00"),
        # Thanks, closed as no reply needed: excluded.
        _item("e", "2026-11-18T09:00:00+01:00", resolution="no_reply_needed"),
        # Spam that was nonetheless answered: not excluded, counted as responded.
        _item("f", "2026-11-18T09:00:00+01:00", "2026-11-18T09:10:00+01:00", "spam"),
        # Unanswered, due Thu 19 Nov 10:00, as_of later: breached.
        _item("g", "2026-11-18T10:00:00+01:00"),
        # Unanswered, not yet due at as_of.
        _item("h", "2026-11-23T10:00:00+01:00"),
        # Outside the window.
        _item("i", "2026-11-30T10:00:00+01:00"),
    )
    as_of = datetime.fromisoformat("2026-11-23T17:00:00+01:00")
    with engine.connect() as conn:
        r = build_report(conn, start=date(2026, 11, 16), end=date(2026, 11, 30), as_of=as_of)
    m = r.pages["fb"]
    assert (m.received, m.excluded, m.requiring_response, m.responded) == (8, 1, 7, 5)
    assert m.response_rate == pytest.approx(5 / 7)
    spans = sorted([30, 90, 3 * 1440 + 7 * 60, 25 * 60, 10])
    assert m.median_response_minutes == 90
    assert m.mean_response_minutes == pytest.approx(sum(spans) / 5)
    # Office minutes: 30, 90, (Fri 8h + Mon 8h = 960), (Tue 5h + Wed 5h = 600), 10.
    assert m.median_office_minutes == 90
    assert (m.within_target, m.breached) == (4, 2)
    assert m.within_target_rate == pytest.approx(4 / 7)
    assert r.total == m


def test_responses_after_as_of_do_not_count(engine: Engine) -> None:
    make_page(engine, "fb")
    add_items(engine, _item("a", "2026-11-17T10:00:00+01:00", "2026-11-18T12:00:00+01:00"))
    with engine.connect() as conn:
        before = build_report(
            conn,
            start=date(2026, 11, 17),
            end=date(2026, 11, 18),
            as_of=datetime.fromisoformat("2026-11-18T11:00:00+01:00"),
        )
    m = before.total
    assert (m.responded, m.breached, m.median_response_minutes) == (1 - 1, 1, None)
    assert m.response_rate == 0.0


def test_even_count_median_is_mean_of_middle_two(engine: Engine) -> None:
    make_page(engine, "fb")
    add_items(
        engine,
        *(
            _item(str(n), "2026-11-17T10:00:00+01:00", f"2026-11-17T10:{mins:02d}:00+01:00")
            for n, mins in enumerate([5, 10, 20, 50])
        ),
    )
    with engine.connect() as conn:
        r = build_report(
            conn,
            start=date(2026, 11, 17),
            end=date(2026, 11, 18),
            as_of=datetime(2027, 1, 1, tzinfo=UTC),
        )
    assert r.total.median_response_minutes == 15
    assert r.total.mean_response_minutes == pytest.approx(21.25)


def test_empty_window_gives_nulls(engine: Engine) -> None:
    make_page(engine, "fb")
    with engine.connect() as conn:
        r = build_report(
            conn,
            start=date(2026, 1, 1),
            end=date(2026, 2, 1),
            as_of=datetime(2027, 1, 1, tzinfo=UTC),
        )
    assert r.total.received == 0
    assert r.total.response_rate is None
    assert r.total.median_response_minutes is None
    assert r.pages["fb"].within_target_rate is None


def test_unknown_page_and_bad_window_are_refused(engine: Engine) -> None:
    make_page(engine, "fb")
    with engine.connect() as conn:
        with pytest.raises(LookupError, match="nope"):
            build_report(
                conn,
                start=date(2026, 1, 1),
                end=date(2026, 2, 1),
                as_of=datetime(2027, 1, 1, tzinfo=UTC),
                page_keys=["nope"],
            )
        with pytest.raises(ValueError, match="after"):
            build_report(
                conn,
                start=date(2026, 2, 1),
                end=date(2026, 2, 1),
                as_of=datetime(2027, 1, 1, tzinfo=UTC),
            )


def test_breakdowns_match_the_reference_for_every_grouping(engine: Engine) -> None:
    import sqlalchemy as sa

    from inbox.core.calendar import local_date
    from inbox.store.models import Item
    from inbox.store.report import build_breakdowns, week_starts

    rng = random.Random(11)
    items = _random_items(rng, 1200)
    for key in ("fb", "ig", "mail"):
        make_page(engine, key)
    ids = add_items(engine, *items)
    labels = {
        "department": ["halso_sjukvard", "kollektivtrafik", None],
        "first_responder": ["anna@x.se", "bo@x.se", None],
        "topic": ["vard", "buss", "avgifter", None],
        "sentiment": ["positive", "neutral", "negative", None],
    }
    given: dict[int, dict[str, str | None]] = {}
    with engine.begin() as conn:
        for item_id in ids:
            values = {name: rng.choice(choices) for name, choices in labels.items()}
            given[item_id] = values
            conn.execute(sa.update(Item).where(Item.id == item_id).values(**values))
    start, end = date(2026, 9, 20), date(2026, 11, 2)
    as_of = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    mondays = week_starts(start, end)
    with engine.connect() as conn:
        found = build_breakdowns(conn, start=start, end=end, as_of=as_of)

    def week_of(item: NewItem) -> str:
        day = local_date(item.received_at)  # outside the window: dropped by the reference
        return str(max((m for m in mondays if m <= day), default="before"))

    groupings = {
        "department": (found.department, lambda i, v: v["department"]),
        "person": (found.person, lambda i, v: v["first_responder"]),
        "topic": (found.topic, lambda i, v: v["topic"]),
        "sentiment": (found.sentiment, lambda i, v: v["sentiment"]),
        "week": (
            {str(monday): m for monday, m in found.weeks if m.received},
            lambda i, v: week_of(i),
        ),
    }
    for name, (got, key_of) in groupings.items():
        relabelled = [
            NewItem(
                page=str(key_of(item, given[item_id])),
                external_id=item.external_id,
                received_at=item.received_at,
                text=item.text,
                first_response_at=item.first_response_at,
                resolution=item.resolution,
            )
            for item, item_id in zip(items, ids, strict=True)
        ]
        expected, _total = _reference(relabelled, start, end, as_of)
        assert {str(k) for k in got} == set(expected), name
        for key, metrics in got.items():
            _close(metrics, expected[str(key)])
