"""Replies and moderation for the platforms: queued with the person's action, sent once.

``queue`` writes the action in the caller's transaction (who, when, the text,
the reason); the sender (``inbox.channels.outbound``) claims what is due and
reports back through ``record_sent``, ``record_retry``, ``record_failed`` and
``record_uncertain``. A reply becomes the item's response only in
``record_sent``, at the moment the platform accepted it. A send whose answer was
lost is *uncertain* until the page's own webhook echo settles it
(``settle_by_echo``), a lookup on the platform finds it (``settle_by_lookup``)
or a person does; only moderation, which is idempotent, is ever repeated after
a lost answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbox.actions.audit import SCHEDULER_ACTOR, ActionError, checked_text, record_event
from inbox.actions.responses import record_response
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.kinds import (
    ConnectionState,
    OutboundKind,
    OutboundState,
    Resolution,
    Status,
)
from inbox.core.lookup import SCHEDULE, Seen, find_sent, next_lookup
from inbox.core.outbound import CREATING, MAX_ATTEMPTS, META_CHANNELS, MODERATION
from inbox.core.text import Text, stored, swedish
from inbox.store.models import Item, Outbound, PageConnection, Response

ACKNOWLEDGEMENT = "acknowledgement"
# A claim older than this whose sender never reported back: the sender died.
STALE_CLAIM = timedelta(minutes=2)


@dataclass(frozen=True)
class Claim:
    """What the sender needs of one claimed action (plain values, no session)."""

    id: int
    item_id: int
    page_id: int
    kind: str
    text: str
    tag: str | None
    attempts: int
    idempotency_key: str


def queue(
    session: Session,
    item: Item,
    *,
    kind: OutboundKind,
    idempotency_key: str,
    actor: str,
    actor_name: str,
    now: datetime,
    text: str = "",
    reason: str | None = None,
    detail: str | None = None,
    tag: str | None = None,
) -> tuple[Outbound, bool]:
    """The queued action, and whether it is new (a repeated key returns the first)."""
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 64:
        raise ActionError(
            Text("Formuläret saknar en giltig engångsnyckel (8–64 tecken). Ladda om sidan.")
        )
    found = session.exec(select(Outbound).where(Outbound.idempotency_key == key)).first()
    if found is not None:
        if found.item_id != item.id or found.kind != kind.value:
            raise ActionError(
                Text("Engångsnyckeln är redan använd till något annat. Ladda om sidan.")
            )
        return found, False
    if kind in CREATING:
        text = checked_text(text, Text("Svaret är tomt."))
    action = Outbound(
        item_id=item.id or 0,
        page_id=item.page_id,
        kind=kind.value,
        text=text,
        reason=reason,
        detail=detail,
        tag=tag,
        actor=actor,
        actor_name=actor_name,
        idempotency_key=key,
        state=OutboundState.QUEUED.value,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    record_event(
        session,
        actor=actor,
        kind="outbound_queued",
        now=now,
        item_id=item.id,
        outbound=action.id,
        action=kind.value,
        **({"reason": reason} if reason else {}),
    )
    return action, True


def _claim_columns(o: sa.ColumnCollection[str, sa.Column[Any]]) -> list[sa.Column[Any]]:
    """The outbound columns a ``Claim`` holds, in its own names."""
    return [o[name] for name in Claim.__dataclass_fields__]


def claim(session: Session, *, now: datetime, limit: int) -> list[Claim]:
    """Due actions of pages whose connection works, marked *sending* (commit before sending)."""
    table: sa.Table = Outbound.__table__  # type: ignore[attr-defined]
    o = table.c
    query = (
        sa.select(o.id)
        .where(o.state == OutboundState.QUEUED.value, o.next_attempt_at <= now)
        .order_by(o.next_attempt_at, o.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two senders (two schedulers, or `inbox outbox send` beside one) never
        # claim the same action.
        query = query.with_for_update(skip_locked=True)
    ids = [row[0] for row in session.execute(query)]
    if not ids:
        return []
    session.flush()  # what this session changed goes in before the rows are marked
    # Only what is still queued becomes this sender's: on SQLite the select above
    # takes no lock, so another sender may have claimed the same rows since.
    mine = [
        row[0]
        for row in session.execute(
            sa.update(table)
            .where(o.id.in_(ids), o.state == OutboundState.QUEUED.value)
            .values(state=OutboundState.SENDING.value, attempts=o.attempts + 1, updated_at=now)
            .returning(o.id)
        )
    ]
    claimed = set(mine)
    for held in list(session.identity_map.values()):
        if isinstance(held, Outbound) and held.id in claimed:
            session.expire(held)  # loaded before: read the marked row again
    rows = session.execute(sa.select(*_claim_columns(o)).where(o.id.in_(mine)).order_by(o.id))
    return [Claim(**row._mapping) for row in rows]


def recover_stale(session: Session, *, now: datetime) -> int:
    """Claims whose sender died: moderation is queued again, a reply becomes uncertain."""
    stale = session.exec(
        select(Outbound).where(
            Outbound.state == OutboundState.SENDING.value,
            col(Outbound.updated_at) < now - STALE_CLAIM,
        )
    ).all()
    for action in stale:
        if OutboundKind(action.kind) in MODERATION:
            _set(action, OutboundState.QUEUED, now)
            action.next_attempt_at = now
        else:
            record_uncertain(
                session,
                action,
                now=now,
                detail=Text("Sändningen avbröts innan det var känt om plattformen tog emot det."),
            )
    return len(stale)


def _set(action: Outbound, state: OutboundState, now: datetime) -> None:
    action.state = state.value
    action.updated_at = now


def _item(session: Session, action: Outbound) -> Item:
    item = session.get(Item, action.item_id)
    assert item is not None  # a foreign key
    return item


def record_sent(
    session: Session,
    action: Outbound,
    *,
    platform_id: str | None,
    accepted_at: datetime,
    settled_by: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> None:
    """The platform accepted it at ``accepted_at``: a reply is now the item's response."""
    if action.state == OutboundState.SENT.value:
        return
    _set(action, OutboundState.SENT, now)
    action.sent_at = accepted_at
    action.platform_id = platform_id or action.platform_id
    action.settled_by = settled_by
    action.error = action.advice = action.error_code = None
    session.add(action)
    item = _item(session, action)
    kind = OutboundKind(action.kind)
    if kind in CREATING:
        acknowledgement = action.reason == ACKNOWLEDGEMENT
        record_response(
            session,
            item,
            author=action.actor_name or action.actor,
            text=action.text,
            sent_at=max(accepted_at, item.received_at),
            source=ACKNOWLEDGEMENT if acknowledgement else "inbox",
            now=now,
            calendar=calendar,
            external_id=action.platform_id,
            responder=action.actor,
        )
        if not acknowledgement and item.status == Status.OPEN.value:
            item.status = Status.CLOSED.value
            item.resolution = Resolution.ANSWERED.value
            item.closed_at = now
            session.add(item)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="outbound_sent",
        now=now,
        item_id=item.id,
        outbound=action.id,
        action=action.kind,
        accepted_at=accepted_at.isoformat(),
        settled_by=settled_by,
    )


def record_retry(
    session: Session,
    action: Outbound,
    *,
    at: datetime,
    code: str | None,
    error: Text | str,
    advice: Text | str,
    now: datetime,
) -> None:
    """Not sent this time, safe to try again at ``at`` (or failed, past the last attempt)."""
    if action.attempts >= MAX_ATTEMPTS:
        record_failed(session, action, code=code, error=error, advice=advice, now=now)
        return
    _set(action, OutboundState.QUEUED, now)
    action.next_attempt_at = at
    action.error_code, action.error, action.advice = code, stored(error), stored(advice)
    session.add(action)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="outbound_retry",
        now=now,
        item_id=action.item_id,
        outbound=action.id,
        code=code,
        at=at.isoformat(),
    )


def record_failed(
    session: Session,
    action: Outbound,
    *,
    code: str | None,
    error: Text | str,
    advice: Text | str,
    now: datetime,
) -> None:
    """Refused for good: a reply leaves the item in the queue, a removal reopens it."""
    _set(action, OutboundState.FAILED, now)
    action.error_code, action.error, action.advice = code, stored(error), stored(advice)
    session.add(action)
    item = _item(session, action)
    if (
        OutboundKind(action.kind) in (OutboundKind.HIDE, OutboundKind.DELETE)
        and item.resolution == Resolution.REMOVED.value
    ):
        item.status = Status.OPEN.value
        item.resolution = None
        item.closed_at = None
        session.add(item)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="outbound_failed",
        now=now,
        item_id=item.id,
        outbound=action.id,
        action=action.kind,
        code=code,
        error=swedish(error),
    )


def record_uncertain(
    session: Session, action: Outbound, *, now: datetime, detail: Text | str
) -> None:
    _set(action, OutboundState.UNCERTAIN, now)
    action.error = stored(detail)
    action.lookups = 0
    action.next_attempt_at = next_lookup(0, now) or now  # the first look on the platform
    session.add(action)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="outbound_uncertain",
        now=now,
        item_id=action.item_id,
        outbound=action.id,
        action=action.kind,
    )


def resolve_uncertain(
    session: Session,
    action: Outbound,
    *,
    sent: bool,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> None:
    """A person settles it: seen on the platform (sent), or not there (send it again)."""
    if action.state != OutboundState.UNCERTAIN.value:
        raise ActionError(Text("Bara en osäker sändning kan avgöras för hand."))
    if sent:
        record_sent(
            session,
            action,
            platform_id=None,
            accepted_at=action.updated_at,
            settled_by="person",
            now=now,
            calendar=calendar,
        )
    else:
        _set(action, OutboundState.QUEUED, now)
        action.next_attempt_at = now
        session.add(action)
    record_event(
        session,
        actor=actor,
        kind="outbound_settled",
        now=now,
        item_id=action.item_id,
        outbound=action.id,
        sent=sent,
    )


def settle_by_echo(
    session: Session,
    *,
    page_id: int,
    external_id: str,
    parent_id: str | None,
    conversation_id: str | None,
    text: str,
    created_at: datetime,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> bool:
    """The page's own comment or message came back by webhook: is it one of ours?

    Ours when its id is one the platform gave us, or (for a send whose answer was
    lost) when it answers the same item with the same text. Ours never becomes a
    second response.
    """
    mine = session.exec(
        select(Outbound).where(Outbound.page_id == page_id, Outbound.platform_id == external_id)
    ).first()
    if mine is None:
        mine = _unsettled_match(session, page_id, parent_id, conversation_id, text)
    if mine is None:
        return False
    if mine.state != OutboundState.SENT.value:
        record_sent(
            session,
            mine,
            platform_id=external_id,
            accepted_at=created_at,
            settled_by="echo",
            now=now,
            calendar=calendar,
        )
    return True


def _unsettled_match(
    session: Session,
    page_id: int,
    parent_id: str | None,
    conversation_id: str | None,
    text: str,
) -> Outbound | None:
    waiting = session.exec(
        select(Outbound, Item)
        .join(Item, col(Item.id) == col(Outbound.item_id))
        .where(
            Outbound.page_id == page_id,
            col(Outbound.state).in_([OutboundState.UNCERTAIN.value, OutboundState.SENDING.value]),
            col(Outbound.kind).in_([k.value for k in CREATING]),
        )
        .order_by(col(Outbound.id))
    ).all()
    for action, item in waiting:
        same_place = (
            (parent_id is not None and parent_id == item.external_id)
            or (conversation_id is not None and conversation_id == item.conversation_id)
            # A private reply comes back as a message in a conversation with the
            # commenter, which the comment knows nothing of: the page and the text must do.
            or (
                action.kind == OutboundKind.PRIVATE_REPLY.value
                and parent_id is None
                and conversation_id is not None
            )
        )
        if same_place and action.text.strip() == text.strip():
            return action
    return None


# What a lookup can find: a public reply under the comment, or a message in the
# person's conversation (a private reply's conversation is not known: its echo settles it).
LOOKED_UP = (OutboundKind.REPLY.value, OutboundKind.MESSAGE.value)


def lookups_due(session: Session, *, now: datetime, limit: int) -> list[Claim]:
    """Uncertain Meta replies and messages whose next look on the platform is due."""
    table: sa.Table = Outbound.__table__  # type: ignore[attr-defined]
    o, i = table.c, Item.__table__.c  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(*_claim_columns(o))
        .join(Item.__table__, i.id == o.item_id)  # type: ignore[attr-defined]
        .where(
            o.state == OutboundState.UNCERTAIN.value,
            o.kind.in_(LOOKED_UP),
            o.next_attempt_at <= now,
            o.lookups < len(SCHEDULE),
            i.channel.in_(META_CHANNELS),
        )
        .order_by(o.next_attempt_at, o.id)
        .limit(limit)
    )
    return [Claim(**row._mapping) for row in rows]


def settle_by_lookup(
    session: Session,
    action: Outbound,
    *,
    seen: list[Seen] | None,
    owners: set[str],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> bool:
    """What the platform showed (None: it could not be asked): True when ours was there.

    Found, it is sent at the platform's own time. Not found, the next look is
    scheduled; after the last one the send waits for a person. Never sent again.
    """
    if action.state != OutboundState.UNCERTAIN.value:
        return False
    match = None
    if seen:
        ids = [entry.id for entry in seen]
        taken = set(
            session.exec(
                select(Outbound.platform_id).where(
                    Outbound.page_id == action.page_id, col(Outbound.platform_id).in_(ids)
                )
            ).all()
        ) | set(
            session.exec(
                select(Response.external_id).where(
                    Response.item_id == action.item_id, col(Response.external_id).in_(ids)
                )
            ).all()
        )
        match = find_sent(
            seen,
            text=action.text,
            owners=owners,
            since=action.created_at,
            taken={t for t in taken if t},
        )
    action.lookups += 1
    action.looked_up_at = now
    if match is not None:
        record_sent(
            session,
            action,
            platform_id=match.id,
            accepted_at=min(match.created_at or action.updated_at, now),
            settled_by="lookup",
            now=now,
            calendar=calendar,
        )
        return True
    upcoming = next_lookup(action.lookups, now)
    if upcoming is not None:
        action.next_attempt_at = upcoming
    action.updated_at = now
    session.add(action)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="outbound_looked_up",
        now=now,
        item_id=action.item_id,
        outbound=action.id,
        found=False,
        asked=seen is not None,
        lookups=action.lookups,
    )
    return False


def set_connection_state(
    session: Session,
    platform_id: str,
    state: ConnectionState,
    *,
    detail: str | None,
    now: datetime,
) -> bool:
    """Record what the platform said of the token; True when the state changed."""
    connection = session.exec(
        select(PageConnection).where(PageConnection.platform_id == platform_id)
    ).first()
    if connection is None or connection.state == state.value:
        return False
    connection.state = state.value
    connection.detail = detail
    connection.checked_at = now
    session.add(connection)
    record_event(
        session,
        actor=SCHEDULER_ACTOR,
        kind="connection_state",
        now=now,
        platform_id=platform_id,
        state=state.value,
    )
    return True


def pause(
    session: Session,
    action: Outbound,
    *,
    until: datetime,
    code: str | None,
    error: Text | str,
    advice: Text | str,
    now: datetime,
) -> None:
    """The page cannot send now (no working connection): wait, without using up an attempt."""
    _set(action, OutboundState.QUEUED, now)
    action.attempts = max(action.attempts - 1, 0)
    action.next_attempt_at = until
    action.error_code, action.error, action.advice = code, stored(error), stored(advice)
    session.add(action)
