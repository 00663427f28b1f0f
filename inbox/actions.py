"""Every write to the database, each with its audit event.

Functions take the clock (``now``) and the actor as arguments; nothing here
reads the time itself, so tests and backfills can move it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.db import insert_ignoring_duplicates
from inbox.ingest.shape import NewItem
from inbox.models import Channel, Event, Item, Page, Resolution, Response, Status
from inbox.sla import CalendarKind, SlaPolicy, due_at

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
    "priority",
)


class ActionError(ValueError):
    """A write that was refused, with a message fit for the person who asked."""


def record_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    now: datetime,
    item_id: int | None = None,
    **data: Any,
) -> Event:
    event = Event(item_id=item_id, actor=actor, kind=kind, at=now, data=data)
    session.add(event)
    return event


def policy_of(page: Page) -> SlaPolicy:
    return SlaPolicy(calendar_kind=CalendarKind(page.calendar), target_hours=page.target_hours)


def add_page(
    session: Session,
    *,
    key: str,
    name: str | None = None,
    channel: str = Channel.FACEBOOK.value,
    calendar: str = CalendarKind.OFFICE.value,
    target_hours: float = 24.0,
    platform_id: str | None = None,
    actor: str,
    now: datetime,
) -> Page:
    key = key.strip()
    if not key or len(key) > 64 or any(ch.isspace() for ch in key):
        raise ActionError(f"invalid page key {key!r}: 1-64 characters, no spaces")
    if channel not in {c.value for c in Channel}:
        raise ActionError(f"unknown channel {channel!r}")
    if calendar not in {c.value for c in CalendarKind}:
        raise ActionError(f"unknown calendar {calendar!r}: office or 24x7")
    if not 0 < target_hours <= 24 * 90:
        raise ActionError(f"target hours must be between 0 and 2160, not {target_hours}")
    if session.exec(select(Page).where(Page.key == key)).first() is not None:
        raise ActionError(f"page {key!r} already exists")
    page = Page(
        key=key,
        name=name or key,
        channel=channel,
        calendar=calendar,
        target_hours=target_hours,
        platform_id=platform_id,
        created_at=now,
    )
    session.add(page)
    session.flush()
    record_event(session, actor=actor, kind="page_added", now=now, page=key)
    return page


def response_spans(
    received_at: datetime, first_response_at: datetime, calendar: OfficeCalendar
) -> tuple[float, float]:
    """Wall-clock and office minutes from receipt to first response."""
    minutes = (first_response_at - received_at).total_seconds() / 60
    return minutes, calendar.office_minutes(received_at, first_response_at)


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
) -> IngestResult:
    """Store new items, keyed on (page, external id); repeats are skipped, not doubled.

    Built for bulk (imports and webhook backlogs): rows go in as plain dicts in
    one statement per batch, never as ORM objects.
    """
    rows: list[tuple[Any, ...]] = []
    policies = {key: policy_of(page) for key, page in pages.items()}
    for new in items:
        page = pages[new.page]
        first = new.first_response_at
        minutes = office = None
        if first is not None:
            minutes, office = response_spans(new.received_at, first, calendar)
        closed = new.resolution is not None or first is not None
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
                due_at(new.received_at, policies[new.page], calendar),
                first,
                minutes,
                office,
                Status.CLOSED.value if closed else Status.OPEN.value,
                new.resolution,
                now if closed else None,
                "normal",
            )
        )
    result = IngestResult()
    if rows:
        result.inserted_ids = insert_ignoring_duplicates(
            session.connection(), _item, _INGEST_COLUMNS, rows
        )
    result.skipped = len(rows) - result.inserted
    return result


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ActionError(f"no item with id {item_id}")
    return item


def record_response(
    session: Session,
    item: Item,
    *,
    author: str,
    text: str,
    sent_at: datetime,
    source: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    external_id: str | None = None,
) -> Response:
    """Store a response; the earliest one sets the item's first response."""
    if sent_at < item.received_at:
        raise ActionError("a response cannot be earlier than the item it answers")
    response = Response(
        item_id=item.id or 0,
        author=author,
        text=text,
        sent_at=sent_at,
        source=source,
        external_id=external_id,
    )
    session.add(response)
    if item.first_response_at is None or sent_at < item.first_response_at:
        item.first_response_at = sent_at
        item.response_minutes, item.response_office_minutes = response_spans(
            item.received_at, sent_at, calendar
        )
        session.add(item)
    record_event(
        session,
        actor=author,
        kind=f"response_{source}",
        now=now,
        item_id=item.id,
        sent_at=sent_at.isoformat(),
    )
    return response


def close_item(
    session: Session, item: Item, *, resolution: Resolution, actor: str, now: datetime
) -> Item:
    if item.status == Status.CLOSED.value:
        raise ActionError("the item is already closed")
    item.status = Status.CLOSED.value
    item.resolution = resolution.value
    item.closed_at = now
    session.add(item)
    record_event(
        session, actor=actor, kind="closed", now=now, item_id=item.id, resolution=resolution.value
    )
    return item


def ensure_pages(
    session: Session, keys: set[str], *, actor: str, now: datetime
) -> tuple[dict[str, Page], list[str]]:
    """Pages by key, creating unknown keys with default settings; returns the new keys too."""
    existing = {p.key: p for p in session.exec(select(Page).where(col(Page.key).in_(keys)))}
    created = []
    for key in sorted(keys - set(existing)):
        existing[key] = add_page(session, key=key, actor=actor, now=now)
        created.append(key)
    return existing, created


def process_deliveries(
    engine: Engine,
    *,
    now: datetime,
    limit: int = 500,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> int:
    """Turn up to ``limit`` pending webhook deliveries into items (see ``inbox.deliveries``)."""
    from inbox.deliveries import process_deliveries as process

    return process(engine, now=now, limit=limit, calendar=calendar)
