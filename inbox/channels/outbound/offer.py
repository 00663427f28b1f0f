"""What can be sent for an item now, and queueing it: for the item page and the API.

Replies, private replies and messages go to the platform through the outbound
queue (``inbox.actions.outbound``); a page that cannot send says why (the item
page then offers **Registrera svar givet någon annanstans**). Removal hides or
deletes the comment on the platform where the page is connected.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from inbox.actions import audit, outbound
from inbox.core.kinds import ConnectionState, OutboundKind, OutboundState
from inbox.core.outbound import Option, Target, options, route
from inbox.core.text import Text
from inbox.settings import Settings
from inbox.store import items
from inbox.store.models import Item, Outbound, Page

PLATFORM_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "messenger": "Messenger",
    "email": "e-post",
}


@dataclass(frozen=True)
class Sending:
    """The item page's sending part: what may be sent, and what has been."""

    platform: str  # "Facebook", "e-post", ...
    reply: Option | None  # a public reply, an e-mail or a message
    private: Option | None  # a private reply to a public comment
    hide: Option | None
    delete: Option | None
    unhide: Option | None
    sent: list[Outbound]
    can_send: bool  # replies go to the platform (else: record one given elsewhere)
    why_not: Text | None
    idempotency_key: str
    can_look_up: bool = False  # a lost reply or message is looked for on the platform


def can_send(page: Page, settings: Settings, connection_state: str | None) -> bool:
    how = route(page.channel)
    if how == "meta":
        return connection_state == ConnectionState.CONNECTED.value
    if how == "email":
        return page.key in settings.mailboxes
    return bool(page.reply_webhook and page.reply_secret_cipher)


def sending_of(
    session: Session, item: Item, page: Page, settings: Settings, now: datetime
) -> Sending:
    connection = items.connection_for(session, page.platform_id)
    sent = list(items.outbound_for(session, item.id or 0))
    connected = can_send(page, settings, connection.state if connection else None)
    target = Target(
        channel=item.channel or page.channel,
        kind=item.kind,
        parent_id=item.parent_id,
        received_at=item.received_at,
        last_inbound_at=items.last_inbound_at(session, item),
        connected=connected,
        human_agent=page.human_agent,
        private_reply_used=any(
            o.kind == OutboundKind.PRIVATE_REPLY.value and o.state != OutboundState.FAILED.value
            for o in sent
        ),
    )
    found = options(target, now)
    reply = found.get(OutboundKind.REPLY) or found.get(OutboundKind.MESSAGE)
    hidden = _last_moderation(sent) == OutboundKind.HIDE.value
    return Sending(
        platform=PLATFORM_NAMES.get(target.channel, "API"),
        reply=reply,
        private=found.get(OutboundKind.PRIVATE_REPLY),
        hide=found.get(OutboundKind.HIDE) if not hidden else None,
        delete=found.get(OutboundKind.DELETE),
        unhide=found.get(OutboundKind.UNHIDE) if hidden else None,
        sent=sent,
        can_send=reply is not None and reply.allowed,
        why_not=reply.why_not if reply is not None else None,
        idempotency_key=uuid.uuid4().hex,
        can_look_up=route(target.channel) == "meta",
    )


def _last_moderation(sent: list[Outbound]) -> str | None:
    for action in reversed(sent):
        if action.kind in (OutboundKind.HIDE.value, OutboundKind.UNHIDE.value) and (
            action.state != OutboundState.FAILED.value
        ):
            return action.kind
    return None


def queue_reply(
    session: Session,
    item: Item,
    sending: Sending,
    *,
    text: str,
    private: bool,
    key: str,
    actor: str,
    actor_name: str,
    now: datetime,
    reason: str | None = None,
) -> Outbound:
    """A reply for the platform, or ``ActionError`` saying plainly why it cannot go."""
    option = sending.private if private else sending.reply
    if option is None or not option.allowed:
        why = option.why_not if option is not None else None
        raise audit.ActionError(why if why else Text("Det går inte att skicka härifrån."))
    action, _new = outbound.queue(
        session,
        item,
        kind=option.kind,
        text=text,
        tag=option.tag,
        reason=reason,
        idempotency_key=key,
        actor=actor,
        actor_name=actor_name,
        now=now,
    )
    return action


def queue_moderation(
    session: Session,
    item: Item,
    option: Option | None,
    *,
    key: str,
    actor: str,
    actor_name: str,
    now: datetime,
    reason: str | None = None,
    detail: str | None = None,
) -> Outbound:
    if option is None or not option.allowed:
        raise audit.ActionError(Text("Det går inte att ändra kommentaren på sidan härifrån."))
    action, _new = outbound.queue(
        session,
        item,
        kind=option.kind,
        reason=reason,
        detail=detail,
        idempotency_key=key,
        actor=actor,
        actor_name=actor_name,
        now=now,
    )
    return action
