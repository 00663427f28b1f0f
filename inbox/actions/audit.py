"""The audit trail every write leaves, and the error a refused write raises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from inbox.store.models import (
    Event,
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


SCHEDULER_ACTOR = "scheduler"


MAX_TEXT = 8000


def checked_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ActionError(f"the {what} is empty")
    if len(text) > MAX_TEXT:
        raise ActionError(f"the {what} is longer than {MAX_TEXT} characters")
    return text
