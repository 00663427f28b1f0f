"""Items in: new items from every channel, stored once each (idempotent on page and id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from inbox.actions.audit import ActionError, record_event
from inbox.actions.pages import policy_of
from inbox.actions.responses import response_spans
from inbox.actions.tagging import tags_for
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OfficeCalendar,
)
from inbox.core.incoming import NewItem
from inbox.core.kinds import Status
from inbox.core.rules.tagging import Rules
from inbox.core.sla import at_risk_from, due_at, sla_state
from inbox.core.tagging import TAG_COLUMNS
from inbox.store.db import bulk_rows, insert_ignoring_duplicates, insert_new_rows
from inbox.store.models import Item, Page

_item = Item.__table__  # type: ignore[attr-defined]


_INGEST_COLUMNS = (
    "page_id",
    "external_id",
    "channel",
    "kind",
    "author",
    "author_id",
    "text",
    "post_id",
    "parent_id",
    "conversation_id",
    "received_at",
    "ingested_at",
    "due_at",
    "first_response_at",
    "response_minutes",
    "response_office_minutes",
    "status",
    "resolution",
    "closed_at",
    "sla_state",
    "at_risk_at",
    "urgency",
    *TAG_COLUMNS,
)


@dataclass
class IngestResult:
    inserted_ids: list[int] = field(default_factory=list)
    skipped: int = 0

    @property
    def inserted(self) -> int:
        return len(self.inserted_ids)


def ingest_items(
    session: Session,
    items: Sequence[NewItem],
    *,
    pages: dict[str, Page],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> IngestResult:
    """Store new items, keyed on (page, external id); repeats are skipped, not doubled.

    Built for bulk (imports and webhook backlogs): rows go in as plain tuples in
    one statement per batch, never as ORM objects. With ``rules`` each item is
    tagged and routed on the way in; without, ``tag_untagged`` does it later.
    """
    rows = item_rows(items, pages=pages, now=now, calendar=calendar, rules=rules)
    return store_item_rows(session, rows)


def item_rows(
    items: Sequence[NewItem],
    *,
    pages: dict[str, Page],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> list[tuple[Any, ...]]:
    """The database rows of new items (due time, SLA state, tags): pure computation,
    so a bulk import can prepare the next batch while the last one is written."""
    rows: list[tuple[Any, ...]] = []
    policies = {key: policy_of(page) for key, page in pages.items()}
    # An enum member's .value is a descriptor call: the statuses' are looked up once,
    # the SLA state's read as its _value_.
    closed_status, open_status = Status.CLOSED.value, Status.OPEN.value
    for new in items:
        page = pages[new.page]
        first = new.first_response_at
        minutes = office = None
        if first is not None:
            minutes, office = response_spans(new.received_at, first, calendar)
        closed = new.resolution is not None or first is not None
        due = due_at(new.received_at, policies[new.page], calendar)
        # The state at ingest is where the item starts, not a transition: an old
        # item backfilled already overdue must not wake anybody.
        state = sla_state(received_at=new.received_at, due_at=due, first_response_at=first, now=now)
        rows.append(
            (
                page.id,
                new.external_id,
                new.channel or page.channel,
                new.kind,
                new.author,
                new.author_id,
                new.text,
                new.post_id,
                new.parent_id,
                new.conversation_id,
                new.received_at,
                now,
                due,
                first,
                minutes,
                office,
                closed_status if closed else open_status,
                new.resolution,
                now if closed else None,
                state._value_,
                at_risk_from(new.received_at, due),
                # Open items wait for the urgent policy's assessment by the sweep.
                "none" if closed else None,
                *tags_for(new, page, rules),
            )
        )
    return rows


def store_item_rows(session: Session, rows: Sequence[Sequence[Any]]) -> IngestResult:
    """Insert rows made by ``item_rows``; those already stored (same page and
    external id) are skipped."""
    result = IngestResult()
    if rows:
        result.inserted_ids = insert_ignoring_duplicates(
            session.connection(), _item, _INGEST_COLUMNS, rows
        )
    result.skipped = len(rows) - result.inserted
    return result


_ITEM_KEY = ("page_id", "external_id")


def store_new_item_rows(session: Session, rows: Sequence[Sequence[Any]]) -> int:
    """Bulk insert of rows from ``bulk_item_rows``, no two with the same page and
    external id; those already stored are skipped. Returns how many were inserted."""
    return insert_new_rows(session.connection(), _item, _INGEST_COLUMNS, rows, unique=_ITEM_KEY)


def bulk_item_rows(dialect: str, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Rows of ``item_rows`` encoded for ``store_new_item_rows`` (needs no database, so
    it can run in another process); ``row[0]`` is the page id, to fill in if None."""
    return bulk_rows(dialect, _item, _INGEST_COLUMNS, rows, _ITEM_KEY)


def ingest_one(
    session: Session,
    new: NewItem,
    *,
    page: Page,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> tuple[Item, bool]:
    """Store one item, or find the one already stored under its page and external id.

    Returns the item and whether it was created now; a repeat changes nothing.
    """
    result = ingest_items(
        session, [new], pages={new.page: page}, now=now, calendar=calendar, rules=rules
    )
    if result.inserted_ids:
        item = session.get(Item, result.inserted_ids[0])
        created = True
        record_event(
            session,
            actor=actor,
            kind="item_received",
            now=now,
            item_id=result.inserted_ids[0],
            channel=new.channel or page.channel,
        )
    else:
        item = session.exec(
            select(Item).where(Item.page_id == page.id, Item.external_id == new.external_id)
        ).first()
        created = False
    if item is None:  # pragma: no cover - the row was just inserted or found by its key
        raise ActionError(f"item {new.external_id!r} vanished while being stored")
    return item, created
