"""The notification outbox: messages queued for people, and their delivery recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from inbox.actions.audit import SCHEDULER_ACTOR, ActionError, record_event
from inbox.core import notification_texts as messages
from inbox.store.models import (
    Outbox,
)

_outbox = Outbox.__table__  # type: ignore[attr-defined]


def queue_emails(
    session: Session,
    msg: messages.Message,
    recipients: Iterable[str],
    *,
    key: str,
    now: datetime,
    actor: str,
) -> int:
    """One message to each recipient, deduplicated per recipient; returns how many were new."""
    queued = 0
    for recipient in recipients:
        if queue_notification(
            session,
            kind="email",
            recipient=recipient,
            dedup_key=f"{key}:{recipient}"[:255],
            now=now,
            actor=actor,
            subject=msg.subject,
            text=msg.text,
            html=msg.html,
        ):
            queued += 1
    return queued


def queue_notification(
    session: Session,
    *,
    kind: str,
    recipient: str,
    dedup_key: str,
    now: datetime,
    actor: str,
    subject: str = "",
    text: str = "",
    html: str = "",
    payload: dict[str, Any] | None = None,
    item_id: int | None = None,
) -> int | None:
    """Queue a notification in the caller's transaction; a repeated key is ignored.

    Returns the new outbox id, or None when the key was already queued.
    """
    if kind not in {"email", "webhook"}:
        raise ActionError(f"unknown notification kind {kind!r}: email or webhook")
    if not recipient.strip():
        raise ActionError("a notification needs a recipient")
    if not dedup_key or len(dedup_key) > 255:
        raise ActionError("a notification needs a deduplication key of 1-255 characters")
    values = {
        "kind": kind,
        "recipient": recipient.strip()[:500],
        "subject": subject[:300],
        "body_text": text,
        "body_html": html,
        "payload": payload,
        "dedup_key": dedup_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "item_id": item_id,
    }
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = (
        insert(_outbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(_outbox.c.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        record_event(
            session,
            actor=actor,
            kind="notification_queued",
            now=now,
            item_id=item_id,
            outbox_id=new_id,
            channel=kind,
            recipient=values["recipient"],
            subject=values["subject"],
            dedup_key=dedup_key,
        )
    return new_id


def record_delivery(
    session: Session,
    *,
    outbox_id: int,
    error: str | None,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
    actor: str = SCHEDULER_ACTOR,
) -> str:
    """Note one delivery attempt; failures wait exponentially longer, then give up."""
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise ActionError(f"no notification with id {outbox_id}")
    row.attempts += 1
    if error is None:
        row.status = "sent"
        row.sent_at = now
        row.last_error = None
        kind = "notification_sent"
    else:
        row.last_error = error[:2000]
        if row.attempts >= max_attempts:
            row.status = "failed"
            kind = "notification_failed"
        else:
            delay = min(backoff_seconds * 2 ** (row.attempts - 1), 6 * 3600)
            row.next_attempt_at = now + timedelta(seconds=delay)
            kind = "notification_retry"
    session.add(row)
    record_event(
        session,
        actor=actor,
        kind=kind,
        now=now,
        item_id=row.item_id,
        outbox_id=outbox_id,
        attempts=row.attempts,
        recipient=row.recipient,
        **({"error": row.last_error} if error else {}),
        **({"retry_at": row.next_attempt_at.isoformat()} if kind == "notification_retry" else {}),
    )
    return row.status
