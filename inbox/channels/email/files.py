"""Mail into a mailbox page: one message at a time, from IMAP or from .eml/.mbox files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import audit, email
from inbox.channels.email.parse import iter_mbox, parse_email
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.kinds import Channel
from inbox.store.db import session_scope
from inbox.store.models import Page


class MailboxError(ValueError):
    """The page cannot take mail (unknown, or not an email page)."""


@dataclass
class EmailSummary:
    messages: int = 0
    items: int = 0
    duplicates: int = 0
    own_replies: int = 0
    responses: int = 0
    item_ids: list[int] = field(default_factory=list)

    def add(self, outcome: email.EmailOutcome) -> None:
        self.messages += 1
        if outcome.kind == "item":
            self.items += 1
            self.item_ids.append(outcome.item_id or 0)
        elif outcome.kind == "duplicate":
            self.duplicates += 1
        else:
            self.own_replies += 1
            self.responses += outcome.responses


def mailbox_page(session: Session, key: str) -> Page:
    page = session.exec(select(Page).where(Page.key == key)).first()
    if page is None:
        raise MailboxError(
            f"unknown page {key!r}: add it with `inbox pages add {key} --channel email`"
        )
    if page.channel != Channel.EMAIL.value:
        raise MailboxError(f"page {key!r} is a {page.channel} page, not an email page")
    return page


def store_message(
    session: Session,
    raw: bytes,
    *,
    page: Page,
    own_addresses: frozenset[str],
    received_at: datetime,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> email.EmailOutcome:
    parsed = parse_email(raw, received_at=received_at)
    return email.ingest_email(
        session,
        parsed,
        page=page,
        own_addresses=own_addresses,
        received_fallback=received_at,
        actor=actor,
        now=now,
        calendar=calendar,
    )


def _messages(path: Path) -> Iterator[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".eml":
        yield path.read_bytes()
    elif suffix == ".mbox":
        yield from iter_mbox(path)
    else:
        raise MailboxError(f"cannot import {path.name}: expected .eml or .mbox")


def import_mail_file(
    engine: Engine,
    path: Path,
    *,
    page_key: str,
    own_addresses: frozenset[str],
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> EmailSummary:
    """Load an .eml or .mbox file; mail already stored (same Message-ID) is skipped.

    Mail without a date is timed from ``now``, the best that is known of it.
    """
    summary = EmailSummary()
    with session_scope(engine) as session:
        mailbox_page(session, page_key)
    for raw in _messages(path):
        # One transaction per message, as from IMAP: a failure keeps what came before.
        with session_scope(engine) as session:
            page = mailbox_page(session, page_key)
            summary.add(
                store_message(
                    session,
                    raw,
                    page=page,
                    own_addresses=own_addresses,
                    received_at=now,
                    actor=actor,
                    now=now,
                    calendar=calendar,
                )
            )
    with session_scope(engine) as session:
        audit.record_event(
            session,
            actor=actor,
            kind="email_import",
            now=now,
            file=path.name,
            page=page_key,
            messages=summary.messages,
            items=summary.items,
            duplicates=summary.duplicates,
        )
    return summary
