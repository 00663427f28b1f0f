"""Named reads. Lists come back as plain rows, never as one ORM object per item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inbox.access import URGENT_FLAGS, URGENT_PRIORITIES, CurrentUser
from inbox.models import Item, Page, Status
from inbox.queue_filters import MINE_DEPARTMENTS, PAGE_SIZE, QueueFilters
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


# --- The queue, item pages and the duty view ------------------------------------------------


def _at_risk_from(conn: Connection) -> Any:
    """SQL for ``sla.at_risk_from``: due minus a quarter of the span."""
    if conn.dialect.name == "sqlite":
        # Integer microseconds: the same margin as sla.at_risk_from, exactly.
        text = "(item.due_at - (item.due_at - item.received_at - 1) / 4)"
    else:
        text = "(item.due_at - (item.due_at - item.received_at) / 4)"
    return sa.literal_column(text, type_=_item.c.due_at.type)


def _scope(user: CurrentUser, departments: tuple[str, ...] | None) -> Any:
    """The rows a user may see in lists (see ``inbox.access.may_handle``)."""
    c = _item.c
    if departments is None:
        if user.sees_all:
            return sa.true()
        departments = user.departments
    allowed = sa.or_(
        c.department.in_(list(departments)),
        c.department.is_(None),
        c.assignee == user.email,
    )
    if user.duty and not user.sees_all:
        allowed = sa.or_(allowed, _urgent())
    return allowed


def _urgent() -> Any:
    c = _item.c
    return sa.or_(
        c.priority.in_(list(URGENT_PRIORITIES)),
        *(c.flags.like(f"% {flag} %") for flag in URGENT_FLAGS),
    )


@dataclass(frozen=True)
class QueueEntry:
    id: int
    page: str
    page_name: str
    channel: str
    kind: str
    author: str
    text: str
    received_at: datetime
    due_at: datetime
    first_response_at: datetime | None
    department: str | None
    assignee: str | None
    topic: str | None
    sentiment: str | None
    priority: str
    flags: str
    pii_spans: list[Any]
    status: str
    resolution: str | None
    state: SlaState


_QUEUE_COLUMNS = (
    "id",
    "channel",
    "kind",
    "author",
    "received_at",
    "due_at",
    "first_response_at",
    "department",
    "assignee",
    "topic",
    "sentiment",
    "priority",
    "flags",
    "status",
    "resolution",
)


def _entries(conn: Connection, query: Any, now: datetime) -> list[QueueEntry]:
    out = []
    for row in conn.execute(query).mappings():
        spans = (row["classification"] or {}).get("pii_spans") or []
        out.append(
            QueueEntry(
                page=row["page_key"],
                page_name=row["page_name"],
                text=row["text"] or "",
                pii_spans=spans if isinstance(spans, list) else [],
                state=sla_state(
                    received_at=row["received_at"],
                    due_at=row["due_at"],
                    first_response_at=row["first_response_at"],
                    now=now,
                ),
                **{k: row[k] for k in _QUEUE_COLUMNS},
            )
        )
    return out


def _entry_select() -> Any:
    c = _item.c
    return sa.select(
        *(c[k] for k in _QUEUE_COLUMNS),
        c.text,
        c.classification,
        _page.c.key.label("page_key"),
        _page.c.name.label("page_name"),
    ).join(_page, _page.c.id == c.page_id)


def queue_items(
    conn: Connection,
    *,
    filters: QueueFilters,
    user: CurrentUser,
    now: datetime,
    limit: int = PAGE_SIZE,
) -> list[QueueEntry]:
    """One page of the queue, the soonest due first (closed: the latest due first)."""
    c = _item.c
    query = _entry_select().where(*_filter_conditions(conn, filters, user, now))
    if filters.status == "closed":
        query = query.order_by(c.due_at.desc(), c.id.desc())
    else:
        query = query.order_by(c.due_at, c.id)
    return _entries(conn, query.limit(limit).offset(filters.offset), now)


def _departments_of(filters: QueueFilters, user: CurrentUser) -> tuple[str, ...] | None:
    if filters.department == MINE_DEPARTMENTS:
        return user.departments
    if filters.department:
        return (filters.department,)
    return None


def _filter_conditions(
    conn: Connection, filters: QueueFilters, user: CurrentUser, now: datetime
) -> list[Any]:
    c = _item.c
    now_param = sa.bindparam("now", now, type_=c.due_at.type)
    conds: list[Any] = [c.status == filters.status, _scope(user, None)]
    departments = _departments_of(filters, user)
    if departments is not None:
        conds.append(c.department.in_(list(departments)))
    if filters.page:
        conds.append(_page.c.key == filters.page)
    if filters.topic:
        conds.append(c.topic == filters.topic)
    if filters.sentiment:
        conds.append(c.sentiment == filters.sentiment)
    if filters.mine:
        conds.append(c.assignee == user.email)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        conds.append(
            sa.or_(
                c.text.ilike(pattern, escape="\\"),
                c.author.ilike(pattern, escape="\\"),
            )
        )
    unanswered = c.first_response_at.is_(None)
    if filters.sla == "answered":
        conds.append(sa.not_(unanswered))
    elif filters.sla == "breached":
        conds.extend([unanswered, c.due_at < now_param])
    elif filters.sla == "at_risk":
        conds.extend([unanswered, c.due_at >= now_param, _at_risk_from(conn) <= now_param])
    elif filters.sla == "ok":
        conds.extend([unanswered, _at_risk_from(conn) > now_param])
    return conds


@dataclass(frozen=True)
class FacetCounts:
    total: int
    pages: dict[str, int]
    departments: dict[str | None, int]
    topics: dict[str | None, int]
    sentiments: dict[str | None, int]
    sla: dict[str, int]
    mine: int


def queue_counts(conn: Connection, *, user: CurrentUser, now: datetime) -> FacetCounts:
    """Open items in the user's scope, counted per filter value in one grouped scan.

    Reads only the covering index ``ix_item_open_facets``, never the rows.
    """
    c = _item.c
    now_param = sa.bindparam("now", now, type_=c.due_at.type)
    unanswered = c.first_response_at.is_(None)
    sla = sa.case(
        (sa.not_(unanswered), "answered"),
        (c.due_at < now_param, "breached"),
        (_at_risk_from(conn) <= now_param, "at_risk"),
        else_="ok",
    ).label("sla")
    mine = sa.case((c.assignee == user.email, 1), else_=0)
    rows = conn.execute(
        sa.select(
            c.page_id, c.department, c.topic, c.sentiment, sla, sa.func.count(), sa.func.sum(mine)
        )
        .where(c.status == "open", _scope(user, None))
        .group_by(c.page_id, c.department, c.topic, c.sentiment, sla)
    ).all()
    keys: dict[int, str] = {r[0]: r[1] for r in conn.execute(sa.select(_page.c.id, _page.c.key))}
    pages: dict[str, int] = {}
    departments: dict[str | None, int] = {}
    topics: dict[str | None, int] = {}
    sentiments: dict[str | None, int] = {}
    states: dict[str, int] = {}
    total = mine_total = 0
    for page_id, department, topic, sentiment, state, count, mine_count in rows:
        total += count
        mine_total += int(mine_count or 0)
        key = keys.get(page_id, "?")
        pages[key] = pages.get(key, 0) + count
        departments[department] = departments.get(department, 0) + count
        topics[topic] = topics.get(topic, 0) + count
        sentiments[sentiment] = sentiments.get(sentiment, 0) + count
        states[state] = states.get(state, 0) + count
    return FacetCounts(total, pages, departments, topics, sentiments, states, mine_total)


def duty_items(
    conn: Connection, *, user: CurrentUser, now: datetime, limit: int = 100
) -> list[QueueEntry]:
    """Open urgent items: high or urgent priority, or flagged as threat or offensive."""
    c = _item.c
    query = (
        _entry_select()
        .where(c.status == "open", _urgent(), _scope(user, None))
        .order_by(c.due_at, c.id)
        .limit(limit)
    )
    return _entries(conn, query, now)


def thread_items(
    conn: Connection, item: Item, *, now: datetime, limit: int = 50
) -> list[QueueEntry]:
    """Other items around this one: the same post, the same conversation, the parent."""
    c = _item.c
    around = []
    if item.post_id:
        around.append(c.post_id == item.post_id)
    if item.conversation_id:
        around.append(c.conversation_id == item.conversation_id)
    if item.parent_id:
        around.append(c.external_id == item.parent_id)
    if not around:
        return []
    query = (
        _entry_select()
        .where(c.page_id == item.page_id, c.id != item.id, sa.or_(*around))
        .order_by(c.received_at.desc(), c.id.desc())
        .limit(limit)
    )
    return sorted(_entries(conn, query, now), key=lambda e: (e.received_at, e.id))
