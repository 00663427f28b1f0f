"""Tagging and routing written onto items: untagged ones, and open ones after a rules change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from inbox.actions.audit import record_event
from inbox.core.incoming import NewItem
from inbox.core.rules.tagging import Rules
from inbox.core.tagging import ROUTE_COLUMNS, TAG_COLUMNS, kept_on_retag, tag_row, tag_values
from inbox.store.models import (
    OPEN,
    Correction,
    Event,
    Item,
    Page,
)

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]


def tags_for(new: NewItem, page: Page, rules: Rules | None) -> tuple[Any, ...]:
    if rules is None:
        return (None, None, None, "normal", None, "", "", None, None, None)
    return tag_row(
        new.text,
        rules,
        page=page.key,
        channel=new.channel or page.channel,
        kind=new.kind,
        received_at=new.received_at,
        resolution=new.resolution,
    )


def tag_untagged(session: Session, *, rules: Rules, limit: int = 2000) -> int:
    """Tag and route items stored without tags (bulk imports, and items whose text was
    edited since); returns how many. What people decided about an item is kept
    (``kept_on_retag``)."""
    c = _item.c
    rows = session.execute(
        _to_read().where(c.classification.is_(None)).order_by(c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    corrected, sent = _decided_by_people(session, [row.id for row in rows])
    updates = []
    for row in rows:
        values = _read_again(row, rules, corrected, sent, resolution=row.resolution)
        updates.append({"b_id": row.id, **{f"b_{k}": v for k, v in values.items()}})
    session.execute(
        sa.update(_item)
        .where(c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in TAG_COLUMNS}),
        updates,
    )
    return len(rows)


# The columns a new reading may have to leave as they are.
_KEPT = ("topic", "sentiment", "flags", *ROUTE_COLUMNS)


def _to_read() -> sa.Select[Any]:
    """What reading items again needs of them (with their page's key)."""
    c = _item.c
    return sa.select(
        c.id,
        c.text,
        _page.c.key,
        c.channel,
        c.kind,
        c.received_at,
        c.resolution,
        c.assignee,
        *(c[name] for name in _KEPT),
    ).join(_page, _page.c.id == c.page_id)


def _read_again(
    row: Any,
    rules: Rules,
    corrected: dict[int, set[str]],
    sent: set[int],
    *,
    resolution: str | None = None,
) -> dict[str, Any]:
    """A ``_to_read`` row's tag values, keeping what people decided about it."""
    values = tag_values(
        row.text,
        rules,
        page=row.key,
        channel=row.channel,
        kind=row.kind,
        received_at=row.received_at,
        resolution=resolution,
    )
    if not (row.id in corrected or row.id in sent or row.assignee or row.flags):
        return values  # nobody touched it and no flag to keep: the reading as it is
    return kept_on_retag(
        values,
        {name: getattr(row, name) for name in _KEPT},
        corrected=corrected.get(row.id, ()),
        routed_by_hand=row.id in sent or bool(row.assignee),
    )


def _decided_by_people(session: Session, ids: list[int]) -> tuple[dict[int, set[str]], set[int]]:
    """Of these items: the fields people corrected, by item, and the items sent on to
    another department by hand."""
    corrected: dict[int, set[str]] = {}
    sent: set[int] = set()
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        for item_id, name in session.execute(
            sa.select(col(Correction.item_id), col(Correction.field)).where(
                col(Correction.item_id).in_(chunk)
            )
        ):
            corrected.setdefault(item_id, set()).add(name)
        sent.update(
            session.execute(
                sa.select(col(Event.item_id)).where(
                    col(Event.item_id).in_(chunk), col(Event.kind) == "sent_to_department"
                )
            ).scalars()
        )
    return corrected, sent


# Item ids a query looks people's decisions up for (SQLite takes 32,766 parameters).
_LOOKUP_CHUNK = 10_000


def reroute_open_items(
    session: Session, *, rules: Rules, actor: str, now: datetime
) -> tuple[int, int]:
    """Apply changed rules to open items: re-tag them, and re-route those nobody routed
    by hand (what people decided is kept, as in ``kept_on_retag``).

    Returns (items examined, items whose department or priority changed); every
    change is recorded with the rule that caused it.
    """
    c = _item.c
    rows = session.execute(_to_read().where(c.status == OPEN).order_by(c.id)).all()
    corrected, sent = _decided_by_people(session, [row.id for row in rows])
    changed = 0
    for row in rows:
        values = _read_again(row, rules, corrected, sent)
        session.execute(sa.update(_item).where(c.id == row.id).values(values))
        if (values["department"], values["priority"]) != (row.department, row.priority):
            changed += 1
            record_event(
                session,
                actor=actor,
                kind="rerouted",
                now=now,
                item_id=row.id,
                old_department=row.department,
                department=values["department"],
                old_priority=row.priority,
                priority=values["priority"],
                rule=values["routing_rule"],
                reason=values["classification"]["reason"],
            )
    return len(rows), changed
