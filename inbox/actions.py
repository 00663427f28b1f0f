"""Every write to the database, each with its audit event.

Functions take the clock (``now``) and the actor as arguments; nothing here
reads the time itself, so tests and backfills can move it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from inbox.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.db import insert_ignoring_duplicates
from inbox.ingest.email_parse import ParsedEmail, to_new_item
from inbox.ingest.shape import NewItem
from inbox.models import (
    ApiToken,
    Channel,
    Event,
    Item,
    ItemSource,
    MailboxState,
    Page,
    Resolution,
    Response,
    Status,
)
from inbox.sla import CalendarKind, SlaPolicy, due_at
from inbox.tokens import hash_token, new_token, shown_prefix

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
) -> Response:
    """Store a response; the earliest one sets the item's first response."""
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


def create_api_token(
    session: Session, *, name: str, actor: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned here once and never stored."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ActionError(f"invalid token name {name!r}: 1-64 characters, no spaces")
    active = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if active is not None:
        raise ActionError(f"a token named {name!r} already exists; revoke it first")
    secret = new_token()
    token = ApiToken(
        name=name, prefix=shown_prefix(secret), token_hash=hash_token(secret), created_at=now
    )
    session.add(token)
    session.flush()
    record_event(session, actor=actor, kind="api_token_created", now=now, token=name)
    return token, secret


def revoke_api_token(session: Session, *, name: str, actor: str, now: datetime) -> ApiToken:
    token = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if token is None:
        raise ActionError(f"no active token named {name!r}")
    token.revoked_at = now
    session.add(token)
    record_event(session, actor=actor, kind="api_token_revoked", now=now, token=name)
    return token


def ingest_one(
    session: Session,
    new: NewItem,
    *,
    page: Page,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> tuple[Item, bool]:
    """Store one item, or find the one already stored under its page and external id.

    Returns the item and whether it was created now; a repeat changes nothing.
    """
    result = ingest_items(session, [new], pages={new.page: page}, now=now, calendar=calendar)
    if result.inserted_ids:
        item = session.get(Item, result.inserted_ids[0])
        created = True
        record_event(
            session,
            actor=actor,
            kind="item_received",
            now=now,
            item_id=result.inserted_ids[0],
            channel=new.channel or page.channel,
        )
    else:
        item = session.exec(
            select(Item).where(Item.page_id == page.id, Item.external_id == new.external_id)
        ).first()
        created = False
    if item is None:  # pragma: no cover - the row was just inserted or found by its key
        raise ActionError(f"item {new.external_id!r} vanished while being stored")
    return item, created


@dataclass(frozen=True)
class EmailOutcome:
    """What one mail became: a new item, a repeat, or our own reply (responses recorded)."""

    kind: str  # "item" | "duplicate" | "own_reply"
    item_id: int | None = None
    responses: int = 0


def _thread_root(session: Session, page: Page, parsed: ParsedEmail) -> str | None:
    """The conversation a mail belongs to: that of a stored mail (or our reply) it refers to."""
    refs = [r for r in (parsed.in_reply_to, *reversed(parsed.references)) if r]
    if refs:
        known = session.exec(
            select(Item.external_id, Item.conversation_id).where(
                Item.page_id == page.id, col(Item.external_id).in_(refs)
            )
        ).all()
        replied = session.exec(
            select(Response.external_id, Item.conversation_id)
            .join(Item, col(Item.id) == col(Response.item_id))
            .where(Item.page_id == page.id, col(Response.external_id).in_(refs))
        ).all()
        by_id: dict[str, str] = {ext: conv for ext, conv in [*replied, *known] if conv}
        for ref in refs:  # the nearest ancestor first
            if ref in by_id:
                return by_id[ref]
    key = parsed.thread_key
    return key if key and len(key) <= 255 else None


def ingest_email(
    session: Session,
    parsed: ParsedEmail,
    *,
    page: Page,
    own_addresses: frozenset[str],
    received_fallback: datetime,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> EmailOutcome:
    """Store one parsed mail of a mailbox page, idempotently (keyed on Message-ID).

    Mail from one of our own addresses is a reply: it sets the first response of
    the open items of its thread received before it, and never becomes an item.
    Auto-replies and bounces are stored closed as not needing a reply.
    """
    new = to_new_item(parsed, page=page.key, received_at_fallback=received_fallback)
    root = _thread_root(session, page, parsed) or new.conversation_id
    if parsed.from_address.strip().lower() in own_addresses:
        return _own_reply(session, parsed, new, page=page, root=root, now=now, calendar=calendar)
    item, created = ingest_one(
        session,
        replace(new, conversation_id=root),
        page=page,
        actor=actor,
        now=now,
        calendar=calendar,
    )
    if not created:
        return EmailOutcome("duplicate", item.id)
    if parsed.auto_reply:
        item.needs_reply = False
        session.add(item)
    session.add(
        ItemSource(
            item_id=item.id or 0,
            raw_html=parsed.html,
            data={
                "subject": parsed.subject,
                "message_id": parsed.message_id,
                "from_address": parsed.from_address,
                "in_reply_to": parsed.in_reply_to,
                "references": list(parsed.references),
                "auto_reply_reason": parsed.auto_reply_reason,
                "raw_sha256": parsed.raw_sha256,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in parsed.attachments
                ],
            },
        )
    )
    if parsed.auto_reply:
        record_event(
            session,
            actor=actor,
            kind="email_auto_reply",
            now=now,
            item_id=item.id,
            reason=parsed.auto_reply_reason,
        )
    return EmailOutcome("item", item.id)


def _own_reply(
    session: Session,
    parsed: ParsedEmail,
    new: NewItem,
    *,
    page: Page,
    root: str | None,
    now: datetime,
    calendar: OfficeCalendar,
) -> EmailOutcome:
    if root is None:
        return EmailOutcome("own_reply")
    sent_at = new.received_at
    items = session.exec(
        select(Item).where(
            Item.page_id == page.id,
            Item.conversation_id == root,
            Item.status == Status.OPEN.value,
            col(Item.received_at) <= sent_at,
        )
    ).all()
    recorded = 0
    for item in items:
        already = session.exec(
            select(Response.id).where(
                Response.item_id == item.id, Response.external_id == new.external_id
            )
        ).first()
        if already is not None:
            continue
        record_response(
            session,
            item,
            author=parsed.from_name or parsed.from_address,
            text=new.text,
            sent_at=sent_at,
            source="platform",
            now=now,
            calendar=calendar,
            external_id=new.external_id,
        )
        recorded += 1
    return EmailOutcome("own_reply", responses=recorded)


def advance_mailbox(
    session: Session, *, page: Page, uidvalidity: int, last_uid: int, now: datetime
) -> MailboxState:
    """Remember the last IMAP UID stored for a mailbox page (in the item's transaction)."""
    state = session.get(MailboxState, page.id)
    if state is None:
        state = MailboxState(
            page_id=page.id or 0, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now
        )
    else:
        state.uidvalidity, state.last_uid, state.updated_at = uidvalidity, last_uid, now
    session.add(state)
    return state
