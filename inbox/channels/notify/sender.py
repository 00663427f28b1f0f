"""Delivering the outbox: email over SMTP and JSON webhooks, at least once.

Each notification is claimed, sent and marked in its own transaction (on
PostgreSQL with ``FOR UPDATE SKIP LOCKED``), so a crash between sending and
marking can at worst send one message again, never lose it.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from inbox.actions import outbox
from inbox.channels.smtp import open_smtp
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Outbox

__all__ = ["DeliveryResult", "deliver_due"]

_outbox = Outbox.__table__  # type: ignore[attr-defined]


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class _Mailer:
    """One SMTP connection per delivery run, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, row: Outbox) -> None:
        s = self.settings
        msg = EmailMessage()
        msg["From"] = s.smtp_from
        msg["To"] = row.recipient
        msg["Subject"] = row.subject
        # Stable per notification, so a receiver can tell a re-delivery apart.
        msg["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain="inbox.local")
        msg["X-Inbox-Dedup-Key"] = row.dedup_key
        msg.set_content(row.body_text)
        if row.body_html:
            msg.add_alternative(row.body_html, subtype="html")
        if self.smtp is None:
            self.smtp = open_smtp(s, smtplib.SMTP)
        try:
            self.smtp.send_message(msg)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _post(row: Outbox, settings: Settings) -> None:
    response = httpx.post(
        row.recipient, json=row.payload or {"text": row.subject}, timeout=settings.webhook_timeout
    )
    if not response.is_success:
        raise RuntimeError(f"HTTP {response.status_code} from {row.recipient}")


def _claim(session: Session, *, now: datetime, after_id: int) -> Outbox | None:
    query = (
        sa.select(_outbox.c.id)
        .where(
            _outbox.c.status == "pending",
            _outbox.c.next_attempt_at <= now,
            _outbox.c.id > after_id,
        )
        .order_by(_outbox.c.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    found = session.execute(query).scalar_one_or_none()
    return None if found is None else session.get(Outbox, found)


def deliver_due(
    engine: Engine, *, now: datetime, settings: Settings, limit: int = 200
) -> DeliveryResult:
    """Send what is due at ``now``; failures are retried later with backoff."""
    result = DeliveryResult()
    mailer = _Mailer(settings)
    last_id = 0
    try:
        for _ in range(limit):
            with session_scope(engine) as session:
                row = _claim(session, now=now, after_id=last_id)
                if row is None:
                    break
                last_id = row.id or 0
                error: str | None = None
                try:
                    if row.kind == "email":
                        mailer.send(row)
                    else:
                        _post(row, settings)
                except (OSError, smtplib.SMTPException, httpx.HTTPError, RuntimeError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                status = outbox.record_delivery(
                    session,
                    outbox_id=last_id,
                    error=error,
                    now=now,
                    max_attempts=settings.outbox_max_attempts,
                    backoff_seconds=settings.outbox_backoff_seconds,
                )
            if status == "sent":
                result.sent += 1
            elif status == "failed":
                result.failed += 1
            else:
                result.retrying += 1
    finally:
        mailer.close()
    return result
