"""Escalations: who is told about an item, forwarding when nobody answers, acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbox.actions.audit import ActionError, record_event
from inbox.actions.outbox import queue_notification
from inbox.core import escalation
from inbox.core import notification_texts as messages
from inbox.core.rules.duty import Contact
from inbox.core.signed_links import ack_token
from inbox.core.text import Text
from inbox.core.watch import Watch
from inbox.store.models import (
    OPEN,
    Escalation,
    Item,
)
from inbox.store.queries import item_lines

_item = Item.__table__  # type: ignore[attr-defined]
_escalation = Escalation.__table__  # type: ignore[attr-defined]


def _escalate_to(
    session: Session,
    *,
    item_id: int,
    reason: str,
    level: str,
    person_key: str,
    person: Contact,
    watch: Watch,
    now: datetime,
    actor: str,
    backup_for: str | None = None,
) -> int:
    esc = Escalation(
        item_id=item_id,
        reason=reason,
        level=level,
        person=person_key,
        person_name=person.name,
        email=person.email,
        created_at=now,
    )
    session.add(esc)
    session.flush()
    esc_id = esc.id or 0
    record_event(
        session,
        actor=actor,
        kind="escalated" if level == "primary" else "escalation_forwarded",
        now=now,
        item_id=item_id,
        escalation_id=esc_id,
        level=level,
        person=person_key,
        reason=reason,
    )
    line = item_lines(session, _item.c.id == item_id, order=_item.c.id, limit=1)[0]
    ack_url = f"{watch.base_url.rstrip('/')}/escalations/ack/{ack_token(watch.secret_key, esc_id)}"
    msg = messages.escalation_message(
        item=line,
        reason=reason,
        person_name=person.name,
        ack_url=ack_url,
        base_url=watch.base_url,
        backup_for=backup_for,
    )
    queued = 0
    if queue_notification(
        session,
        kind="email",
        recipient=person.email,
        dedup_key=f"escalation:{esc_id}:email",
        now=now,
        actor=actor,
        subject=msg.subject,
        text=msg.text,
        html=msg.html,
        item_id=item_id,
    ):
        queued += 1
    if person.webhook and queue_notification(
        session,
        kind="webhook",
        recipient=person.webhook,
        dedup_key=f"escalation:{esc_id}:webhook",
        now=now,
        actor=actor,
        subject=msg.subject,
        payload={
            "text": f"{msg.subject}: {messages.item_url(watch.base_url, item_id)}",
            "kind": "escalation",
            "level": level,
            "reason": reason,
            "item_id": item_id,
            "item_url": messages.item_url(watch.base_url, item_id),
            "ack_url": ack_url,
            "person": person.name,
            "phone": person.phone,
        },
        item_id=item_id,
    ):
        queued += 1
    return queued


def escalate_urgent(
    session: Session, *, watch: Watch, now: datetime, actor: str
) -> tuple[int, int]:
    """Outside office hours: urgent, unanswered items nobody has been told about go to duty."""
    c = _item.c
    e = _escalation.c
    rows = session.execute(
        sa.select(c.id, c.urgency)
        .where(
            c.urgency.in_(escalation.URGENT_REASONS),
            c.status == OPEN,
            c.first_response_at.is_(None),
            ~sa.exists().where(e.item_id == c.id),
        )
        .order_by(c.received_at, c.id)
        .limit(500)
    ).all()
    rota = watch.rules.duty
    primary, _backup = rota.on_duty(now)
    queued = 0
    for item_id, reason in rows:
        queued += _escalate_to(
            session,
            item_id=item_id,
            reason=reason,
            level="primary",
            person_key=rota.key_of(primary),
            person=primary,
            watch=watch,
            now=now,
            actor=actor,
        )
    return len(rows), queued


def forward_unacknowledged(
    session: Session, *, watch: Watch, now: datetime, actor: str
) -> tuple[int, int]:
    """Escalations nobody acknowledged in time go to the backup, once."""
    c = _item.c
    timeout = timedelta(minutes=watch.rules.escalation.ack_timeout_minutes)
    stale = session.exec(
        select(Escalation)
        .join(Item, col(Item.id) == col(Escalation.item_id))
        .where(
            Escalation.level == "primary",
            col(Escalation.acknowledged_at).is_(None),
            col(Escalation.forwarded_at).is_(None),
            col(Escalation.created_at) <= now - timeout,
            c.status == OPEN,
            c.first_response_at.is_(None),
        )
        .order_by(col(Escalation.id))
    ).all()
    rota = watch.rules.duty
    queued = 0
    for esc in stale:
        on_duty, backup = rota.on_duty(now)
        target = backup if backup.email != esc.email else on_duty
        esc.forwarded_at = now
        session.add(esc)
        queued += _escalate_to(
            session,
            item_id=esc.item_id,
            reason=esc.reason,
            level="backup",
            person_key=rota.key_of(target),
            person=target,
            watch=watch,
            now=now,
            actor=actor,
            backup_for=esc.person_name,
        )
    return len(stale), queued


@dataclass(frozen=True)
class Acknowledgement:
    escalation: Escalation
    already: bool


def acknowledge_escalation(
    session: Session, *, escalation_id: int, actor: str, now: datetime
) -> Acknowledgement:
    """Stop an escalation (and its backup): someone has seen the item."""
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise ActionError(Text("Larmet finns inte."))
    if esc.acknowledged_at is not None:
        return Acknowledgement(esc, already=True)
    for row in session.exec(
        select(Escalation).where(
            Escalation.item_id == esc.item_id, col(Escalation.acknowledged_at).is_(None)
        )
    ):
        row.acknowledged_at = now
        row.acknowledged_by = actor
        session.add(row)
    record_event(
        session,
        actor=actor,
        kind="escalation_acknowledged",
        now=now,
        item_id=esc.item_id,
        escalation_id=escalation_id,
    )
    return Acknowledgement(esc, already=False)
