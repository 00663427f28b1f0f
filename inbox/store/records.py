"""An item's complete record, read from every table that holds part of it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from inbox.core.audit_trail import describe
from inbox.core.case_record import Attachment, CaseRecord, Message
from inbox.store import items
from inbox.store.audit import user_names
from inbox.store.models import Item, ItemSource
from inbox.store.queries import thread_items


def case_record(
    session: Session, item: Item, *, department: str, made_by: str, now: datetime
) -> CaseRecord:
    record = items.item_record(session, item)
    conn = session.connection()
    names = user_names(conn)
    source = session.get(ItemSource, item.id)
    data = source.data if source is not None and isinstance(source.data, dict) else {}
    attachments = [
        Attachment(
            filename=str(a.get("filename") or ""),
            content_type=str(a.get("content_type") or ""),
            size=a.get("size") if isinstance(a.get("size"), int) else None,
        )
        for a in data.get("attachments") or []
        if isinstance(a, dict)
    ]
    thread = [
        Message(author=t.author, at=t.received_at, text=t.text)
        for t in thread_items(conn, item, now=now, limit=500)
    ]
    responses = [
        Message(author=names.get(r.author, r.author), at=r.sent_at, text=r.text, label=r.source)
        for r in record.responses
    ]
    events = [
        (
            e.at,
            str(describe(e.kind, names.get(e.actor, e.actor), e.item_id, e.data or {})),
        )
        for e in record.events
    ]
    return CaseRecord(
        item_id=item.id or 0,
        page=record.page.name,
        channel=item.channel,
        kind=item.kind,
        department=department,
        status=item.status + (f" ({item.resolution})" if item.resolution else ""),
        item=Message(author=item.author, at=item.received_at, text=item.text),
        received_at=item.received_at,
        due_at=item.due_at,
        first_response_at=item.first_response_at,
        made_at=now,
        made_by=made_by,
        subject=str(data.get("subject") or ""),
        post=record.post.text if record.post is not None else "",
        thread=thread,
        responses=responses,
        attachments=attachments,
        events=events,
    )
