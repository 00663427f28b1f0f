"""The queue's named reads: its order, its scope and its faceted counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from inbox.core.access import CurrentUser
from inbox.core.incoming import NewItem
from inbox.core.queue_filters import MINE_DEPARTMENTS, QueueFilters
from inbox.store.db import session_scope
from inbox.store.models import Item
from inbox.store.queries import duty_items, queue_counts, queue_items
from tests.factories import NOW, add_items

ANNA = CurrentUser(
    id=1,
    email="anna@x.se",
    name="Anna",
    role="communicator",
    departments=("halso_sjukvard",),
    duty=False,
    language=None,
)
CHEF = CurrentUser(
    id=2,
    email="chef@x.se",
    name="Chef",
    role="supervisor",
    departments=(),
    duty=False,
    language=None,
)


def _items(engine: Engine, *specs: tuple[str, float, dict[str, object]]) -> dict[str, int]:
    """Items by name: (name, hours before NOW received, column values)."""
    ids = add_items(
        engine,
        *(
            NewItem(page="fb", external_id=name, received_at=NOW - timedelta(hours=h), text=name)
            for name, h, _ in specs
        ),
    )
    with session_scope(engine) as session:
        for item_id, (_, _, values) in zip(ids, specs, strict=True):
            item = session.get(Item, item_id)
            assert item is not None
            for key, value in values.items():
                setattr(item, key, value)
    return {name: item_id for (name, _, _), item_id in zip(specs, ids, strict=True)}


def _texts(engine: Engine, filters: QueueFilters, user: CurrentUser, **kw: int) -> list[str]:
    with engine.connect() as conn:
        return [e.text for e in queue_items(conn, filters=filters, user=user, now=NOW, **kw)]


def test_unanswered_items_come_before_acknowledged_ones_the_most_overdue_first(
    engine: Engine,
) -> None:
    # NOW is Monday 23 Nov 13:00 local. Acknowledged on Wednesday: due earliest, but
    # it has had its first response; Thursday's item is overdue, Monday's are not.
    _items(
        engine,
        ("acknowledged", 120, {"first_response_at": NOW - timedelta(hours=119)}),
        ("overdue", 96, {}),
        ("due soon", 3, {}),
        ("fresh", 1, {}),
    )
    assert _texts(engine, QueueFilters(), CHEF) == ["overdue", "due soon", "fresh", "acknowledged"]
    # Paged: the order continues across the boundary between the two parts.
    pages = [_texts(engine, QueueFilters(offset=o), CHEF, limit=2) for o in (0, 2, 4)]
    assert pages == [["overdue", "due soon"], ["fresh", "acknowledged"], []]
    assert _texts(engine, QueueFilters(offset=3), CHEF, limit=2) == ["acknowledged"]


def test_the_duty_view_also_puts_unanswered_urgent_items_first(engine: Engine) -> None:
    urgent = {"priority": "urgent"}
    _items(
        engine,
        ("acknowledged", 120, {**urgent, "first_response_at": NOW - timedelta(hours=119)}),
        ("overdue", 96, urgent),
        ("not urgent", 100, {}),
        ("fresh", 1, urgent),
    )
    with engine.connect() as conn:
        rows = duty_items(conn, user=CHEF, now=NOW)
    assert [e.text for e in rows] == ["overdue", "fresh", "acknowledged"]


def test_my_departments_include_what_is_assigned_to_me_elsewhere(engine: Engine) -> None:
    _items(
        engine,
        ("mine by department", 2, {"department": "halso_sjukvard"}),
        ("assigned to me", 3, {"department": "kollektivtrafik", "assignee": "anna@x.se"}),
        ("someone else's", 4, {"department": "kollektivtrafik"}),
    )
    mine = QueueFilters(department=MINE_DEPARTMENTS)
    assert sorted(_texts(engine, mine, ANNA)) == ["assigned to me", "mine by department"]
    assigned = QueueFilters(department=MINE_DEPARTMENTS, mine=True)
    assert _texts(engine, assigned, ANNA) == ["assigned to me"]
    with engine.connect() as conn:
        counts = queue_counts(conn, user=ANNA, now=NOW, filters=mine)
    assert counts.mine == 1
    assert counts.my_departments == 2
    assert counts.total == 2


@pytest.fixture
def facets(engine: Engine) -> dict[str, int]:
    return _items(
        engine,
        ("a", 2, {"department": "kultur", "topic": "buss", "sentiment": "negative"}),
        ("b", 3, {"department": "kultur", "topic": "vard", "sentiment": "positive"}),
        ("c", 4, {"department": "kollektivtrafik", "topic": "buss", "sentiment": "negative"}),
        ("d", 96, {"department": "kollektivtrafik", "topic": "buss", "sentiment": "neutral"}),
    )


def test_each_facet_counts_with_the_other_filters_but_not_its_own(
    engine: Engine, facets: dict[str, int]
) -> None:
    filters = QueueFilters(department="kultur", topic="buss")
    with engine.connect() as conn:
        counts = queue_counts(conn, user=CHEF, now=NOW, filters=filters)
        shown = queue_items(conn, filters=filters, user=CHEF, now=NOW)
    assert [e.text for e in shown] == ["a"]
    assert counts.total == 1
    # Departments with topic=buss: kultur a, kollektivtrafik c and d.
    assert counts.departments == {"kultur": 1, "kollektivtrafik": 2}
    assert counts.totals["department"] == 3
    # Topics within kultur: buss a, vard b.
    assert counts.topics == {"buss": 1, "vard": 1}
    assert counts.totals["topic"] == 2
    # Sentiment and SLA follow both filters.
    assert counts.sentiments == {"negative": 1}
    assert counts.sla == {"ok": 1}
    assert counts.pages == {"fb": 1}


def test_counts_follow_the_sla_filter_and_the_search(
    engine: Engine, facets: dict[str, int]
) -> None:
    with engine.connect() as conn:
        breached = queue_counts(conn, user=CHEF, now=NOW, filters=QueueFilters(sla="breached"))
        searched = queue_counts(conn, user=CHEF, now=NOW, filters=QueueFilters(q="b"))
    assert breached.departments == {"kollektivtrafik": 1}  # only d (Thursday's) is overdue
    assert breached.sla == {"ok": 3, "breached": 1}  # its own filter not applied
    assert searched.total == 1
    assert searched.departments == {"kultur": 1}
