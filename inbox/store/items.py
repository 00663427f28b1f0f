"""Named reads about one item: what its page shows, who else has it open.

The item page reads through these and nothing else, so each read is named,
typed and findable; writes go through ``inbox.actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbox.store.models import (
    Escalation,
    Event,
    Item,
    ItemView,
    Note,
    Outbound,
    Page,
    PageConnection,
    Post,
    User,
)
from inbox.store.models import Response as ItemResponse


@dataclass(frozen=True)
class ItemRecord:
    """Everything stored about an item that its page shows, oldest first."""

    page: Page
    post: Post | None
    responses: Sequence[ItemResponse]
    notes: Sequence[Note]
    events: Sequence[Event]


def item_by_id(session: Session, item_id: int) -> Item | None:
    return session.get(Item, item_id)


def items_by_ids(session: Session, ids: Sequence[int]) -> Sequence[Item]:
    """The items with these ids that exist, in id order (for work on several at once)."""
    if not ids:
        return []
    return session.exec(
        select(Item).where(col(Item.id).in_(list(ids))).order_by(col(Item.id))
    ).all()


def bulk_event(session: Session, event_id: int) -> Event | None:
    """A bulk action's event, if ``event_id`` is one (the queue's undo offer)."""
    event = session.get(Event, event_id)
    return event if event is not None and event.kind == "bulk" else None


def page_of(session: Session, item: Item) -> Page:
    page = session.get(Page, item.page_id)
    assert page is not None  # a foreign key
    return page


def item_record(session: Session, item: Item) -> ItemRecord:
    page = page_of(session, item)
    post = None
    if item.post_id:
        post = session.exec(
            select(Post).where(Post.page_id == item.page_id, Post.external_id == item.post_id)
        ).first()
    responses = session.exec(
        select(ItemResponse)
        .where(ItemResponse.item_id == item.id)
        .order_by(col(ItemResponse.sent_at))
    ).all()
    notes = session.exec(select(Note).where(Note.item_id == item.id).order_by(col(Note.at))).all()
    events = session.exec(
        select(Event).where(Event.item_id == item.id).order_by(col(Event.at), col(Event.id))
    ).all()
    return ItemRecord(page=page, post=post, responses=responses, notes=notes, events=events)


def response_count(session: Session, item_id: int) -> int:
    return session.exec(
        select(sa.func.count()).select_from(ItemResponse).where(ItemResponse.item_id == item_id)
    ).one()


def others_viewing(session: Session, item_id: int, *, besides: str, since: datetime) -> list[str]:
    """Names of the people other than ``besides`` who had the item open after ``since``."""
    names = session.exec(
        select(User.name)
        .join(ItemView, col(ItemView.user_email) == col(User.email))
        .where(
            ItemView.item_id == item_id,
            ItemView.user_email != besides,
            col(ItemView.seen_at) > since,
        )
        .order_by(col(User.name))
    ).all()
    return list(names)


def active_users(session: Session) -> Sequence[User]:
    """Everyone who may be assigned an item, by name."""
    return session.exec(select(User).where(User.active == sa.true()).order_by(col(User.name))).all()


def escalation_by_id(session: Session, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def page_names(session: Session) -> dict[str, str]:
    """Every page's name by its key (what a filter or a table shows instead of the key)."""
    rows = session.exec(select(Page.key, Page.name)).all()
    return {key: name or key for key, name in rows}


def page_by_key(session: Session, key: str) -> Page | None:
    return session.exec(select(Page).where(Page.key == key)).first()


def connection_for(session: Session, platform_id: str | None) -> PageConnection | None:
    if not platform_id:
        return None
    return session.exec(
        select(PageConnection).where(PageConnection.platform_id == platform_id)
    ).first()


def outbound_for(session: Session, item_id: int) -> Sequence[Outbound]:
    """What was sent (or is being sent) to the platform for the item, oldest first."""
    return session.exec(
        select(Outbound).where(Outbound.item_id == item_id).order_by(col(Outbound.id))
    ).all()


def outbound_by_id(session: Session, outbound_id: int) -> Outbound | None:
    return session.get(Outbound, outbound_id)


def last_inbound_at(session: Session, item: Item) -> datetime:
    """The person's latest message in the item's conversation (the item's own time if none)."""
    if item.conversation_id is None:
        return item.received_at
    latest = session.exec(
        select(sa.func.max(Item.received_at)).where(
            Item.page_id == item.page_id, Item.conversation_id == item.conversation_id
        )
    ).one()
    return latest or item.received_at


def replies_on_the_way(session: Session, item_id: int) -> int:
    """Replies queued or being sent for the item (not yet responses, soon perhaps)."""
    return session.exec(
        select(sa.func.count())
        .select_from(Outbound)
        .where(
            Outbound.item_id == item_id,
            col(Outbound.kind).in_(["reply", "private_reply", "message"]),
            col(Outbound.state).in_(["queued", "sending", "uncertain"]),
        )
    ).one()
