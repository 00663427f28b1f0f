"""Named reads. Lists come back as plain rows, never as one ORM object per item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from inbox.core.access import URGENT_FLAGS, URGENT_PRIORITIES, CurrentUser
from inbox.core.classify.pii import mask
from inbox.core.notification_texts import ItemLine
from inbox.core.outbound import messaging_window_closes
from inbox.core.queue_filters import MINE_DEPARTMENTS, PAGE_SIZE, QueueFilters
from inbox.core.sla import SlaState, sla_state
from inbox.store.models import OPEN, Event, Item, Page, Registration

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_registration = Registration.__table__  # type: ignore[attr-defined]

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
        sa.select(
            _page.c.key.label("page"),
            *(c[name] for name in EXPORT_COLUMNS),
            _registration.c.reference.label("registry_reference"),
        )
        .join(_page, _page.c.id == c.page_id)
        .outerjoin(_registration, _registration.c.item_id == c.id)
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
        # Personal data is masked in every export; the item page reveals it.
        out["author"] = mask(out["author"])
        out["text"] = mask(out["text"])
        out["registry_reference"] = row["registry_reference"]
        yield out


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
    # API answers carry personal data masked, as every output but the item page.
    out["author"] = mask(out["author"])
    out["text"] = mask(out["text"])
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
    from inbox.store.models import Escalation

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


@dataclass(frozen=True)
class AlarmCall:
    person_name: str
    level: str
    created_at: datetime


@dataclass
class DutyAlarm:
    """One open item someone on duty was alarmed about, with every call made."""

    id: int  # an open escalation of the item: acknowledging it stops them all
    item_id: int
    page: str
    text: str
    reason: str
    created_at: datetime
    first_response_at: datetime | None
    calls: list[AlarmCall] = field(default_factory=list)


def duty_alarms(conn: Connection, *, limit: int = 100) -> list[DutyAlarm]:
    """The duty view's alarms: one per item, the oldest first, with the people
    called (the person on duty, then the backup); none for an item that is no
    longer open (closed, removed), which nobody needs to acknowledge."""
    from inbox.store.models import Escalation

    e = Escalation.__table__.c  # type: ignore[attr-defined]
    c = _item.c
    rows = conn.execute(
        sa.select(
            e.id,
            e.item_id,
            _page.c.name.label("page"),
            sa.func.substr(c.text, 1, 300).label("text"),
            e.reason,
            e.level,
            e.person_name,
            e.created_at,
            c.first_response_at,
        )
        .join(_item, c.id == e.item_id)
        .join(_page, _page.c.id == c.page_id)
        .where(e.acknowledged_at.is_(None), c.status == OPEN)
        .order_by(e.created_at, e.id)
    ).all()
    alarms: dict[int, DutyAlarm] = {}
    for row in rows:
        alarm = alarms.get(row.item_id)
        if alarm is None:
            if len(alarms) >= limit:
                continue
            alarm = alarms[row.item_id] = DutyAlarm(
                row.id,
                row.item_id,
                row.page,
                row.text,
                row.reason,
                row.created_at,
                row.first_response_at,
            )
        alarm.calls.append(AlarmCall(row.person_name, row.level, row.created_at))
    return list(alarms.values())


def outbox_list(
    conn: Connection, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest notifications with their attempts and last error (the admin view)."""
    from inbox.store.models import Outbox

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
    """The rows a user may see in lists (see ``inbox.core.access.may_handle``)."""
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
    # A conversation on Messenger or Instagram: until when Meta takes an answer.
    window_closes_at: datetime | None = None


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
                window_closes_at=messaging_window_closes(
                    channel=row["channel"],
                    kind=row["kind"],
                    last_inbound_at=row["received_at"],
                    human_agent=bool(row["human_agent"]),
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
        _page.c.human_agent,
    ).join(_page, _page.c.id == c.page_id)


def queue_items(
    conn: Connection,
    *,
    filters: QueueFilters,
    user: CurrentUser,
    now: datetime,
    limit: int = PAGE_SIZE,
) -> list[QueueEntry]:
    """One page of the queue, the most urgent first (closed: the latest due first).

    Open items: what has no first response yet, the soonest due (the most overdue)
    first, then what has been answered or acknowledged but is still open. Two
    ordered reads on ``ix_item_open_due`` rather than one sort of every open item.
    """
    c = _item.c
    conds = _filter_conditions(conn, filters, user, now)
    query = _entry_select().where(*conds)
    if filters.status == "closed":
        query = query.order_by(c.due_at.desc(), c.id.desc())
        return _entries(conn, query.limit(limit).offset(filters.offset), now)
    unanswered = c.first_response_at.is_(None)
    first = _entries(
        conn,
        query.where(unanswered).order_by(c.due_at, c.id).limit(limit).offset(filters.offset),
        now,
    )
    if len(first) == limit:
        return first
    if first or filters.offset == 0:
        skipped = filters.offset + len(first)
    else:  # the page starts among the answered ones: how many unanswered came before
        skipped = conn.execute(
            sa.select(sa.func.count())
            .select_from(_item.join(_page, _page.c.id == c.page_id))
            .where(*conds, unanswered)
        ).scalar_one()
    rest = query.where(sa.not_(unanswered)).order_by(c.due_at, c.id)
    rest = rest.limit(limit - len(first)).offset(max(filters.offset - skipped, 0))
    return first + _entries(conn, rest, now)


def queue_ids(
    conn: Connection,
    *,
    filters: QueueFilters,
    user: CurrentUser,
    now: datetime,
    limit: int,
) -> list[int]:
    """The ids of every item matching the filters (all pages of them), at most ``limit``."""
    c = _item.c
    query = (
        sa.select(c.id)
        .select_from(_item.join(_page, _page.c.id == c.page_id))
        .where(*_filter_conditions(conn, filters, user, now))
        .order_by(c.id)
        .limit(limit)
    )
    return [int(r[0]) for r in conn.execute(query)]


def _my_departments(user: CurrentUser) -> Any:
    """The filter "my departments": theirs, and what is assigned to the user anywhere."""
    c = _item.c
    return sa.or_(c.department.in_(list(user.departments)), c.assignee == user.email)


def _search(q: str) -> Any:
    c = _item.c
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(c.text.ilike(pattern, escape="\\"), c.author.ilike(pattern, escape="\\"))


def _filter_conditions(
    conn: Connection, filters: QueueFilters, user: CurrentUser, now: datetime
) -> list[Any]:
    c = _item.c
    now_param = sa.bindparam("now", now, type_=c.due_at.type)
    conds: list[Any] = [
        c.status == (OPEN if filters.status == "open" else filters.status),
        _scope(user, None),
    ]
    if filters.department == MINE_DEPARTMENTS:
        conds.append(_my_departments(user))
    elif filters.department:
        conds.append(c.department == filters.department)
    if filters.page:
        conds.append(_page.c.key == filters.page)
    if filters.topic:
        conds.append(c.topic == filters.topic)
    if filters.sentiment:
        conds.append(c.sentiment == filters.sentiment)
    if filters.mine:
        conds.append(c.assignee == user.email)
    if filters.q:
        conds.append(_search(filters.q))
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


FACETS = ("page", "department", "topic", "sentiment", "sla", "mine")


@dataclass(frozen=True)
class FacetCounts:
    """Items per filter value, as faceted search counts them.

    Each facet's counts apply every other active filter but not the facet's own,
    so a count says how many items choosing that value would show. ``totals``
    holds each facet's "any value" count, ``my_departments`` the count of the
    department filter "my departments", ``mine`` the items assigned to the user.
    """

    total: int
    pages: dict[str, int]
    departments: dict[str | None, int]
    topics: dict[str | None, int]
    sentiments: dict[str | None, int]
    sla: dict[str, int]
    mine: int
    my_departments: int = 0
    totals: dict[str, int] = field(default_factory=dict)


def queue_counts(
    conn: Connection,
    *,
    user: CurrentUser,
    now: datetime,
    filters: QueueFilters | None = None,
) -> FacetCounts:
    """Items in the user's scope counted per filter value, in one grouped scan.

    The scan applies what no count is about (status, scope, search); the groups
    are then combined per facet in Python. Open items without a search read only
    the covering index ``ix_item_open_facets``, never the rows.
    """
    filters = filters or QueueFilters()
    c = _item.c
    now_param = sa.bindparam("now", now, type_=c.due_at.type)
    unanswered = c.first_response_at.is_(None)
    sla = sa.case(
        (sa.not_(unanswered), "answered"),
        (c.due_at < now_param, "breached"),
        (_at_risk_from(conn) <= now_param, "at_risk"),
        else_="ok",
    ).label("sla")
    mine = sa.case((c.assignee == user.email, 1), else_=0).label("mine")
    conds: list[Any] = [
        c.status == (OPEN if filters.status == "open" else filters.status),
        _scope(user, None),
    ]
    if filters.q:
        conds.append(_search(filters.q))
    rows = conn.execute(
        sa.select(c.page_id, c.department, c.topic, c.sentiment, sla, mine, sa.func.count())
        .where(*conds)
        .group_by(c.page_id, c.department, c.topic, c.sentiment, sla, mine)
    ).all()
    keys: dict[int, str] = {r[0]: r[1] for r in conn.execute(sa.select(_page.c.id, _page.c.key))}
    mine_departments = set(user.departments)
    pages: dict[str, int] = {}
    departments: dict[str | None, int] = {}
    topics: dict[str | None, int] = {}
    sentiments: dict[str | None, int] = {}
    states: dict[str, int] = {}
    totals = dict.fromkeys(FACETS, 0)
    total = mine_total = my_departments = 0
    for page_id, department, topic, sentiment, state, assigned, count in rows:
        key = keys.get(page_id, "?")
        in_mine = department in mine_departments or bool(assigned)
        if filters.department == MINE_DEPARTMENTS:
            department_ok = in_mine
        else:
            department_ok = not filters.department or department == filters.department
        matches = {
            "page": not filters.page or key == filters.page,
            "department": department_ok,
            "topic": not filters.topic or topic == filters.topic,
            "sentiment": not filters.sentiment or sentiment == filters.sentiment,
            "sla": not filters.sla or state == filters.sla,
            "mine": not filters.mine or bool(assigned),
        }
        failed = [name for name, ok in matches.items() if not ok]
        if not failed:
            total += count
        if len(failed) > 1:
            continue
        others = failed[0] if failed else None  # the one facet this group fails, if any
        for name in FACETS:
            if others is None or others == name:
                totals[name] += count
        if others in (None, "page"):
            pages[key] = pages.get(key, 0) + count
        if others in (None, "department"):
            departments[department] = departments.get(department, 0) + count
            my_departments += count if in_mine else 0
        if others in (None, "topic"):
            topics[topic] = topics.get(topic, 0) + count
        if others in (None, "sentiment"):
            sentiments[sentiment] = sentiments.get(sentiment, 0) + count
        if others in (None, "sla"):
            states[state] = states.get(state, 0) + count
        if others in (None, "mine") and assigned:
            mine_total += count
    return FacetCounts(
        total,
        pages,
        departments,
        topics,
        sentiments,
        states,
        mine_total,
        my_departments=my_departments,
        totals=totals,
    )


def duty_items(
    conn: Connection, *, user: CurrentUser, now: datetime, limit: int = 100
) -> list[QueueEntry]:
    """Open urgent items: high or urgent priority, or flagged as threat or offensive.

    As the queue: what has no first response first, the soonest due at the top.
    """
    c = _item.c
    query = (
        _entry_select()
        .where(c.status == OPEN, _urgent(), _scope(user, None))
        .order_by(c.first_response_at.is_not(None), c.due_at, c.id)
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


def item_lines(session: Session, where: Any, *, order: Any, limit: int) -> list[ItemLine]:
    """Items matching ``where`` as the lines a notification lists (text cut at 600)."""
    c = _item.c
    rows = session.execute(
        sa.select(
            c.id,
            # The page's name, as people know it (its key only when it has none).
            sa.func.coalesce(sa.func.nullif(_page.c.name, ""), _page.c.key),
            sa.func.substr(c.text, 1, 600),
            c.received_at,
            c.due_at,
        )
        .join(_page, _page.c.id == c.page_id)
        .where(where)
        .order_by(order, c.id)
        .limit(limit)
    ).all()
    return [ItemLine(r[0], r[1], r[2] or "", r[3], r[4]) for r in rows]


def write_version(conn: Connection) -> tuple[Any, ...]:
    """Changes whenever an item arrives or anything is done to one (every action is an event)."""
    return tuple(
        conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
        for table in (Item.__table__, Event.__table__)  # type: ignore[attr-defined]
    )
