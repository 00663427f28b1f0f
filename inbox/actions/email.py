"""Mail into a mailbox page: a message stored as an item, threads, and the mailbox's progress."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from inbox.actions.audit import record_event
from inbox.actions.intake import ingest_one
from inbox.actions.responses import record_response
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OfficeCalendar,
)
from inbox.core.incoming import NewItem, ParsedEmail, to_new_item
from inbox.core.kinds import Status
from inbox.store.models import Item, ItemSource, MailboxState, Page, Response


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
