"""The SLA sweep: states moved on as the clock runs, notifications and escalations queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from inbox.actions.audit import SCHEDULER_ACTOR
from inbox.actions.escalations import escalate_urgent, forward_unacknowledged
from inbox.actions.outbox import queue_notification
from inbox.actions.tagging import tag_untagged
from inbox.actions.urgency import assess_urgency
from inbox.core import escalation
from inbox.core import notification_texts as messages
from inbox.core.calendar import (
    require_aware,
)
from inbox.core.sla import SlaState
from inbox.core.watch import Watch
from inbox.store.models import (
    OPEN,
    Event,
    Item,
    UTCDateTime,
)
from inbox.store.queries import item_lines

_item = Item.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]


# Serialises sweeps on PostgreSQL (a transaction-level advisory lock).
_SWEEP_LOCK_KEY = 6_006_001


# Items listed in one SLA notification.
_SLA_LIST_LIMIT = 30


@dataclass
class SweepResult:
    tagged: int = 0
    at_risk: int = 0
    breached: int = 0
    assessed: int = 0
    urgent: int = 0
    escalated: int = 0
    forwarded: int = 0
    notifications: int = 0


def _lock_sweep(session: Session) -> None:
    # SQLite serialises writers itself; on PostgreSQL two sweeps (the scheduler and an
    # operator's `inbox sweep`) must not both decide on the same items.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SWEEP_LOCK_KEY})


def _bulk_events(
    session: Session, where: Any, *, kind: str, data: dict[str, Any], now: datetime, actor: str
) -> None:
    """One audit event per item matching ``where``, written by the database."""
    c = _item.c
    session.execute(
        sa.insert(_event).from_select(
            ["item_id", "actor", "kind", "at", "data"],
            sa.select(
                c.id,
                sa.literal(actor, sa.String()),
                sa.literal(kind, sa.String()),
                sa.literal(now, UTCDateTime()),
                sa.literal(data, sa.JSON()),
            ).where(where),
        )
    )


def _sla_notifications(
    session: Session, where: Any, *, to: SlaState, watch: Watch, now: datetime, actor: str
) -> int:
    """Office hours: one message per recipient listing the items that just turned."""
    c = _item.c
    rules = watch.rules.escalation
    groups = session.execute(
        sa.select(c.assignee, c.department, sa.func.count())
        .where(where)
        .group_by(c.assignee, c.department)
    ).all()
    counts: dict[str, int] = {}
    for assignee, department, count in groups:
        if to is SlaState.AT_RISK:
            recipients = escalation.at_risk_recipients(assignee, department, rules)
        else:
            recipients = escalation.breach_recipients(department, rules)
        for recipient in recipients:
            counts[recipient] = counts.get(recipient, 0) + count
    queued = 0
    stamp = now.isoformat()
    for recipient, count in sorted(counts.items()):
        # The items listed: those of this recipient's assignees and departments.
        keys = [
            (a, d)
            for a, d, _ in groups
            if recipient
            in (
                escalation.at_risk_recipients(a, d, rules)
                if to is SlaState.AT_RISK
                else escalation.breach_recipients(d, rules)
            )
        ]
        mine = sa.or_(
            *(
                sa.and_(
                    c.assignee.is_(None) if a is None else c.assignee == a,
                    c.department.is_(None) if d is None else c.department == d,
                )
                for a, d in keys
            )
        )
        lines = item_lines(session, sa.and_(where, mine), order=c.due_at, limit=_SLA_LIST_LIMIT)
        msg = messages.sla_message(
            state=to.value, count=count, items=lines, base_url=watch.base_url
        )
        if (
            queue_notification(
                session,
                kind="email",
                recipient=recipient,
                dedup_key=f"sla:{to.value}:{stamp}:{recipient}",
                now=now,
                actor=actor,
                subject=msg.subject,
                text=msg.text,
                html=msg.html,
            )
            is not None
        ):
            queued += 1
    return queued


def _transition(
    session: Session,
    *,
    where: Any,
    frm: SlaState,
    to: SlaState,
    office: bool,
    watch: Watch,
    now: datetime,
    actor: str,
    result: SweepResult,
) -> int:
    if office:
        result.notifications += _sla_notifications(
            session, where, to=to, watch=watch, now=now, actor=actor
        )
    _bulk_events(
        session, where, kind=f"sla_{to.value}", data={"from": frm.value}, now=now, actor=actor
    )
    moved = session.execute(sa.update(_item).where(where).values(sla_state=to.value))
    return int(moved.rowcount)  # type: ignore[attr-defined]


def sla_sweep(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> SweepResult:
    """Move open items to at_risk and breached, and raise escalations by policy.

    Set-based: each transition is one UPDATE and one INSERT ... SELECT of audit
    events over the index ``ix_item_sweep``; no item is loaded to decide. Repeating
    a run, or running late, changes nothing twice.
    """
    require_aware(now, "now")
    _lock_sweep(session)
    c = _item.c
    result = SweepResult()
    office = escalation.is_office_time(now, watch.calendar)
    open_due = sa.and_(c.status == OPEN, c.at_risk_at <= now)
    for frm in (SlaState.OK, SlaState.AT_RISK):
        result.breached += _transition(
            session,
            where=sa.and_(open_due, c.sla_state == frm.value, c.due_at < now),
            frm=frm,
            to=SlaState.BREACHED,
            office=office,
            watch=watch,
            now=now,
            actor=actor,
            result=result,
        )
    result.at_risk = _transition(
        session,
        where=sa.and_(open_due, c.sla_state == SlaState.OK.value, c.due_at >= now),
        frm=SlaState.OK,
        to=SlaState.AT_RISK,
        office=office,
        watch=watch,
        now=now,
        actor=actor,
        result=result,
    )
    if watch.tagging is not None:
        result.tagged = tag_untagged(session, rules=watch.tagging)
    result.assessed, result.urgent = assess_urgency(session, watch=watch, now=now, actor=actor)
    if not office:
        result.escalated, queued = escalate_urgent(session, watch=watch, now=now, actor=actor)
        result.notifications += queued
    result.forwarded, queued = forward_unacknowledged(session, watch=watch, now=now, actor=actor)
    result.notifications += queued
    return result
