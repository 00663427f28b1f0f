"""What the channels hand to the actions: the normalised shapes of what came in.

``NewItem`` is the one shape every channel's payload becomes; ``MetaEvent`` is
one event of a Meta webhook delivery (an item, an edit, a removal, the page's
own reply ...) and ``ParsedEmail`` one parsed mail. The channels make them from
the outside formats (``inbox.channels.meta.parse``, ``inbox.channels.email.parse``);
the actions store them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# Item.external_id holds at most 255 characters; longer ids fall back to a hash.
MAX_ID = 255


@dataclass(frozen=True, slots=True)
class NewItem:
    page: str
    external_id: str
    received_at: datetime
    text: str
    channel: str | None = None
    kind: str = "comment"
    author: str = ""
    author_id: str | None = None
    post_id: str | None = None
    parent_id: str | None = None
    conversation_id: str | None = None
    first_response_at: datetime | None = None
    resolution: str | None = None


class MetaFormatError(ValueError):
    """The delivery is not JSON, or not a shape we know; ``reason`` names where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MetaEvent:
    object: str  # "page" | "instagram"
    platform_page_id: str  # entry.id: the Facebook page or Instagram account
    action: str  # one of ACTIONS
    event_key: str  # the same event redelivered gives the same key
    channel: str  # "facebook" | "instagram" | "messenger"
    created_at: datetime  # aware UTC, the platform's time of the event
    external_id: str | None = None  # comment id, message mid, or post id for "post"
    kind: str | None = None  # "comment" | "reply" | "private_message" | "mention"
    post_id: str | None = None
    parent_id: str | None = None  # the comment replied to, never the post itself
    conversation_id: str | None = None  # "{page}:{user}" for private messages
    author: str = ""
    author_id: str | None = None
    text: str = ""
    needs_fetch: bool = False  # author or text absent: fetch the object later
    attachments: tuple[str, ...] = ()
    reason: str | None = None  # why an "ignored" event was ignored

    def to_new_item(self, *, page: str) -> NewItem:
        """The item this event creates; only for ``action == "item"``."""
        if self.action != "item" or self.external_id is None:
            raise ValueError(f"a {self.action!r} event does not create an item")
        return NewItem(
            page=page,
            external_id=self.external_id,
            received_at=self.created_at,
            text=self.text,
            channel=self.channel,
            kind=self.kind or "comment",
            author=self.author,
            author_id=self.author_id,
            post_id=self.post_id,
            parent_id=self.parent_id,
            conversation_id=self.conversation_id,
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # decoded bytes


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str | None  # without angle brackets
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, as in the header
    subject: str
    from_name: str
    from_address: str
    date: datetime | None  # aware UTC: the Date header, else the received time given
    text: str  # plain text to show; converted from HTML when there is no text part
    html: str | None  # the original HTML body, kept as sent
    attachments: tuple[Attachment, ...]
    auto_reply: bool  # a machine wrote it (auto-reply, bounce, list): no reply needed
    auto_reply_reason: str | None
    thread_key: str | None  # Message-ID of the thread's root, as far as we can tell
    raw_sha256: str


def to_new_item(parsed: ParsedEmail, *, page: str, received_at_fallback: datetime) -> NewItem:
    external_id = parsed.message_id
    if external_id is None or len(external_id) > MAX_ID:
        # The same bytes imported twice must still give the same key.
        external_id = f"sha256:{parsed.raw_sha256}"
    text = parsed.text.strip()
    if parsed.subject:
        text = f"Ämne: {parsed.subject}\n\n{text}".rstrip()
    thread = parsed.thread_key if parsed.thread_key and len(parsed.thread_key) <= MAX_ID else None
    return NewItem(
        page=page,
        external_id=external_id,
        received_at=(parsed.date or received_at_fallback).astimezone(UTC),
        text=text,
        channel="email",
        kind="email",
        author=parsed.from_name or parsed.from_address,
        author_id=parsed.from_address.lower() or None,
        conversation_id=thread or external_id,
        resolution="no_reply_needed" if parsed.auto_reply else None,
    )


# A stored webhook body and the moment it is processed -> its events.
DeliveryParser = Callable[[bytes, datetime], list[MetaEvent]]


def part_of(event: MetaEvent) -> str:
    """Which part of a page an event belongs to: its messages or its feed (``Receives``)."""
    messaging = event.channel == "messenger" or event.conversation_id is not None
    return "messages" if messaging else "feed"
