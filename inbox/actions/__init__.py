"""Every write to the database, each with its audit event.

Functions take the clock (``now``) and the actor as arguments; nothing here
reads the time itself, so tests and backfills can move it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.channels.email.parse import ParsedEmail, to_new_item
from inbox.core import escalation
from inbox.core import notification_texts as messages
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OFFICE_OPEN,
    STOCKHOLM,
    OfficeCalendar,
    office_close_utc,
    require_aware,
)
from inbox.core.incoming import NewItem
from inbox.core.passwords import hash_password, password_problem
from inbox.core.rules.duty import Contact, WatchRules
from inbox.core.rules.tagging import PageSettings, Rules
from inbox.core.signed_links import ack_token
from inbox.core.sla import CalendarKind, SlaPolicy, SlaState, at_risk_from, due_at, sla_state
from inbox.core.tagging import TAG_COLUMNS, tag_values
from inbox.core.timeutil import local_midnight
from inbox.core.tokens import hash_token, new_token, shown_prefix
from inbox.store.db import bulk_rows, insert_ignoring_duplicates, insert_new_rows, session_scope
from inbox.store.models import (
    OPEN,
    ApiToken,
    AppFlag,
    Channel,
    Correction,
    Escalation,
    Event,
    Item,
    ItemSource,
    ItemView,
    LoginFailure,
    MailboxState,
    Note,
    Outbox,
    Page,
    Resolution,
    Response,
    Role,
    SchedulerLease,
    Status,
    User,
    UTCDateTime,
)

_item = Item.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_INGEST_COLUMNS = (
    "page_id",
    "external_id",
    "channel",
    "kind",
    "author",
    "author_id",
    "text",
    "post_id",
    "parent_id",
    "conversation_id",
    "received_at",
    "ingested_at",
    "due_at",
    "first_response_at",
    "response_minutes",
    "response_office_minutes",
    "status",
    "resolution",
    "closed_at",
    "sla_state",
    "at_risk_at",
    "urgency",
    *TAG_COLUMNS,
)


class ActionError(ValueError):
    """A write that was refused, with a message fit for the person who asked."""


def record_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    now: datetime,
    item_id: int | None = None,
    **data: Any,
) -> Event:
    event = Event(item_id=item_id, actor=actor, kind=kind, at=now, data=data)
    session.add(event)
    return event


def policy_of(page: Page) -> SlaPolicy:
    return SlaPolicy(calendar_kind=CalendarKind(page.calendar), target_hours=page.target_hours)


# A page created without settings (a key first seen in an import, say).
DEFAULT_CHANNEL = Channel.FACEBOOK.value
DEFAULT_CALENDAR_KIND = CalendarKind.OFFICE.value
DEFAULT_TARGET_HOURS = 24.0


def add_page(
    session: Session,
    *,
    key: str,
    name: str | None = None,
    channel: str = DEFAULT_CHANNEL,
    calendar: str = DEFAULT_CALENDAR_KIND,
    target_hours: float = DEFAULT_TARGET_HOURS,
    platform_id: str | None = None,
    actor: str,
    now: datetime,
) -> Page:
    key = key.strip()
    if not key or len(key) > 64 or any(ch.isspace() for ch in key):
        raise ActionError(f"invalid page key {key!r}: 1-64 characters, no spaces")
    if channel not in {c.value for c in Channel}:
        raise ActionError(f"unknown channel {channel!r}")
    if calendar not in {c.value for c in CalendarKind}:
        raise ActionError(f"unknown calendar {calendar!r}: office or 24x7")
    if not 0 < target_hours <= 24 * 90:
        raise ActionError(f"target hours must be between 0 and 2160, not {target_hours}")
    if session.exec(select(Page).where(Page.key == key)).first() is not None:
        raise ActionError(f"page {key!r} already exists")
    page = Page(
        key=key,
        name=name or key,
        channel=channel,
        calendar=calendar,
        target_hours=target_hours,
        platform_id=platform_id,
        created_at=now,
    )
    session.add(page)
    session.flush()
    record_event(session, actor=actor, kind="page_added", now=now, page=key)
    return page


def response_spans(
    received_at: datetime, first_response_at: datetime, calendar: OfficeCalendar
) -> tuple[float, float]:
    """Wall-clock and office minutes from receipt to first response."""
    minutes = (first_response_at - received_at).total_seconds() / 60
    return minutes, calendar.office_minutes(received_at, first_response_at)


@dataclass
class IngestResult:
    inserted_ids: list[int] = field(default_factory=list)
    skipped: int = 0

    @property
    def inserted(self) -> int:
        return len(self.inserted_ids)


def ingest_items(
    session: Session,
    items: Sequence[NewItem],
    *,
    pages: dict[str, Page],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> IngestResult:
    """Store new items, keyed on (page, external id); repeats are skipped, not doubled.

    Built for bulk (imports and webhook backlogs): rows go in as plain tuples in
    one statement per batch, never as ORM objects. With ``rules`` each item is
    tagged and routed on the way in; without, ``tag_untagged`` does it later.
    """
    rows = item_rows(items, pages=pages, now=now, calendar=calendar, rules=rules)
    return store_item_rows(session, rows)


def item_rows(
    items: Sequence[NewItem],
    *,
    pages: dict[str, Page],
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> list[tuple[Any, ...]]:
    """The database rows of new items (due time, SLA state, tags): pure computation,
    so a bulk import can prepare the next batch while the last one is written."""
    rows: list[tuple[Any, ...]] = []
    policies = {key: policy_of(page) for key, page in pages.items()}
    for new in items:
        page = pages[new.page]
        first = new.first_response_at
        minutes = office = None
        if first is not None:
            minutes, office = response_spans(new.received_at, first, calendar)
        closed = new.resolution is not None or first is not None
        due = due_at(new.received_at, policies[new.page], calendar)
        # The state at ingest is where the item starts, not a transition: an old
        # item backfilled already overdue must not wake anybody.
        state = sla_state(received_at=new.received_at, due_at=due, first_response_at=first, now=now)
        rows.append(
            (
                page.id,
                new.external_id,
                new.channel or page.channel,
                new.kind,
                new.author,
                new.author_id,
                new.text,
                new.post_id,
                new.parent_id,
                new.conversation_id,
                new.received_at,
                now,
                due,
                first,
                minutes,
                office,
                Status.CLOSED.value if closed else Status.OPEN.value,
                new.resolution,
                now if closed else None,
                state.value,
                at_risk_from(new.received_at, due),
                # Open items wait for the urgent policy's assessment by the sweep.
                "none" if closed else None,
                *_tags(new, page, rules),
            )
        )
    return rows


def store_item_rows(session: Session, rows: Sequence[Sequence[Any]]) -> IngestResult:
    """Insert rows made by ``item_rows``; those already stored (same page and
    external id) are skipped."""
    result = IngestResult()
    if rows:
        result.inserted_ids = insert_ignoring_duplicates(
            session.connection(), _item, _INGEST_COLUMNS, rows
        )
    result.skipped = len(rows) - result.inserted
    return result


_ITEM_KEY = ("page_id", "external_id")


def store_new_item_rows(session: Session, rows: Sequence[Sequence[Any]]) -> int:
    """Bulk insert of rows from ``bulk_item_rows``, no two with the same page and
    external id; those already stored are skipped. Returns how many were inserted."""
    return insert_new_rows(session.connection(), _item, _INGEST_COLUMNS, rows, unique=_ITEM_KEY)


def bulk_item_rows(dialect: str, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Rows of ``item_rows`` encoded for ``store_new_item_rows`` (needs no database, so
    it can run in another process); ``row[0]`` is the page id, to fill in if None."""
    return bulk_rows(dialect, _item, _INGEST_COLUMNS, rows, _ITEM_KEY)


def _tags(new: NewItem, page: Page, rules: Rules | None) -> tuple[Any, ...]:
    if rules is None:
        return (None, None, None, "normal", None, "", "", None, None, None)
    values = tag_values(
        new.text,
        rules,
        page=page.key,
        channel=new.channel or page.channel,
        kind=new.kind,
        received_at=new.received_at,
        resolution=new.resolution,
    )
    return tuple(values[name] for name in TAG_COLUMNS)


def tag_untagged(session: Session, *, rules: Rules, limit: int = 2000) -> int:
    """Tag and route items stored without tags (bulk imports); returns how many."""
    c = _item.c
    rows = session.execute(
        sa.select(c.id, c.text, _page.c.key, c.channel, c.kind, c.received_at, c.resolution)
        .join(_page, _page.c.id == c.page_id)
        .where(c.classification.is_(None))
        .order_by(c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    updates = []
    for item_id, text, page, channel, kind, received_at, resolution in rows:
        values = tag_values(
            text,
            rules,
            page=page,
            channel=channel,
            kind=kind,
            received_at=received_at,
            resolution=resolution,
        )
        updates.append({"b_id": item_id, **{f"b_{k}": v for k, v in values.items()}})
    session.execute(
        sa.update(_item)
        .where(c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in TAG_COLUMNS}),
        updates,
    )
    return len(rows)


def reroute_open_items(
    session: Session, *, rules: Rules, actor: str, now: datetime
) -> tuple[int, int]:
    """Apply changed rules to open items: re-tag them, and re-route those nobody routed by hand.

    Returns (items examined, items whose department or priority changed); every
    change is recorded with the rule that caused it.
    """
    c = _item.c
    manual = sa.select(col(Correction.item_id)).where(col(Correction.field) == "department")
    rows = session.execute(
        sa.select(
            c.id, c.text, _page.c.key, c.channel, c.kind, c.received_at, c.department, c.priority
        )
        .join(_page, _page.c.id == c.page_id)
        .where(c.status == OPEN, c.id.not_in(manual))
        .order_by(c.id)
    ).all()
    changed = 0
    for item_id, text, page, channel, kind, received_at, department, priority in rows:
        values = tag_values(
            text, rules, page=page, channel=channel, kind=kind, received_at=received_at
        )
        session.execute(sa.update(_item).where(c.id == item_id).values(values))
        if (values["department"], values["priority"]) != (department, priority):
            changed += 1
            record_event(
                session,
                actor=actor,
                kind="rerouted",
                now=now,
                item_id=item_id,
                old_department=department,
                department=values["department"],
                old_priority=priority,
                priority=values["priority"],
                rule=values["routing_rule"],
                reason=values["classification"]["reason"],
            )
    return len(rows), changed


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ActionError(f"no item with id {item_id}")
    return item


def record_response(
    session: Session,
    item: Item,
    *,
    author: str,
    text: str,
    sent_at: datetime,
    source: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    external_id: str | None = None,
    responder: str | None = None,
) -> Response:
    """Store a response; the earliest one sets the item's first response.

    ``responder`` is the signed-in user who sent it (their email), counted in the
    per-person figures when this is the first response.
    """
    if sent_at < item.received_at:
        raise ActionError("a response cannot be earlier than the item it answers")
    response = Response(
        item_id=item.id or 0,
        author=author,
        text=text,
        sent_at=sent_at,
        source=source,
        external_id=external_id,
    )
    session.add(response)
    if item.first_response_at is None or sent_at < item.first_response_at:
        item.first_response_at = sent_at
        item.response_minutes, item.response_office_minutes = response_spans(
            item.received_at, sent_at, calendar
        )
        item.sla_state = SlaState.MET.value if sent_at <= item.due_at else SlaState.LATE.value
        item.first_responder = responder
        session.add(item)
    record_event(
        session,
        actor=author,
        kind=f"response_{source}",
        now=now,
        item_id=item.id,
        sent_at=sent_at.isoformat(),
    )
    return response


def close_item(
    session: Session, item: Item, *, resolution: Resolution, actor: str, now: datetime
) -> Item:
    if item.status == Status.CLOSED.value:
        raise ActionError("the item is already closed")
    item.status = Status.CLOSED.value
    item.resolution = resolution.value
    item.closed_at = now
    if item.urgency is None:
        item.urgency = "none"
    session.add(item)
    record_event(
        session, actor=actor, kind="closed", now=now, item_id=item.id, resolution=resolution.value
    )
    return item


def sync_pages(
    session: Session,
    pages: dict[str, PageSettings],
    *,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> tuple[list[str], list[str]]:
    """Create the pages the rules files list and bring existing ones in line with them.

    A changed calendar or target moves the due time of the page's open items;
    answered and closed items keep theirs. Returns (created, updated) page keys.
    """
    existing = {p.key: p for p in session.exec(select(Page).where(col(Page.key).in_(pages)))}
    created: list[str] = []
    updated: list[str] = []
    for key, conf in sorted(pages.items()):
        page = existing.get(key)
        if page is None:
            add_page(
                session,
                key=key,
                name=conf.name,
                channel=conf.channel,
                calendar=conf.calendar,
                target_hours=conf.target_hours,
                platform_id=conf.platform_id,
                actor=actor,
                now=now,
            )
            created.append(key)
            continue
        wanted = {
            "name": conf.name or page.name,
            "channel": conf.channel,
            "calendar": conf.calendar,
            "target_hours": conf.target_hours,
            "platform_id": conf.platform_id or page.platform_id,
        }
        changes = {k: v for k, v in wanted.items() if getattr(page, k) != v}
        if not changes:
            continue
        clock_changed = "calendar" in changes or "target_hours" in changes
        for name, value in changes.items():
            setattr(page, name, value)
        session.add(page)
        if clock_changed:
            _retime_open_items(session, page, calendar=calendar, now=now)
        record_event(
            session, actor=actor, kind="page_updated", now=now, page=key, changes=sorted(changes)
        )
        updated.append(key)
    return created, updated


def _retime_open_items(
    session: Session, page: Page, *, calendar: OfficeCalendar, now: datetime
) -> None:
    policy = policy_of(page)
    c = _item.c
    rows = session.execute(
        sa.select(c.id, c.received_at).where(
            c.page_id == page.id,
            c.status == OPEN,
            c.first_response_at.is_(None),
        )
    ).all()
    for item_id, received_at in rows:
        due = due_at(received_at, policy, calendar)
        state = sla_state(received_at=received_at, due_at=due, first_response_at=None, now=now)
        session.execute(
            sa.update(_item)
            .where(c.id == item_id)
            .values(due_at=due, at_risk_at=at_risk_from(received_at, due), sla_state=state.value)
        )


def ensure_pages(
    session: Session, keys: set[str], *, actor: str, now: datetime
) -> tuple[dict[str, Page], list[str]]:
    """Pages by key, creating unknown keys with default settings; returns the new keys too."""
    existing = {p.key: p for p in session.exec(select(Page).where(col(Page.key).in_(keys)))}
    created = []
    for key in sorted(keys - set(existing)):
        existing[key] = add_page(session, key=key, actor=actor, now=now)
        created.append(key)
    return existing, created


def create_api_token(
    session: Session, *, name: str, actor: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned here once and never stored."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ActionError(f"invalid token name {name!r}: 1-64 characters, no spaces")
    active = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if active is not None:
        raise ActionError(f"a token named {name!r} already exists; revoke it first")
    secret = new_token()
    token = ApiToken(
        name=name, prefix=shown_prefix(secret), token_hash=hash_token(secret), created_at=now
    )
    session.add(token)
    session.flush()
    record_event(session, actor=actor, kind="api_token_created", now=now, token=name)
    return token, secret


def revoke_api_token(session: Session, *, name: str, actor: str, now: datetime) -> ApiToken:
    token = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if token is None:
        raise ActionError(f"no active token named {name!r}")
    token.revoked_at = now
    session.add(token)
    record_event(session, actor=actor, kind="api_token_revoked", now=now, token=name)
    return token


def ingest_one(
    session: Session,
    new: NewItem,
    *,
    page: Page,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> tuple[Item, bool]:
    """Store one item, or find the one already stored under its page and external id.

    Returns the item and whether it was created now; a repeat changes nothing.
    """
    result = ingest_items(
        session, [new], pages={new.page: page}, now=now, calendar=calendar, rules=rules
    )
    if result.inserted_ids:
        item = session.get(Item, result.inserted_ids[0])
        created = True
        record_event(
            session,
            actor=actor,
            kind="item_received",
            now=now,
            item_id=result.inserted_ids[0],
            channel=new.channel or page.channel,
        )
    else:
        item = session.exec(
            select(Item).where(Item.page_id == page.id, Item.external_id == new.external_id)
        ).first()
        created = False
    if item is None:  # pragma: no cover - the row was just inserted or found by its key
        raise ActionError(f"item {new.external_id!r} vanished while being stored")
    return item, created


@dataclass(frozen=True)
class EmailOutcome:
    """What one mail became: a new item, a repeat, or our own reply (responses recorded)."""

    kind: str  # "item" | "duplicate" | "own_reply"
    item_id: int | None = None
    responses: int = 0


def _thread_root(session: Session, page: Page, parsed: ParsedEmail) -> str | None:
    """The conversation a mail belongs to: that of a stored mail (or our reply) it refers to."""
    refs = [r for r in (parsed.in_reply_to, *reversed(parsed.references)) if r]
    if refs:
        known = session.exec(
            select(Item.external_id, Item.conversation_id).where(
                Item.page_id == page.id, col(Item.external_id).in_(refs)
            )
        ).all()
        replied = session.exec(
            select(Response.external_id, Item.conversation_id)
            .join(Item, col(Item.id) == col(Response.item_id))
            .where(Item.page_id == page.id, col(Response.external_id).in_(refs))
        ).all()
        by_id: dict[str, str] = {ext: conv for ext, conv in [*replied, *known] if conv}
        for ref in refs:  # the nearest ancestor first
            if ref in by_id:
                return by_id[ref]
    key = parsed.thread_key
    return key if key and len(key) <= 255 else None


def ingest_email(
    session: Session,
    parsed: ParsedEmail,
    *,
    page: Page,
    own_addresses: frozenset[str],
    received_fallback: datetime,
    actor: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> EmailOutcome:
    """Store one parsed mail of a mailbox page, idempotently (keyed on Message-ID).

    Mail from one of our own addresses is a reply: it sets the first response of
    the open items of its thread received before it, and never becomes an item.
    Auto-replies and bounces are stored closed as not needing a reply.
    """
    new = to_new_item(parsed, page=page.key, received_at_fallback=received_fallback)
    root = _thread_root(session, page, parsed) or new.conversation_id
    if parsed.from_address.strip().lower() in own_addresses:
        return _own_reply(session, parsed, new, page=page, root=root, now=now, calendar=calendar)
    item, created = ingest_one(
        session,
        replace(new, conversation_id=root),
        page=page,
        actor=actor,
        now=now,
        calendar=calendar,
    )
    if not created:
        return EmailOutcome("duplicate", item.id)
    if parsed.auto_reply:
        item.needs_reply = False
        session.add(item)
    session.add(
        ItemSource(
            item_id=item.id or 0,
            raw_html=parsed.html,
            data={
                "subject": parsed.subject,
                "message_id": parsed.message_id,
                "from_address": parsed.from_address,
                "in_reply_to": parsed.in_reply_to,
                "references": list(parsed.references),
                "auto_reply_reason": parsed.auto_reply_reason,
                "raw_sha256": parsed.raw_sha256,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in parsed.attachments
                ],
            },
        )
    )
    if parsed.auto_reply:
        record_event(
            session,
            actor=actor,
            kind="email_auto_reply",
            now=now,
            item_id=item.id,
            reason=parsed.auto_reply_reason,
        )
    return EmailOutcome("item", item.id)


def _own_reply(
    session: Session,
    parsed: ParsedEmail,
    new: NewItem,
    *,
    page: Page,
    root: str | None,
    now: datetime,
    calendar: OfficeCalendar,
) -> EmailOutcome:
    if root is None:
        return EmailOutcome("own_reply")
    sent_at = new.received_at
    items = session.exec(
        select(Item).where(
            Item.page_id == page.id,
            Item.conversation_id == root,
            Item.status == Status.OPEN.value,
            col(Item.received_at) <= sent_at,
        )
    ).all()
    recorded = 0
    for item in items:
        already = session.exec(
            select(Response.id).where(
                Response.item_id == item.id, Response.external_id == new.external_id
            )
        ).first()
        if already is not None:
            continue
        record_response(
            session,
            item,
            author=parsed.from_name or parsed.from_address,
            text=new.text,
            sent_at=sent_at,
            source="platform",
            now=now,
            calendar=calendar,
            external_id=new.external_id,
        )
        recorded += 1
    return EmailOutcome("own_reply", responses=recorded)


def advance_mailbox(
    session: Session, *, page: Page, uidvalidity: int, last_uid: int, now: datetime
) -> MailboxState:
    """Remember the last IMAP UID stored for a mailbox page (in the item's transaction)."""
    state = session.get(MailboxState, page.id)
    if state is None:
        state = MailboxState(
            page_id=page.id or 0, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now
        )
    else:
        state.uidvalidity, state.last_uid, state.updated_at = uidvalidity, last_uid, now
    session.add(state)
    return state


# --- Watching the clock: the SLA sweep, escalations, the outbox, digests ---------

SCHEDULER_ACTOR = "scheduler"
_event = Event.__table__  # type: ignore[attr-defined]
_outbox = Outbox.__table__  # type: ignore[attr-defined]
_page = Page.__table__  # type: ignore[attr-defined]
_escalation = Escalation.__table__  # type: ignore[attr-defined]
# Serialises sweeps on PostgreSQL (a transaction-level advisory lock).
_SWEEP_LOCK_KEY = 6_006_001
# Items assessed for the urgent policy per sweep; the rest wait for the next one.
_ASSESS_BATCH = 2000
# Items listed in one SLA notification.
_SLA_LIST_LIMIT = 30


@dataclass(frozen=True)
class Watch:
    """What the sweep and the digests need besides the database and the clock."""

    rules: WatchRules
    base_url: str
    secret_key: str
    calendar: OfficeCalendar = DEFAULT_CALENDAR
    # The tagging rules: items stored untagged are tagged before the urgent policy runs.
    tagging: Rules | None = None


@dataclass
class SweepResult:
    tagged: int = 0
    at_risk: int = 0
    breached: int = 0
    assessed: int = 0
    urgent: int = 0
    escalated: int = 0
    forwarded: int = 0
    notifications: int = 0


def _queue_emails(
    session: Session,
    msg: messages.Message,
    recipients: Iterable[str],
    *,
    key: str,
    now: datetime,
    actor: str,
) -> int:
    """One message to each recipient, deduplicated per recipient; returns how many were new."""
    queued = 0
    for recipient in recipients:
        if queue_notification(
            session,
            kind="email",
            recipient=recipient,
            dedup_key=f"{key}:{recipient}"[:255],
            now=now,
            actor=actor,
            subject=msg.subject,
            text=msg.text,
            html=msg.html,
        ):
            queued += 1
    return queued


def queue_notification(
    session: Session,
    *,
    kind: str,
    recipient: str,
    dedup_key: str,
    now: datetime,
    actor: str,
    subject: str = "",
    text: str = "",
    html: str = "",
    payload: dict[str, Any] | None = None,
    item_id: int | None = None,
) -> int | None:
    """Queue a notification in the caller's transaction; a repeated key is ignored.

    Returns the new outbox id, or None when the key was already queued.
    """
    if kind not in {"email", "webhook"}:
        raise ActionError(f"unknown notification kind {kind!r}: email or webhook")
    if not recipient.strip():
        raise ActionError("a notification needs a recipient")
    if not dedup_key or len(dedup_key) > 255:
        raise ActionError("a notification needs a deduplication key of 1-255 characters")
    values = {
        "kind": kind,
        "recipient": recipient.strip()[:500],
        "subject": subject[:300],
        "body_text": text,
        "body_html": html,
        "payload": payload,
        "dedup_key": dedup_key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "item_id": item_id,
    }
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = (
        insert(_outbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(_outbox.c.id)
    )
    new_id = session.execute(statement).scalar_one_or_none()
    if new_id is not None:
        record_event(
            session,
            actor=actor,
            kind="notification_queued",
            now=now,
            item_id=item_id,
            outbox_id=new_id,
            channel=kind,
            recipient=values["recipient"],
            subject=values["subject"],
            dedup_key=dedup_key,
        )
    return new_id


def _lock_sweep(session: Session) -> None:
    # SQLite serialises writers itself; on PostgreSQL two sweeps (the scheduler and an
    # operator's `inbox sweep`) must not both decide on the same items.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SWEEP_LOCK_KEY})


def _item_lines(session: Session, where: Any, *, order: Any, limit: int) -> list[messages.ItemLine]:
    c = _item.c
    rows = session.execute(
        sa.select(c.id, _page.c.key, sa.func.substr(c.text, 1, 600), c.received_at, c.due_at)
        .join(_page, _page.c.id == c.page_id)
        .where(where)
        .order_by(order, c.id)
        .limit(limit)
    ).all()
    return [messages.ItemLine(r[0], r[1], r[2] or "", r[3], r[4]) for r in rows]


def _bulk_events(
    session: Session, where: Any, *, kind: str, data: dict[str, Any], now: datetime, actor: str
) -> None:
    """One audit event per item matching ``where``, written by the database."""
    c = _item.c
    session.execute(
        sa.insert(_event).from_select(
            ["item_id", "actor", "kind", "at", "data"],
            sa.select(
                c.id,
                sa.literal(actor, sa.String()),
                sa.literal(kind, sa.String()),
                sa.literal(now, UTCDateTime()),
                sa.literal(data, sa.JSON()),
            ).where(where),
        )
    )


def _sla_notifications(
    session: Session, where: Any, *, to: SlaState, watch: Watch, now: datetime, actor: str
) -> int:
    """Office hours: one message per recipient listing the items that just turned."""
    c = _item.c
    rules = watch.rules.escalation
    groups = session.execute(
        sa.select(c.assignee, c.department, sa.func.count())
        .where(where)
        .group_by(c.assignee, c.department)
    ).all()
    counts: dict[str, int] = {}
    for assignee, department, count in groups:
        if to is SlaState.AT_RISK:
            recipients = escalation.at_risk_recipients(assignee, department, rules)
        else:
            recipients = escalation.breach_recipients(department, rules)
        for recipient in recipients:
            counts[recipient] = counts.get(recipient, 0) + count
    queued = 0
    stamp = now.isoformat()
    for recipient, count in sorted(counts.items()):
        # The items listed: those of this recipient's assignees and departments.
        keys = [
            (a, d)
            for a, d, _ in groups
            if recipient
            in (
                escalation.at_risk_recipients(a, d, rules)
                if to is SlaState.AT_RISK
                else escalation.breach_recipients(d, rules)
            )
        ]
        mine = sa.or_(
            *(
                sa.and_(
                    c.assignee.is_(None) if a is None else c.assignee == a,
                    c.department.is_(None) if d is None else c.department == d,
                )
                for a, d in keys
            )
        )
        lines = _item_lines(session, sa.and_(where, mine), order=c.due_at, limit=_SLA_LIST_LIMIT)
        msg = messages.sla_message(
            state=to.value, count=count, items=lines, base_url=watch.base_url
        )
        if (
            queue_notification(
                session,
                kind="email",
                recipient=recipient,
                dedup_key=f"sla:{to.value}:{stamp}:{recipient}",
                now=now,
                actor=actor,
                subject=msg.subject,
                text=msg.text,
                html=msg.html,
            )
            is not None
        ):
            queued += 1
    return queued


def _transition(
    session: Session,
    *,
    where: Any,
    frm: SlaState,
    to: SlaState,
    office: bool,
    watch: Watch,
    now: datetime,
    actor: str,
    result: SweepResult,
) -> int:
    if office:
        result.notifications += _sla_notifications(
            session, where, to=to, watch=watch, now=now, actor=actor
        )
    _bulk_events(
        session, where, kind=f"sla_{to.value}", data={"from": frm.value}, now=now, actor=actor
    )
    moved = session.execute(sa.update(_item).where(where).values(sla_state=to.value))
    return int(moved.rowcount)  # type: ignore[attr-defined]


def _escalate_to(
    session: Session,
    *,
    item_id: int,
    reason: str,
    level: str,
    person_key: str,
    person: Contact,
    watch: Watch,
    now: datetime,
    actor: str,
    backup_for: str | None = None,
) -> int:
    esc = Escalation(
        item_id=item_id,
        reason=reason,
        level=level,
        person=person_key,
        person_name=person.name,
        email=person.email,
        created_at=now,
    )
    session.add(esc)
    session.flush()
    esc_id = esc.id or 0
    record_event(
        session,
        actor=actor,
        kind="escalated" if level == "primary" else "escalation_forwarded",
        now=now,
        item_id=item_id,
        escalation_id=esc_id,
        level=level,
        person=person_key,
        reason=reason,
    )
    line = _item_lines(session, _item.c.id == item_id, order=_item.c.id, limit=1)[0]
    ack_url = f"{watch.base_url.rstrip('/')}/escalations/ack/{ack_token(watch.secret_key, esc_id)}"
    msg = messages.escalation_message(
        item=line,
        reason=reason,
        person_name=person.name,
        ack_url=ack_url,
        base_url=watch.base_url,
        backup_for=backup_for,
    )
    queued = 0
    if queue_notification(
        session,
        kind="email",
        recipient=person.email,
        dedup_key=f"escalation:{esc_id}:email",
        now=now,
        actor=actor,
        subject=msg.subject,
        text=msg.text,
        html=msg.html,
        item_id=item_id,
    ):
        queued += 1
    if person.webhook and queue_notification(
        session,
        kind="webhook",
        recipient=person.webhook,
        dedup_key=f"escalation:{esc_id}:webhook",
        now=now,
        actor=actor,
        subject=msg.subject,
        payload={
            "text": f"{msg.subject}: {messages.item_url(watch.base_url, item_id)}",
            "kind": "escalation",
            "level": level,
            "reason": reason,
            "item_id": item_id,
            "item_url": messages.item_url(watch.base_url, item_id),
            "ack_url": ack_url,
            "person": person.name,
            "phone": person.phone,
        },
        item_id=item_id,
    ):
        queued += 1
    return queued


def _assess_urgency(
    session: Session, *, watch: Watch, now: datetime, actor: str
) -> tuple[int, int]:
    """Apply the urgent policy to items not yet assessed (the newly arrived)."""
    c = _item.c
    policy = watch.rules.escalation.urgent
    heat = policy.heating_thread
    window = timedelta(minutes=heat.within_minutes)
    rows = session.execute(
        sa.select(
            c.id,
            c.page_id,
            c.kind,
            c.flags,
            c.priority,
            c.text,
            c.sentiment,
            c.post_id,
            c.received_at,
        )
        .where(c.urgency.is_(None), c.status == OPEN)
        .order_by(c.id)
        .limit(_ASSESS_BATCH)
    ).all()
    verdicts: dict[str, list[int]] = {}
    for row in rows:
        facts = escalation.ItemFacts(
            kind=row.kind, flags=row.flags or "", priority=row.priority or "", text=row.text or ""
        )
        reason = escalation.urgent_reason(facts, policy)
        if reason is None and row.sentiment == "negative" and row.post_id:
            same_thread = sa.and_(
                c.page_id == row.page_id,
                c.post_id == row.post_id,
                c.received_at >= row.received_at - window,
                c.received_at <= row.received_at,
            )
            negative = session.execute(
                sa.select(sa.func.count()).where(same_thread, c.sentiment == "negative")
            ).scalar_one()
            already = session.execute(
                sa.select(c.id).where(same_thread, c.urgency == "heating").limit(1)
            ).first()
            if negative >= heat.negative_comments and already is None:
                reason = "heating"
        verdicts.setdefault(reason or "none", []).append(row.id)
        if reason is not None:
            # Written now so the heating check of the next row sees it.
            session.execute(sa.update(_item).where(c.id == row.id).values(urgency=reason))
            record_event(
                session, actor=actor, kind="urgent", now=now, item_id=row.id, reason=reason
            )
    for start in range(0, len(verdicts.get("none", [])), 500):
        chunk = verdicts["none"][start : start + 500]
        session.execute(sa.update(_item).where(c.id.in_(chunk)).values(urgency="none"))
    return len(rows), sum(len(v) for k, v in verdicts.items() if k != "none")


def _escalate_urgent(
    session: Session, *, watch: Watch, now: datetime, actor: str
) -> tuple[int, int]:
    """Outside office hours: urgent, unanswered items nobody has been told about go to duty."""
    c = _item.c
    e = _escalation.c
    rows = session.execute(
        sa.select(c.id, c.urgency)
        .where(
            c.urgency.in_(escalation.URGENT_REASONS),
            c.status == OPEN,
            c.first_response_at.is_(None),
            ~sa.exists().where(e.item_id == c.id),
        )
        .order_by(c.received_at, c.id)
        .limit(500)
    ).all()
    rota = watch.rules.duty
    primary, _backup = rota.on_duty(now)
    queued = 0
    for item_id, reason in rows:
        queued += _escalate_to(
            session,
            item_id=item_id,
            reason=reason,
            level="primary",
            person_key=rota.key_of(primary),
            person=primary,
            watch=watch,
            now=now,
            actor=actor,
        )
    return len(rows), queued


def _forward_unacknowledged(
    session: Session, *, watch: Watch, now: datetime, actor: str
) -> tuple[int, int]:
    """Escalations nobody acknowledged in time go to the backup, once."""
    c = _item.c
    timeout = timedelta(minutes=watch.rules.escalation.ack_timeout_minutes)
    stale = session.exec(
        select(Escalation)
        .join(Item, col(Item.id) == col(Escalation.item_id))
        .where(
            Escalation.level == "primary",
            col(Escalation.acknowledged_at).is_(None),
            col(Escalation.forwarded_at).is_(None),
            col(Escalation.created_at) <= now - timeout,
            c.status == OPEN,
            c.first_response_at.is_(None),
        )
        .order_by(col(Escalation.id))
    ).all()
    rota = watch.rules.duty
    queued = 0
    for esc in stale:
        on_duty, backup = rota.on_duty(now)
        target = backup if backup.email != esc.email else on_duty
        esc.forwarded_at = now
        session.add(esc)
        queued += _escalate_to(
            session,
            item_id=esc.item_id,
            reason=esc.reason,
            level="backup",
            person_key=rota.key_of(target),
            person=target,
            watch=watch,
            now=now,
            actor=actor,
            backup_for=esc.person_name,
        )
    return len(stale), queued


def sla_sweep(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> SweepResult:
    """Move open items to at_risk and breached, and raise escalations by policy.

    Set-based: each transition is one UPDATE and one INSERT ... SELECT of audit
    events over the index ``ix_item_sweep``; no item is loaded to decide. Repeating
    a run, or running late, changes nothing twice.
    """
    require_aware(now, "now")
    _lock_sweep(session)
    c = _item.c
    result = SweepResult()
    office = escalation.is_office_time(now, watch.calendar)
    open_due = sa.and_(c.status == OPEN, c.at_risk_at <= now)
    for frm in (SlaState.OK, SlaState.AT_RISK):
        result.breached += _transition(
            session,
            where=sa.and_(open_due, c.sla_state == frm.value, c.due_at < now),
            frm=frm,
            to=SlaState.BREACHED,
            office=office,
            watch=watch,
            now=now,
            actor=actor,
            result=result,
        )
    result.at_risk = _transition(
        session,
        where=sa.and_(open_due, c.sla_state == SlaState.OK.value, c.due_at >= now),
        frm=SlaState.OK,
        to=SlaState.AT_RISK,
        office=office,
        watch=watch,
        now=now,
        actor=actor,
        result=result,
    )
    if watch.tagging is not None:
        result.tagged = tag_untagged(session, rules=watch.tagging)
    result.assessed, result.urgent = _assess_urgency(session, watch=watch, now=now, actor=actor)
    if not office:
        result.escalated, queued = _escalate_urgent(session, watch=watch, now=now, actor=actor)
        result.notifications += queued
    result.forwarded, queued = _forward_unacknowledged(session, watch=watch, now=now, actor=actor)
    result.notifications += queued
    return result


@dataclass(frozen=True)
class Acknowledgement:
    escalation: Escalation
    already: bool


def acknowledge_escalation(
    session: Session, *, escalation_id: int, actor: str, now: datetime
) -> Acknowledgement:
    """Stop an escalation (and its backup): someone has seen the item."""
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise ActionError(f"no escalation with id {escalation_id}")
    if esc.acknowledged_at is not None:
        return Acknowledgement(esc, already=True)
    for row in session.exec(
        select(Escalation).where(
            Escalation.item_id == esc.item_id, col(Escalation.acknowledged_at).is_(None)
        )
    ):
        row.acknowledged_at = now
        row.acknowledged_by = actor
        session.add(row)
    record_event(
        session,
        actor=actor,
        kind="escalation_acknowledged",
        now=now,
        item_id=esc.item_id,
        escalation_id=escalation_id,
    )
    return Acknowledgement(esc, already=False)


def record_delivery(
    session: Session,
    *,
    outbox_id: int,
    error: str | None,
    now: datetime,
    max_attempts: int,
    backoff_seconds: float,
    actor: str = SCHEDULER_ACTOR,
) -> str:
    """Note one delivery attempt; failures wait exponentially longer, then give up."""
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise ActionError(f"no notification with id {outbox_id}")
    row.attempts += 1
    if error is None:
        row.status = "sent"
        row.sent_at = now
        row.last_error = None
        kind = "notification_sent"
    else:
        row.last_error = error[:2000]
        if row.attempts >= max_attempts:
            row.status = "failed"
            kind = "notification_failed"
        else:
            delay = min(backoff_seconds * 2 ** (row.attempts - 1), 6 * 3600)
            row.next_attempt_at = now + timedelta(seconds=delay)
            kind = "notification_retry"
    session.add(row)
    record_event(
        session,
        actor=actor,
        kind=kind,
        now=now,
        item_id=row.item_id,
        outbox_id=outbox_id,
        attempts=row.attempts,
        recipient=row.recipient,
        **({"error": row.last_error} if error else {}),
    )
    return row.status


def _already_done(session: Session, kind: str, since: datetime) -> bool:
    found = session.execute(
        sa.select(_event.c.id).where(_event.c.kind == kind, _event.c.at >= since).limit(1)
    ).first()
    return found is not None


def _previous_working_day(day: date, calendar: OfficeCalendar) -> date:
    day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def queue_daily_digests(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> int:
    """On a working day from the digest time on: one digest per department, once.

    Lists what is open, and first what came in while the office was closed (the
    night, the weekend): what the urgent policy let wait.
    """
    rules = watch.rules.escalation
    local = now.astimezone(STOCKHOLM)
    today = local.date()
    if not watch.calendar.is_working_day(today) or local.time() < rules.digest.daily_at:
        return 0
    day_start = local_midnight(today)
    if _already_done(session, "digests_queued", day_start):
        return 0
    c = _item.c
    since = office_close_utc(_previous_working_day(today, watch.calendar))
    opened = datetime.combine(today, OFFICE_OPEN, tzinfo=STOCKHOLM).astimezone(UTC)
    waiting = sa.and_(c.status == OPEN, c.first_response_at.is_(None))
    overnight = sa.and_(waiting, c.received_at >= since, c.received_at < opened)
    totals = {
        d: (n, b)
        for d, n, b in session.execute(
            sa.select(
                c.department,
                sa.func.count(),
                sa.func.sum(sa.case((c.sla_state == SlaState.BREACHED.value, 1), else_=0)),
            )
            .where(waiting)
            .group_by(c.department)
        ).all()
    }
    waited_counts = dict(
        session.execute(
            sa.select(c.department, sa.func.count()).where(overnight).group_by(c.department)
        ).all()
    )
    queued = 0
    limit = rules.digest.max_items
    for dept in sorted(totals, key=lambda d: d or ""):
        count, breached = totals[dept]
        mine = c.department.is_(None) if dept is None else c.department == dept
        name = rules.departments[dept].name if dept in rules.departments else None
        msg = messages.digest_message(
            department=name or dept or "utan avdelning",
            open_count=count,
            breached=int(breached or 0),
            items=_item_lines(session, sa.and_(waiting, mine), order=c.due_at, limit=limit),
            waited=_item_lines(session, sa.and_(overnight, mine), order=c.received_at, limit=limit),
            waited_count=waited_counts.get(dept, 0),
            base_url=watch.base_url,
        )
        queued += _queue_emails(
            session,
            msg,
            rules.emails_of(dept),
            key=f"digest:{today.isoformat()}:{dept or '-'}",
            now=now,
            actor=actor,
        )
    record_event(
        session, actor=actor, kind="digests_queued", now=now, day=today.isoformat(), sent=queued
    )
    return queued


def queue_weekly_summary(
    session: Session, *, now: datetime, watch: Watch, actor: str = SCHEDULER_ACTOR
) -> int:
    """The week's figures per page, and what breached, to the supervisors, once a week."""
    from inbox.store.report import build_report

    rules = watch.rules.escalation
    local = now.astimezone(STOCKHOLM)
    today = local.date()
    digest = rules.digest
    if local.weekday() != digest.weekly_summary_weekday or local.time() < digest.weekly_summary_at:
        return 0
    if _already_done(session, "weekly_summary_queued", local_midnight(today)):
        return 0
    start = today - timedelta(days=7)
    report = build_report(session.connection(), start=start, end=today, as_of=now)
    rows = [
        (
            key,
            m.received,
            m.responded,
            m.response_rate,
            m.median_response_minutes,
            m.breached,
        )
        for key, m in report.pages.items()
    ]
    c = _item.c
    breached_items = _item_lines(
        session,
        sa.and_(
            c.received_at >= local_midnight(start),
            c.received_at < local_midnight(today),
            c.sla_state.in_([SlaState.BREACHED.value, SlaState.LATE.value]),
        ),
        order=c.received_at,
        limit=digest.max_items,
    )
    last = today - timedelta(days=1)
    week = f"v. {start.isocalendar().week} ({start.isoformat()} – {last.isoformat()})"
    msg = messages.summary_message(
        week_label=week, rows=rows, breached_items=breached_items, base_url=watch.base_url
    )
    queued = _queue_emails(
        session,
        msg,
        rules.supervisors(),
        key=f"summary:{today.isoformat()}",
        now=now,
        actor=actor,
    )
    record_event(
        session,
        actor=actor,
        kind="weekly_summary_queued",
        now=now,
        week=start.isoformat(),
        sent=queued,
    )
    return queued


def take_lease(session: Session, *, name: str, holder: str, now: datetime, seconds: float) -> bool:
    """Hold or renew the named lease; True when ``holder`` has it until ``now + seconds``."""
    lease = SchedulerLease.__table__  # type: ignore[attr-defined]
    until = now + timedelta(seconds=seconds)
    renewed = session.execute(
        sa.update(lease)
        .where(lease.c.name == name, lease.c.holder == holder)
        .values(expires_at=until)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    taken = session.execute(
        sa.update(lease)
        .where(lease.c.name == name, lease.c.expires_at < now)
        .values(holder=holder, expires_at=until, acquired_at=now)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        created = session.execute(
            insert(lease)
            .values(name=name, holder=holder, expires_at=until, acquired_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(lease.c.name)
        ).first()
        if created is None:
            return False
    record_event(session, actor=holder[:255], kind="lease_taken", now=now, lease=name)
    return True


def release_lease(session: Session, *, name: str, holder: str, now: datetime) -> None:
    """Give the lease up at shutdown so another scheduler need not wait for it to expire."""
    lease = SchedulerLease.__table__  # type: ignore[attr-defined]
    released = session.execute(
        sa.delete(lease).where(lease.c.name == name, lease.c.holder == holder)
    )
    if released.rowcount:  # type: ignore[attr-defined]
        record_event(session, actor=holder[:255], kind="lease_released", now=now, lease=name)


def process_deliveries(
    engine: Engine,
    *,
    now: datetime,
    limit: int = 500,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
) -> int:
    """Turn up to ``limit`` pending webhook deliveries into items, then tag and route them.
    (``inbox.actions.deliveries`` does the first part, ``rules`` the second.)"""
    from inbox.actions.deliveries import process_deliveries as process

    handled = process(engine, now=now, limit=limit, calendar=calendar)
    if rules is not None and handled:
        while True:
            with session_scope(engine) as session:
                if not tag_untagged(session, rules=rules):
                    break
    return handled


# --- People and sign-in ---------------------------------------------------------------

REMOVAL_REASONS = ("kränkande", "hot", "personuppgifter", "reklam", "olagligt innehåll", "annat")
CORRECTABLE = ("topic", "sentiment", "department")
SENTIMENTS = ("positive", "neutral", "negative")
MAX_TEXT = 8000


def _email(value: str) -> str:
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > 255:
        raise ActionError(f"not an email address: {value!r}")
    return email


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    departments: Sequence[str] = (),
    duty: bool = False,
    actor: str,
    now: datetime,
) -> User:
    address = _email(email)
    if role not in {r.value for r in Role}:
        raise ActionError(f"unknown role {role!r}: communicator, supervisor or admin")
    problem = password_problem(password)
    if problem:
        raise ActionError(problem)
    if session.exec(select(User).where(User.email == address)).first() is not None:
        raise ActionError(f"a user {address} already exists")
    keys = sorted({d.strip() for d in departments if d.strip()})
    user = User(
        email=address,
        name=(name.strip() or address)[:200],
        password_hash=hash_password(password),
        role=role,
        departments=keys,
        duty=duty,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record_event(
        session, actor=actor, kind="user_added", now=now, user=address, role=role, departments=keys
    )
    return user


def end_sessions(user: User) -> None:
    """Every session of the user ends: its cookies carry the previous epoch."""
    user.session_epoch = (user.session_epoch or 0) + 1


def sign_out(session: Session, *, user_id: int, now: datetime) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    end_sessions(user)
    session.add(user)
    record_event(session, actor=user.email, kind="logout", now=now)


def set_user_password(
    session: Session, *, email: str, password: str, actor: str, now: datetime
) -> User:
    """A new password; every session of the user ends with the old one."""
    address = email.strip().lower()
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise ActionError(f"no user {address}")
    problem = password_problem(password)
    if problem:
        raise ActionError(problem)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.add(user)
    record_event(session, actor=actor, kind="user_password", now=now, user=user.email)
    return user


def set_user_active(
    session: Session, *, user_id: int, active: bool, actor: str, now: datetime
) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ActionError(f"no user with id {user_id}")
    if user.email == actor and not active:
        raise ActionError("you cannot deactivate yourself")
    user.active = active
    if not active:
        end_sessions(user)
    session.add(user)
    kind = "user_activated" if active else "user_deactivated"
    record_event(session, actor=actor, kind=kind, now=now, user=user.email)
    return user


def set_user_language(session: Session, *, user: User, language: str, now: datetime) -> None:
    if language not in {"sv", "en"}:
        raise ActionError(f"unknown language {language!r}: sv or en")
    user.language = language
    session.add(user)


def record_login_failure(session: Session, *, email: str, key: str, now: datetime) -> None:
    session.add(LoginFailure(key=key, at=now))
    record_event(session, actor=email[:255] or "-", kind="login_failed", now=now)


def clear_login_failures(session: Session, *, key: str) -> None:
    session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key) == key))


def set_flag(session: Session, *, key: str, value: str) -> None:
    flag = session.get(AppFlag, key) or AppFlag(key=key)
    flag.value = value
    session.add(flag)


# --- Work on items --------------------------------------------------------------------


def _text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise ActionError(f"the {what} is empty")
    if len(text) > MAX_TEXT:
        raise ActionError(f"the {what} is longer than {MAX_TEXT} characters")
    return text


def reply(
    session: Session,
    item: Item,
    *,
    text: str,
    actor: str,
    author: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> Response:
    """Answer the author; an open item is then closed as answered."""
    response = record_response(
        session,
        item,
        author=author,
        text=_text(text, "reply"),
        sent_at=now,
        source="inbox",
        now=now,
        calendar=calendar,
        responder=actor,
    )
    if item.status == Status.OPEN.value:
        item.status = Status.CLOSED.value
        item.resolution = Resolution.ANSWERED.value
        item.closed_at = now
        session.add(item)
    return response


def acknowledge(
    session: Session,
    item: Item,
    *,
    text: str,
    actor: str,
    author: str,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
) -> Response:
    """Tell the author the question was seen: counts as first response, the item stays open."""
    if item.status != Status.OPEN.value:
        raise ActionError("the item is closed")
    return record_response(
        session,
        item,
        author=author,
        text=_text(text, "acknowledgement"),
        sent_at=now,
        source="acknowledgement",
        now=now,
        calendar=calendar,
        responder=actor,
    )


def remove_item(
    session: Session, item: Item, *, reason: str, detail: str = "", actor: str, now: datetime
) -> Item:
    if reason not in REMOVAL_REASONS:
        raise ActionError(f"unknown reason {reason!r}: {', '.join(REMOVAL_REASONS)}")
    detail = detail.strip()[:500]
    if reason == "annat" and not detail:
        raise ActionError("describe the reason when it is 'annat'")
    if item.status == Status.CLOSED.value and item.resolution == Resolution.REMOVED.value:
        raise ActionError("the item is already removed")
    item.status = Status.CLOSED.value
    item.resolution = Resolution.REMOVED.value
    item.closed_at = now
    session.add(item)
    record_event(
        session, actor=actor, kind="removed", now=now, item_id=item.id, reason=reason, detail=detail
    )
    return item


def assign_item(
    session: Session, item: Item, *, assignee: str | None, actor: str, now: datetime
) -> Item:
    previous = item.assignee
    item.assignee = assignee or None
    session.add(item)
    record_event(
        session,
        actor=actor,
        kind="assigned",
        now=now,
        item_id=item.id,
        assignee=item.assignee,
        previous=previous,
    )
    return item


def add_note(session: Session, item: Item, *, text: str, actor: str, now: datetime) -> Note:
    note = Note(item_id=item.id or 0, author=actor, text=_text(text, "note"), at=now)
    session.add(note)
    record_event(session, actor=actor, kind="note", now=now, item_id=item.id)
    return note


def send_to_department(
    session: Session,
    item: Item,
    *,
    department: str,
    note: str,
    known: set[str],
    actor: str,
    now: datetime,
) -> Item:
    """Route the item to another department; the assignee is cleared, the note kept."""
    if department not in known:
        raise ActionError(f"unknown department {department!r}")
    if department == item.department:
        raise ActionError("the item is already with that department")
    previous = item.department
    item.department = department
    item.assignee = None
    session.add(item)
    if note.strip():
        add_note(session, item, text=note, actor=actor, now=now)
    record_event(
        session,
        actor=actor,
        kind="sent_to_department",
        now=now,
        item_id=item.id,
        department=department,
        previous=previous,
    )
    return item


def correct_item(
    session: Session,
    item: Item,
    *,
    field: str,
    value: str,
    allowed: set[str],
    actor: str,
    now: datetime,
) -> Correction:
    """Correct topic, sentiment or department, kept as a labelled example for the tagger."""
    if field not in CORRECTABLE:
        raise ActionError(f"cannot correct {field!r}: {', '.join(CORRECTABLE)}")
    if value not in allowed:
        raise ActionError(f"unknown {field} {value!r}")
    old = getattr(item, field)
    if old == value:
        raise ActionError(f"the {field} is already {value}")
    correction = Correction(
        item_id=item.id or 0,
        field=field,
        old_value=old,
        new_value=value,
        text=item.text,
        actor=actor,
        at=now,
    )
    session.add(correction)
    setattr(item, field, value)
    session.add(item)
    record_event(
        session,
        actor=actor,
        kind="corrected",
        now=now,
        item_id=item.id,
        field=field,
        old=old,
        new=value,
    )
    return correction


def touch_view(session: Session, *, item_id: int, user_email: str, now: datetime) -> None:
    """Presence heartbeat: not audited, it records no decision."""
    view = session.exec(
        select(ItemView).where(ItemView.item_id == item_id, ItemView.user_email == user_email)
    ).first()
    if view is None:
        view = ItemView(item_id=item_id, user_email=user_email, seen_at=now)
    view.seen_at = now
    session.add(view)
