"""Reading the audit trail: filtered, newest first for the page, oldest first for export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from inbox.core.audit_trail import GROUPS
from inbox.store.models import Event, LegalHold, Registration, User

_event = Event.__table__  # type: ignore[attr-defined]
_user = User.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None  # not included
    actor: str | None = None
    # A group of GROUPS ("read", "revealed" ...) or one stored kind.
    kind: str | None = None


def _where(f: AuditFilter) -> list[Any]:
    c = _event.c
    out: list[Any] = []
    if f.since is not None:
        out.append(c.at >= f.since)
    if f.until is not None:
        out.append(c.at < f.until)
    if f.actor:
        out.append(c.actor == f.actor)
    if f.kind:
        group = GROUPS.get(f.kind)
        if group is None:
            out.append(c.kind == f.kind)
        else:
            alternatives = [c.kind.in_(group.kinds)] if group.kinds else []
            alternatives += [c.kind.like(prefix + "%") for prefix in group.prefixes]
            out.append(sa.or_(*alternatives))
    return out


def _select(f: AuditFilter) -> Any:
    c = _event.c
    return sa.select(c.id, c.at, c.actor, c.kind, c.item_id, c.data).where(*_where(f))


def events_page(
    conn: Connection, f: AuditFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page of events, newest first, and whether there are more after it."""
    c = _event.c
    query = _select(f).order_by(c.at.desc(), c.id.desc()).limit(limit + 1).offset(offset)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    return rows[:limit], len(rows) > limit


def events(conn: Connection, f: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every matching event, oldest first, read in batches."""
    c = _event.c
    query = _select(f).order_by(c.at, c.id).execution_options(yield_per=2000)
    for row in conn.execute(query).mappings():
        yield dict(row)


def user_names(conn: Connection) -> dict[str, str]:
    return {r.email: r.name for r in conn.execute(sa.select(_user.c.email, _user.c.name))}


def actors(conn: Connection) -> list[str]:
    """Everyone who appears in the trail, for the page's actor filter."""
    c = _event.c
    return [r[0] for r in conn.execute(sa.select(c.actor).distinct().order_by(c.actor))]


def read_since(session: Session, *, item_id: int, actor: str, since: datetime) -> bool:
    """Whether ``actor`` opening ``item_id`` was recorded at or after ``since``."""
    found = session.exec(
        select(Event.id)
        .where(
            Event.item_id == item_id,
            Event.actor == actor,
            Event.kind == "read",
            col(Event.at) >= since,
        )
        .limit(1)
    ).first()
    return found is not None


def registration_of(session: Session, item_id: int) -> Registration | None:
    return session.get(Registration, item_id)


def hold_of(session: Session, item_id: int) -> LegalHold | None:
    """The item's legal hold (bevarandebeslut), when it is under one."""
    return session.get(LegalHold, item_id)
