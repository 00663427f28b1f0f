"""Work on an item: acknowledge, assign, note, send to a department, correct, remove, close."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from inbox.actions.audit import ActionError, checked_text, record_event
from inbox.actions.responses import record_response
from inbox.core import limits
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OfficeCalendar,
)
from inbox.core.kinds import Resolution, Status
from inbox.core.text import Text
from inbox.store.models import Correction, Item, ItemView, Note, Response


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ActionError(Text("Ärende %(id)s finns inte.", id=item_id))
    return item


def close_item(
    session: Session, item: Item, *, resolution: Resolution, actor: str, now: datetime
) -> Item:
    if item.status == Status.CLOSED.value:
        raise ActionError(Text("Ärendet är redan stängt."))
    item.status = Status.CLOSED.value
    item.resolution = resolution.value
    item.closed_at = now
    if item.urgency is None:
        item.urgency = "none"
    session.add(item)
    record_event(
        session, actor=actor, kind="closed", now=now, item_id=item.id, resolution=resolution.value
    )
    return item


REMOVAL_REASONS = ("kränkande", "hot", "personuppgifter", "reklam", "olagligt innehåll", "annat")


CORRECTABLE = ("topic", "sentiment", "department")


SENTIMENTS = ("positive", "neutral", "negative")


def acknowledge(
    session: Session,
    item: Item,
    *,
    text: str,
    actor: str,
    author: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> Response:
    """Tell the author the question was seen: counts as first response, the item stays open."""
    if item.status != Status.OPEN.value:
        raise ActionError(Text("Ärendet är stängt."))
    return record_response(
        session,
        item,
        author=author,
        text=checked_text(text, Text("Bekräftelsen är tom.")),
        sent_at=now,
        source="acknowledgement",
        now=now,
        calendar=calendar,
        responder=actor,
    )


def remove_item(
    session: Session, item: Item, *, reason: str, detail: str = "", actor: str, now: datetime
) -> Item:
    if reason not in REMOVAL_REASONS:
        raise ActionError(
            Text(
                "Okänt skäl ”%(reason)s”: välj ett av %(reasons)s.",
                reason=reason,
                reasons=", ".join(REMOVAL_REASONS),
            )
        )
    detail = detail.strip()
    problem = limits.REASON.problem(detail)
    if problem is not None:
        raise ActionError(problem)
    if reason == "annat" and not detail:
        raise ActionError(Text("Skriv en förklaring när skälet är ”annat”."))
    if item.status == Status.CLOSED.value and item.resolution == Resolution.REMOVED.value:
        raise ActionError(Text("Ärendet är redan borttaget."))
    item.status = Status.CLOSED.value
    item.resolution = Resolution.REMOVED.value
    item.closed_at = now
    session.add(item)
    record_event(
        session, actor=actor, kind="removed", now=now, item_id=item.id, reason=reason, detail=detail
    )
    return item


def assign_item(
    session: Session, item: Item, *, assignee: str | None, actor: str, now: datetime
) -> Item:
    previous = item.assignee
    item.assignee = assignee or None
    session.add(item)
    record_event(
        session,
        actor=actor,
        kind="assigned",
        now=now,
        item_id=item.id,
        assignee=item.assignee,
        previous=previous,
    )
    return item


def add_note(session: Session, item: Item, *, text: str, actor: str, now: datetime) -> Note:
    note = Note(
        item_id=item.id or 0,
        author=actor,
        text=checked_text(text, Text("Anteckningen är tom."), limits.NOTE),
        at=now,
    )
    session.add(note)
    record_event(session, actor=actor, kind="note", now=now, item_id=item.id)
    return note


def send_to_department(
    session: Session,
    item: Item,
    *,
    department: str,
    note: str,
    known: set[str],
    actor: str,
    now: datetime,
) -> Item:
    """Route the item to another department; the assignee is cleared, the note kept."""
    if department not in known:
        raise ActionError(Text("Okänd förvaltning: %(department)s.", department=department))
    if department == item.department:
        raise ActionError(Text("Ärendet ligger redan hos den förvaltningen."))
    previous = item.department
    item.department = department
    item.assignee = None
    session.add(item)
    if note.strip():
        add_note(session, item, text=note, actor=actor, now=now)
    record_event(
        session,
        actor=actor,
        kind="sent_to_department",
        now=now,
        item_id=item.id,
        department=department,
        previous=previous,
    )
    return item


def correct_item(
    session: Session,
    item: Item,
    *,
    field: str,
    value: str,
    allowed: set[str],
    actor: str,
    now: datetime,
) -> Correction:
    """Correct topic, sentiment or department, kept as a labelled example for the tagger."""
    if field not in CORRECTABLE:
        raise ActionError(Text("Bara ämne, sentiment och förvaltning kan rättas."))
    if value not in allowed:
        raise ActionError(Text("Okänt värde: %(value)s.", value=value))
    old = getattr(item, field)
    if old == value:
        raise ActionError(Text("Ärendet har redan det värdet."))
    correction = Correction(
        item_id=item.id or 0,
        field=field,
        old_value=old,
        new_value=value,
        text=item.text,
        actor=actor,
        at=now,
    )
    session.add(correction)
    setattr(item, field, value)
    session.add(item)
    record_event(
        session,
        actor=actor,
        kind="corrected",
        now=now,
        item_id=item.id,
        field=field,
        old=old,
        new=value,
    )
    return correction


def touch_view(session: Session, *, item_id: int, user_email: str, now: datetime) -> None:
    """Presence heartbeat: not audited, it records no decision."""
    view = session.exec(
        select(ItemView).where(ItemView.item_id == item_id, ItemView.user_email == user_email)
    ).first()
    if view is None:
        view = ItemView(item_id=item_id, user_email=user_email, seen_at=now)
    view.seen_at = now
    session.add(view)
