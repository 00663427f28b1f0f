"""The person index: search tokens of new items, responses and notes (inbox.core.person).

Written behind the data, like the tagging pass: each call indexes the rows
added since the last one (a watermark per table in ``app_flag``), so intake
pays nothing and ``inbox person find`` looks tokens up instead of reading every
text. Erasure deletes an item's tokens with its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from inbox.core.person import Person, tokens_of
from inbox.store.db import bulk_rows, insert_new_rows, session_scope
from inbox.store.models import AppFlag, Item, ItemSource, Note, PersonToken, Response
from inbox.store.personal_data import PersonData, find_person

__all__ = ["BATCH", "catch_up", "find", "index_pending", "insert_tokens"]

BATCH = 20_000
_item = Item.__table__  # type: ignore[attr-defined]
_source = ItemSource.__table__  # type: ignore[attr-defined]
_note = Note.__table__  # type: ignore[attr-defined]
_response = Response.__table__  # type: ignore[attr-defined]
_token = PersonToken.__table__  # type: ignore[attr-defined]
_flag = AppFlag.__table__  # type: ignore[attr-defined]

_TOKEN_COLUMNS = ("item_id", "token")
MARKS = {
    "item": "person_index.item",
    "response": "person_index.response",
    "note": "person_index.note",
}


def _mark(conn: Connection, name: str) -> int:
    value = conn.execute(sa.select(_flag.c.value).where(_flag.c.key == MARKS[name])).scalar()
    return int(value) if value else 0


def _set_mark(conn: Connection, name: str, value: int) -> None:
    updated = conn.execute(
        _flag.update().where(_flag.c.key == MARKS[name]).values(value=str(value))
    ).rowcount
    if not updated:
        conn.execute(_flag.insert().values(key=MARKS[name], value=str(value)))


def insert_tokens(conn: Connection, pairs: Iterable[tuple[str, int]]) -> int:
    """Store (token, item id) pairs; pairs already stored are skipped (COPY on PostgreSQL)."""
    rows = sorted({(item_id, token) for token, item_id in pairs})
    if not rows:
        return 0
    encoded = bulk_rows(conn.dialect.name, _token, _TOKEN_COLUMNS, rows, _TOKEN_COLUMNS)
    return insert_new_rows(conn, _token, _TOKEN_COLUMNS, encoded, unique=_TOKEN_COLUMNS)


Read = tuple[list[tuple[str, int]], int, int]


def _item_pairs(conn: Connection, after: int, limit: int) -> Read:
    rows = conn.execute(
        sa.select(_item.c.id, _item.c.author, _item.c.author_id, _item.c.text, _source.c.data)
        .select_from(_item.outerjoin(_source, _source.c.item_id == _item.c.id))
        .where(_item.c.id > after, _item.c.erased_at.is_(None))
        .order_by(_item.c.id)
        .limit(limit)
    ).all()
    pairs: list[tuple[str, int]] = []
    for item_id, author, author_id, text, data in rows:
        found = tokens_of(text or "", author=author or "", author_id=author_id)
        address = (data or {}).get("from_address") if isinstance(data, dict) else None
        if isinstance(address, str) and address.strip():
            found.add("e:" + address.strip().casefold())
        pairs.extend((t, item_id) for t in found)
    return pairs, rows[-1][0] if rows else after, len(rows)


def _text_pairs(conn: Connection, table: sa.Table, after: int, limit: int) -> Read:
    rows = conn.execute(
        sa.select(table.c.id, table.c.item_id, table.c.text)
        .where(table.c.id > after)
        .order_by(table.c.id)
        .limit(limit)
    ).all()
    pairs = [(t, item_id) for _id, item_id, text in rows for t in tokens_of(text or "")]
    return pairs, rows[-1][0] if rows else after, len(rows)


def index_pending(session: Session, *, limit: int = BATCH) -> int:
    """Index up to ``limit`` new rows of each table; returns how many rows were read."""
    conn = session.connection()
    done = 0
    readers: tuple[tuple[str, Callable[[int], Read]], ...] = (
        ("item", lambda after: _item_pairs(conn, after, limit)),
        ("response", lambda after: _text_pairs(conn, _response, after, limit)),
        ("note", lambda after: _text_pairs(conn, _note, after, limit)),
    )
    for name, read in readers:
        after = _mark(conn, name)
        pairs, last, count = read(after)
        if count:
            insert_tokens(conn, pairs)
            _set_mark(conn, name, last)
            done += count
    return done


def catch_up(engine: Engine) -> int:
    """Index everything that arrived since the index last ran, a batch per transaction."""
    total = 0
    while True:
        with session_scope(engine) as session:
            done = index_pending(session)
        total += done
        if not done:
            return total


def find(engine: Engine, person: Person) -> PersonData:
    """The person's data, with the index brought up to date first."""
    catch_up(engine)
    with engine.connect() as conn:
        return find_person(conn, person)
