"""Every write to the database, each with its audit event.

Functions take the clock (``now``) and the actor as arguments; nothing here
reads the time itself, so tests and backfills can move it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbox.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.db import insert_ignoring_duplicates
from inbox.ingest.shape import NewItem
from inbox.models import (
    AppFlag,
    Channel,
    Correction,
    Event,
    Item,
    ItemView,
    LoginFailure,
    Note,
    Page,
    Resolution,
    Response,
    Role,
    Status,
    User,
)
from inbox.passwords import hash_password, password_problem
from inbox.sla import CalendarKind, SlaPolicy, due_at

_item = Item.__table__  # type: ignore[attr-defined]
_INGEST_COLUMNS = (
    "page_id",
    "external_id",
    "channel",
    "kind",
    "author",
    "author_id",
    "text",
    "post_id",
    "parent_id",
    "conversation_id",
    "received_at",
    "ingested_at",
    "due_at",
    "first_response_at",
    "response_minutes",
    "response_office_minutes",
    "status",
    "resolution",
    "closed_at",
    "priority",
)


class ActionError(ValueError):
    """A write that was refused, with a message fit for the person who asked."""


def record_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    now: datetime,
    item_id: int | None = None,
    **data: Any,
) -> Event:
    event = Event(item_id=item_id, actor=actor, kind=kind, at=now, data=data)
    session.add(event)
    return event


def policy_of(page: Page) -> SlaPolicy:
    return SlaPolicy(calendar_kind=CalendarKind(page.calendar), target_hours=page.target_hours)


def add_page(
    session: Session,
    *,
    key: str,
    name: str | None = None,
    channel: str = Channel.FACEBOOK.value,
    calendar: str = CalendarKind.OFFICE.value,
    target_hours: float = 24.0,
    platform_id: str | None = None,
    actor: str,
    now: datetime,
) -> Page:
    key = key.strip()
    if not key or len(key) > 64 or any(ch.isspace() for ch in key):
        raise ActionError(f"invalid page key {key!r}: 1-64 characters, no spaces")
    if channel not in {c.value for c in Channel}:
        raise ActionError(f"unknown channel {channel!r}")
    if calendar not in {c.value for c in CalendarKind}:
        raise ActionError(f"unknown calendar {calendar!r}: office or 24x7")
    if not 0 < target_hours <= 24 * 90:
        raise ActionError(f"target hours must be between 0 and 2160, not {target_hours}")
    if session.exec(select(Page).where(Page.key == key)).first() is not None:
        raise ActionError(f"page {key!r} already exists")
    page = Page(
        key=key,
        name=name or key,
        channel=channel,
        calendar=calendar,
        target_hours=target_hours,
        platform_id=platform_id,
        created_at=now,
    )
    session.add(page)
    session.flush()
    record_event(session, actor=actor, kind="page_added", now=now, page=key)
    return page


def response_spans(
    received_at: datetime, first_response_at: datetime, calendar: OfficeCalendar
) -> tuple[float, float]:
    """Wall-clock and office minutes from receipt to first response."""
    minutes = (first_response_at - received_at).total_seconds() / 60
    return minutes, calendar.office_minutes(received_at, first_response_at)


@dataclass
class IngestResult:
    inserted_ids: list[int] = field(default_factory=list)
    skipped: int = 0

    @property
    def inserted(self) -> int:
        return len(self.inserted_ids)


def ingest_items(
    session: Session,
    items: Sequence[NewItem],
    *,
    pages: dict[str, Page],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> IngestResult:
    """Store new items, keyed on (page, external id); repeats are skipped, not doubled.

    Built for bulk (imports and webhook backlogs): rows go in as plain dicts in
    one statement per batch, never as ORM objects.
    """
    rows: list[tuple[Any, ...]] = []
    policies = {key: policy_of(page) for key, page in pages.items()}
    for new in items:
        page = pages[new.page]
        first = new.first_response_at
        minutes = office = None
        if first is not None:
            minutes, office = response_spans(new.received_at, first, calendar)
        closed = new.resolution is not None or first is not None
        rows.append(
            (
                page.id,
                new.external_id,
                new.channel or page.channel,
                new.kind,
                new.author,
                new.author_id,
                new.text,
                new.post_id,
                new.parent_id,
                new.conversation_id,
                new.received_at,
                now,
                due_at(new.received_at, policies[new.page], calendar),
                first,
                minutes,
                office,
                Status.CLOSED.value if closed else Status.OPEN.value,
                new.resolution,
                now if closed else None,
                "normal",
            )
        )
    result = IngestResult()
    if rows:
        result.inserted_ids = insert_ignoring_duplicates(
            session.connection(), _item, _INGEST_COLUMNS, rows
        )
    result.skipped = len(rows) - result.inserted
    return result


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ActionError(f"no item with id {item_id}")
    return item


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
        raise ActionError("a response cannot be earlier than the item it answers")
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


def close_item(
    session: Session, item: Item, *, resolution: Resolution, actor: str, now: datetime
) -> Item:
    if item.status == Status.CLOSED.value:
        raise ActionError("the item is already closed")
    item.status = Status.CLOSED.value
    item.resolution = resolution.value
    item.closed_at = now
    session.add(item)
    record_event(
        session, actor=actor, kind="closed", now=now, item_id=item.id, resolution=resolution.value
    )
    return item


def ensure_pages(
    session: Session, keys: set[str], *, actor: str, now: datetime
) -> tuple[dict[str, Page], list[str]]:
    """Pages by key, creating unknown keys with default settings; returns the new keys too."""
    existing = {p.key: p for p in session.exec(select(Page).where(col(Page.key).in_(keys)))}
    created = []
    for key in sorted(keys - set(existing)):
        existing[key] = add_page(session, key=key, actor=actor, now=now)
        created.append(key)
    return existing, created


# --- People and sign-in ---------------------------------------------------------------

REMOVAL_REASONS = ("kränkande", "hot", "personuppgifter", "reklam", "olagligt innehåll", "annat")
CORRECTABLE = ("topic", "sentiment", "department")
SENTIMENTS = ("positive", "neutral", "negative")
MAX_TEXT = 8000


def _email(value: str) -> str:
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > 255:
        raise ActionError(f"not an email address: {value!r}")
    return email


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    departments: Sequence[str] = (),
    duty: bool = False,
    actor: str,
    now: datetime,
) -> User:
    address = _email(email)
    if role not in {r.value for r in Role}:
        raise ActionError(f"unknown role {role!r}: communicator, supervisor or admin")
    problem = password_problem(password)
    if problem:
        raise ActionError(problem)
    if session.exec(select(User).where(User.email == address)).first() is not None:
        raise ActionError(f"a user {address} already exists")
    keys = sorted({d.strip() for d in departments if d.strip()})
    user = User(
        email=address,
        name=(name.strip() or address)[:200],
        password_hash=hash_password(password),
        role=role,
        departments=keys,
        duty=duty,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record_event(
        session, actor=actor, kind="user_added", now=now, user=address, role=role, departments=keys
    )
    return user


def set_user_active(
    session: Session, *, user_id: int, active: bool, actor: str, now: datetime
) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ActionError(f"no user with id {user_id}")
    if user.email == actor and not active:
        raise ActionError("you cannot deactivate yourself")
    user.active = active
    session.add(user)
    kind = "user_activated" if active else "user_deactivated"
    record_event(session, actor=actor, kind=kind, now=now, user=user.email)
    return user


def set_user_language(session: Session, *, user: User, language: str, now: datetime) -> None:
    if language not in {"sv", "en"}:
        raise ActionError(f"unknown language {language!r}: sv or en")
    user.language = language
    session.add(user)


def record_login_failure(session: Session, *, email: str, key: str, now: datetime) -> None:
    session.add(LoginFailure(key=key, at=now))
    record_event(session, actor=email[:255] or "-", kind="login_failed", now=now)


def clear_login_failures(session: Session, *, key: str) -> None:
    session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key) == key))


def set_flag(session: Session, *, key: str, value: str) -> None:
    flag = session.get(AppFlag, key) or AppFlag(key=key)
    flag.value = value
    session.add(flag)


# --- Work on items --------------------------------------------------------------------


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ActionError(f"the {what} is empty")
    if len(text) > MAX_TEXT:
        raise ActionError(f"the {what} is longer than {MAX_TEXT} characters")
    return text


def reply(
    session: Session,
    item: Item,
    *,
    text: str,
    actor: str,
    author: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> Response:
    """Answer the author; an open item is then closed as answered."""
    response = record_response(
        session,
        item,
        author=author,
        text=_text(text, "reply"),
        sent_at=now,
        source="inbox",
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
        raise ActionError("the item is closed")
    return record_response(
        session,
        item,
        author=author,
        text=_text(text, "acknowledgement"),
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
        raise ActionError(f"unknown reason {reason!r}: {', '.join(REMOVAL_REASONS)}")
    detail = detail.strip()[:500]
    if reason == "annat" and not detail:
        raise ActionError("describe the reason when it is 'annat'")
    if item.status == Status.CLOSED.value and item.resolution == Resolution.REMOVED.value:
        raise ActionError("the item is already removed")
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
    note = Note(item_id=item.id or 0, author=actor, text=_text(text, "note"), at=now)
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
        raise ActionError(f"unknown department {department!r}")
    if department == item.department:
        raise ActionError("the item is already with that department")
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
        raise ActionError(f"cannot correct {field!r}: {', '.join(CORRECTABLE)}")
    if value not in allowed:
        raise ActionError(f"unknown {field} {value!r}")
    old = getattr(item, field)
    if old == value:
        raise ActionError(f"the {field} is already {value}")
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
