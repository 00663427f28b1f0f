"""Urgency: which open items the urgent policy must bring to the duty rota now."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from inbox.actions.audit import record_event
from inbox.core import escalation
from inbox.core.outbound import window_closes_before_due
from inbox.core.watch import Watch
from inbox.store.models import OPEN, Item, Page

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]


# Items assessed for the urgent policy per sweep; the rest wait for the next one.
_ASSESS_BATCH = 2000


def assess_urgency(session: Session, *, watch: Watch, now: datetime, actor: str) -> tuple[int, int]:
    """Apply the urgent policy to items not yet assessed (the newly arrived)."""
    c = _item.c
    policy = watch.rules.escalation.urgent
    heat = policy.heating_thread
    window = timedelta(minutes=heat.within_minutes)
    rows = session.execute(
        sa.select(
            c.id,
            c.page_id,
            c.kind,
            c.flags,
            c.priority,
            c.text,
            c.sentiment,
            c.post_id,
            c.received_at,
            c.channel,
            c.due_at,
            _page.c.human_agent,
        )
        .join(_page, _page.c.id == c.page_id)
        .where(c.urgency.is_(None), c.status == OPEN)
        .order_by(c.id)
        .limit(_ASSESS_BATCH)
    ).all()
    verdicts: dict[str, list[int]] = {}
    for row in rows:
        facts = escalation.ItemFacts(
            kind=row.kind, flags=row.flags or "", priority=row.priority or "", text=row.text or ""
        )
        reason = escalation.urgent_reason(facts, policy)
        if reason is None and window_closes_before_due(
            channel=row.channel or "",
            kind=row.kind,
            last_inbound_at=row.received_at,
            due_at=row.due_at,
            human_agent=bool(row.human_agent),
        ):
            # Answered on Monday is never answered: Meta closes the conversation first.
            reason = "window"
        if reason is None and row.sentiment == "negative" and row.post_id:
            same_thread = sa.and_(
                c.page_id == row.page_id,
                c.post_id == row.post_id,
                c.received_at >= row.received_at - window,
                c.received_at <= row.received_at,
            )
            negative = session.execute(
                sa.select(sa.func.count()).where(same_thread, c.sentiment == "negative")
            ).scalar_one()
            already = session.execute(
                sa.select(c.id).where(same_thread, c.urgency == "heating").limit(1)
            ).first()
            if negative >= heat.negative_comments and already is None:
                reason = "heating"
        verdicts.setdefault(reason or "none", []).append(row.id)
        if reason is not None:
            # Written now so the heating check of the next row sees it.
            session.execute(sa.update(_item).where(c.id == row.id).values(urgency=reason))
            record_event(
                session, actor=actor, kind="urgent", now=now, item_id=row.id, reason=reason
            )
    for start in range(0, len(verdicts.get("none", [])), 500):
        chunk = verdicts["none"][start : start + 500]
        session.execute(sa.update(_item).where(c.id.in_(chunk)).values(urgency="none"))
    return len(rows), sum(len(v) for k, v in verdicts.items() if k != "none")
