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
from inbox.core.kinds import CalendarKind, Channel
from inbox.core.rules.tagging import PageSettings
from inbox.core.sla import SlaPolicy, at_risk_from, due_at, sla_state
from inbox.store.models import OPEN, Item, Page

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
