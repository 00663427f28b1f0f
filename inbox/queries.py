"""Named reads. Lists come back as plain rows, never as one ORM object per item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inbox.models import Item, Page, Status
from inbox.sla import SlaState, sla_state

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]

EXPORT_COLUMNS = (
    "id",
    "external_id",
    "channel",
    "kind",
    "author",
    "received_at",
    "due_at",
    "first_response_at",
    "status",
    "resolution",
    "department",
    "topic",
    "sentiment",
    "priority",
    "post_id",
    "parent_id",
    "conversation_id",
    "text",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def export_rows(conn: Connection, *, now: datetime) -> Iterator[dict[str, Any]]:
    """Every item with its page key and SLA state at ``now``, in order of receipt."""
    c = _item.c
    query = (
        sa.select(_page.c.key.label("page"), *(c[name] for name in EXPORT_COLUMNS))
        .join(_page, _page.c.id == c.page_id)
        .order_by(c.received_at, c.id)
        .execution_options(yield_per=2000)
    )
    for row in conn.execute(query).mappings():
        state = sla_state(
            received_at=row["received_at"],
            due_at=row["due_at"],
            first_response_at=row["first_response_at"],
            now=now,
        )
        out = {
            "page": row["page"],
            "external_id": row["external_id"],
            "received_at": _iso(row["received_at"]),
            "due_at": _iso(row["due_at"]),
            "first_response_at": _iso(row["first_response_at"]),
            "sla_state": state.value,
            "resolution": row["resolution"],
        }
        out.update({k: _iso(row[k]) for k in EXPORT_COLUMNS if k not in out})
        yield out


@dataclass(frozen=True)
class QueueRow:
    id: int
    page: str
    page_name: str
    channel: str
    author: str
    text: str
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    department: str | None
    assignee: str | None
    topic: str | None
    sentiment: str | None
    state: SlaState


def open_items(conn: Connection, *, now: datetime, limit: int = 50) -> list[QueueRow]:
    """Open items, the soonest due first."""
    c = _item.c
    rows = conn.execute(
        sa.select(
            c.id,
            _page.c.key,
            _page.c.name,
            c.channel,
            c.author,
            sa.func.substr(c.text, 1, 300),
            c.received_at,
            c.due_at,
            c.first_response_at,
            c.department,
            c.assignee,
            c.topic,
            c.sentiment,
        )
        .join(_page, _page.c.id == c.page_id)
        .where(c.status == Status.OPEN.value)
        .order_by(c.due_at, c.id)
        .limit(limit)
    ).all()
    return [
        QueueRow(
            id=row[0],
            page=row[1],
            page_name=row[2],
            channel=row[3],
            author=row[4],
            text=row[5],
            received_at=row[6],
            due_at=row[7],
            first_response_at=row[8],
            department=row[9],
            assignee=row[10],
            topic=row[11],
            sentiment=row[12],
            state=sla_state(received_at=row[6], due_at=row[7], first_response_at=row[8], now=now),
        )
        for row in rows
    ]


ITEM_COLUMNS = (
    "id",
    "external_id",
    "channel",
    "kind",
    "author",
    "text",
    "post_id",
    "parent_id",
    "conversation_id",
    "received_at",
    "due_at",
    "first_response_at",
    "status",
    "resolution",
    "department",
    "topic",
    "assignee",
)


@dataclass(frozen=True)
class ItemFilter:
    page_id: int | None = None
    status: str | None = None
    sla_state: SlaState | None = None
    department: str | None = None
    topic: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None


def _item_dict(row: Any, now: datetime) -> dict[str, Any]:
    out = {name: row[name] for name in ITEM_COLUMNS}
    out["page"] = row["page"]
    out["sla_state"] = sla_state(
        received_at=row["received_at"],
        due_at=row["due_at"],
        first_response_at=row["first_response_at"],
        now=now,
    ).value
    return out


def _item_query() -> sa.Select[Any]:
    return sa.select(_page.c.key.label("page"), *(_item.c[name] for name in ITEM_COLUMNS)).join(
        _page, _page.c.id == _item.c.page_id
    )


def item_by_id(conn: Connection, item_id: int, *, now: datetime) -> dict[str, Any] | None:
    row = conn.execute(_item_query().where(_item.c.id == item_id)).mappings().first()
    return None if row is None else _item_dict(row, now)


def list_items(
    conn: Connection,
    filters: ItemFilter,
    *,
    now: datetime,
    limit: int,
    after: tuple[datetime, int] | None = None,
    scan_limit: int = 5000,
) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None]:
    """Items in order of receipt, after the keyset position ``after``.

    Returns the items and the position to continue from (None at the end). The
    SLA state depends on the clock, so it is filtered here rather than in SQL;
    at most ``scan_limit`` rows are read per call, and a short page with a
    position means "more may follow".
    """
    c = _item.c
    conditions: list[Any] = []
    if filters.page_id is not None:
        conditions.append(c.page_id == filters.page_id)
    if filters.status is not None:
        conditions.append(c.status == filters.status)
    if filters.department is not None:
        conditions.append(c.department == filters.department)
    if filters.topic is not None:
        conditions.append(c.topic == filters.topic)
    if filters.received_from is not None:
        conditions.append(c.received_at >= filters.received_from)
    if filters.received_to is not None:
        conditions.append(c.received_at < filters.received_to)
    if filters.sla_state in (SlaState.MET, SlaState.LATE):
        conditions.append(c.first_response_at.is_not(None))
    elif filters.sla_state is not None:
        conditions.append(c.first_response_at.is_(None))
    found: list[dict[str, Any]] = []
    position = after
    scanned = 0
    chunk = limit if filters.sla_state is None else max(limit, 200)
    while scanned < scan_limit:
        query = _item_query().where(*conditions)
        if position is not None:
            at, last_id = position
            query = query.where(
                sa.or_(c.received_at > at, sa.and_(c.received_at == at, c.id > last_id))
            )
        rows = conn.execute(query.order_by(c.received_at, c.id).limit(chunk)).mappings().all()
        for row in rows:
            scanned += 1
            position = (row["received_at"], row["id"])
            item = _item_dict(row, now)
            if filters.sla_state is None or item["sla_state"] == filters.sla_state.value:
                found.append(item)
                if len(found) == limit:
                    return found, position
        if len(rows) < chunk:
            return found, None
    return found, position


@dataclass(frozen=True)
class OpenEscalation:
    id: int
    item_id: int
    page: str
    text: str
    reason: str
    level: str
    person: str
    person_name: str
    created_at: datetime
    item_status: str


def open_escalations(conn: Connection, *, limit: int = 100) -> list[OpenEscalation]:
    """Escalations nobody has acknowledged yet, the oldest first (the duty view)."""
    from inbox.models import Escalation

    e = Escalation.__table__.c  # type: ignore[attr-defined]
    c = _item.c
    rows = conn.execute(
        sa.select(
            e.id,
            e.item_id,
            _page.c.key.label("page"),
            sa.func.substr(c.text, 1, 300).label("text"),
            e.reason,
            e.level,
            e.person,
            e.person_name,
            e.created_at,
            c.status.label("item_status"),
        )
        .join(_item, c.id == e.item_id)
        .join(_page, _page.c.id == c.page_id)
        .where(e.acknowledged_at.is_(None))
        .order_by(e.created_at, e.id)
        .limit(limit)
    ).all()
    return [OpenEscalation(**row._mapping) for row in rows]


def outbox_list(
    conn: Connection, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest notifications with their attempts and last error (the admin view)."""
    from inbox.models import Outbox

    o = Outbox.__table__.c  # type: ignore[attr-defined]
    query = sa.select(
        o.id,
        o.kind,
        o.recipient,
        o.subject,
        o.status,
        o.attempts,
        o.next_attempt_at,
        o.last_error,
        o.sent_at,
        o.created_at,
        o.item_id,
        o.dedup_key,
    ).order_by(o.id.desc())
    if status is not None:
        query = query.where(o.status == status)
    return [dict(row) for row in conn.execute(query.limit(limit)).mappings()]
