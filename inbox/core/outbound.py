"""What may be sent for an item, and until when: the platforms' rules over plain data.

Meta's rules (Graph API and Messenger Platform): a Facebook comment can be
answered, hidden, unhidden and deleted; an Instagram comment too, but answered
publicly only on the first level; a public comment may get one private reply,
within 7 days; a conversation may be answered within 24 hours of the person's
last message, and up to 7 days with the ``HUMAN_AGENT`` tag where the page is set
up for it. Mail is answered by e-mail from the mailbox; API pages by their reply
webhook. Pure: the item, the page and the clock come in as values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.core import formatting
from inbox.core.kinds import Channel, Kind, OutboundKind
from inbox.core.text import Text

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
HUMAN_AGENT_TAG = "HUMAN_AGENT"
MODERATION = (OutboundKind.HIDE, OutboundKind.UNHIDE, OutboundKind.DELETE)
# Kinds that create something on the platform (a reply, a message): a send whose
# answer was lost may have happened, so it is never repeated blindly.
CREATING = (OutboundKind.REPLY, OutboundKind.PRIVATE_REPLY, OutboundKind.MESSAGE)
META_CHANNELS = (Channel.FACEBOOK.value, Channel.INSTAGRAM.value, Channel.MESSENGER.value)
PUBLIC_KINDS = (Kind.COMMENT.value, Kind.REPLY.value)


@dataclass(frozen=True)
class Target:
    """The item and its page, as far as sending is concerned."""

    channel: str
    kind: str
    parent_id: str | None
    received_at: datetime
    # The person's latest message in the conversation (messages only).
    last_inbound_at: datetime | None
    # The page can send: a Meta connection in working order, a mailbox, a webhook.
    connected: bool
    human_agent: bool = False
    private_reply_used: bool = False


@dataclass(frozen=True)
class Option:
    kind: OutboundKind
    allowed: bool
    why_not: Text | None = None
    closes_at: datetime | None = None  # the platform's window for this, if any
    tag: str | None = None  # a Messenger message tag the send must carry


def route(channel: str) -> str:
    """How a page on this channel sends: ``meta``, ``email`` or ``webhook``."""
    if channel in META_CHANNELS:
        return "meta"
    return "email" if channel == Channel.EMAIL.value else "webhook"


def options(target: Target, now: datetime) -> dict[OutboundKind, Option]:
    """Each thing that could be sent for this item, allowed or with the reason why not."""
    kinds = _kinds(target)
    if not target.connected:
        why = _not_connected(target.channel)
        return {k: Option(k, allowed=False, why_not=why) for k in kinds}
    found: dict[OutboundKind, Option] = {}
    for kind in kinds:
        found[kind] = _option(kind, target, now)
    return found


def _kinds(target: Target) -> tuple[OutboundKind, ...]:
    if target.channel in META_CHANNELS and target.kind in PUBLIC_KINDS:
        return (OutboundKind.REPLY, OutboundKind.PRIVATE_REPLY, *MODERATION)
    if target.channel in META_CHANNELS and target.kind == Kind.PRIVATE_MESSAGE.value:
        return (OutboundKind.MESSAGE,)
    if target.channel in META_CHANNELS:
        return ()  # mentions and the like: answered where they were made
    return (OutboundKind.REPLY,)


def _not_connected(channel: str) -> Text:
    if route(channel) == "meta":
        return Text("Sidan är inte kopplad till Meta, så inget kan skickas härifrån.")
    if route(channel) == "email":
        return Text("Brevlådan har inga inställningar för att skicka e-post.")
    return Text("Sidan har ingen svarsadress (reply_webhook), så svaret kan inte skickas.")


def _option(kind: OutboundKind, target: Target, now: datetime) -> Option:
    if kind is OutboundKind.REPLY:
        if target.channel == Channel.INSTAGRAM.value and target.parent_id is not None:
            return Option(
                kind,
                allowed=False,
                why_not=Text(
                    "Instagram tar bara emot svar på kommentarer på första nivån. "
                    "Svara privat, eller på den ursprungliga kommentaren."
                ),
            )
        return Option(kind, allowed=True)
    if kind is OutboundKind.PRIVATE_REPLY:
        closes = target.received_at + PRIVATE_REPLY_WINDOW
        if target.private_reply_used:
            return Option(
                kind,
                allowed=False,
                why_not=Text("Kommentaren har redan fått sitt privata svar (ett per kommentar)."),
            )
        if now > closes:
            return Option(
                kind,
                allowed=False,
                closes_at=closes,
                why_not=Text("Ett privat svar måste skickas inom 7 dagar från kommentaren."),
            )
        return Option(kind, allowed=True, closes_at=closes)
    if kind is OutboundKind.MESSAGE:
        return message_option(target, now)
    return Option(kind, allowed=True)


def message_option(target: Target, now: datetime) -> Option:
    last = target.last_inbound_at or target.received_at
    standard = last + MESSAGING_WINDOW
    if now <= standard:
        return Option(OutboundKind.MESSAGE, allowed=True, closes_at=standard)
    extended = last + HUMAN_AGENT_WINDOW
    if target.human_agent and now <= extended:
        return Option(OutboundKind.MESSAGE, allowed=True, closes_at=extended, tag=HUMAN_AGENT_TAG)
    closed_at = extended if target.human_agent else standard
    return Option(
        OutboundKind.MESSAGE,
        allowed=False,
        closes_at=closed_at,
        why_not=Text(
            "Meddelandefönstret stängdes %(at)s: Meta tar inte emot fler svar i samtalet "
            "förrän personen skriver igen. Svara via e-post eller telefon om ni har kontakt.",
            at=formatting.local_datetime(closed_at),
        ),
    )


def messaging_window_closes(
    *, channel: str, kind: str, last_inbound_at: datetime, human_agent: bool
) -> datetime | None:
    """Until when a conversation can be answered; None for anything that is not one."""
    if channel not in META_CHANNELS or kind != Kind.PRIVATE_MESSAGE.value:
        return None
    return last_inbound_at + (HUMAN_AGENT_WINDOW if human_agent else MESSAGING_WINDOW)


def window_closes_before_due(
    *, channel: str, kind: str, last_inbound_at: datetime, due_at: datetime, human_agent: bool
) -> bool:
    """A conversation that can no longer be answered when its answer is due (urgent)."""
    closes = messaging_window_closes(
        channel=channel, kind=kind, last_inbound_at=last_inbound_at, human_agent=human_agent
    )
    return closes is not None and closes < due_at


# A send refused for now is tried this many times in all before it is failed.
MAX_ATTEMPTS = 8
