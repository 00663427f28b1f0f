"""Work on many items at once, through the single-item actions, and its undo.

``apply`` runs one operation (close as no reply needed or spam, assign, send on
to another department, correct the topic) on each item the user may handle,
each with its own audit event as if done one by one, and records one ``bulk``
event holding what it changed. ``undo`` reverts exactly that, within
``UNDO_WINDOW`` and only while none of the items has changed since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from inbox.actions import item_work
from inbox.actions.audit import ActionError, record_event
from inbox.core.access import CurrentUser, may_handle
from inbox.core.kinds import Resolution
from inbox.core.text import Text
from inbox.store.models import Correction, Event, Item

OPERATIONS = ("no_reply_needed", "spam", "assign", "send", "topic")
UNDO_WINDOW = timedelta(minutes=1)
# The item's columns an operation may change: what undo puts back.
_KEPT = ("status", "resolution", "closed_at", "urgency", "assignee", "department", "topic")

_event = Event.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BulkResult:
    event_id: int | None  # the bulk event (None when nothing changed)
    changed: tuple[int, ...]
    unchanged: tuple[int, ...]  # refused by the single-item action (already closed, ...)
    not_allowed: tuple[int, ...]  # items the user may not handle


class UndoRefused(Exception):
    """``reason`` is ``unknown``, ``not_yours``, ``done``, ``expired`` or ``changed``."""

    def __init__(self, reason: str, items: Sequence[int] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.items = tuple(items)


def _last_event_ids(session: Session, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(_event.c.item_id, sa.func.max(_event.c.id))
        .where(_event.c.item_id.in_(list(ids)))
        .group_by(_event.c.item_id)
    ).all()
    return {int(item_id): int(last) for item_id, last in rows}


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def apply(
    session: Session,
    items: Sequence[Item],
    *,
    operation: str,
    value: str = "",
    user: CurrentUser,
    now: datetime,
    departments: set[str] | None = None,
    topics: set[str] | None = None,
) -> BulkResult:
    """``value``: the assignee's address (``assign``, empty to unassign), the
    department (``send``) or the topic (``topic``); checked by the caller against
    the active users, and here against ``departments`` and ``topics``."""
    if operation not in OPERATIONS:
        raise ActionError(Text("Okänd åtgärd: %(operation)s.", operation=operation))
    if operation in ("send", "topic") and not value:
        raise ActionError(Text("Välj vart ärendena ska skickas eller vilket ämne de ska ha."))
    changed: list[tuple[Item, dict[str, Any], list[Correction]]] = []
    unchanged: list[int] = []
    not_allowed: list[int] = []
    for item in items:
        item_id = item.id or 0
        if not may_handle(
            user,
            department=item.department,
            priority=item.priority,
            flags=item.flags,
            assignee=item.assignee,
        ):
            not_allowed.append(item_id)
            continue
        before = {name: _stored(getattr(item, name)) for name in _KEPT}
        corrections: list[Correction] = []
        try:
            with session.begin_nested():
                if operation in ("no_reply_needed", "spam"):
                    item_work.close_item(
                        session,
                        item,
                        resolution=Resolution(operation),
                        actor=user.email,
                        now=now,
                    )
                elif operation == "assign":
                    if (item.assignee or "") == value:
                        raise ActionError(Text("Redan tilldelat så."))
                    item_work.assign_item(
                        session, item, assignee=value or None, actor=user.email, now=now
                    )
                elif operation == "send":
                    item_work.send_to_department(
                        session,
                        item,
                        department=value,
                        note="",
                        known=departments or set(),
                        actor=user.email,
                        now=now,
                    )
                else:
                    corrections.append(
                        item_work.correct_item(
                            session,
                            item,
                            field="topic",
                            value=value,
                            allowed=topics or set(),
                            actor=user.email,
                            now=now,
                        )
                    )
        except ActionError:
            session.refresh(item)
            unchanged.append(item_id)
            continue
        changed.append((item, before, corrections))
    if not changed:
        return BulkResult(None, (), tuple(unchanged), tuple(not_allowed))
    session.flush()
    ids = [item.id or 0 for item, _, _ in changed]
    last = _last_event_ids(session, ids)
    event = record_event(
        session,
        actor=user.email,
        kind="bulk",
        now=now,
        operation=operation,
        value=value,
        items=[
            {
                "id": item.id,
                "before": before,
                "last_event": last.get(item.id or 0, 0),
                "corrections": [c.id for c in corrections],
            }
            for item, before, corrections in changed
        ],
    )
    session.flush()
    return BulkResult(event.id, tuple(ids), tuple(unchanged), tuple(not_allowed))


def _restored(name: str, value: Any) -> Any:
    if name == "closed_at" and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def undo(session: Session, event_id: int, *, actor: str, now: datetime) -> tuple[int, ...]:
    """Put back what the bulk event ``event_id`` changed; the items it reverted.

    Refused (``UndoRefused``) when the event is not a bulk action of ``actor``, was
    undone already, is older than ``UNDO_WINDOW``, or when any of its items has an
    event after the bulk action (someone worked on it since).
    """
    event = session.get(Event, event_id)
    if event is None or event.kind != "bulk":
        raise UndoRefused("unknown")
    if event.actor != actor:
        raise UndoRefused("not_yours")
    data = dict(event.data)
    if data.get("undone_at"):
        raise UndoRefused("done")
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=now.tzinfo)
    if now - at > UNDO_WINDOW:
        raise UndoRefused("expired")
    entries = list(data.get("items") or [])
    ids = [int(e["id"]) for e in entries]
    last = _last_event_ids(session, ids)
    moved = [e["id"] for e in entries if last.get(int(e["id"]), 0) > int(e["last_event"])]
    if moved:
        raise UndoRefused("changed", moved)
    for entry in entries:
        item = session.get(Item, int(entry["id"]))
        if item is None:
            raise UndoRefused("changed", [entry["id"]])
        for name, value in entry["before"].items():
            setattr(item, name, _restored(name, value))
        session.add(item)
        for correction_id in entry.get("corrections") or []:
            correction = session.get(Correction, int(correction_id))
            if correction is not None:
                session.delete(correction)
        record_event(
            session,
            actor=actor,
            kind="bulk_undone",
            now=now,
            item_id=item.id,
            bulk_event=event_id,
            operation=data.get("operation"),
        )
    data["undone_at"] = now.isoformat()
    event.data = data
    session.add(event)
    session.flush()
    return tuple(ids)
