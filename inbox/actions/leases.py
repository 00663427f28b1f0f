"""Scheduler leases: one process at a time does a named job."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from inbox.actions.audit import record_event
from inbox.store.models import (
    SchedulerLease,
)


def take_lease(session: Session, *, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """Hold or renew the named lease; True when ``holder`` has it until ``now + seconds``."""
    lease = SchedulerLease.__table__  # type: ignore[attr-defined]
    until = now + timedelta(seconds=seconds)
    renewed = session.execute(
        sa.update(lease)
        .where(lease.c.name == name, lease.c.holder == holder)
        .values(expires_at=until)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    taken = session.execute(
        sa.update(lease)
        .where(lease.c.name == name, lease.c.expires_at < now)
        .values(holder=holder, expires_at=until, acquired_at=now)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        created = session.execute(
            insert(lease)
            .values(name=name, holder=holder, expires_at=until, acquired_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(lease.c.name)
        ).first()
        if created is None:
            return False
    record_event(session, actor=holder[:255], kind="lease_taken", now=now, lease=name)
    return True


def release_lease(session: Session, *, name: str, holder: str, now: datetime) -> None:
    """Give the lease up at shutdown so another scheduler need not wait for it to expire."""
    lease = SchedulerLease.__table__  # type: ignore[attr-defined]
    released = session.execute(
        sa.delete(lease).where(lease.c.name == name, lease.c.holder == holder)
    )
    if released.rowcount:  # type: ignore[attr-defined]
        record_event(session, actor=holder[:255], kind="lease_released", now=now, lease=name)
