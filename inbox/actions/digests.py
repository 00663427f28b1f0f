"""The daily digest and the weekly summary, queued once per period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from inbox.actions.audit import SCHEDULER_ACTOR, record_event
from inbox.actions.outbox import queue_emails
from inbox.core import notification_texts as messages
from inbox.core.calendar import (
    OFFICE_OPEN,
    STOCKHOLM,
    OfficeCalendar,
    office_close_utc,
)
from inbox.core.comparison import Compared
from inbox.core.notification_texts import ItemLine, Message
from inbox.core.sla import SlaState
from inbox.core.timeutil import local_midnight
from inbox.core.watch import Watch
from inbox.store.models import (
    OPEN,
    Event,
    Item,
)
from inbox.store.queries import item_lines

_item = Item.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]


def _already_done(session: Session, kind: str, since: datetime) -> bool:
    found = session.execute(
        sa.select(_event.c.id).where(_event.c.kind == kind, _event.c.at >= since).limit(1)
    ).first()
    return found is not None


def _previous_working_day(day: date, calendar: OfficeCalendar) -> date:
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def queue_daily_digests(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> int:
    """On a working day from the digest time on: one digest per department, once.

    Lists what is open, and first what came in while the office was closed (the
    night, the weekend): what the urgent policy let wait.
    """
    rules = watch.rules.escalation
    local = now.astimezone(STOCKHOLM)
    today = local.date()
    if not watch.calendar.is_working_day(today) or local.time() < rules.digest.daily_at:
        return 0
    day_start = local_midnight(today)
    if _already_done(session, "digests_queued", day_start):
        return 0
    c = _item.c
    since = office_close_utc(_previous_working_day(today, watch.calendar))
    opened = datetime.combine(today, OFFICE_OPEN, tzinfo=STOCKHOLM).astimezone(UTC)
    waiting = sa.and_(c.status == OPEN, c.first_response_at.is_(None))
    overnight = sa.and_(waiting, c.received_at >= since, c.received_at < opened)
    totals = {
        d: (n, b)
        for d, n, b in session.execute(
            sa.select(
                c.department,
                sa.func.count(),
                sa.func.sum(sa.case((c.sla_state == SlaState.BREACHED.value, 1), else_=0)),
            )
            .where(waiting)
            .group_by(c.department)
        ).all()
    }
    waited_counts = dict(
        session.execute(
            sa.select(c.department, sa.func.count()).where(overnight).group_by(c.department)
        ).all()
    )
    queued = 0
    limit = rules.digest.max_items
    for dept in sorted(totals, key=lambda d: d or ""):
        count, breached = totals[dept]
        mine = c.department.is_(None) if dept is None else c.department == dept
        name = rules.departments[dept].name if dept in rules.departments else None
        msg = messages.digest_message(
            department=name or dept or "utan avdelning",
            open_count=count,
            breached=int(breached or 0),
            items=item_lines(session, sa.and_(waiting, mine), order=c.due_at, limit=limit),
            waited=item_lines(session, sa.and_(overnight, mine), order=c.received_at, limit=limit),
            waited_count=waited_counts.get(dept, 0),
            base_url=watch.base_url,
        )
        queued += queue_emails(
            session,
            msg,
            rules.emails_of(dept),
            key=f"digest:{today.isoformat()}:{dept or '-'}",
            now=now,
            actor=actor,
        )
    record_event(
        session, actor=actor, kind="digests_queued", now=now, day=today.isoformat(), sent=queued
    )
    return queued


def queue_weekly_summary(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> int:
    """Once a week: the week's figures per page against the week before, the
    dashboard's lead, with what breached to the supervisors and without it to the
    organisation's management (``Watch.management_emails``).

    The figures are ``build_report``'s for the seven days before the summary's day,
    as of the moment the mail is queued: the same as
    ``inbox report --from MONDAY --until SUNDAY --as-of THEN``.
    """
    from inbox.store.report import build_report, previous_window

    rules = watch.rules.escalation
    local = now.astimezone(STOCKHOLM)
    today = local.date()
    digest = rules.digest
    if local.weekday() != digest.weekly_summary_weekday or local.time() < digest.weekly_summary_at:
        return 0
    if _already_done(session, "weekly_summary_queued", local_midnight(today)):
        return 0
    start = today - timedelta(days=7)
    conn = session.connection()
    report = build_report(conn, start=start, end=today, as_of=now)
    before_start, before_end = previous_window(start, today)
    before = build_report(conn, start=before_start, end=before_end, as_of=now)
    rows = [
        Compared(report.name(key), m, before.pages[key], report.targets.get(key))
        for key, m in report.pages.items()
    ]
    targets = set(report.targets.values())
    total = Compared(
        "Alla sidor", report.total, before.total, targets.pop() if len(targets) == 1 else None
    )
    c = _item.c
    breached_items = item_lines(
        session,
        sa.and_(
            c.received_at >= local_midnight(start),
            c.received_at < local_midnight(today),
            c.sla_state.in_([SlaState.BREACHED.value, SlaState.LATE.value]),
        ),
        order=c.received_at,
        limit=digest.max_items,
    )
    last = today - timedelta(days=1)
    week = f"v. {start.isocalendar().week} ({start.isoformat()} – {last.isoformat()})"

    def message(items: list[ItemLine] | None) -> Message:
        return messages.summary_message(
            week_label=week,
            window=report.window,
            rows=rows,
            total=total,
            breached_items=items,
            base_url=watch.base_url,
        )

    supervisors = rules.supervisors()
    queued = queue_emails(
        session,
        message(list(breached_items)),
        supervisors,
        key=f"summary:{today.isoformat()}",
        now=now,
        actor=actor,
    )
    management = tuple(e for e in watch.management_emails if e not in supervisors)
    to_management = queue_emails(
        session,
        message(None),
        management,
        key=f"management:{today.isoformat()}",
        now=now,
        actor=actor,
    )
    record_event(
        session,
        actor=actor,
        kind="weekly_summary_queued",
        now=now,
        week=start.isoformat(),
        sent=queued,
        management=to_management,
    )
    return queued + to_management
