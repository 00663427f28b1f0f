"""Database tables. Every timestamp column is timezone-aware and stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from inbox.core.kinds import Channel, DeliveryStatus, Kind, Role, Status

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_epoch_us(value: datetime) -> int:
    """Microseconds since the Unix epoch, exact (no float rounding)."""
    return (value - EPOCH) // _MICROSECOND


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    PostgreSQL stores ``timestamptz``. SQLite has no time type, so there the value
    is an integer count of microseconds since the epoch: exact, chronological in
    comparisons, and a third of the size of ISO text in the report's index.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: timestamps must be timezone-aware")
        return to_epoch_us(value) if dialect.name == "sqlite" else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return EPOCH + value * _MICROSECOND
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected stored time {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def ts_column(*, nullable: bool = False, index: bool = False) -> Any:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


class Page(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("platform_id", "receives", name="uq_page_platform_receives"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    channel: str = Field(default=Channel.FACEBOOK.value, max_length=16)
    calendar: str = Field(default="office", max_length=8)
    target_hours: float = Field(default=24.0)
    platform_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=ts_column())
    # What the page takes of what arrives under its platform id: all, feed or
    # messages (inbox.core.kinds.Receives): a Facebook page's comments and its
    # Messenger inbox may be one page or two, sharing one connection.
    receives: str = Field(
        default="all", sa_column=sa.Column(sa.String(8), nullable=False, server_default="all")
    )
    # Messenger answers up to 7 days after the person's last message (HUMAN_AGENT).
    human_agent: bool = Field(
        default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false())
    )
    # API pages: replies are POSTed here, signed with the page's secret (sealed).
    reply_webhook: str | None = Field(default=None, max_length=500)
    reply_secret_cipher: str | None = Field(default=None, sa_type=sa.Text)


class Post(SQLModel, table=True):
    """A post the page itself published; comments sit under it."""

    __table_args__ = (sa.UniqueConstraint("page_id", "external_id", name="uq_post_page_external"),)

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="page.id", index=True)
    external_id: str = Field(max_length=128)
    text: str = Field(default="", sa_type=sa.Text)
    published_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


OPEN: Any = sa.literal_column("'open'")
_OPEN_ONLY: dict[str, Any] = {
    "sqlite_where": sa.text("status = 'open'"),
    "postgresql_where": sa.text("status = 'open'"),
}


def _not_null(column: str) -> dict[str, Any]:
    where = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": where, "postgresql_where": where}


class Item(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("page_id", "external_id", name="uq_item_page_external"),
        # Covers the report: window scans read only this index, never the table.
        sa.Index(
            "ix_item_report",
            "page_id",
            "received_at",
            "first_response_at",
            "due_at",
            "resolution",
            "response_minutes",
            "response_office_minutes",
            # ... and the dashboard's groupings, so one index serves both reads.
            "department",
            "first_responder",
            "topic",
            "sentiment",
        ),
        # Indexes of open items only: an import of last year's (closed) items
        # does not pay for them. Queries name the state as the literal OPEN so
        # both databases can prove the index applies.
        sa.Index("ix_item_open_due", "status", "due_at", **_OPEN_ONLY),
        # Items stored without tags (bulk imports) wait for the tagging pass.
        sa.Index(
            "ix_item_untagged",
            "id",
            sqlite_where=sa.text("classification IS NULL"),
            postgresql_where=sa.text("classification IS NULL"),
        ),
        # The SLA sweep: open items still on the clock whose at-risk instant has come.
        sa.Index("ix_item_sweep", "status", "sla_state", "at_risk_at", **_OPEN_ONLY),
        # Covers the dialogue figures; partial, so items outside any post cost nothing.
        sa.Index(
            "ix_item_dialogue",
            "page_id",
            "received_at",
            "post_id",
            "kind",
            sqlite_where=sa.text("post_id IS NOT NULL"),
            postgresql_where=sa.text("post_id IS NOT NULL"),
        ),
        # The queue's counts per filter read only this index (open items, grouped).
        sa.Index(
            "ix_item_open_facets",
            "status",
            "page_id",
            "department",
            "topic",
            "sentiment",
            "due_at",
            "received_at",
            "first_response_at",
            "assignee",
            **_OPEN_ONLY,
        ),
        sa.Index("ix_item_open_department", "status", "department", "due_at", **_OPEN_ONLY),
        sa.Index("ix_item_urgency", "urgency", **_OPEN_ONLY),
        # Thread look-ups are by equality, so items outside any thread need no entry.
        sa.Index("ix_item_post_id", "post_id", **_not_null("post_id")),
        sa.Index("ix_item_conversation_id", "conversation_id", **_not_null("conversation_id")),
        # Retention: closed items not erased yet, by page and closing time.
        sa.Index(
            "ix_item_retention",
            "page_id",
            "closed_at",
            sqlite_where=sa.text("closed_at IS NOT NULL AND erased_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NOT NULL AND erased_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="page.id")
    external_id: str = Field(max_length=255)
    channel: str = Field(max_length=16)
    kind: str = Field(default=Kind.COMMENT.value, max_length=24)
    author: str = Field(default="", max_length=255)
    author_id: str | None = Field(default=None, max_length=128)
    text: str = Field(default="", sa_type=sa.Text)
    # Thread: the post it sits under, the comment it replies to, the conversation.
    post_id: str | None = Field(default=None, max_length=128)
    parent_id: str | None = Field(default=None, max_length=255)
    conversation_id: str | None = Field(default=None, max_length=255)
    received_at: datetime = Field(sa_column=ts_column())
    ingested_at: datetime = Field(sa_column=ts_column())
    due_at: datetime = Field(sa_column=ts_column())
    # Stored SLA state (ok, at_risk, breached, met, late), moved on by the sweep, and
    # the instant the item turns at risk, so the sweep is an indexed comparison.
    sla_state: str = Field(default="ok", max_length=16)
    at_risk_at: datetime = Field(sa_column=ts_column())
    # The urgent policy's verdict: NULL until assessed, then "none" or the reason
    # (threat, offensive, priority, crisis, heating).
    urgency: str | None = Field(default=None, max_length=16)
    first_response_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    # Derived at response time so reports aggregate in SQL instead of in Python.
    response_minutes: float | None = None
    response_office_minutes: float | None = None
    status: str = Field(default=Status.OPEN.value, max_length=8)
    resolution: str | None = Field(default=None, max_length=16)
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    department: str | None = Field(default=None, max_length=64)
    assignee: str | None = Field(default=None, max_length=255)
    topic: str | None = Field(default=None, max_length=64)
    sentiment: str | None = Field(default=None, max_length=16)
    priority: str = Field(default="normal", max_length=16)
    # Tagging and routing: what the classifier found and which rule fired, so the
    # interface can explain it. Flags and tags are stored space-delimited with a
    # space at each end, so " threat " can be matched with LIKE on any database.
    language: str | None = Field(default=None, max_length=8)
    flags: str = Field(default="", max_length=255)
    tags: str = Field(default="", max_length=255)
    needs_reply: bool | None = None
    routing_rule: str | None = Field(default=None, max_length=128)
    classification: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    # Who sent the first response (a user's email), for the per-person figures.
    first_responder: str | None = Field(default=None, max_length=255)
    # When the personal data was erased (text, author, ids, attachments, source) and
    # by what: a retention rule ("default.keep_closed_days") or a person's request.
    erased_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    erased_by: str | None = Field(default=None, max_length=128)


class Correction(SQLModel, table=True):
    """A communicator's correction of topic, sentiment or department: a labelled example."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    field: str = Field(max_length=16)
    old_value: str | None = Field(default=None, max_length=64)
    new_value: str = Field(max_length=64)
    text: str = Field(default="", sa_type=sa.Text)
    actor: str = Field(max_length=255)
    at: datetime = Field(sa_column=ts_column())


class Response(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    author: str = Field(max_length=255)
    text: str = Field(default="", sa_type=sa.Text)
    sent_at: datetime = Field(sa_column=ts_column())
    # inbox | acknowledgement | platform | import | api
    source: str = Field(max_length=24)
    external_id: str | None = Field(default=None, max_length=255)


class Event(SQLModel, table=True):
    """The audit trail: who did what, when."""

    __table_args__ = (
        sa.Index("ix_event_kind_at", "kind", "at"),
        sa.Index("ix_event_actor_at", "actor", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    actor: str = Field(max_length=255)
    kind: str = Field(max_length=48)
    at: datetime = Field(sa_column=ts_column(index=True))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class Registration(SQLModel, table=True):
    """An item handed over to case registration (diarieföring): where, when, by whom,
    and the registry's reference (diarienummer) once it is entered."""

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    address: str = Field(max_length=255)
    sent_at: datetime = Field(sa_column=ts_column())
    sent_by: str = Field(max_length=255)
    sent_by_name: str = Field(max_length=200)
    reference: str | None = Field(default=None, max_length=64)
    reference_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    reference_by: str | None = Field(default=None, max_length=255)


class ItemSource(SQLModel, table=True):
    """What an item was made from, beyond its text: the original HTML and the mail's details."""

    __tablename__ = "item_source"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    # The HTML body as sent; only ever shown escaped or converted, never as markup.
    raw_html: str | None = Field(default=None, sa_type=sa.Text)
    # Subject, Message-ID, sender address, references, attachments (name, type, size).
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class MailboxState(SQLModel, table=True):
    """How far a mailbox page has been read: IMAP UIDs are only meaningful per UIDVALIDITY."""

    __tablename__ = "mailbox_state"

    page_id: int = Field(foreign_key="page.id", primary_key=True)
    uidvalidity: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    last_uid: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=ts_column())


class ApiToken(SQLModel, table=True):
    """A bearer token for the API. Only its SHA-256 is stored; the prefix names it in lists."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, index=True)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    # Space-separated: read (GET), items (record items and responses), reply (send).
    scopes: str = Field(
        default="read items",
        sa_column=sa.Column(sa.String(64), nullable=False, server_default="read items"),
    )
    created_at: datetime = Field(sa_column=ts_column())
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class Escalation(SQLModel, table=True):
    """Someone was told about an item that cannot wait; open until acknowledged."""

    __table_args__ = (sa.UniqueConstraint("item_id", "level", name="uq_escalation_item_level"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    reason: str = Field(max_length=32)
    # primary (the person on duty) or backup (after the acknowledgement timeout)
    level: str = Field(max_length=8)
    person: str = Field(max_length=64)
    person_name: str = Field(max_length=200)
    email: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=ts_column(index=True))
    forwarded_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    acknowledged_by: str | None = Field(default=None, max_length=255)


class Outbox(SQLModel, table=True):
    """Notifications waiting to go out, written in the transaction that caused them."""

    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # email | webhook
    kind: str = Field(max_length=8)
    recipient: str = Field(max_length=500)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(default="", sa_type=sa.Text)
    body_html: str = Field(default="", sa_type=sa.Text)
    payload: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    dedup_key: str = Field(max_length=255, unique=True)
    # pending | sent | failed (gave up after the last attempt)
    status: str = Field(default="pending", max_length=8)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=ts_column())
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    sent_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(sa_column=ts_column())
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)


class SchedulerLease(SQLModel, table=True):
    """Which scheduler process may run jobs; taken over once it expires."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_column=ts_column())
    acquired_at: datetime = Field(sa_column=ts_column())


class Delivery(SQLModel, table=True):
    """One webhook request body exactly as received, kept before anything is parsed.

    The raw bytes are the source of truth: items are made from them afterwards by
    the processor, so a crash between the 200 and the processing loses nothing.
    """

    __table_args__ = (sa.Index("ix_delivery_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    received_at: datetime = Field(sa_column=ts_column())
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    signature_ok: bool = True
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=16)
    error: str | None = Field(default=None, sa_type=sa.Text)
    processed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    attempts: int = 0


class ProcessedEvent(SQLModel, table=True):
    """Every platform event applied, by its key: a redelivery is recognised here."""

    __tablename__ = "processed_event"

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=512, unique=True)
    delivery_id: int | None = Field(default=None)
    # The platform's id of the comment or message: finds an item's deliveries on erasure.
    external_id: str | None = Field(default=None, max_length=255, index=True)
    processed_at: datetime = Field(sa_column=ts_column())


class PlatformResponse(SQLModel, table=True):
    """A comment or message the page itself wrote on the platform.

    Kept even when the item it answers has not arrived yet, so the item gets its
    first response when it does; also what the dialogue figures read.
    """

    __tablename__ = "platform_response"
    __table_args__ = (
        sa.UniqueConstraint("page_id", "external_id", name="uq_platform_response_page_external"),
    )

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="page.id")
    external_id: str = Field(max_length=255)
    post_id: str | None = Field(default=None, max_length=128, index=True)
    parent_id: str | None = Field(default=None, max_length=255, index=True)
    conversation_id: str | None = Field(default=None, max_length=255, index=True)
    author: str = Field(default="", max_length=255)
    text: str = Field(default="", sa_type=sa.Text)
    sent_at: datetime = Field(sa_column=ts_column())


class PendingEvent(SQLModel, table=True):
    """An edit, removal or hide that arrived before the item it concerns."""

    __tablename__ = "pending_event"

    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="page.id")
    external_id: str = Field(max_length=255, index=True)
    action: str = Field(max_length=16)
    at: datetime = Field(sa_column=ts_column())
    text: str = Field(default="", sa_type=sa.Text)


class User(SQLModel, table=True):
    """A person who signs in. Departments are department keys from the rules files."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, unique=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.COMMUNICATOR.value, max_length=16)
    departments: list[str] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # May act as the person on duty: sees urgent items of every department.
    duty: bool = Field(default=False)
    language: str | None = Field(default=None, max_length=8)
    active: bool = Field(default=True)
    # Sessions carry the epoch they were signed in under; raising it (sign-out,
    # deactivation) ends every session of the user, copied cookies included.
    session_epoch: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    created_at: datetime = Field(sa_column=ts_column())


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, keyed on email and address; read to throttle guessing."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=320, index=True)
    at: datetime = Field(sa_column=ts_column())


class Note(SQLModel, table=True):
    """An internal note on an item, never sent to the author."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    author: str = Field(max_length=255)
    text: str = Field(default="", sa_type=sa.Text)
    at: datetime = Field(sa_column=ts_column())


class ItemView(SQLModel, table=True):
    """Who has an item open right now: a heartbeat per person and item."""

    __table_args__ = (sa.UniqueConstraint("item_id", "user_email", name="uq_item_view"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    user_email: str = Field(max_length=255)
    seen_at: datetime = Field(sa_column=ts_column())


class AppFlag(SQLModel, table=True):
    """Small facts about the installation, e.g. that it holds demo data."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=255)


class PageConnection(SQLModel, table=True):
    """A page's access token on its platform (Meta), sealed; shared by the pages with its id."""

    __tablename__ = "page_connection"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: str = Field(max_length=64, unique=True)
    platform_name: str = Field(default="", max_length=200)
    # Fernet cipher text under INBOX_TOKEN_KEY (inbox.core.token_box); never the token.
    token_cipher: str = Field(sa_type=sa.Text)
    # connected | reconnect | permission (inbox.core.kinds.ConnectionState)
    state: str = Field(max_length=16)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    connected_by: str = Field(max_length=255)
    connected_at: datetime = Field(sa_column=ts_column())
    checked_at: datetime = Field(sa_column=ts_column())


class Outbound(SQLModel, table=True):
    """One thing sent to a platform for an item: written with the person's action, sent once.

    States (inbox.core.kinds.OutboundState): queued, sending, sent, failed and
    uncertain (the answer was lost: settled by the webhook echo or a lookup, never
    repeated blindly).
    """

    __table_args__ = (sa.Index("ix_outbound_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    page_id: int = Field(foreign_key="page.id")
    # reply | private_reply | message | hide | unhide | delete
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_type=sa.Text)
    reason: str | None = Field(default=None, max_length=32)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    # A Messenger message tag (HUMAN_AGENT) when sent after the 24-hour window.
    tag: str | None = Field(default=None, max_length=16)
    actor: str = Field(max_length=255)
    actor_name: str = Field(default="", max_length=200)
    # One per form submission or API call: a double click or a retried request is one send.
    idempotency_key: str = Field(max_length=64, unique=True)
    state: str = Field(default="queued", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=ts_column())
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())
    # When the platform accepted it (the response time counts to this).
    sent_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    # What the platform made: the comment id, the message id, the mail's Message-ID.
    platform_id: str | None = Field(default=None, max_length=255, index=True)
    error_code: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, sa_type=sa.Text)
    advice: str | None = Field(default=None, sa_type=sa.Text)
    # answer | echo | lookup | person: how a sent state was known
    settled_by: str | None = Field(default=None, max_length=8)
    # An uncertain send looked for on the platform: how often, and when last
    # (the next lookup is due at next_attempt_at; inbox.core.lookup's schedule).
    lookups: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    looked_up_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class LegalHold(SQLModel, table=True):
    """An item that must not be erased (a legal hold), and why: stops retention and requests."""

    __tablename__ = "legal_hold"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    reason: str = Field(sa_type=sa.Text)
    actor: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=ts_column())


class PersonToken(SQLModel, table=True):
    """The person index: normalised name words, addresses and numbers per item.

    Tokens of an item's author, text, responses and notes, so one person's data is
    found by index look-ups rather than by reading every text. Prefixes: n: a whole
    author name, w: a name word, e: an address, p: a phone number, s: a
    personnummer, i: a platform id (inbox.core.person).
    """

    __tablename__ = "person_token"
    # Clustered by item on SQLite: an erasure deletes each item's tokens from one
    # place, and look-ups by token go through ix_person_token_token.
    __table_args__ = (
        sa.Index("ix_person_token_token", "token"),
        {"sqlite_with_rowid": False},
    )

    # No foreign key: the index is derived, written in bulk, and erasure deletes its rows.
    item_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: str = Field(max_length=96, primary_key=True)
