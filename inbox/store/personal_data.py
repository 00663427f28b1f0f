"""Reads for a person's request: every item, response, note and event that comes from
or names one person, found through the person index (``person_token``).

The index finds candidates by token look-ups; ``inbox.core.person.Person``
confirms each against the stored text, so a name is listed only where it
really stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inbox.core.person import Person
from inbox.store.models import Event, Item, ItemSource, LegalHold, Note, Page, PersonToken, Response

__all__ = ["Found", "PersonData", "candidates", "find_person"]

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_source = ItemSource.__table__  # type: ignore[attr-defined]
_token = PersonToken.__table__  # type: ignore[attr-defined]
_response = Response.__table__  # type: ignore[attr-defined]
_note = Note.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]
_hold = LegalHold.__table__  # type: ignore[attr-defined]

# Relations: "from" the person wrote it, "mentions" it names the person,
# "on" it belongs to one of the person's items.
FROM, MENTIONS, ON = "from", "mentions", "on"


@dataclass(frozen=True)
class Found:
    kind: str  # item | response | note | event
    id: int
    item_id: int
    relation: str
    at: datetime
    page: str = ""
    author: str = ""
    text: str = ""
    data: dict[str, Any] | None = None
    held: bool = False

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "item_id": self.item_id,
            "relation": self.relation,
            "at": self.at.isoformat(),
        }
        if self.kind == "item":
            out.update(page=self.page, held=self.held)
        if self.kind == "event":
            out.update(event=self.author, actor=self.text, data=self.data)
        else:
            out.update(author=self.author, text=self.text)
        return out


@dataclass
class PersonData:
    person: Person
    items: list[Found] = field(default_factory=list)
    responses: list[Found] = field(default_factory=list)
    notes: list[Found] = field(default_factory=list)
    events: list[Found] = field(default_factory=list)

    @property
    def own_item_ids(self) -> list[int]:
        return [f.id for f in self.items if f.relation == FROM]

    @property
    def mention_item_ids(self) -> list[int]:
        """Someone else's items whose text, responses or notes name the person."""
        own = set(self.own_item_ids)
        ids = {f.id for f in self.items if f.relation == MENTIONS}
        ids |= {f.item_id for f in [*self.responses, *self.notes] if f.relation == MENTIONS}
        return sorted(ids - own)

    @property
    def held_item_ids(self) -> list[int]:
        return [f.id for f in self.items if f.held]

    def everything(self) -> list[Found]:
        return [*self.items, *self.responses, *self.notes, *self.events]

    def counts(self) -> dict[str, int]:
        return {
            "items": len(self.own_item_ids),
            "mentions": len(self.mention_item_ids),
            "responses": len(self.responses),
            "notes": len(self.notes),
            "events": len(self.events),
        }


def candidates(conn: Connection, person: Person) -> set[int]:
    """Items holding every token of one of the person's look-ups (index reads only)."""
    found: set[int] = set()
    for group in person.lookups():
        # One index range per token, joined on the item: every token of the group.
        first, *rest = (_token.alias(f"t{n}") for n in range(len(group)))
        query = sa.select(first.c.item_id).where(first.c.token == group[0])
        for other, token in zip(rest, group[1:], strict=True):
            query = query.join(
                other, sa.and_(other.c.item_id == first.c.item_id, other.c.token == token)
            )
        found.update(i for (i,) in conn.execute(query))
    return found


def _chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def find_person(conn: Connection, person: Person) -> PersonData:
    """Everything held about ``person`` that the person index reaches."""
    out = PersonData(person)
    ids = sorted(candidates(conn, person))
    own: set[int] = set()
    listed: set[int] = set()
    for chunk in _chunks(ids):
        held = {
            i for (i,) in conn.execute(sa.select(_hold.c.item_id).where(_hold.c.item_id.in_(chunk)))
        }
        rows = conn.execute(
            sa.select(
                _item.c.id,
                _page.c.key,
                _item.c.author,
                _item.c.author_id,
                _item.c.text,
                _item.c.received_at,
                _source.c.data,
            )
            .select_from(
                _item.join(_page, _page.c.id == _item.c.page_id).outerjoin(
                    _source, _source.c.item_id == _item.c.id
                )
            )
            .where(_item.c.id.in_(chunk), _item.c.erased_at.is_(None))
            .order_by(_item.c.received_at, _item.c.id)
        ).all()
        for item_id, page, author, author_id, text, at, data in rows:
            address = (data or {}).get("from_address", "") if isinstance(data, dict) else ""
            if person.is_author(author, author_id, address if isinstance(address, str) else ""):
                relation = FROM
                own.add(item_id)
            elif person.mentioned_in(text) or person.mentioned_in(author):
                relation = MENTIONS
            else:
                continue
            listed.add(item_id)
            out.items.append(
                Found(
                    "item", item_id, item_id, relation, at, page, author, text, held=item_id in held
                )
            )
    for table, target, when, who in (
        (_response, out.responses, _response.c.sent_at, _response.c.author),
        (_note, out.notes, _note.c.at, _note.c.author),
    ):
        kind = "response" if table is _response else "note"
        for chunk in _chunks(ids):
            for row_id, item_id, author, text, at in conn.execute(
                sa.select(table.c.id, table.c.item_id, who, table.c.text, when)
                .where(table.c.item_id.in_(chunk))
                .order_by(when, table.c.id)
            ):
                if item_id in own:
                    target.append(Found(kind, row_id, item_id, ON, at, author=author, text=text))
                elif person.mentioned_in(text):
                    target.append(
                        Found(kind, row_id, item_id, MENTIONS, at, author=author, text=text)
                    )
    for chunk in _chunks(sorted(own)):
        for row_id, item_id, kind, actor, at, data in conn.execute(
            sa.select(
                _event.c.id,
                _event.c.item_id,
                _event.c.kind,
                _event.c.actor,
                _event.c.at,
                _event.c.data,
            )
            .where(_event.c.item_id.in_(chunk))
            .order_by(_event.c.at, _event.c.id)
        ):
            out.events.append(
                Found("event", row_id, item_id, ON, at, author=kind, text=actor, data=data)
            )
    out.items.sort(key=lambda f: (f.at, f.id))
    return out
