"""Pages: adding them, syncing them with the rules, and each page's SLA policy."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from inbox.actions.audit import ActionError, record_event
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OfficeCalendar,
)
from inbox.core.kinds import CalendarKind, Channel, ConnectionState, OutboundState, Receives
from inbox.core.rules.tagging import PageSettings
from inbox.core.sla import SlaPolicy, at_risk_from, due_at, sla_state
from inbox.store.models import OPEN, Item, Outbound, Page, PageConnection

_item = Item.__table__  # type: ignore[attr-defined]


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
    receives: str = Receives.ALL.value,
    human_agent: bool = False,
    reply_webhook: str | None = None,
    reply_secret_cipher: str | None = None,
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
    _check_receives(session, key=key, platform_id=platform_id, receives=receives)
    _check_webhook(reply_webhook)
    page = Page(
        key=key,
        name=name or key,
        channel=channel,
        calendar=calendar,
        target_hours=target_hours,
        platform_id=platform_id,
        receives=receives,
        human_agent=human_agent,
        reply_webhook=reply_webhook,
        reply_secret_cipher=reply_secret_cipher,
        created_at=now,
    )
    session.add(page)
    session.flush()
    record_event(session, actor=actor, kind="page_added", now=now, page=key)
    return page


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
                receives=conf.receives,
                human_agent=conf.human_agent,
                actor=actor,
                now=now,
            )
            created.append(key)
            continue
        # receives and human_agent only where the file says so (else: the command line's).
        stated: dict[str, object] = {
            k: getattr(conf, k) for k in ("receives", "human_agent") if k in conf.model_fields_set
        }
        wanted: dict[str, object] = {
            "name": conf.name or page.name,
            "channel": conf.channel,
            "calendar": conf.calendar,
            "target_hours": conf.target_hours,
            "platform_id": conf.platform_id or page.platform_id,
            **stated,
        }
        changes = {k: v for k, v in wanted.items() if getattr(page, k) != v}
        if "receives" in changes or "platform_id" in changes:
            _check_receives(
                session,
                key=key,
                platform_id=conf.platform_id or page.platform_id,
                receives=conf.receives if "receives" in stated else page.receives,
            )
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


def _check_receives(session: Session, *, key: str, platform_id: str | None, receives: str) -> None:
    """One page per platform id and part: all, or a feed page and a messages page."""
    if receives not in {r.value for r in Receives}:
        raise ActionError(f"unknown part {receives!r}: all, feed or messages")
    if platform_id is None:
        return
    for other in session.exec(select(Page).where(Page.platform_id == platform_id)):
        if other.key == key:
            continue
        if Receives.ALL.value in (other.receives, receives) or other.receives == receives:
            raise ActionError(
                f"page {other.key!r} already takes {other.receives} of platform id {platform_id}"
            )


def _check_webhook(url: str | None) -> None:
    if url is not None and not url.startswith(("https://", "http://")):
        raise ActionError(f"the reply webhook must be an http(s) URL, not {url!r}")


def page_by_key(session: Session, key: str) -> Page:
    page = session.exec(select(Page).where(Page.key == key)).first()
    if page is None:
        raise ActionError(f"no page {key!r}")
    return page


def update_page(
    session: Session,
    *,
    key: str,
    actor: str,
    now: datetime,
    receives: str | None = None,
    human_agent: bool | None = None,
    reply_webhook: str | None = None,
    reply_secret_cipher: str | None = None,
    platform_id: str | None = None,
) -> Page:
    """Change how a page sends and what it receives; only the values given change."""
    page = page_by_key(session, key)
    wanted = {
        "receives": receives,
        "human_agent": human_agent,
        "reply_webhook": reply_webhook,
        "reply_secret_cipher": reply_secret_cipher,
        "platform_id": platform_id,
    }
    changes = {k: v for k, v in wanted.items() if v is not None and getattr(page, k) != v}
    _check_receives(
        session,
        key=key,
        platform_id=platform_id or page.platform_id,
        receives=receives or page.receives,
    )
    _check_webhook(reply_webhook)
    for name, value in changes.items():
        setattr(page, name, value)
    session.add(page)
    # The secret's value never goes into the audit trail, only that it changed.
    record_event(
        session, actor=actor, kind="page_updated", now=now, page=key, changes=sorted(changes)
    )
    return page


def connect_page(
    session: Session,
    *,
    key: str,
    platform_id: str,
    platform_name: str,
    token_cipher: str,
    actor: str,
    now: datetime,
) -> PageConnection:
    """Store the page's sealed token (checked against the platform by the caller).

    One connection per platform id: a feed page and a messages page share it.
    """
    page = page_by_key(session, key)
    if page.platform_id != platform_id:
        raise ActionError(
            f"the token belongs to {platform_id}, not to page {key!r} ({page.platform_id})"
        )
    connection = session.exec(
        select(PageConnection).where(PageConnection.platform_id == platform_id)
    ).first()
    if connection is None:
        connection = PageConnection(
            platform_id=platform_id,
            token_cipher=token_cipher,
            state=ConnectionState.CONNECTED.value,
            connected_by=actor,
            connected_at=now,
            checked_at=now,
        )
    connection.platform_name = platform_name[:200]
    connection.token_cipher = token_cipher
    connection.state = ConnectionState.CONNECTED.value
    connection.detail = None
    connection.connected_by = actor
    connection.connected_at = connection.checked_at = now
    session.add(connection)
    # What waited for a working connection goes now, not at the end of its pause.
    o = Outbound.__table__.c  # type: ignore[attr-defined]
    page_ids = sa.select(Page.id).where(Page.platform_id == platform_id)  # type: ignore[call-overload]
    session.execute(
        sa.update(Outbound.__table__)  # type: ignore[attr-defined]
        .where(
            o.state == OutboundState.QUEUED.value,
            o.page_id.in_(page_ids),
            o.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    record_event(
        session, actor=actor, kind="page_connected", now=now, page=key, platform_id=platform_id
    )
    return connection
