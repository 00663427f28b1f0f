"""The audit trail every write leaves, and the error a refused write raises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from inbox.core import limits
from inbox.core.text import Text
from inbox.store.models import (
    Event,
)


class ActionError(ValueError):
    """A write that was refused, with a message fit for the person who asked.

    The message is a ``Text`` (a Swedish msgid and its values), so the web shows
    it in the reader's language with ``|say``; ``str()`` gives the Swedish
    sentence (the command line, the logs, the API).
    """

    def __init__(self, message: Text | str) -> None:
        self.text = message if isinstance(message, Text) else Text("%(message)s", message=message)
        super().__init__(str(self.text))


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


MAX_TEXT = limits.REPLY.most


def checked_text(value: str, empty: Text, limit: limits.Limit = limits.REPLY) -> str:
    """``value`` stripped; refused with ``empty`` when nothing is left, or with the
    limit's message when it is too long."""
    text = value.strip()
    if not text:
        raise ActionError(empty)
    problem = limit.problem(text)
    if problem is not None:
        raise ActionError(problem)
    return text
