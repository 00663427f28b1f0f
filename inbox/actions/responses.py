"""Responses: a reply recorded as the item's response, and response times."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from inbox.actions.audit import ActionError, checked_text, record_event
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OfficeCalendar,
)
from inbox.core.kinds import Resolution, Status
from inbox.core.sla import SlaState
from inbox.core.text import Text
from inbox.store.models import Item, Response


def response_spans(
    received_at: datetime, first_response_at: datetime, calendar: OfficeCalendar
) -> tuple[float, float]:
    """Wall-clock and office minutes from receipt to first response."""
    minutes = (first_response_at - received_at).total_seconds() / 60
    return minutes, calendar.office_minutes(received_at, first_response_at)


def record_response(
    session: Session,
    item: Item,
    *,
    author: str,
    text: str,
    sent_at: datetime,
    source: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    external_id: str | None = None,
    responder: str | None = None,
) -> Response:
    """Store a response; the earliest one sets the item's first response.

    ``responder`` is the signed-in user who sent it (their email), counted in the
    per-person figures when this is the first response.
    """
    if sent_at < item.received_at:
        raise ActionError(Text("Ett svar kan inte vara tidigare än det det svarar på."))
    response = Response(
        item_id=item.id or 0,
        author=author,
        text=text,
        sent_at=sent_at,
        source=source,
        external_id=external_id,
    )
    session.add(response)
    if item.first_response_at is None or sent_at < item.first_response_at:
        item.first_response_at = sent_at
        item.response_minutes, item.response_office_minutes = response_spans(
            item.received_at, sent_at, calendar
        )
        item.sla_state = SlaState.MET.value if sent_at <= item.due_at else SlaState.LATE.value
        item.first_responder = responder
        session.add(item)
    record_event(
        session,
        actor=author,
        kind=f"response_{source}",
        now=now,
        item_id=item.id,
        sent_at=sent_at.isoformat(),
    )
    return response


def reply(
    session: Session,
    item: Item,
    *,
    text: str,
    actor: str,
    author: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    source: str = "inbox",
) -> Response:
    """Record an answer given now; an open item is then closed as answered.

    ``source`` says where: ``elsewhere`` is a reply given outside the inbox (by
    phone, on the platform itself) and only recorded here.
    """
    response = record_response(
        session,
        item,
        author=author,
        text=checked_text(text, Text("Svaret är tomt.")),
        sent_at=now,
        source=source,
        now=now,
        calendar=calendar,
        responder=actor,
    )
    if item.status == Status.OPEN.value:
        item.status = Status.CLOSED.value
        item.resolution = Resolution.ANSWERED.value
        item.closed_at = now
        session.add(item)
    return response
