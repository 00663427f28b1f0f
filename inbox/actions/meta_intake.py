"""Turning stored webhook deliveries into items, every event exactly once.

Each call takes a batch of pending deliveries in one transaction: it claims the
key of every event (``processed_event``, unique), applies only the events it
claimed, and marks the deliveries processed, all in the same commit. A crash
anywhere leaves the batch pending and unclaimed; a redelivery (Meta retries for
up to 36 hours, in any order) finds its keys claimed and changes nothing.

Events may arrive before the item they concern: an edit, removal or hide is
kept in ``pending_event`` and a page's own reply in ``platform_response``, and
both are applied when the item arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from inbox.actions import audit, intake, item_work, outbound, person_index, responses
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.incoming import DeliveryParser, MetaEvent, MetaFormatError, part_of
from inbox.core.kinds import DeliveryStatus, Receives, Resolution, Status
from inbox.core.person import tokens_of
from inbox.store.db import insert_ignoring_duplicates
from inbox.store.models import (
    Delivery,
    Event,
    Item,
    Page,
    PendingEvent,
    PlatformResponse,
    Post,
    to_epoch_us,
)

log = logging.getLogger("inbox.actions.meta_intake")

ACTOR = "meta"
NEEDS_FETCH = "needs_fetch"
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_item = Item.__table__  # type: ignore[attr-defined]
_post = Post.__table__  # type: ignore[attr-defined]
_platform_response = PlatformResponse.__table__  # type: ignore[attr-defined]
_MODERATION_KINDS = ("hidden_on_platform", "unhidden_on_platform", "removed_on_platform")


@dataclass(frozen=True, slots=True)
class _Change:
    """An edit or moderation event, from a delivery or replayed from pending_event."""

    page_id: int
    external_id: str
    action: str  # edit | remove | hide | unhide
    at: datetime
    text: str = ""


def process_deliveries(
    engine: Engine,
    *,
    parse: DeliveryParser,
    now: datetime,
    limit: int = 500,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> int:
    """Process up to ``limit`` pending deliveries; returns how many were handled.

    ``parse`` turns a stored body into events (the Meta channel's parser): the
    actions know the events, not the format.
    """
    try:
        return _process_batch(engine, parse, now=now, limit=limit, calendar=calendar, one=False)
    except Exception:
        log.exception("a batch of deliveries failed; retrying them one by one")
    handled = 0
    for _ in range(limit):
        done = _process_batch(engine, parse, now=now, limit=1, calendar=calendar, one=True)
        if not done:
            break
        handled += done
    return handled


def _begin(session: Session) -> Connection:
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        # Take the write lock before reading, so two processors (the web process
        # and the CLI) never pick the same deliveries, and no read snapshot goes
        # stale under the webhook writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    return conn


def _process_batch(
    engine: Engine,
    parse: DeliveryParser,
    *,
    now: datetime,
    limit: int,
    calendar: OfficeCalendar,
    one: bool,
) -> int:
    with Session(engine, expire_on_commit=False) as session:
        conn = _begin(session)
        query = (
            sa.select(_delivery.c.id, _delivery.c.body)
            .where(_delivery.c.status == DeliveryStatus.PENDING.value)
            .order_by(_delivery.c.id)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        if not rows:
            session.rollback()
            return 0
        if not one:
            _apply_deliveries(session, parse, [(r[0], bytes(r[1])) for r in rows], now, calendar)
            session.commit()
            return len(rows)
        delivery_id, body = rows[0]
        try:
            _apply_deliveries(session, parse, [(delivery_id, bytes(body))], now, calendar)
            session.commit()
        except Exception as exc:
            session.rollback()
            log.exception("delivery %s failed", delivery_id)
            with Session(engine) as fail:
                _begin(fail)
                _mark(fail.connection(), [delivery_id], DeliveryStatus.FAILED, now, repr(exc))
                fail.commit()
        return 1


def _mark(
    conn: Connection,
    ids: Sequence[int],
    status: DeliveryStatus,
    now: datetime,
    error: str | None = None,
) -> None:
    if not ids:
        return
    conn.execute(
        _delivery.update()
        .where(_delivery.c.id.in_(list(ids)))
        .values(
            status=status.value,
            error=error,
            processed_at=now,
            attempts=_delivery.c.attempts + 1,
        )
    )


def _claim(conn: Connection, keyed: list[tuple[str, int, str | None]], now: datetime) -> set[str]:
    """Insert event keys not seen before; returns the ones this call inserted.

    Each key is stored with its delivery and the platform's id of what it
    concerns, so erasing an item's data reaches the deliveries that carried it."""
    if not keyed:
        return set()
    sqlite_db = conn.dialect.name == "sqlite"
    mark = "?" if sqlite_db else "%s"
    stamp: Any = to_epoch_us(now) if sqlite_db else now
    claimed: set[str] = set()
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(keyed), 5000):
            chunk = keyed[start : start + 5000]
            params: list[Any] = []
            for key, delivery_id, external_id in chunk:
                params.extend((key, delivery_id, stamp, external_id))
            cursor.execute(
                "INSERT INTO processed_event (event_key, delivery_id, processed_at, external_id) "
                "VALUES "
                + ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING event_key",
                params,
            )
            claimed.update(r[0] for r in cursor.fetchall())
    finally:
        cursor.close()
    return claimed


def _apply_deliveries(
    session: Session,
    parse: DeliveryParser,
    deliveries: list[tuple[int, bytes]],
    now: datetime,
    calendar: OfficeCalendar,
) -> None:
    conn = session.connection()
    pages: dict[tuple[str, str], Page] = {}
    for p in session.exec(select(Page).where(col(Page.platform_id).is_not(None))):
        # A page that takes everything, or one page for the feed and one for messages.
        for part in (
            (Receives.FEED, Receives.MESSAGES) if p.receives == Receives.ALL else (p.receives,)
        ):
            pages[(p.platform_id or "", str(part))] = p
    processed: list[int] = []
    unknown: dict[int, set[str]] = {}
    failed: list[tuple[int, str]] = []
    keyed: list[tuple[str, int, str | None]] = []
    events: list[tuple[MetaEvent, Page]] = []
    seen: set[str] = set()
    for delivery_id, body in deliveries:
        try:
            parsed = parse(body, now)
        except MetaFormatError as exc:
            failed.append((delivery_id, exc.reason))
            continue
        for event in parsed:
            page = pages.get((event.platform_page_id, part_of(event)))
            if page is None:
                # Left unclaimed: once the page is added, the delivery is retried.
                unknown.setdefault(delivery_id, set()).add(event.platform_page_id)
                continue
            if event.event_key in seen:
                continue
            seen.add(event.event_key)
            keyed.append((event.event_key, delivery_id, event.external_id))
            events.append((event, page))
        if delivery_id not in unknown:
            processed.append(delivery_id)
    claimed = _claim(conn, keyed, now)
    fresh = [(e, p) for e, p in events if e.event_key in claimed]
    if fresh:
        _apply_events(session, fresh, now, calendar)
    _mark(conn, processed, DeliveryStatus.PROCESSED, now)
    for delivery_id, ids in unknown.items():
        _mark(
            conn,
            [delivery_id],
            DeliveryStatus.UNKNOWN_PAGE,
            now,
            "no page with platform id " + ", ".join(sorted(ids)),
        )
    for delivery_id, reason in failed:
        _mark(conn, [delivery_id], DeliveryStatus.FAILED, now, reason)


def _apply_events(
    session: Session,
    events: list[tuple[MetaEvent, Page]],
    now: datetime,
    calendar: OfficeCalendar,
) -> None:
    conn = session.connection()
    # Creations first (posts, items), then what changes them, in delivery order:
    # the outcome is the same as in arrival order, since anything that comes
    # before its item is held back and applied when the item arrives.
    posts: dict[tuple[int, str], MetaEvent] = {}
    stubs: set[tuple[int, str]] = set()
    new_items = []
    fetch: list[tuple[int, str]] = []
    rest: list[tuple[MetaEvent, Page]] = []
    for event, page in events:
        assert page.id is not None
        if event.action == "post" and event.external_id is not None:
            posts[(page.id, event.external_id)] = event
        elif event.action == "item":
            new_items.append(event.to_new_item(page=page.key))
            if event.needs_fetch and event.external_id is not None:
                fetch.append((page.id, event.external_id))
        elif event.action != "ignored":
            rest.append((event, page))
        if event.post_id is not None and event.action != "post":
            stubs.add((page.id, event.post_id))

    for (page_id, external_id), event in posts.items():
        _store_post(conn, page_id, external_id, event)
    stubs -= set(posts)
    if stubs:
        insert_ignoring_duplicates(
            conn, _post, ("page_id", "external_id", "text"), [(p, e, "") for p, e in stubs]
        )

    if new_items:
        by_key = {page.key: page for _, page in events}
        result = intake.ingest_items(session, new_items, pages=by_key, now=now, calendar=calendar)
        if fetch:
            _flag_for_fetch(conn, fetch)
        if result.inserted_ids:
            _catch_up(session, result.inserted_ids, now, calendar)

    for event, page in rest:
        assert page.id is not None
        assert event.external_id is not None
        if event.action == "page_response":
            _page_response(session, event, page.id, now, calendar)
        else:
            change = _Change(page.id, event.external_id, event.action, event.created_at, event.text)
            _apply_change(session, change, now, hold=True)


def _store_post(conn: Connection, page_id: int, external_id: str, event: MetaEvent) -> None:
    stored = conn.execute(
        sa.select(_post.c.id).where(_post.c.page_id == page_id, _post.c.external_id == external_id)
    ).first()
    values = {"text": event.text, "published_at": event.created_at}
    if stored is None:
        conn.execute(_post.insert().values(page_id=page_id, external_id=external_id, **values))
    else:
        conn.execute(_post.update().where(_post.c.id == stored[0]).values(**values))


def _flag_for_fetch(conn: Connection, keys: list[tuple[int, str]]) -> None:
    item = Item.__table__  # type: ignore[attr-defined]
    flag = f" {NEEDS_FETCH} "
    for page_id, external_id in keys:
        conn.execute(
            item.update()
            .where(
                item.c.page_id == page_id,
                item.c.external_id == external_id,
                item.c.flags.not_like(f"%{flag}%"),
            )
            .values(
                flags=sa.case((item.c.flags == "", flag), else_=item.c.flags + f"{NEEDS_FETCH} ")
            )
        )


def _catch_up(
    session: Session, item_ids: list[int], now: datetime, calendar: OfficeCalendar
) -> None:
    """Apply what arrived before these new items: held changes and page replies."""
    conn = session.connection()
    item = Item.__table__  # type: ignore[attr-defined]
    rows: list[Any] = []
    for start in range(0, len(item_ids), 900):
        rows.extend(
            conn.execute(
                sa.select(
                    item.c.id, item.c.page_id, item.c.external_id, item.c.conversation_id
                ).where(item.c.id.in_(item_ids[start : start + 900]))
            ).all()
        )
    externals = sorted({r[2] for r in rows})
    conversations = sorted({r[3] for r in rows if r[3] is not None})
    held: list[PendingEvent] = []
    replies: list[PlatformResponse] = []
    for start in range(0, len(externals), 900):
        chunk = externals[start : start + 900]
        held.extend(
            session.exec(select(PendingEvent).where(col(PendingEvent.external_id).in_(chunk)))
        )
        replies.extend(
            session.exec(select(PlatformResponse).where(col(PlatformResponse.parent_id).in_(chunk)))
        )
    for start in range(0, len(conversations), 900):
        chunk = conversations[start : start + 900]
        replies.extend(
            session.exec(
                select(PlatformResponse).where(col(PlatformResponse.conversation_id).in_(chunk))
            )
        )
    if not held and not replies:
        return
    wanted = {(r[1], r[2]) for r in rows}
    for pending in sorted(held, key=lambda p: p.at):
        if (pending.page_id, pending.external_id) not in wanted:
            continue
        change = _Change(
            pending.page_id, pending.external_id, pending.action, pending.at, pending.text
        )
        _apply_change(session, change, now, hold=False)
        session.delete(pending)
    if replies:
        new = session.exec(select(Item).where(col(Item.id).in_(item_ids))).all()
        for found in new:
            answers = [
                r
                for r in replies
                if r.page_id == found.page_id
                and (
                    r.parent_id == found.external_id
                    or (
                        r.conversation_id is not None and r.conversation_id == found.conversation_id
                    )
                )
                and r.sent_at >= found.received_at
            ]
            for reply in sorted(answers, key=lambda r: r.sent_at)[:1]:
                _respond(session, found, reply, now, calendar)
    session.flush()


def _find_item(session: Session, page_id: int, external_id: str) -> Item | None:
    return session.exec(
        select(Item).where(Item.page_id == page_id, Item.external_id == external_id)
    ).first()


def _platform_times(session: Session, item_id: int, kinds: Iterable[str]) -> list[tuple[str, str]]:
    rows = session.exec(
        select(Event.kind, Event.data).where(
            Event.item_id == item_id, col(Event.kind).in_(list(kinds))
        )
    ).all()
    return [(kind, str(data.get("at", ""))) for kind, data in rows]


def _apply_change(session: Session, change: _Change, now: datetime, *, hold: bool) -> None:
    found = _find_item(session, change.page_id, change.external_id)
    if found is None:
        if hold:
            session.add(
                PendingEvent(
                    page_id=change.page_id,
                    external_id=change.external_id,
                    action=change.action,
                    at=change.at,
                    text=change.text,
                )
            )
        return
    at = change.at.isoformat()
    if change.action == "edit":
        # Never reopens anything; only a newer edit than the last one applied counts.
        edits = _platform_times(session, found.id or 0, ["edited"])
        latest = max((t for _, t in edits), default="")
        if at < latest or found.text == change.text:
            return
        before = found.text
        found.text = change.text
        session.add(found)
        # Read again by the tagging pass (keeping what people decided), and, while
        # open and not urgent before, assessed again: an edit can add a threat.
        # (SQL NULL: None in a JSON column would be stored as JSON null.)
        again: dict[str, Any] = {"classification": sa.null()}
        if found.status == Status.OPEN.value and found.urgency == "none":
            again["urgency"] = None
        session.execute(sa.update(_item).where(_item.c.id == found.id).values(again))
        # The new words are found by a person's search at once (the index's
        # watermark is past this item already); the old ones stay, as the edit's
        # event keeps the text it replaced.
        person_index.insert_tokens(
            session.connection(),
            [
                (token, found.id or 0)
                for token in tokens_of(
                    change.text, author=found.author or "", author_id=found.author_id
                )
            ],
        )
        audit.record_event(
            session, actor=ACTOR, kind="edited", now=now, item_id=found.id, at=at, before=before
        )
        return
    moderation = _platform_times(session, found.id or 0, _MODERATION_KINDS)
    if change.action == "remove":
        if any(kind == "removed_on_platform" for kind, _ in moderation):
            return
        audit.record_event(
            session, actor=ACTOR, kind="removed_on_platform", now=now, item_id=found.id, at=at
        )
        if found.status == Status.OPEN.value:
            item_work.close_item(
                session, found, resolution=Resolution.REMOVED, actor=ACTOR, now=now
            )
        return
    latest_kind, latest_at = max(moderation, key=lambda m: m[1], default=("", ""))
    if latest_kind == "removed_on_platform" or at < latest_at:
        return  # removal is final; an older toggle is stale
    if change.action == "hide":
        audit.record_event(
            session, actor=ACTOR, kind="hidden_on_platform", now=now, item_id=found.id, at=at
        )
        if found.status == Status.OPEN.value:
            item_work.close_item(
                session, found, resolution=Resolution.REMOVED, actor=ACTOR, now=now
            )
    elif change.action == "unhide":
        audit.record_event(
            session, actor=ACTOR, kind="unhidden_on_platform", now=now, item_id=found.id, at=at
        )
        if (
            latest_kind == "hidden_on_platform"
            and found.resolution == Resolution.REMOVED.value
            and found.first_response_at is None
        ):
            found.status = Status.OPEN.value
            found.resolution = None
            found.closed_at = None
            session.add(found)
            audit.record_event(session, actor=ACTOR, kind="reopened", now=now, item_id=found.id)


def _page_response(
    session: Session, event: MetaEvent, page_id: int, now: datetime, calendar: OfficeCalendar
) -> None:
    assert event.external_id is not None
    reply = PlatformResponse(
        page_id=page_id,
        external_id=event.external_id,
        post_id=event.post_id,
        parent_id=event.parent_id,
        conversation_id=event.conversation_id,
        author=event.author,
        text=event.text,
        sent_at=event.created_at,
    )
    exists = session.exec(
        select(PlatformResponse.id).where(
            PlatformResponse.page_id == page_id, PlatformResponse.external_id == event.external_id
        )
    ).first()
    if exists is not None:
        return
    session.add(reply)
    if outbound.settle_by_echo(
        session,
        page_id=page_id,
        external_id=event.external_id,
        parent_id=event.parent_id,
        conversation_id=event.conversation_id,
        text=event.text,
        created_at=event.created_at,
        now=now,
        calendar=calendar,
    ):
        # Our own reply coming back: it was counted when the platform accepted it.
        session.flush()
        return
    targets: list[Item] = []
    if event.parent_id is not None:
        found = _find_item(session, page_id, event.parent_id)
        if found is not None:
            targets.append(found)
    elif event.conversation_id is not None:
        # An echo answers every message of the conversation still waiting before it.
        targets.extend(
            session.exec(
                select(Item).where(
                    Item.page_id == page_id,
                    Item.conversation_id == event.conversation_id,
                    Item.status == Status.OPEN.value,
                    col(Item.first_response_at).is_(None),
                    Item.received_at <= event.created_at,
                )
            ).all()
        )
    for target in targets:
        _respond(session, target, reply, now, calendar)
    session.flush()


def _respond(
    session: Session, item: Item, reply: PlatformResponse, now: datetime, calendar: OfficeCalendar
) -> None:
    if reply.sent_at < item.received_at:
        return
    responses.record_response(
        session,
        item,
        author=reply.author or "page",
        text=reply.text,
        sent_at=reply.sent_at,
        source="platform",
        now=now,
        calendar=calendar,
        external_id=reply.external_id,
    )
    if item.status == Status.OPEN.value:
        item.status = Status.CLOSED.value
        item.resolution = Resolution.ANSWERED.value
        item.closed_at = now
        session.add(item)


def list_deliveries(
    conn: Connection, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Stored deliveries, newest first, for admins (body shortened)."""
    d = _delivery.c
    query = sa.select(
        d.id, d.source, d.received_at, d.status, d.error, d.attempts, d.processed_at, d.body
    ).order_by(d.id.desc())
    if status:
        query = query.where(d.status == status)
    out = []
    for row in conn.execute(query.limit(limit)):
        body = bytes(row.body)
        out.append(
            {
                "id": row.id,
                "source": row.source,
                "received_at": row.received_at.isoformat(),
                "status": row.status,
                "error": row.error,
                "attempts": row.attempts,
                "processed_at": row.processed_at.isoformat() if row.processed_at else None,
                "bytes": len(body),
                "body": body[:200].decode("utf-8", "replace"),
            }
        )
    return out


def retry_unknown_pages(conn: Connection) -> int:
    """Put deliveries for unknown pages back in the queue (after adding the page)."""
    result = conn.execute(
        _delivery.update()
        .where(_delivery.c.status == DeliveryStatus.UNKNOWN_PAGE.value)
        .values(status=DeliveryStatus.PENDING.value)
    )
    return int(result.rowcount or 0)
