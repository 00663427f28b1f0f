"""Retention (gallring), legal holds and a person's erasure: every erasing write.

Erasure removes what identifies a person and keeps what the figures need. Of an
item it blanks the text, the author's name and ids, the classifier's working
(its figures stay: topic, sentiment, flags), the e-mail source and its
attachments' names, the notification bodies about it, corrections' copies of
its text, the texts of audit events about it (an edit's earlier text) and the
webhook deliveries that carried it (their strings naming the person); in
responses, notes and outbound replies the person's name, address and numbers
are replaced by "[raderat]". Timestamps, page, post, kind, topic, sentiment,
department, resolution, response times and who answered stay, so ``inbox
report`` gives the same figures for every window afterwards.

Work goes in batches of ``BATCH`` items, one transaction each, so the web
server's writes are never held up for long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from inbox.actions.audit import SCHEDULER_ACTOR, ActionError, checked_text, record_event
from inbox.core import limits
from inbox.core.kinds import Resolution, Status
from inbox.core.person import ERASED_MARK, Person
from inbox.core.retention import cutoffs
from inbox.core.rules.retention import RetentionRules
from inbox.core.text import Text
from inbox.store.db import session_scope
from inbox.store.models import (
    Correction,
    Delivery,
    Event,
    Item,
    ItemSource,
    LegalHold,
    Note,
    Outbound,
    Outbox,
    Page,
    PendingEvent,
    PersonToken,
    ProcessedEvent,
    Response,
)

__all__ = [
    "BATCH",
    "Erased",
    "RunResult",
    "erase_items",
    "place_hold",
    "release_hold",
    "run_retention",
]

BATCH = 2_000
_NO_REASON = Text("Skriv skälet: vilken begäran det gäller (till exempel diarienumret).")
# A batch is one write transaction: the web server's writes wait for it on SQLite.
# Batches shrink when one takes longer than this and grow back when well under.
BATCH_SECONDS = 0.5
MIN_BATCH = 100
# What an erased item's classification holds: not NULL, so the tagging pass
# (which picks up untagged items) leaves its topic and sentiment alone.
ERASED_CLASSIFICATION: dict[str, Any] = {"erased": True}
# Event data keys that hold customer text.
_TEXT_KEYS = ("before", "after", "text", "old_text", "new_text", "body", "subject")

_item = Item.__table__  # type: ignore[attr-defined]
_source = ItemSource.__table__  # type: ignore[attr-defined]
_hold = LegalHold.__table__  # type: ignore[attr-defined]
_token = PersonToken.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]
_processed = ProcessedEvent.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_outbox = Outbox.__table__  # type: ignore[attr-defined]
_correction = Correction.__table__  # type: ignore[attr-defined]
_pending = PendingEvent.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_SCRUBBED = (
    Response.__table__,  # type: ignore[attr-defined]
    Note.__table__,  # type: ignore[attr-defined]
    Outbound.__table__,  # type: ignore[attr-defined]
)


@dataclass
class Erased:
    """What one or more erasures touched, by kind of row."""

    items: int = 0
    responses: int = 0
    notes: int = 0
    outbound: int = 0
    sources: int = 0
    notifications: int = 0
    events: int = 0
    deliveries: int = 0
    tokens: int = 0
    item_ids: list[int] = field(default_factory=list)

    def add(self, other: Erased) -> None:
        for name in self.counts():
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.item_ids.extend(other.item_ids)

    def counts(self) -> dict[str, int]:
        return {
            "items": self.items,
            "responses": self.responses,
            "notes": self.notes,
            "outbound": self.outbound,
            "sources": self.sources,
            "notifications": self.notifications,
            "events": self.events,
            "deliveries": self.deliveries,
            "tokens": self.tokens,
        }


@dataclass
class RunResult:
    due: int = 0
    held: int = 0
    erased: Erased = field(default_factory=Erased)
    batches: int = 0
    longest_batch_seconds: float = 0.0
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "due": self.due,
            "held": self.held,
            **self.erased.counts(),
            "batches": self.batches,
            "longest_batch_seconds": round(self.longest_batch_seconds, 3),
        }


# -- legal holds ----------------------------------------------------------------


def place_hold(session: Session, *, item_id: int, reason: str, actor: str, now: datetime) -> None:
    """Stop every erasure of one item (retention and requests) until released."""
    reason = checked_text(reason, _NO_REASON, limits.NOTE)
    item = session.get(Item, item_id)
    if item is None:
        raise ActionError(Text("Ärende %(id)s finns inte.", id=item_id))
    if item.erased_at is not None:
        raise ActionError(Text("Ärende %(id)s är redan raderat.", id=item_id))
    hold = session.get(LegalHold, item_id)
    if hold is not None:
        raise ActionError(Text("Ärende %(id)s har redan ett bevarandebeslut.", id=item_id))
    session.add(LegalHold(item_id=item_id, reason=reason, actor=actor, created_at=now))
    record_event(session, actor=actor, kind="legal_hold", now=now, item_id=item_id, reason=reason)


def release_hold(session: Session, *, item_id: int, reason: str, actor: str, now: datetime) -> None:
    reason = checked_text(reason, _NO_REASON, limits.NOTE)
    hold = session.get(LegalHold, item_id)
    if hold is None:
        raise ActionError(Text("Ärende %(id)s har inget bevarandebeslut.", id=item_id))
    session.delete(hold)
    record_event(
        session, actor=actor, kind="legal_hold_released", now=now, item_id=item_id, reason=reason
    )


# -- erasure --------------------------------------------------------------------


def _in(conn: Connection, column: Any, ids: Sequence[Any]) -> Any:
    """``column IN ids`` as one parameter: on PostgreSQL an array (``= ANY``), on
    SQLite a JSON array read by ``json_each``, so the statement is the same for
    every batch.
    Building two thousand bound values costs more than the statement does."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(column.type)))
    values = sa.func.json_each(sa.bindparam(None, json.dumps(list(ids)))).table_valued("value")
    return column.in_(sa.select(values.c.value))


class _People:
    """Who each item comes from (its author's name and id, a mail's sender address),
    made only for the items that have something to scrub."""

    def __init__(self, conn: Connection, rows: Sequence[Any]) -> None:
        self.rows = {r.id: r for r in rows}
        self.addresses: dict[int, str] = {}
        for item_id, data in conn.execute(
            sa.select(_source.c.item_id, _source.c.data).where(
                _in(conn, _source.c.item_id, list(self.rows))
            )
        ):
            address = data.get("from_address") if isinstance(data, dict) else None
            if isinstance(address, str):
                self.addresses[item_id] = address
        self._made: dict[int, Person | None] = {}

    def get(self, item_id: int) -> Person | None:
        if item_id not in self._made:
            r = self.rows[item_id]
            author = (r.author or "").strip()
            values = {
                "author": author if any(ch.isalpha() for ch in author) else "",
                "platform_id": (r.author_id or "").strip(),
                "email": self.addresses.get(item_id, "").strip(),
            }
            self._made[item_id] = Person(**values) if any(values.values()) else None
        return self._made[item_id]

    def of(self, item_ids: Iterable[int]) -> list[Person]:
        return [p for p in (self.get(i) for i in item_ids) if p is not None]


def _scrub_value(value: Any, people: Sequence[Person], texts: set[str]) -> Any:
    """A JSON value with every string naming one of ``people`` (or equal to an erased text)
    scrubbed."""
    if isinstance(value, str):
        if value in texts:
            return ""
        out = value
        for person in people:
            out = person.scrub(out)
        return out
    if isinstance(value, list):
        return [_scrub_value(v, people, texts) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, people, texts) for k, v in value.items()}
    return value


def _scrub_texts(
    conn: Connection, rows: Sequence[Any], people: _People | None, extra: Person | None
) -> dict[str, int]:
    """Responses, notes and outbound replies: the person's name and numbers replaced."""
    ids = [r.id for r in rows]
    counts: dict[str, int] = {}
    for table in _SCRUBBED:
        changed = []
        for row_id, item_id, text in conn.execute(
            sa.select(table.c.id, table.c.item_id, table.c.text).where(
                _in(conn, table.c.item_id, ids), table.c.text != ""
            )
        ):
            new = text
            for person in (people.get(item_id) if people else None, extra):
                if person is not None:
                    new = person.scrub(new)
            if new != text:
                changed.append({"row_id": row_id, "text": new})
        if changed:
            conn.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values(text=sa.bindparam("text")),
                changed,
            )
        counts[table.name] = len(changed)
    return counts


PeopleOf = Callable[[Iterable[int]], list[Person]]


def _scrub_events(
    conn: Connection, ids: Sequence[int], people_of: PeopleOf, texts: set[str]
) -> int:
    changed = []
    for event_id, item_id, data in conn.execute(
        sa.select(_event.c.id, _event.c.item_id, _event.c.data).where(
            _in(conn, _event.c.item_id, ids)
        )
    ):
        if not isinstance(data, dict):
            continue
        people = people_of([item_id])
        new = {k: ("" if k in _TEXT_KEYS and v else v) for k, v in data.items()}
        new = _scrub_value(new, people, texts)
        if new != data:
            changed.append({"row_id": event_id, "data": new})
    if changed:
        conn.execute(
            _event.update()
            .where(_event.c.id == sa.bindparam("row_id"))
            .values(data=sa.bindparam("data", type_=_event.c.data.type)),
            changed,
        )
    return len(changed)


def _scrub_deliveries(
    conn: Connection, items: dict[str, int], people_of: PeopleOf, texts: set[str]
) -> int:
    """The raw webhook bodies that carried these items (by platform id): strings naming
    the people blanked."""
    if not items:
        return 0
    found = conn.execute(
        sa.select(_processed.c.delivery_id, _processed.c.external_id).where(
            _in(conn, _processed.c.external_id, sorted(items)),
            _processed.c.delivery_id.is_not(None),
        )
    ).all()
    delivery_ids = sorted({d for d, _e in found})
    if not delivery_ids:
        return 0
    people = people_of(sorted({items[e] for _d, e in found}))
    changed = []
    for start in range(0, len(delivery_ids), 500):
        chunk = delivery_ids[start : start + 500]
        for delivery_id, body in conn.execute(
            sa.select(_delivery.c.id, _delivery.c.body).where(_in(conn, _delivery.c.id, chunk))
        ):
            try:
                data = json.loads(bytes(body))
            except (ValueError, UnicodeDecodeError):
                new_body = b""  # not JSON: nothing in it can be kept safely
            else:
                new_body = json.dumps(
                    _scrub_value(data, people, texts), ensure_ascii=False
                ).encode()
            if new_body != bytes(body):
                changed.append({"row_id": delivery_id, "body": new_body})
    if changed:
        conn.execute(
            _delivery.update()
            .where(_delivery.c.id == sa.bindparam("row_id"))
            .values(body=sa.bindparam("body")),
            changed,
        )
    return len(changed)


def _item_rows(conn: Connection, ids: Sequence[int]) -> list[Any]:
    return list(
        conn.execute(
            sa.select(
                _item.c.id,
                _item.c.page_id,
                _item.c.external_id,
                _item.c.author,
                _item.c.author_id,
                _item.c.text,
            ).where(_in(conn, _item.c.id, ids), _item.c.erased_at.is_(None))
        )
    )


def erase_items(
    session: Session,
    item_ids: Sequence[int],
    *,
    by: str,
    now: datetime,
    person: Person | None = None,
) -> Erased:
    """Erase the personal data of these items (not held, not erased yet); figures kept.

    ``by`` names the rule or the request, shown on the item page. ``person``, for a
    request, is also scrubbed from the items' responses, notes and events.
    """
    conn = session.connection()
    held = {
        i
        for (i,) in conn.execute(
            sa.select(_hold.c.item_id).where(_in(conn, _hold.c.item_id, item_ids))
        )
    }
    rows = [r for r in _item_rows(conn, item_ids) if r.id not in held]
    done = Erased()
    if not rows:
        return done
    ids = [r.id for r in rows]
    people = _People(conn, rows)
    extra = [person] if person else []
    texts = {r.text for r in rows if r.text and len(r.text) >= 3}
    scrubbed = _scrub_texts(conn, rows, people, person)
    done.responses = scrubbed.get("response", 0)
    done.notes = scrubbed.get("note", 0)
    done.outbound = scrubbed.get("outbound", 0)
    done.events = _scrub_events(conn, ids, lambda found: [*people.of(found), *extra], texts)
    done.deliveries = _scrub_deliveries(
        conn,
        {r.external_id: r.id for r in rows if r.external_id},
        lambda found: [*people.of(found), *extra],
        texts,
    )
    done.sources = conn.execute(
        _source.update()
        .where(_in(conn, _source.c.item_id, ids))
        .values(raw_html=None, data={"erased": True})
    ).rowcount
    done.notifications = conn.execute(
        _outbox.update()
        .where(_in(conn, _outbox.c.item_id, ids))
        .values(subject="", body_text="", body_html="", payload=None)
    ).rowcount
    conn.execute(_correction.update().where(_in(conn, _correction.c.item_id, ids)).values(text=""))
    keys = {(r.page_id, r.external_id) for r in rows if r.external_id}
    pending = [
        row_id
        for row_id, page_id, external_id in conn.execute(
            sa.select(_pending.c.id, _pending.c.page_id, _pending.c.external_id).where(
                _in(conn, _pending.c.external_id, sorted({k[1] for k in keys}))
            )
        )
        if (page_id, external_id) in keys
    ]
    if pending:
        conn.execute(_pending.update().where(_in(conn, _pending.c.id, pending)).values(text=""))
    done.tokens = conn.execute(_token.delete().where(_in(conn, _token.c.item_id, ids))).rowcount
    done.items = conn.execute(
        _item.update()
        .where(_in(conn, _item.c.id, ids))
        .values(
            text="",
            author="",
            author_id=None,
            classification=ERASED_CLASSIFICATION,
            erased_at=now,
            erased_by=by[:128],
        )
    ).rowcount
    done.item_ids = ids
    return done


# -- the retention run ----------------------------------------------------------


def _due_batch(
    conn: Connection,
    *,
    page_id: int,
    before: datetime,
    removed: bool,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[tuple[int, datetime, bool]]:
    """The next ``limit`` due items of a page, by closing time: (id, closed_at, held)."""
    c = _item.c
    is_removed = sa.func.coalesce(c.resolution, "") == Resolution.REMOVED.value
    query = (
        sa.select(c.id, c.closed_at, _hold.c.item_id.is_not(None))
        .select_from(_item.outerjoin(_hold, _hold.c.item_id == c.id))
        .where(
            c.page_id == page_id,
            c.closed_at.is_not(None),
            c.erased_at.is_(None),
            c.closed_at < before,
            c.status == Status.CLOSED.value,
            is_removed if removed else sa.not_(is_removed),
        )
        .order_by(c.closed_at, c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            sa.or_(c.closed_at > after[0], sa.and_(c.closed_at == after[0], c.id > after[1]))
        )
    return [(r[0], r[1], bool(r[2])) for r in conn.execute(query)]


def run_retention(
    engine: Engine,
    rules: RetentionRules,
    *,
    now: datetime,
    dry_run: bool = False,
    batch: int = BATCH,
    actor: str = SCHEDULER_ACTOR,
    clock: Callable[[], float] = time.perf_counter,
) -> RunResult:
    """Erase what the rules say is due at ``now``, a batch per transaction."""
    result = RunResult(dry_run=dry_run)
    if not rules.erases_anything:
        return result
    with engine.connect() as conn:
        pages = {key: pid for pid, key in conn.execute(sa.select(_page.c.id, _page.c.key))}
    size = min(batch, max(MIN_BATCH, batch // 4))  # grows while batches stay short
    for cut in cutoffs(rules, sorted(pages), now):
        for removed, before, rule in (
            (False, cut.closed_before, cut.closed_rule),
            (True, cut.removed_before, cut.removed_rule),
        ):
            if before is None:
                continue
            after: tuple[datetime, int] | None = None
            while True:
                started = clock()
                with session_scope(engine) as session:
                    found = _due_batch(
                        session.connection(),
                        page_id=pages[cut.page],
                        before=before,
                        removed=removed,
                        after=after,
                        limit=size,
                    )
                    if not found:
                        break
                    after = (found[-1][1], found[-1][0])
                    free = [item_id for item_id, _at, held in found if not held]
                    result.due += len(found)
                    result.held += len(found) - len(free)
                    if not dry_run and free:
                        done = erase_items(session, free, by=rule, now=now)
                        record_event(
                            session,
                            actor=actor,
                            kind="retention_erased",
                            now=now,
                            rule=rule,
                            page=cut.page,
                            items=done.items,
                            item_ids=done.item_ids,
                            **{k: v for k, v in done.counts().items() if k != "items"},
                        )
                        done.item_ids = []
                        result.erased.add(done)
                        result.batches += 1
                took = clock() - started
                result.longest_batch_seconds = max(result.longest_batch_seconds, took)
                if len(found) < size:
                    break
                if took > BATCH_SECONDS:
                    size = max(MIN_BATCH, size // 2)
                elif took < BATCH_SECONDS / 3:
                    size = min(batch, size * 2)
    return result


def scrub_mentions(session: Session, item_ids: Sequence[int], person: Person) -> int:
    """Someone else's items that name the person: the name, address and numbers replaced
    in the item's text and its responses, notes and events; the person's tokens dropped."""
    conn = session.connection()
    rows = _item_rows(conn, item_ids)
    changed = 0
    for r in rows:
        new = person.scrub(r.text or "")
        if new != r.text:
            conn.execute(_item.update().where(_item.c.id == r.id).values(text=new))
            changed += 1
    ids = [r.id for r in rows]
    scrubbed = _scrub_texts(conn, rows, None, person)
    changed += sum(scrubbed.values())
    changed += _scrub_events(conn, ids, lambda _found: [person], set())
    tokens = [t for group in person.lookups() for t in group]
    conn.execute(
        _token.delete().where(_in(conn, _token.c.item_id, ids), _in(conn, _token.c.token, tokens))
    )
    return changed


def erase_person(
    engine: Engine,
    person: Person,
    item_ids: Iterable[int],
    *,
    mentions: Sequence[int] = (),
    reason: str,
    actor: str,
    now: datetime,
    batch: int = BATCH,
) -> tuple[Erased, list[int]]:
    """A person's request: erase their items (not held), in batches; one audit event.

    The event records who handled it, why, which fields named the person and what
    was erased, never the person's data itself. Returns what was erased and the
    held items that were kept.
    """
    reason = checked_text(reason, _NO_REASON, limits.NOTE)
    ids = sorted(set(item_ids))
    total = Erased()
    with engine.connect() as conn:
        held = sorted(
            {
                i
                for (i,) in conn.execute(
                    sa.select(_hold.c.item_id).where(_in(conn, _hold.c.item_id, [*ids, *mentions]))
                )
            }
        )
    for start in range(0, len(ids), batch):
        with session_scope(engine) as session:
            total.add(
                erase_items(
                    session, ids[start : start + batch], by="request", now=now, person=person
                )
            )
    others = sorted(set(mentions) - set(ids) - set(held))
    scrubbed = 0
    for start in range(0, len(others), batch):
        with session_scope(engine) as session:
            scrubbed += scrub_mentions(session, others[start : start + batch], person)
    with session_scope(engine) as session:
        record_event(
            session,
            actor=actor,
            kind="person_erased",
            now=now,
            reason=reason,
            named_by=sorted(k for k, v in person.as_dict().items() if v),
            item_ids=total.item_ids,
            held_item_ids=held,
            mentions_scrubbed=scrubbed,
            **total.counts(),
        )
    return total, held


__all__ += ["ERASED_MARK", "erase_person", "scrub_mentions"]
