"""Personal data: revealing what is masked, reads, exports and the hand-over to registration."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from inbox.actions.audit import ActionError, record_event
from inbox.core.audit_trail import READ_EVERY_SECONDS
from inbox.core.text import Text
from inbox.store import audit as audit_store
from inbox.store.models import Item, Registration

REVEAL_ROLES = ("supervisor", "admin")
MAX_REASON = 500
# Diarienummer look like "RS 2026-00123" or "KS/2026:456": letters, digits and . / : -
_REFERENCE = re.compile(r"^[\w][\w ./:\-]{0,63}$")


def reveal(
    session: Session, item: Item, *, role: str, reason: str, actor: str, now: datetime
) -> None:
    """A supervisor or an admin sees the personal data of one item, for a stated reason."""
    if role not in REVEAL_ROLES:
        raise ActionError(Text("Bara chefer och administratörer kan visa personuppgifter."))
    why = " ".join(reason.split())
    if not why:
        raise ActionError(Text("Ange skälet till att personuppgifterna visas."))
    if len(why) > MAX_REASON:
        raise ActionError(Text("Skälet är för långt (högst %(n)s tecken).", n=MAX_REASON))
    record_event(session, actor=actor, kind="revealed", now=now, item_id=item.id, reason=why)


def record_read(session: Session, *, item_id: int, actor: str, now: datetime) -> bool:
    """Records that ``actor`` opened the item, at most once per person, item and hour."""
    since = now - timedelta(seconds=READ_EVERY_SECONDS)
    if audit_store.read_since(session, item_id=item_id, actor=actor, since=since):
        return False
    record_event(session, actor=actor, kind="read", now=now, item_id=item_id)
    return True


def record_export(session: Session, *, actor: str, now: datetime, **data: Any) -> None:
    """An export left the system (items, the audit trail): what, how many, in which format."""
    record_event(session, actor=actor, kind="exported", now=now, **data)


def may_register(role: str, departments: tuple[str, ...], item: Item) -> bool:
    """Supervisors and admins; communicators for their own departments' items."""
    if role in REVEAL_ROLES:
        return True
    return item.department is not None and item.department in departments


def registered(
    session: Session,
    item: Item,
    *,
    address: str,
    actor: str,
    actor_name: str,
    attachment: str,
    now: datetime,
) -> Registration:
    """The record was sent to the registry: the item says so, and the trail says where."""
    row = session.get(Registration, item.id)
    if row is None:
        row = Registration(
            item_id=item.id or 0,
            address=address,
            sent_at=now,
            sent_by=actor,
            sent_by_name=actor_name,
        )
    else:
        row.address, row.sent_at, row.sent_by, row.sent_by_name = address, now, actor, actor_name
    session.add(row)
    record_event(
        session,
        actor=actor,
        kind="registered",
        now=now,
        item_id=item.id,
        to=address,
        file=attachment,
    )
    return row


def set_reference(
    session: Session, item: Item, *, reference: str, actor: str, now: datetime
) -> Registration:
    """The registry's reference (diarienummer), entered once the matter is registered."""
    row = session.get(Registration, item.id)
    if row is None:
        raise ActionError(Text("Ärendet har inte skickats till registrator."))
    value = " ".join(reference.split())
    if not _REFERENCE.match(value):
        raise ActionError(
            Text("Ange diarienumret: bokstäver, siffror och . / : -, högst 64 tecken.")
        )
    old = row.reference
    row.reference, row.reference_at, row.reference_by = value, now, actor
    session.add(row)
    record_event(
        session,
        actor=actor,
        kind="registry_reference",
        now=now,
        item_id=item.id,
        reference=value,
        previous=old,
    )
    return row
