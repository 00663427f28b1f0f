"""Bulk work on items: each item through its single-item action, and the undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import bulk, item_work
from inbox.core.access import CurrentUser
from inbox.core.incoming import NewItem
from inbox.core.kinds import Resolution
from inbox.store.db import session_scope
from inbox.store.models import Correction, Event, Item
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


@pytest.fixture
def ids(engine: Engine) -> list[int]:
    made = add_items(
        engine,
        *(
            NewItem(
                page="fb", external_id=f"i{n}", received_at=NOW - timedelta(hours=1), text="tack!"
            )
            for n in range(4)
        ),
    )
    departments = ["halso_sjukvard", "halso_sjukvard", "halso_sjukvard", "kollektivtrafik"]
    with session_scope(engine) as session:
        for item_id, department in zip(made, departments, strict=True):
            item = session.get(Item, item_id)
            assert item is not None
            item.department, item.topic = department, "vard"
    return made


def _apply(engine: Engine, ids: list[int], operation: str, value: str = "") -> bulk.BulkResult:
    with session_scope(engine) as session:
        chosen = [session.get(Item, i) for i in ids]
        return bulk.apply(
            session,
            [i for i in chosen if i is not None],
            operation=operation,
            value=value,
            user=ANNA,
            now=NOW,
            departments={"halso_sjukvard", "kollektivtrafik"},
            topics={"vard", "buss"},
        )


def _items(engine: Engine, ids: list[int]) -> list[Item]:
    with Session(engine) as session:
        return [session.get(Item, i) for i in ids]  # type: ignore[misc]


def test_close_as_no_reply_needed_audits_each_item_and_skips_what_is_not_hers(
    engine: Engine, ids: list[int]
) -> None:
    with session_scope(engine) as session:
        first = session.get(Item, ids[0])
        assert first is not None
        item_work.close_item(session, first, resolution=Resolution.SPAM, actor="x", now=NOW)
    result = _apply(engine, ids, "no_reply_needed")
    assert result.changed == (ids[1], ids[2])
    assert result.unchanged == (ids[0],)  # already closed: left as it was
    assert result.not_allowed == (ids[3],)  # another department's
    states = [(i.status, i.resolution) for i in _items(engine, ids)]
    assert states == [
        ("closed", "spam"),
        ("closed", "no_reply_needed"),
        ("closed", "no_reply_needed"),
        ("open", None),
    ]
    with Session(engine) as session:
        closed = session.exec(select(Event.item_id).where(Event.kind == "closed")).all()
        assert sorted(i for i in closed if i is not None) == [ids[0], ids[1], ids[2]]
        assert session.exec(select(Event).where(Event.kind == "bulk")).one().id == result.event_id


def test_undo_within_a_minute_reverts_exactly_what_changed(engine: Engine, ids: list[int]) -> None:
    mine = ids[:3]
    result = _apply(engine, mine, "topic", "buss")
    assert result.changed == tuple(mine)
    with Session(engine) as session:
        assert len(session.exec(select(Correction)).all()) == 3
    assert result.event_id is not None
    with session_scope(engine) as session:
        reverted = bulk.undo(
            session, result.event_id, actor="anna@x.se", now=NOW + timedelta(seconds=59)
        )
    assert reverted == tuple(mine)
    assert [i.topic for i in _items(engine, mine)] == ["vard", "vard", "vard"]
    with Session(engine) as session:
        assert session.exec(select(Correction)).all() == []  # no longer a labelled example
        undone = session.exec(select(Event).where(Event.kind == "bulk_undone")).all()
        assert sorted(e.item_id for e in undone if e.item_id) == mine
    with session_scope(engine) as session, pytest.raises(bulk.UndoRefused) as twice:
        bulk.undo(session, result.event_id, actor="anna@x.se", now=NOW + timedelta(seconds=59))
    assert twice.value.reason == "done"


def test_closing_is_undone_back_to_open(engine: Engine, ids: list[int]) -> None:
    result = _apply(engine, ids[:2], "spam")
    assert result.event_id is not None
    with session_scope(engine) as session:
        bulk.undo(session, result.event_id, actor="anna@x.se", now=NOW + timedelta(seconds=10))
    assert [(i.status, i.resolution, i.closed_at) for i in _items(engine, ids[:2])] == [
        ("open", None, None),
        ("open", None, None),
    ]


def test_undo_is_refused_after_a_minute(engine: Engine, ids: list[int]) -> None:
    result = _apply(engine, ids[:2], "assign", "anna@x.se")
    assert result.event_id is not None
    with session_scope(engine) as session, pytest.raises(bulk.UndoRefused) as late:
        bulk.undo(session, result.event_id, actor="anna@x.se", now=NOW + timedelta(seconds=61))
    assert late.value.reason == "expired"
    assert [i.assignee for i in _items(engine, ids[:2])] == ["anna@x.se", "anna@x.se"]


def test_undo_is_refused_when_an_item_changed_since(engine: Engine, ids: list[int]) -> None:
    result = _apply(engine, ids[:3], "send", "kollektivtrafik")
    assert result.event_id is not None
    with session_scope(engine) as session:
        second = session.get(Item, ids[1])
        assert second is not None
        item_work.add_note(session, second, text="Ringde", actor="bo@x.se", now=NOW)
    with session_scope(engine) as session, pytest.raises(bulk.UndoRefused) as moved:
        bulk.undo(session, result.event_id, actor="anna@x.se", now=NOW + timedelta(seconds=5))
    assert moved.value.reason == "changed"
    assert moved.value.items == (ids[1],)
    assert {i.department for i in _items(engine, ids[:3])} == {"kollektivtrafik"}


def test_only_the_one_who_did_it_may_undo(engine: Engine, ids: list[int]) -> None:
    result = _apply(engine, ids[:1], "no_reply_needed")
    assert result.event_id is not None
    with session_scope(engine) as session, pytest.raises(bulk.UndoRefused) as other:
        bulk.undo(session, result.event_id, actor="bo@x.se", now=NOW)
    assert other.value.reason == "not_yours"
